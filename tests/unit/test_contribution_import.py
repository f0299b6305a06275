"""Reading contribution files: columns, cells as CSV and XLSX give them, every reason a row is rejected, and the
rows of one person gathered into one record."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.claims.rules.inputs import ContributionKind, WorkType
from hub.claims.rules.months import Month
from hub.contributions.file_import import COLUMNS, UnreadableFile, column_map, parse_row, prepare
from hub.contributions.records import (
    ContributionPeriod,
    ContributionRecord,
    EmployerInfo,
    check_record,
)
from hub.infra.errors import BusinessError
from hub.persons.id_numbers import compose_personal_id
from hub.persons.models import Gender

TODAY = dt.date(2026, 11, 2)
MAI = compose_personal_id("48", Gender.FEMALE, 1990, 123)
HUNG = compose_personal_id("01", Gender.MALE, 1985, 456)
HEADER = [aliases[0] for aliases in COLUMNS.values()]
COLUMN_MAP = column_map(HEADER)
GOOD = {
    "SO_DINH_DANH": MAI,
    "MA_SO_BHXH": "4812345678",
    "HO_TEN": "Trần Thị Mai",
    "NGAY_SINH": "04/03/1990",
    "GIOI_TINH": "2",
    "MA_TINH": "48",
    "MA_XA": "20242",
    "DIA_CHI": "Số 3 Lê Lợi",
    "MA_DON_VI": "DN0401234567",
    "TEN_DON_VI": "Công ty TNHH May Hòa Bình",
    "MST_DON_VI": "0401234567",
    "MA_TINH_DON_VI": "48",
    "TU_THANG": "01/2025",
    "DEN_THANG": "06/2025",
    "MUC_LUONG": "8500000",
    "DIEU_KIEN_LAM_VIEC": "",
    "LOAI_DONG": "",
}


def cells(**changes: Any) -> list[Any]:
    values = {**GOOD, **changes}
    return [values[name] for name in HEADER]


def parse(**changes: Any) -> tuple[ContributionRecord | None, list[BusinessError]]:
    return parse_row(cells(**changes), COLUMN_MAP, today=TODAY)


def codes(**changes: Any) -> list[str]:
    record, errors = parse(**changes)
    assert record is None
    return [error.code for error in errors]


# -- columns ------------------------------------------------------------------------------------------------------


def test_vietnamese_headings_are_matched_without_diacritics_or_case():
    header = [
        "Số định danh cá nhân",
        "HỌ VÀ TÊN",
        "ngay sinh",
        "Giới tính",
        "Mã tỉnh",
        "Mã xã",
        "Từ tháng",
        "Mức lương",
    ]
    header += ["Mã tỉnh đơn vị", "Tên đơn vị", "Mã đơn vị", "Loại đóng"]
    found = column_map(header)
    assert found["personal_id_number"] == 0 and found["full_name"] == 1 and found["salary_vnd"] == 7
    # "Mã tỉnh" is the person's province, "Mã tỉnh đơn vị" the employer's: an exact match tells them apart
    assert (found["province_code"], found["employer_province_code"]) == (4, 8)
    assert "bhxh_code" not in found and "to_month" not in found  # optional


def test_a_file_without_an_identifier_column_or_a_required_one_is_unreadable():
    with pytest.raises(UnreadableFile, match="SO_DINH_DANH or MA_SO_BHXH"):
        column_map([h for h in HEADER if h not in ("SO_DINH_DANH", "MA_SO_BHXH")])
    with pytest.raises(UnreadableFile, match="no MUC_LUONG column"):
        column_map([h for h in HEADER if h != "MUC_LUONG"])
    # One identifier column is enough
    assert "bhxh_code" in column_map([h for h in HEADER if h != "SO_DINH_DANH"])


# -- good rows ----------------------------------------------------------------------------------------------------


def test_a_good_row_is_a_record_of_one_person_with_one_period():
    record, errors = parse()
    assert errors == [] and record is not None
    assert (record.personal_id_number, record.bhxh_code, record.full_name) == (MAI, "4812345678", "Trần Thị Mai")
    assert (record.gender, record.date_of_birth) == (Gender.FEMALE, dt.date(1990, 3, 4))
    assert (record.province_code, record.commune_code, record.address) == ("48", "20242", "Số 3 Lê Lợi")
    assert record.periods == (
        ContributionPeriod(
            Month(2025, 1),
            Month(2025, 6),
            8_500_000,
            WorkType.NORMAL,
            ContributionKind.COMPULSORY,
            EmployerInfo("DN0401234567", "Công ty TNHH May Hòa Bình", "48", "0401234567"),
        ),
    )


def test_cells_as_a_spreadsheet_types_them():
    # Given numbers where codes lost their leading zeros, real dates and a float salary
    record, errors = parse(
        SO_DINH_DANH=int(HUNG),
        MA_SO_BHXH=112345678,
        HO_TEN="  nguyễn   Văn Hùng ",
        NGAY_SINH=dt.datetime(1985, 7, 1),
        GIOI_TINH="Nam",
        MA_TINH=1,
        MA_XA=4,
        MA_TINH_DON_VI=1,
        TU_THANG=dt.datetime(2024, 7, 1),
        DEN_THANG=202412,
        MUC_LUONG=12_000_000.0,
        DIEU_KIEN_LAM_VIEC="Nặng nhọc, độc hại",
        LOAI_DONG="Bắt buộc",
    )
    assert errors == [] and record is not None
    assert (record.personal_id_number, record.bhxh_code) == (HUNG, "0112345678")
    assert (record.full_name, record.province_code, record.commune_code) == ("nguyễn Văn Hùng", "01", "00004")
    (period,) = record.periods
    assert (period.first, period.last, period.salary_vnd) == (Month(2024, 7), Month(2024, 12), 12_000_000)
    assert (period.work_type, period.kind) == (WorkType.HEAVY_HAZARDOUS, ContributionKind.COMPULSORY)
    assert period.employer is not None and period.employer.province_code == "01"


@pytest.mark.parametrize(
    ("written", "month"),
    [
        ("3/2025", Month(2025, 3)),
        ("2025-03", Month(2025, 3)),
        ("202503", Month(2025, 3)),
        ("15/03/2025", Month(2025, 3)),
    ],
)
def test_months_are_read_in_the_usual_ways_and_a_blank_end_is_one_month(written, month):
    record, errors = parse(TU_THANG=written, DEN_THANG="")
    assert errors == [] and record is not None
    assert (record.periods[0].first, record.periods[0].last) == (month, month)


@pytest.mark.parametrize("written", ["8500000", "8.500.000", "8,500,000", "8 500 000", 8500000, 8500000.0])
def test_salaries_with_or_without_thousands_separators(written):
    record, errors = parse(MUC_LUONG=written)
    assert errors == [] and record is not None and record.periods[0].salary_vnd == 8_500_000


def test_a_voluntary_contributor_has_no_employer_and_the_kind_follows_from_it():
    blank = {"MA_DON_VI": "", "TEN_DON_VI": "", "MST_DON_VI": "", "MA_TINH_DON_VI": ""}
    record, errors = parse(**blank, MUC_LUONG="1500000")
    assert errors == [] and record is not None
    assert (record.periods[0].kind, record.periods[0].employer) == (ContributionKind.VOLUNTARY, None)
    record, errors = parse(**blank, LOAI_DONG="Tự nguyện", SO_DINH_DANH="", GIOI_TINH="nữ")
    assert errors == [] and record is not None and record.personal_id_number is None
    assert record.periods[0].kind is ContributionKind.VOLUNTARY


# -- every reason a row is rejected -------------------------------------------------------------------------------

NO_EMPLOYER = {"MA_DON_VI": "", "TEN_DON_VI": "", "MST_DON_VI": "", "MA_TINH_DON_VI": ""}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"SO_DINH_DANH": "", "MA_SO_BHXH": ""}, ["IDENTIFIER_REQUIRED"]),
        ({"SO_DINH_DANH": "04819000012"}, ["INVALID_PERSONAL_ID"]),  # 11 characters, written as text
        ({"GIOI_TINH": "1"}, ["INVALID_PERSONAL_ID"]),  # the number says female
        ({"MA_SO_BHXH": "48-1234567"}, ["INVALID_BHXH_CODE"]),
        ({"HO_TEN": "  "}, ["NAME_REQUIRED"]),
        ({"HO_TEN": "A" * 201}, ["TEXT_TOO_LONG"]),
        ({"DIA_CHI": "x" * 501}, ["TEXT_TOO_LONG"]),
        ({"NGAY_SINH": "31/02/1990"}, ["INVALID_DATE"]),
        ({"SO_DINH_DANH": "", "NGAY_SINH": "01/01/2027"}, ["DATE_OF_BIRTH_IN_FUTURE", "MONTH_OUT_OF_RANGE"]),
        ({"GIOI_TINH": "x"}, ["INVALID_GENDER"]),
        ({"MA_XA": "00004"}, ["INVALID_LOCATION"]),  # a Hà Nội commune, not in Đà Nẵng
        ({"MA_TINH": "", "MA_XA": ""}, ["INVALID_LOCATION"]),
        ({"TU_THANG": "13/2025"}, ["INVALID_MONTH"]),
        ({"DEN_THANG": "June"}, ["INVALID_MONTH"]),
        ({"TU_THANG": "06/2025", "DEN_THANG": "01/2025"}, ["MONTH_RANGE_REVERSED"]),
        ({"TU_THANG": "12/1994"}, ["MONTH_OUT_OF_RANGE"]),
        ({"TU_THANG": "02/1990", "DEN_THANG": "05/1990"}, ["MONTH_OUT_OF_RANGE"]),  # before the birth
        ({"DEN_THANG": "12/2031"}, ["MONTH_OUT_OF_RANGE"]),  # more than five years ahead
        ({"MUC_LUONG": "8500000.5"}, ["INVALID_SALARY"]),
        ({"MUC_LUONG": "0"}, ["INVALID_SALARY"]),
        ({"MUC_LUONG": "-8500000"}, ["INVALID_SALARY"]),
        ({"MUC_LUONG": "8.5 triệu"}, ["INVALID_SALARY"]),
        ({"MUC_LUONG": ""}, ["INVALID_SALARY"]),
        ({"DIEU_KIEN_LAM_VIEC": "very heavy"}, ["INVALID_WORK_TYPE"]),
        ({"LOAI_DONG": "sometimes"}, ["INVALID_KIND"]),
        ({**NO_EMPLOYER, "LOAI_DONG": "bắt buộc"}, ["EMPLOYER_REQUIRED"]),
        ({"LOAI_DONG": "tự nguyện"}, ["VOLUNTARY_WITH_EMPLOYER"]),
        ({**NO_EMPLOYER, "DIEU_KIEN_LAM_VIEC": "1"}, ["VOLUNTARY_WORK_TYPE"]),
        ({"MA_DON_VI": "dn-1"}, ["INVALID_EMPLOYER_CODE"]),
        ({"TEN_DON_VI": ""}, ["EMPLOYER_NAME_REQUIRED"]),
        ({"TEN_DON_VI": "C" * 301}, ["TEXT_TOO_LONG"]),
        ({"MST_DON_VI": "040123"}, ["INVALID_TAX_CODE"]),
        ({"MA_TINH_DON_VI": "99"}, ["UNKNOWN_EMPLOYER_PROVINCE"]),
        ({"MA_TINH_DON_VI": ""}, ["UNKNOWN_EMPLOYER_PROVINCE"]),
    ],
)
def test_each_reason_a_row_is_rejected(changes, expected):
    assert codes(**changes) == expected


def test_a_row_reports_every_problem_at_once_in_both_languages():
    record, errors = parse(GIOI_TINH="1", MA_XA="99999", TU_THANG="x", MUC_LUONG="0", MST_DON_VI="1")
    assert record is None
    assert [e.code for e in errors] == [
        "INVALID_TAX_CODE",
        "INVALID_MONTH",
        "INVALID_SALARY",
        "INVALID_PERSONAL_ID",
        "INVALID_LOCATION",
    ]
    gender = next(e for e in errors if e.code == "INVALID_PERSONAL_ID")
    assert gender.field == "personalIdNumber"
    assert "the number says female, the record says male" in gender.message
    assert "số định danh ghi nữ, hồ sơ ghi nam" in gender.message_vi


# -- a file: people gathered from their rows ----------------------------------------------------------------------


def test_rows_of_one_person_become_one_record_and_bad_rows_are_rejected_with_their_number():
    rows = [
        cells(TU_THANG="01/2024", DEN_THANG="06/2024"),  # row 2
        cells(TU_THANG="07/2024", DEN_THANG="12/2024", MUC_LUONG="9000000"),  # row 3: the same person
        [""] * len(HEADER),  # row 4: blank, skipped
        cells(TU_THANG="06/2024", DEN_THANG="08/2024"),  # row 5: overlaps rows 2 and 3
        cells(NGAY_SINH="05/03/1990", TU_THANG="01/2025"),  # row 6: same ID, another date of birth
        cells(TEN_DON_VI="Another name", TU_THANG="02/2025", DEN_THANG=""),  # row 7: the employer renamed
        cells(SO_DINH_DANH="", MA_SO_BHXH="4812345678", TU_THANG="03/2025", DEN_THANG=""),  # row 8: code without ID
        cells(SO_DINH_DANH=HUNG, MA_SO_BHXH="4812345678", HO_TEN="Nguyễn Văn Hùng", NGAY_SINH="01/07/1985",
              GIOI_TINH="1", TU_THANG="01/2025"),  # row 9: another person giving Mai's BHXH code
        cells(SO_DINH_DANH=HUNG, MA_SO_BHXH="", HO_TEN="Nguyễn Văn Hùng", NGAY_SINH="01/07/1985", GIOI_TINH="1",
              TU_THANG="01/2025", DEN_THANG="03/2025", **NO_EMPLOYER),  # row 10: good, a voluntary contributor
        cells(TU_THANG="01/2025", DEN_THANG="", MUC_LUONG="x"),  # row 11: unreadable
        cells(TU_THANG="01/2025", DEN_THANG="", MST_DON_VI=""),  # row 12: good, the tax code may be left out
    ]  # fmt: skip
    prepared = prepare(rows, COLUMN_MAP, today=TODAY)
    assert prepared.blank == 1
    assert {r.row: [e.code for e in r.errors] for r in prepared.rejected} == {
        5: ["MONTHS_OVERLAP"],
        6: ["PERSON_DIFFERS_IN_FILE"],
        7: ["EMPLOYER_DIFFERS_IN_FILE"],
        8: ["PERSON_DIFFERS_IN_FILE"],
        9: ["PERSON_DIFFERS_IN_FILE"],
        11: ["INVALID_SALARY"],
    }
    rejected = {r.row: r for r in prepared.rejected}
    assert rejected[5].errors[0].message == "Month 06/2024 is already given on row 2."
    assert rejected[5].errors[0].message_vi == "Tháng 06/2024 đã có ở dòng 2."
    assert "Row 2" in rejected[6].errors[0].message and "dateOfBirth" in rejected[6].errors[0].message
    assert rejected[9].code == HUNG and rejected[11].code == MAI
    mai, hung = prepared.people
    assert (mai.rows, hung.rows) == ([2, 3, 12], [10])
    assert [(p.first, p.last, p.salary_vnd) for p in mai.record.periods] == [
        (Month(2024, 1), Month(2024, 6), 8_500_000),
        (Month(2024, 7), Month(2024, 12), 9_000_000),
        (Month(2025, 1), Month(2025, 1), 8_500_000),
    ]
    assert hung.record.periods[0].kind is ContributionKind.VOLUNTARY and hung.record.bhxh_code is None


def test_the_store_checks_a_record_from_elsewhere_the_same_way():
    # A record from the contribution system with overlapping periods and a commune outside its province
    employer = EmployerInfo("DN0401234567", "Công ty TNHH May Hòa Bình", "48")
    record = ContributionRecord(
        "Trần Thị Mai",
        Gender.FEMALE,
        dt.date(1990, 3, 4),
        "48",
        "00004",
        personal_id_number=MAI,
        periods=(
            ContributionPeriod(Month(2024, 1), Month(2024, 12), 8_500_000, employer=employer),
            ContributionPeriod(Month(2023, 1), Month(2023, 12), 8_000_000, employer=employer),
            ContributionPeriod(Month(2024, 6), Month(2025, 1), 9_000_000, employer=employer),
        ),
    )
    errors = check_record(record, today=TODAY)
    assert [e.code for e in errors] == ["INVALID_LOCATION", "MONTHS_OVERLAP"]
    assert errors[1].message == "Month 06/2024 is already given on period 1 of the same record."


def test_records_refuse_what_no_record_can_hold():
    with pytest.raises(ValueError, match="identification number or a BHXH code"):
        ContributionRecord("Trần Thị Mai", Gender.FEMALE, dt.date(1990, 3, 4), "48", "20242")
    with pytest.raises(ValueError, match="names its employer"):
        ContributionPeriod(Month(2024, 1), Month(2024, 1), 1)
    with pytest.raises(ValueError, match="no employer"):
        ContributionPeriod(Month(2024, 1), Month(2024, 1), 1, WorkType.HEAVY_HAZARDOUS, ContributionKind.VOLUNTARY)
    with pytest.raises(ValueError, match="greater than zero"):
        ContributionPeriod(Month(2024, 1), Month(2024, 1), 0, kind=ContributionKind.VOLUNTARY)


@given(st.integers(min_value=1, max_value=10**12))
def test_any_positive_salary_written_with_vietnamese_separators_reads_back(amount):
    written = f"{amount:,}".replace(",", ".")
    record, errors = parse(MUC_LUONG=written)
    assert errors == [] and record is not None and record.periods[0].salary_vnd == amount


@given(st.integers(min_value=1995 * 12, max_value=2031 * 12 + 9))
def test_any_month_in_range_written_mm_yyyy_reads_back(index):
    month = Month(index // 12, index % 12 + 1)
    written = f"{month.month:02d}/{month.year}"
    record, errors = parse(SO_DINH_DANH="", NGAY_SINH="01/01/1970", TU_THANG=written, DEN_THANG="")
    assert errors == [] and record is not None and record.periods[0].first == month
