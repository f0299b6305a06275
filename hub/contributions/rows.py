"""One row of a contributions file read into a record of one person with one contribution period, or refused with
every reason; the columns are listed in `hub.contributions.file_import`."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from hub.claims.rules.inputs import ContributionKind, WorkType
from hub.claims.rules.months import Month
from hub.contributions.errors import ContributionErrorCode as C
from hub.contributions.errors import contribution_error
from hub.contributions.records import (
    BHXH_CODE,
    EMPLOYER_CODE,
    MAX_ADDRESS,
    MAX_EMPLOYER_NAME,
    MAX_NAME,
    TAX_CODE,
    ContributionPeriod,
    ContributionRecord,
    EmployerInfo,
    check_employer_province,
    check_identity,
    check_month_range,
)
from hub.infra.errors import BusinessError
from hub.infra.spreadsheets import DATE_FORMATS, Cell, UnreadableFile, find_columns
from hub.infra.text import fold
from hub.persons.models import Gender

COLUMNS: dict[str, tuple[str, ...]] = {
    "personal_id_number": ("SO_DINH_DANH", "SO_CCCD", "Số định danh cá nhân", "Số định danh", "Số CCCD"),
    "bhxh_code": ("MA_SO_BHXH", "MA_BHXH", "Mã số BHXH", "Mã BHXH"),
    "full_name": ("HO_TEN", "Họ và tên", "Họ tên"),
    "date_of_birth": ("NGAY_SINH", "Ngày sinh"),
    "gender": ("GIOI_TINH", "Giới tính"),
    "province_code": ("MA_TINH", "Mã tỉnh"),
    "commune_code": ("MA_XA", "Mã xã"),
    "address": ("DIA_CHI", "Địa chỉ"),
    "employer_code": ("MA_DON_VI", "MA_DV", "Mã đơn vị"),
    "employer_name": ("TEN_DON_VI", "TEN_DV", "Tên đơn vị"),
    "employer_tax_code": ("MST_DON_VI", "MA_SO_THUE", "Mã số thuế", "Mã số thuế đơn vị"),
    "employer_province_code": ("MA_TINH_DON_VI", "Mã tỉnh đơn vị", "Tỉnh đơn vị"),
    "from_month": ("TU_THANG", "Từ tháng"),
    "to_month": ("DEN_THANG", "Đến tháng"),
    "salary_vnd": ("MUC_LUONG", "TIEN_LUONG", "Mức lương", "Mức lương đóng", "Tiền lương đóng BHXH"),
    "work_type": ("DIEU_KIEN_LAM_VIEC", "LOAI_CONG_VIEC", "Điều kiện làm việc", "Loại công việc"),
    "kind": ("LOAI_DONG", "Loại đóng", "Hình thức đóng"),
}
REQUIRED = ("full_name", "date_of_birth", "gender", "province_code", "commune_code", "from_month", "salary_vnd")
IDENTIFIERS = ("personal_id_number", "bhxh_code")
GENDERS = {
    **dict.fromkeys(("1", "nam", "male", "m"), Gender.MALE),
    **dict.fromkeys(("2", "nu", "female", "f"), Gender.FEMALE),
}
WORK_TYPES = {
    **dict.fromkeys(("", "0", "normal", "binhthuong", "bt"), WorkType.NORMAL),
    **dict.fromkeys(
        ("1", "heavyhazardous", "nangnhocdochai", "nangnhocdochainguyhiem", "nndh", "nndhnh"), WorkType.HEAVY_HAZARDOUS
    ),
}
KINDS = {
    **dict.fromkeys(("compulsory", "batbuoc", "bb"), ContributionKind.COMPULSORY),
    **dict.fromkeys(("voluntary", "tunguyen", "tn"), ContributionKind.VOLUNTARY),
}
MONTH_FORMATS = ("%m/%Y", "%Y-%m", "%Y%m", "%m-%Y")
# 8.500.000, 8,500,000 or 8 500 000: thousands grouped the Vietnamese or the English way.
_GROUPED = re.compile(r"[0-9]{1,3}(?:([., \u00a0])[0-9]{3})(?:\1[0-9]{3})*")
_DIGITS = re.compile(r"[0-9]+")


def column_map(header: list[str]) -> dict[str, int]:
    """Which column holds which field; UnreadableFile naming the first required column that is missing."""
    found = find_columns(header, COLUMNS)
    expected = ", ".join(f"{COLUMNS[n][0]}" for n in (*IDENTIFIERS, *REQUIRED))
    if not any(name in found for name in IDENTIFIERS):
        missing = f"{COLUMNS['personal_id_number'][0]} or {COLUMNS['bhxh_code'][0]}"
        raise UnreadableFile(contribution_error(C.MISSING_COLUMN, column=missing, expected=expected).message)
    for name in REQUIRED:
        if name not in found:
            raise UnreadableFile(
                contribution_error(C.MISSING_COLUMN, column=COLUMNS[name][0], expected=expected).message
            )
    return found


class _Cells:
    """A row's cells by field name, as the spreadsheet gave them."""

    def __init__(self, cells: list[Cell], columns: dict[str, int]) -> None:
        self._cells = cells
        self._columns = columns

    def raw(self, name: str) -> Cell:
        index = self._columns.get(name)
        return self._cells[index] if index is not None and index < len(self._cells) else None

    def text(self, name: str) -> str:
        return _plain(self.raw(name))

    def code(self, name: str, width: int) -> str:
        """A numeric code of `width` digits. Spreadsheets drop the leading zeros of codes typed as numbers (1 for 01,
        48085000012 for 048085000012): they are put back; in text, only on the short province and commune codes."""
        raw = self.raw(name)
        text = _plain(raw)
        if isinstance(raw, int | float) and not isinstance(raw, bool) and text.isdigit():
            return text.zfill(width)
        return text.zfill(width) if text.isdigit() and len(text) < width and width <= 5 else text


def _plain(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_row(
    cells: list[Cell], columns: dict[str, int], *, today: dt.date
) -> tuple[ContributionRecord | None, list[BusinessError]]:
    """The row as a record of one person with one period, or None and every reason it cannot be.

    A value that cannot be read is left out of the later checks, so that every other problem is still reported."""
    row = _Cells(cells, columns)
    errors: list[BusinessError] = []

    def parsed(name: str, parse: Callable[[Cell], object], code: C, api_field: str) -> object:
        try:
            return parse(row.raw(name))
        except (KeyError, ValueError):
            errors.append(contribution_error(code, field=api_field, value=row.text(name)))
            return None

    personal_id = row.code("personal_id_number", 12) or None
    bhxh_code = row.code("bhxh_code", 10) or None
    if bhxh_code is not None and not BHXH_CODE.fullmatch(bhxh_code):
        errors.append(contribution_error(C.INVALID_BHXH_CODE, field="bhxhCode", value=bhxh_code))
    if personal_id is None and bhxh_code is None:
        errors.append(contribution_error(C.IDENTIFIER_REQUIRED, field="personalIdNumber"))
    full_name = " ".join(row.text("full_name").split())
    if not full_name:
        errors.append(contribution_error(C.NAME_REQUIRED, field="fullName"))
    _check_length(errors, full_name, MAX_NAME, "HO_TEN", "fullName")
    born = parsed("date_of_birth", _date, C.INVALID_DATE, "dateOfBirth")
    gender = parsed("gender", lambda raw: GENDERS[fold(_plain(raw))], C.INVALID_GENDER, "gender")
    province_code, commune_code = row.code("province_code", 2), row.code("commune_code", 5)
    address = row.text("address")
    _check_length(errors, address, MAX_ADDRESS, "DIA_CHI", "address")

    employer = _employer(row, errors)
    first = parsed("from_month", _month, C.INVALID_MONTH, "fromMonth")
    last = parsed("to_month", lambda raw: _month(raw) if _plain(raw) else first, C.INVALID_MONTH, "toMonth")
    salary = parsed("salary_vnd", _salary, C.INVALID_SALARY, "salaryVnd")
    work_type = parsed("work_type", lambda raw: WORK_TYPES[fold(_plain(raw))], C.INVALID_WORK_TYPE, "workType")
    default_kind = ContributionKind.COMPULSORY if row.text("employer_code") else ContributionKind.VOLUNTARY
    kind = parsed("kind", lambda raw: KINDS[fold(_plain(raw))] if _plain(raw) else default_kind, C.INVALID_KIND, "kind")
    if kind is ContributionKind.COMPULSORY and not row.text("employer_code"):
        errors.append(contribution_error(C.EMPLOYER_REQUIRED, field="employerCode"))
    if kind is ContributionKind.VOLUNTARY:
        if row.text("employer_code"):
            errors.append(
                contribution_error(C.VOLUNTARY_WITH_EMPLOYER, field="employerCode", code=row.text("employer_code"))
            )
        if work_type is WorkType.HEAVY_HAZARDOUS:
            errors.append(contribution_error(C.VOLUNTARY_WORK_TYPE, field="workType"))

    birth_day = born if isinstance(born, dt.date) else None
    errors += check_identity(
        personal_id_number=personal_id,
        date_of_birth=birth_day,
        gender=gender if isinstance(gender, Gender) else None,
        province_code=province_code,
        commune_code=commune_code,
        today=today,
    )
    if isinstance(first, Month) and isinstance(last, Month):
        if last < first:
            errors.append(contribution_error(C.MONTH_RANGE_REVERSED, field="toMonth", first=first, last=last))
        else:
            errors += check_month_range(first, last, born=birth_day, today=today)
    if errors:
        return None, errors
    assert isinstance(gender, Gender) and birth_day is not None and isinstance(first, Month)  # no errors: all read
    assert isinstance(last, Month) and isinstance(salary, int)
    assert isinstance(work_type, WorkType) and isinstance(kind, ContributionKind)
    period = ContributionPeriod(
        first, last, salary, work_type, kind, employer if kind is ContributionKind.COMPULSORY else None
    )
    record = ContributionRecord(
        full_name=full_name,
        gender=gender,
        date_of_birth=birth_day,
        province_code=province_code,
        commune_code=commune_code,
        address=address,
        personal_id_number=personal_id,
        bhxh_code=bhxh_code,
        periods=(period,),
    )
    return record, []


def _employer(row: _Cells, errors: list[BusinessError]) -> EmployerInfo | None:
    """The row's employer, when it names one and every part of it is readable."""
    code = row.text("employer_code").upper()
    if not code:
        return None
    before = len(errors)
    name = " ".join(row.text("employer_name").split())
    tax_code = row.text("employer_tax_code") or None
    province_code = row.code("employer_province_code", 2)
    if not EMPLOYER_CODE.fullmatch(code):
        errors.append(contribution_error(C.INVALID_EMPLOYER_CODE, field="employerCode", value=code))
    if not name:
        errors.append(contribution_error(C.EMPLOYER_NAME_REQUIRED, field="employerName", code=code))
    _check_length(errors, name, MAX_EMPLOYER_NAME, "TEN_DON_VI", "employerName")
    if tax_code is not None and not TAX_CODE.fullmatch(tax_code):
        errors.append(contribution_error(C.INVALID_TAX_CODE, field="employerTaxCode", value=tax_code))
    if problem := check_employer_province(code, province_code):
        errors.append(problem)
    return EmployerInfo(code, name, province_code, tax_code) if len(errors) == before else None


def _check_length(errors: list[BusinessError], value: str, limit: int, column: str, api_field: str) -> None:
    if len(value) > limit:
        errors.append(contribution_error(C.TEXT_TOO_LONG, field=api_field, column=column, limit=limit))


def _date(value: Cell) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = _plain(value)
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)


def _month(value: Cell) -> Month:
    """mm/yyyy, yyyy-mm or yyyymm; a full date (or a date cell) stands for its month."""
    if isinstance(value, dt.date):
        return Month(value.year, value.month)
    raw = _plain(value)
    for fmt in MONTH_FORMATS:
        try:
            parsed = dt.datetime.strptime(raw, fmt)
        except ValueError:
            continue
        return Month(parsed.year, parsed.month)
    return Month.of(_date(raw))


def _salary(value: Cell) -> int:
    """A whole, positive number of VND."""
    if isinstance(value, bool | dt.date):
        raise ValueError(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        value = int(value)
    if isinstance(value, int):
        amount = value
    else:
        raw = _plain(value)
        if not (_DIGITS.fullmatch(raw) or _GROUPED.fullmatch(raw)):
            raise ValueError(raw)
        amount = int(re.sub(r"[^0-9]", "", raw))
    if amount <= 0:
        raise ValueError(value)
    return amount


def row_label(cells: list[Cell], columns: dict[str, int]) -> str:
    """The identifier a row gives (ID number, else BHXH code) as written, to name it in a report."""
    written = _Cells(cells, columns)
    return written.code("personal_id_number", 12) or written.code("bhxh_code", 10)
