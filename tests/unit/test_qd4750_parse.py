"""Parsing single QĐ 130/4750 tables: the corpus round-trips, and every kind of fault is reported with its field."""

import dataclasses
import datetime as dt
from typing import Any

import pytest

from devkit.qd4750_samples import (
    BASE_RECORDS,
    FACILITY,
    MOTHER,
    PREGNANCY_REST,
    PREMATURE,
    SICK_LEAVE,
    TERMINATION,
    TRANSFER,
    TWIN_A,
    TWIN_B,
    replace_text,
)
from hub.documents.qd4750 import (
    BirthCertificate,
    BirthTime,
    DocumentKey,
    ParsedTable,
    Qd4750ErrorCode,
    Record,
    SickLeaveCertificate,
    TableUnreadable,
    TransferPaper,
    VisitSummary,
    build_table,
    parse_table,
    parsed_fields,
    table_file,
)
from hub.infra.errors import BusinessError

E = Qd4750ErrorCode


def codes(table: ParsedTable[Record]) -> list[tuple[Qd4750ErrorCode, str | None]]:
    return [(item.code, item.field) for item in table.violations]


@pytest.mark.parametrize("record", [*BASE_RECORDS.values(), TWIN_B, PREMATURE], ids=lambda r: type(r).__name__)
def test_each_document_of_the_corpus_round_trips_field_for_field(record):
    loaihoso, xml = table_file(record)
    parsed = parse_table(loaihoso, xml)
    assert parsed.ok and parsed.found == 1
    assert parsed.records == (record,)
    for field in record.SPEC.fields:
        assert getattr(parsed.records[0], field.attribute) == getattr(record, field.attribute), field.name


def test_twins_make_two_birth_certificates_in_one_xml9():
    # Given a caesarean birth of twins, one of them with a temporary card code
    loaihoso, xml = table_file(TWIN_A, TWIN_B)
    assert xml.count(b"<DU_LIEU_GIAY_CHUNG_SINH>") == 2
    # When the XML9 is parsed
    parsed = parse_table(loaihoso, xml)
    # Then each child has its certificate, number and card
    assert parsed.records == (TWIN_A, TWIN_B)
    first, second = parsed.records
    assert isinstance(first, BirthCertificate) and isinstance(second, BirthCertificate)
    assert [first.document_number, second.document_number] == ["05/0123", "05/0124"]
    assert first.ma_the_tam == "TE1480123456789" and second.ma_the_tam is None
    assert first.sinhcon_phauthuat and not first.sinhcon_duoi32tuan and first.so_con == 2
    assert (first.gioi_tinh_con, second.gioi_tinh_con) == (1, 2)
    assert first.document_key(FACILITY) == DocumentKey("48001", "XML9", "05/0123")


def test_a_birth_under_32_weeks_is_flagged():
    parsed = parse_table(*table_file(PREMATURE))
    (certificate,) = parsed.records
    assert isinstance(certificate, BirthCertificate)
    assert certificate.sinhcon_duoi32tuan and not certificate.sinhcon_phauthuat
    assert certificate.ngay_sinh_con == dt.datetime(2025, 2, 20, 3, 40)


def test_sick_leave_and_pregnancy_rest_certificates_are_numbered_by_their_serial():
    (sick,) = parse_table(*table_file(SICK_LEAVE)).records
    assert isinstance(sick, SickLeaveCertificate)
    assert sick.form == "CT07" and sick.document_number == "48001-2025-0004567"
    assert (sick.tu_ngay, sick.den_ngay, sick.so_ngay_nghi) == (dt.date(2025, 3, 3), dt.date(2025, 3, 7), 5)
    assert dataclasses.replace(sick, mau_so=None).form == "CT07"
    (rest,) = parse_table(*table_file(PREGNANCY_REST)).records
    assert rest.document_key(FACILITY) == DocumentKey("48001", "XML10", "DT-2025-000087")
    assert MOTHER.document_number == MOTHER.ma_lk and MOTHER.card_numbers == ("DN4484801234567",)
    assert TRANSFER.document_number == "48001/2025/0377"


def test_a_birth_time_with_unknown_day_and_month_is_read_as_such():
    (transfer,) = parse_table(*table_file(TRANSFER)).records
    assert isinstance(transfer, TransferPaper)
    assert transfer.ngay_sinh == BirthTime(1968) and transfer.ngay_sinh.date is None
    assert transfer.ngay_sinh.text == "196800000000"
    xml = replace_text(table_file(TRANSFER)[1], "NGAY_SINH", "196800150000")
    assert codes(parse_table("XML13", xml)) == [(E.FIELD_BAD_DATE, "NGAY_SINH")]


def test_ngay_mien_cct_is_a_date_or_a_timestamp_as_written():
    xml = table_file(MOTHER)[1]
    (with_time,) = parse_table("XML1", replace_text(xml, "NGAY_MIEN_CCT", "202406010930")).records
    (without,) = parse_table("XML1", xml).records
    assert isinstance(with_time, VisitSummary) and isinstance(without, VisitSummary)
    assert with_time.ngay_mien_cct == dt.datetime(2024, 6, 1, 9, 30)
    assert without.ngay_mien_cct == dt.date(2024, 6, 1) and type(without.ngay_mien_cct) is dt.date


def test_whitespace_around_values_cdata_and_comments_are_tolerated():
    xml = table_file(SICK_LEAVE)[1]
    xml = replace_text(xml, "SO_NGAY_NGHI", "\n   5  ")
    xml = replace_text(xml, "DON_VI", "<![CDATA[Công ty TNHH Dệt may Hòa Khánh]]><!-- đơn vị -->")
    assert parse_table("XML11", xml).records == (SICK_LEAVE,)


@pytest.mark.parametrize(
    ("loaihoso", "tag", "text", "code"),
    [
        ("XML1", "HO_TEN", "Nguyễn " * 40, E.FIELD_TOO_LONG),
        ("XML1", "MA_CSKCB", "480011", E.FIELD_TOO_LONG),
        ("XML11", "SO_NGAY_NGHI", "năm", E.FIELD_NOT_A_NUMBER),
        ("XML11", "SO_NGAY_NGHI", "٥", E.FIELD_NOT_A_NUMBER),
        ("XML11", "SO_NGAY_NGHI", "-5", E.FIELD_NOT_A_NUMBER),
        ("XML1", "T_THUOC", "1.250.000", E.FIELD_NOT_A_NUMBER),
        ("XML11", "TU_NGAY", "20250230", E.FIELD_BAD_DATE),
        ("XML11", "TU_NGAY", "03/03/2025", E.FIELD_BAD_DATE),
        ("XML1", "NGAY_VAO", "20250301081", E.FIELD_BAD_DATE),
        ("XML1", "NGAY_RA", "202503062460", E.FIELD_BAD_DATE),
        ("XML1", "GIOI_TINH", "4", E.FIELD_NOT_IN_CODE_LIST),
        ("XML9", "SINHCON_PHAUTHUAT", "2", E.FIELD_NOT_IN_CODE_LIST),
        ("XML11", "MAU_SO", "CT08", E.FIELD_NOT_IN_CODE_LIST),
        ("XML8", "MA_LOAI_KCB", "3", E.FIELD_NOT_IN_CODE_LIST),
        ("XML7", "TUOI_THAI", "43", E.FIELD_OUT_OF_RANGE),
        ("XML11", "SO_SERI", "", E.FIELD_REQUIRED),
        ("XML9", "SO", "   ", E.FIELD_REQUIRED),
        ("XML7", "TUOI_THAI", "", E.FIELD_REQUIRED),  # required when MA_DINH_CHI_THAI is 1
    ],
)
def test_each_kind_of_field_fault_is_reported_with_its_field_and_messages(loaihoso, tag, text, code):
    xml = replace_text(table_file(BASE_RECORDS[loaihoso])[1], tag, text)
    parsed = parse_table(loaihoso, xml)
    assert parsed.records == () and parsed.found == 1
    (problem,) = parsed.violations
    assert (problem.code, problem.table, problem.record, problem.field) == (code, loaihoso, 0, tag)
    assert problem.path == f"{loaihoso}[1]/{tag}"
    assert tag in problem.message and tag in problem.message_vi and problem.message != problem.message_vi


def test_termination_details_are_optional_when_there_was_no_termination():
    sick = dataclasses.replace(TERMINATION, ma_dinh_chi_thai=False, tuoi_thai=None, nguyennhan_dinhchi=None)
    assert parse_table(*table_file(sick)).records == (sick,)
    missing = dataclasses.replace(TERMINATION, tuoi_thai=None, nguyennhan_dinhchi=None, thoigian_dinhchi=None)
    assert codes(parse_table(*table_file(missing))) == [
        (E.FIELD_REQUIRED, "NGUYENNHAN_DINHCHI"),
        (E.FIELD_REQUIRED, "THOIGIAN_DINHCHI"),
        (E.FIELD_REQUIRED, "TUOI_THAI"),
    ]


def test_every_fault_of_a_record_is_reported_in_one_pass():
    xml = table_file(SICK_LEAVE)[1]
    xml = replace_text(xml, "MA_BHXH", "48012345678")
    xml = replace_text(xml, "SO_NGAY_NGHI", "5 ngày")
    xml = replace_text(xml, "DEN_NGAY", "20251307")
    xml = replace_text(xml, "NGAY_CT", "")
    xml = xml.replace(b"<DU_PHONG>", "<GHI_CHU>thêm</GHI_CHU><MAU_SO>CT07</MAU_SO><DU_PHONG>".encode())
    assert codes(parse_table("XML11", xml)) == [
        (E.FIELD_UNKNOWN, "GHI_CHU"),
        (E.FIELD_REPEATED, "MAU_SO"),
        (E.FIELD_TOO_LONG, "MA_BHXH"),
        (E.FIELD_NOT_A_NUMBER, "SO_NGAY_NGHI"),
        (E.FIELD_BAD_DATE, "DEN_NGAY"),
        (E.FIELD_REQUIRED, "NGAY_CT"),
    ]


def test_a_faulty_twin_is_rejected_alone_with_its_position():
    xml = replace_text(table_file(TWIN_A, TWIN_B)[1], "GIOI_TINH_CON", "0", occurrence=1)
    parsed = parse_table("XML9", xml)
    assert parsed.records == (TWIN_A,) and parsed.found == 2
    (problem,) = parsed.violations
    assert (problem.record, problem.path) == (1, "XML9[2]/GIOI_TINH_CON")
    error = problem.as_error()
    assert (
        isinstance(error, BusinessError)
        and error.field == "XML9[2]/GIOI_TINH_CON"
        and error.code == "FIELD_NOT_IN_CODE_LIST"
    )


def test_an_xml9_without_certificates_or_with_strangers_is_reported():
    empty = b"<CHI_TIEU_DU_LIEU_GIAY_CHUNG_SINH><DSACH_GIAYCHUNGSINH/></CHI_TIEU_DU_LIEU_GIAY_CHUNG_SINH>"
    assert codes(parse_table("XML9", empty)) == [(E.RECORD_MISSING, None)]
    stranger = table_file(TWIN_A)[1].replace(b"<DSACH_GIAYCHUNGSINH>", b"<DSACH_GIAYCHUNGSINH><GHI_CHU/>")
    parsed = parse_table("XML9", stranger)
    assert parsed.records == (TWIN_A,) and codes(parsed) == [(E.FIELD_UNKNOWN, "DSACH_GIAYCHUNGSINH/GHI_CHU")]


@pytest.mark.parametrize(
    ("loaihoso", "payload", "code"),
    [
        ("XML16", b"<TONG_HOP/>", E.LOAIHOSO_UNKNOWN),
        ("XML2", b"<CHITIEU_CHITIET_THUOC/>", E.LOAIHOSO_NOT_PARSED),
        ("XML10", table_file(SICK_LEAVE)[1], E.ROOT_ELEMENT_WRONG),
        ("XML11", b"MA_LK=1;SO_SERI=2", E.PAYLOAD_NOT_XML),
        ("XML11", b"<CHI_TIEU_DU_LIEU_GIAY_CHUNG_NHAN_NGHI_VIEC_HUONG_BAO_HIEM_XA_HOI>", E.PAYLOAD_NOT_XML),
        (
            "XML1",
            b'<?xml version="1.0"?><!DOCTYPE T [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<TONG_HOP><MA_LK>&x;</MA_LK></TONG_HOP>",
            E.PAYLOAD_UNSAFE,
        ),
        ("XML11", table_file(SICK_LEAVE)[1] + b" " * 5000, E.TABLE_TOO_LARGE),
    ],
)
def test_a_table_that_cannot_be_read_raises_with_a_stable_code(loaihoso, payload, code):
    with pytest.raises(TableUnreadable) as raised:
        parse_table(loaihoso, payload, max_bytes=4000)
    assert raised.value.code == code and raised.value.message_vi


@pytest.mark.parametrize(
    "change",
    [
        {"ho_ten": " Nguyễn Thị Lan"},
        {"ho_ten": ""},
        {"dia_chi": "Tổ 12\r\nHải Châu"},
        {"ghi_chu": "lỗi \x07"},
        {"ngay_vao": dt.datetime(2025, 3, 1, 8, 15, 30)},
        {"ngay_vao": dt.datetime(2025, 3, 1, 8, 15, tzinfo=dt.UTC)},
        {"gioi_tinh": "2"},
    ],
)
def test_the_builder_refuses_values_that_would_not_read_back_equal(change):
    with pytest.raises(ValueError):
        build_table("XML1", [dataclasses.replace(MOTHER, **change)])


def test_the_builder_refuses_a_table_of_the_wrong_shape():
    with pytest.raises(ValueError):
        build_table("XML1", [MOTHER, MOTHER])
    with pytest.raises(ValueError):
        build_table("XML11", [MOTHER])
    with pytest.raises(ValueError):
        build_table("XML2", [])


@pytest.mark.parametrize("record", [*BASE_RECORDS.values(), TWIN_B, PREMATURE], ids=lambda r: type(r).__name__)
def test_the_fields_made_while_reading_are_those_stored_of_the_record(record):
    loaihoso, xml = table_file(record)
    parsed = parse_table(loaihoso, xml)
    assert parsed.fields == tuple(parsed_fields(r) for r in parsed.records)


def test_numbers_are_stored_in_their_written_form_not_as_sent():
    # Given the days of a sick leave and the weight of a patient sent with leading zeros
    leave = replace_text(table_file(SICK_LEAVE)[1], "SO_NGAY_NGHI", "005")
    visit = replace_text(table_file(MOTHER)[1], "CAN_NANG", "062.50")
    # When they are read, the fields to store are those the records write, as they were before
    for loaihoso, xml in (("XML11", leave), ("XML1", visit)):
        parsed = parse_table(loaihoso, xml)
        assert parsed.ok and parsed.fields == tuple(parsed_fields(r) for r in parsed.records)
    assert parse_table("XML11", leave).fields[0]["SO_NGAY_NGHI"] == "5"
    assert parse_table("XML1", visit).fields[0]["CAN_NANG"] == "62.50"


@pytest.mark.parametrize(
    "change",
    [
        lambda xml: xml,
        lambda xml: xml.replace(b"<MA_LK>", b"<!-- before --><MA_LK>", 1),
        lambda xml: replace_text(xml, "DON_VI", "Công ty<?pi x?> TNHH"),
        lambda xml: replace_text(xml, "DON_VI", "Công ty<B>x</B>"),
        lambda xml: xml.replace(b"<MA_LK>", b"<MA_LK>X</MA_LK><MA_LK>", 1),
        lambda xml: xml.replace(b"<MA_LK>", b"<LA>X</LA><MA_LK>", 1),
        lambda xml: replace_text(xml, "MA_LK", "  "),
        lambda xml: replace_text(xml, "SO_NGAY_NGHI", "năm"),
    ],
    ids=["plain", "comment", "pi", "element", "repeated", "unknown", "blank-required", "not-a-number"],
)
def test_reading_each_record_in_one_pass_agrees_with_reading_it_field_by_field(change):
    from hub.documents.qd4750.parse import _read_record, record_elements
    from hub.documents.qd4750.versions import QD3176
    from signing.xmlsafe import parse_xml

    # Given a sick-leave certificate, as sent or with one oddity
    xml = change(table_file(SICK_LEAVE)[1])
    # When it is parsed (each record's fields read in one pass, again field by field if anything is odd)
    parsed = parse_table("XML11", xml)
    # Then the outcome is the field-by-field reading's: the same record and stored texts, or the same violations
    spec = SickLeaveCertificate.SPEC
    (element,), _ = record_elements(spec, parse_xml(xml), QD3176)
    record, texts, problems = _read_record(spec, element, 0, parsed.standard)
    assert parsed.records == ((record,) if record else ())
    assert parsed.fields == ((texts,) if record else ())
    assert list(parsed.violations) == problems


def _rows(*rows: str) -> bytes:
    items = "".join(f"<CHI_TIET_THUOC>{row}</CHI_TIET_THUOC>" for row in rows)
    return (
        f"<CHITIEU_CHITIET_THUOC><DSACH_CHI_TIET_THUOC>{items}</DSACH_CHI_TIET_THUOC></CHITIEU_CHITIET_THUOC>".encode()
    )


@pytest.mark.parametrize(
    "xml",
    [
        _rows("<MA_LK>LK1</MA_LK><STT>1</STT>", "<MA_LK>LK1</MA_LK><STT>2</STT>"),
        _rows("<MA_LK>LK1</MA_LK><NGAY_TH_YL>202501010800</NGAY_TH_YL>"),  # a field QĐ 3176 added
        _rows("<MA_LK> </MA_LK><MA_LK>LK0</MA_LK>", "<STT>1</STT><MA_LK>L<!-- c -->K2</MA_LK>"),
        _rows("<MA_LK>LK1<x>y</x>z</MA_LK>", "<LA>?</LA>"),
        _rows("<MA_LK>LK1</MA_LK><xi:include xmlns:xi='http://www.w3.org/2001/XInclude' href='x'/>"),
        _rows().replace(
            b"<DSACH_CHI_TIET_THUOC>", b"<OTHER><CHI_TIET_THUOC><MA_LK>LK9</MA_LK></CHI_TIET_THUOC></OTHER>"
        ),
        b"<CHITIEU_CHITIET_THUOC><MA_LK>LK1</MA_LK></CHITIEU_CHITIET_THUOC>",
        b"<WRONG><MA_LK>LK1</MA_LK></WRONG>",
        b"<WRONG><xi:include xmlns:xi='http://www.w3.org/2001/XInclude' href='x'/></WRONG>",
        b"<CHITIEU_CHITIET_THUOC>",
        b'<!DOCTYPE r [<!ENTITY x "y">]><CHITIEU_CHITIET_THUOC>&x;</CHITIEU_CHITIET_THUOC>',
    ],
)
@pytest.mark.parametrize("day", [None, dt.date(2024, 6, 1)])
def test_a_kept_table_read_as_it_is_parsed_says_what_its_tree_says(xml, day):
    from hub.documents.qd4750.parse import XINCLUDE, check_payload, element_text, read_kept, table_layout

    def from_tree():
        root = check_payload("XML2", xml, max_bytes=10_000)
        included = next(root.iter(f"{XINCLUDE}*"), None)
        if included is not None:
            return None, None, included.tag
        standard, _, records, _ = table_layout("XML2", root, day)
        found = (record.find("MA_LK") for record in records)
        episode = next((element_text(item) for item in found if item is not None and element_text(item)), None)
        return standard, episode, None

    def scanned():
        kept = read_kept("XML2", xml, day, max_bytes=10_000)
        return (None, None, kept.xinclude) if kept.xinclude else (kept.standard, kept.episode, None)

    def outcome(read: Any) -> Any:
        try:
            return read()
        except TableUnreadable as exc:
            return exc.code

    assert outcome(scanned) == outcome(from_tree)


@pytest.mark.parametrize("record", [*BASE_RECORDS.values(), TWIN_B, PREMATURE], ids=lambda r: type(r).__name__)
def test_a_record_made_from_checked_values_is_the_dataclass_one(record):
    from hub.documents.qd4750.parse import _make

    values = {f.attribute: getattr(record, f.attribute) for f in record.SPEC.fields}
    optional = next(f.attribute for f in record.SPEC.fields if not f.required)
    del values[optional]

    made = _make(type(record), [values.get(f.name) for f in dataclasses.fields(record)])

    assert made == type(record)(**values) and hash(made) == hash(type(record)(**values))
    assert getattr(made, optional) is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, optional, "changed")
