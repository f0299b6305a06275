"""Issue 17: the versions of the standard (QĐ 4750, QĐ 3176, QĐ 1931 [to confirm]), the table rules (TT 25/2025
certificates, dates in order, CCCD, TT 22/2025 birth-certificate numbers), the envelope's shape, and fixtures
written the way hospitals' software writes them."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import pathlib

import pytest

from devkit.qd4750_samples import FACILITY, MOTHER, SICK_LEAVE, TWIN_A
from hub.documents.qd4750 import (
    Qd4750ErrorCode,
    SickLeaveCertificate,
    VisitSummary,
    build_envelope,
    build_table,
    parse_envelope,
    parse_table,
    table_file,
)
from hub.documents.qd4750.rules import LEAVE_LIMITS, leave_limit
from hub.documents.qd4750.tables import KEPT_TABLES, KNOWN_LOAIHOSO, LAYOUTS, PARSED_TABLES
from hub.documents.qd4750.versions import QD1931, QD3176, QD4750, STANDARDS, in_force
from hub.documents.receipts import LineStatus, ReceiptContent, ReceiptLine, receipt_lines, signed_receipt
from signing.devpki import generate_identity
from signing.parties import HUB

E = Qd4750ErrorCode
FIXTURES = pathlib.Path(__file__).parent.parent / "fixtures" / "qd130"
AFTER = dt.date(2026, 3, 16)  # a visit under TT 25/2025 and TT 22/2025
VISIT = dataclasses.replace(
    MOTHER, ngay_vao=dt.datetime(2026, 3, 16, 7, 45), ngay_ra=dt.datetime(2026, 3, 16, 10, 30), ngay_ttoan=None
)
LEAVE = dataclasses.replace(SICK_LEAVE, ma_lk=VISIT.ma_lk, tu_ngay=AFTER, den_ngay=AFTER, so_ngay_nghi=1, ngay_ct=AFTER)


def visit_read(parsed) -> VisitSummary:
    record = parsed.records[0]
    assert isinstance(record, VisitSummary)
    return record


def codes(envelope) -> list[tuple[Qd4750ErrorCode, str]]:
    return [(v.code, v.path) for v in envelope.violations]


def envelope_of(*files, day: dt.date = AFTER, facility: str = FACILITY):
    return parse_envelope(build_envelope(facility, day, [list(files)]))


# --- versions ---------------------------------------------------------------------------------------------------


def test_every_version_cites_its_decision_and_dates_and_qd1931_is_to_confirm():
    assert [s.code for s in STANDARDS] == ["QD4750", "QD3176", "QD1931"]
    assert QD3176.signed == dt.date(2024, 10, 29) and QD3176.mandatory_from == dt.date(2025, 1, 1)
    assert QD1931.accepted_from == dt.date(2026, 7, 1) and QD1931.label == "QĐ 1931/QĐ-BYT [to confirm qd1931]"
    assert in_force(dt.date(2024, 9, 1)) == (QD4750,) and in_force(dt.date(2026, 7, 1)) == STANDARDS


def test_every_table_is_known_in_every_version_parsed_or_kept():
    for layout in LAYOUTS.values():
        assert set(layout) == KNOWN_LOAIHOSO == set(PARSED_TABLES) | set(KEPT_TABLES)
    assert "NHOM_MAU" in LAYOUTS["QD3176"]["XML1"].names - LAYOUTS["QD4750"]["XML1"].names
    assert LAYOUTS["QD3176"]["XML2"].names - LAYOUTS["QD4750"]["XML2"].names == {"NGAY_TH_YL"}
    assert {"NGAY_VAO_NOI_TRU", "LY_DO_VNT", "MA_LY_DO_VNT", "MA_THUOC", "TEN_THUOC", "MA_VAT_TU", "TEN_VAT_TU"} == (
        LAYOUTS["QD3176"]["XML0"].names - LAYOUTS["QD4750"]["XML0"].names
    )
    for table in ("XML7", "XML9", "XML10", "XML11"):
        assert LAYOUTS["QD3176"][table].names - LAYOUTS["QD4750"][table].names == {"DU_PHONG"}


def test_a_qd3176_xml1_with_every_field_filled_or_empty_is_read_under_qd3176():
    parsed = parse_table("XML1", build_table("XML1", [dataclasses.replace(VISIT, nhom_mau="AB")]), on=AFTER)
    assert parsed.ok and parsed.standard is QD3176 and visit_read(parsed).nhom_mau == "AB"
    parsed = parse_table("XML1", (FIXTURES / "xml1_qd3176_every_field.xml").read_bytes(), on=AFTER)
    assert parsed.ok and parsed.standard is QD3176 and visit_read(parsed).nhom_mau == "O+"


def test_a_qd4750_xml1_is_accepted_before_and_after_qd3176():
    xml = build_table("XML1", [VISIT], standard=QD4750)
    assert b"NHOM_MAU" not in xml
    for day in (dt.date(2024, 9, 1), AFTER):
        parsed = parse_table("XML1", xml, on=day)
        assert parsed.ok and parsed.standard is QD4750 and visit_read(parsed).nhom_mau is None
    parsed = parse_table("XML1", (FIXTURES / "xml1_qd4750_cdata.xml").read_bytes(), on=dt.date(2024, 9, 10))
    assert parsed.ok and parsed.standard is QD4750
    assert visit_read(parsed).chan_doan_vao == "Viêm phế quản cấp & theo dõi <24h>"


def test_a_qd3176_field_before_qd3176_is_refused_naming_the_version_tried():
    parsed = parse_table("XML1", build_table("XML1", [VISIT]), on=dt.date(2024, 9, 1))
    [problem] = parsed.violations
    assert (problem.code, problem.field) == (E.FIELD_UNKNOWN, "NHOM_MAU")
    assert "QĐ 4750/QĐ-BYT" in problem.message and "QĐ 4750/QĐ-BYT" in problem.message_vi


def test_an_unknown_field_names_the_newest_version_in_force():
    xml = build_table("XML1", [VISIT]).replace(b"<DU_PHONG>", b"<NHOM_MAU_RH>x</NHOM_MAU_RH><DU_PHONG>")
    [problem] = parse_table("XML1", xml, on=dt.date(2026, 8, 1)).violations
    assert problem.code is E.FIELD_UNKNOWN and "QĐ 1931/QĐ-BYT [to confirm qd1931]" in problem.message


# --- the envelope ---------------------------------------------------------------------------------------------


def _xml2(root: str = "CHITIEU_CHITIET_THUOC", extra: str = "") -> tuple[str, bytes]:
    item = f"<MA_LK>{VISIT.ma_lk}</MA_LK><STT>1</STT><NGAY_YL>202603160800</NGAY_YL><NGAY_TH_YL></NGAY_TH_YL>{extra}"
    return (
        "XML2",
        f"<{root}><DSACH_CHI_TIET_THUOC><CHI_TIET_THUOC>{item}</CHI_TIET_THUOC></DSACH_CHI_TIET_THUOC></{root}>".encode(),
    )


def test_a_kept_table_is_named_by_its_version_and_its_root_checked():
    envelope = envelope_of(table_file(VISIT), _xml2())
    assert envelope.ok and envelope.hoso[0].files[1].standard is QD3176
    wrong = ("XML2", build_table("XML11", [LEAVE]))  # a sick-leave certificate sent as XML2
    assert codes(envelope_of(table_file(VISIT), wrong)) == [(E.ROOT_ELEMENT_WRONG, "HOSO[1]/XML2")]


def test_xinclude_is_refused_in_a_kept_table_and_in_the_envelope():
    xinclude = '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>'
    assert codes(envelope_of(table_file(VISIT), _xml2(extra=xinclude))) == [(E.XINCLUDE_REFUSED, "HOSO[1]/XML2")]
    data = build_envelope(FACILITY, AFTER, [[table_file(VISIT)]])
    data = data.replace(b"<MACSKCB>", xinclude.encode() + b"<MACSKCB>")
    assert codes(parse_envelope(data)) == [(E.XINCLUDE_REFUSED, "xi:include")]


def test_an_element_the_envelope_does_not_have_is_refused():
    data = build_envelope(FACILITY, AFTER, [[table_file(VISIT)]]).replace(
        b"</FILEHOSO>", b"<GHICHU>x</GHICHU></FILEHOSO>"
    )
    assert codes(parse_envelope(data)) == [(E.ENVELOPE_ELEMENT_UNKNOWN, "FILEHOSO/GHICHU")]


def test_a_check_in_hoso_needs_no_xml1():
    envelope = parse_envelope((FIXTURES / "envelope_xml0_checkin.xml").read_bytes())
    assert envelope.ok
    [item] = envelope.hoso[0].files
    assert (item.loaihoso, item.table, item.standard, item.episode) == ("XML0", None, QD3176, "48001.2026.004513")


# --- table rules ----------------------------------------------------------------------------------------------


def test_sick_leave_dates_in_reverse_order_are_refused():
    reverse = dataclasses.replace(LEAVE, tu_ngay=AFTER, den_ngay=AFTER - dt.timedelta(days=3))
    assert codes(envelope_of(table_file(VISIT), table_file(reverse))) == [
        (E.DATES_OUT_OF_ORDER, "HOSO[1]/XML11[1]/DEN_NGAY")
    ]


def test_a_visit_that_ends_before_it_starts_is_refused():
    backwards = dataclasses.replace(VISIT, ngay_ra=VISIT.ngay_vao - dt.timedelta(hours=1))
    assert codes(envelope_of(table_file(backwards))) == [(E.DATES_OUT_OF_ORDER, "HOSO[1]/XML1[1]/NGAY_RA")]


@pytest.mark.parametrize(
    ("days", "changes", "refused"),
    [
        (30, {}, False),
        (41, {}, True),
        (50, {"ma_dinh_chi_thai": True, "nguyennhan_dinhchi": "Thai lưu", "tuoi_thai": 14}, False),
        (51, {"ma_dinh_chi_thai": True, "nguyennhan_dinhchi": "Thai lưu", "tuoi_thai": 14}, True),
        (41, {"ma_dinh_chi_thai": True, "nguyennhan_dinhchi": "Sẩy thai", "tuoi_thai": 12}, True),
        (180, {"chan_doan_rv": "A15.0 - Lao phổi"}, False),
        (181, {"chan_doan_rv": "A15.0 - Lao phổi"}, True),
    ],
)
def test_tt25_limits_of_a_sick_leave_certificate(days, changes, refused):
    certificate = dataclasses.replace(LEAVE, den_ngay=AFTER + dt.timedelta(days=days - 1), so_ngay_nghi=days, **changes)
    found = codes(envelope_of(table_file(VISIT), table_file(certificate)))
    assert found == ([(E.LEAVE_TOO_LONG, "HOSO[1]/XML11[1]/SO_NGAY_NGHI")] if refused else [])


def test_every_limit_cites_its_source():
    assert all(rule.citation and rule.days > 0 for rule in LEAVE_LIMITS)
    old = dataclasses.replace(LEAVE, ngay_ct=dt.date(2025, 6, 30))
    old_rule, new_rule = leave_limit(old, VISIT), leave_limit(LEAVE, VISIT)
    assert old_rule is not None and old_rule.days == 30 and "TT 56/2017" in old_rule.citation
    assert new_rule is not None and "TT 25/2025" in new_rule.citation


def test_a_tt25_certificate_starts_and_is_issued_on_the_visit_date_old_forms_stay_valid():
    late = dataclasses.replace(LEAVE, tu_ngay=AFTER + dt.timedelta(days=1), den_ngay=AFTER + dt.timedelta(days=2))
    late = dataclasses.replace(late, ngay_ct=AFTER + dt.timedelta(days=1))
    assert codes(envelope_of(table_file(VISIT), table_file(late))) == [
        (E.LEAVE_NOT_FROM_VISIT, "HOSO[1]/XML11[1]/TU_NGAY"),
        (E.LEAVE_NOT_FROM_VISIT, "HOSO[1]/XML11[1]/NGAY_CT"),
    ]
    # Issued before 1/7/2025 on the old form: the TT 25 rule does not apply (the devkit corpus relies on it).
    patient = dataclasses.replace(MOTHER, ma_lk=SICK_LEAVE.ma_lk)
    assert patient.ngay_ra.date() != SICK_LEAVE.tu_ngay
    assert envelope_of(table_file(patient), table_file(SICK_LEAVE), day=dt.date(2025, 3, 10)).ok


@pytest.mark.parametrize(("number", "ok"), [("048086001234", True), ("0480860012345", False), ("04808600123", False)])
def test_a_cccd_is_exactly_12_digits(number, ok):
    envelope = envelope_of(table_file(dataclasses.replace(VISIT, so_cccd=number)))
    assert codes(envelope) == ([] if ok else [(E.CCCD_INVALID, "HOSO[1]/XML1[1]/SO_CCCD")])


def test_a_passport_number_and_an_old_cmnd_are_not_cccd():
    assert envelope_of(table_file(dataclasses.replace(VISIT, so_cccd="C1234567"))).ok
    old = dataclasses.replace(MOTHER, so_cccd="201234567", ngay_ra=dt.datetime(2024, 12, 30, 9, 0))
    old = dataclasses.replace(old, ngay_vao=dt.datetime(2024, 12, 30, 8, 0))
    assert envelope_of(table_file(old), day=dt.date(2024, 12, 31)).ok
    assert not envelope_of(table_file(dataclasses.replace(VISIT, so_cccd="201234567"))).ok


@pytest.mark.parametrize(
    ("number", "issued", "ok"),
    [
        ("00012.GCS.48001.26", dt.date(2026, 3, 16), True),
        ("0123", dt.date(2026, 3, 16), False),  # the old form after 1/10/2025
        ("00012.GCS.48002.26", dt.date(2026, 3, 16), False),  # another facility's number
        ("0123", dt.date(2025, 9, 30), True),  # the older form before 1/10/2025
        ("00012.GCS.48001.25", dt.date(2025, 9, 30), True),
    ],
)
def test_birth_certificate_numbers_tt22_2025_and_older(number, issued, ok):
    certificate = dataclasses.replace(TWIN_A, so=number, quyen_so=None, ngay_ct=issued)
    envelope = envelope_of(table_file(MOTHER), table_file(certificate), day=issued)
    assert codes(envelope) == ([] if ok else [(E.BIRTH_CERTIFICATE_NUMBER_INVALID, "HOSO[1]/XML9[1]/SO")])


def test_every_new_code_has_both_messages():
    for code in ("ENVELOPE_EMPTY", "XINCLUDE_REFUSED", "DATES_OUT_OF_ORDER", "CCCD_INVALID", "LEAVE_TOO_LONG"):
        assert E(code) in E


# --- fixtures and receipts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "loaihoso", "standard"),
    [
        ("xml1_qd3176_every_field.xml", "XML1", QD3176),
        ("xml1_qd4750_cdata.xml", "XML1", QD4750),
        ("xml11_qd3176_sick_leave.xml", "XML11", QD3176),
    ],
)
def test_each_table_fixture_is_accepted(name, loaihoso, standard):
    parsed = parse_table(loaihoso, (FIXTURES / name).read_bytes())
    assert parsed.ok and parsed.standard is standard and len(parsed.records) == 1


@pytest.mark.parametrize("name", ["envelope_qd3176_wrapped.xml", "envelope_xml0_checkin.xml"])
def test_each_envelope_fixture_is_accepted(name):
    envelope = parse_envelope((FIXTURES / name).read_bytes())
    assert envelope.ok, codes(envelope)
    assert all(item.standard is QD3176 for hoso in envelope.hoso for item in hoso.files)


def test_the_wrapped_fixture_really_wraps_its_base64():
    data = (FIXTURES / "envelope_qd3176_wrapped.xml").read_bytes()
    assert b"\r\n" in data.split(b"<NOIDUNGFILE>")[1].split(b"</NOIDUNGFILE>")[0]
    assert base64.b64decode(b"".join(data.split(b"<NOIDUNGFILE>")[1].split(b"</NOIDUNGFILE>")[0].split()))


def test_a_receipt_names_each_version_and_an_old_receipt_still_reads():
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    identity = generate_identity(HUB, not_before=start, not_after=start + dt.timedelta(days=365))
    lines = [ReceiptLine("XML1", "1", 1, LineStatus.NEW, "QD3176"), ReceiptLine("XML2", "1", 0, LineStatus.KEPT)]
    content = ReceiptContent("T1", dt.datetime(2026, 3, 16, tzinfo=dt.UTC), "facility:48001", "qd4750", "00", lines)
    receipt = signed_receipt(content, identity)
    assert b"<CHUAN>QD3176</CHUAN>" in receipt and receipt_lines(receipt) == tuple(lines)
    assert SickLeaveCertificate.SPEC.loaihoso == "XML11"
