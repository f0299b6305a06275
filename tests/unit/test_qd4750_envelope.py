"""Parsing whole GIAMDINHHS files: every HOSO and table read, and each envelope-level fault placed by its path."""

import base64
import dataclasses
import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devkit.qd4750_samples import (
    DRUGS,
    FACILITY,
    MOTHER,
    PREGNANCY_REST,
    SENT,
    SICK_LEAVE,
    TERMINATION,
    TRANSFER,
    TWIN_A,
    TWIN_B,
    corpus,
)
from hub.documents.qd4750 import (
    BirthCertificate,
    DischargePaper,
    DocumentKey,
    Envelope,
    EnvelopeUnreadable,
    FileContent,
    PregnancyRestCertificate,
    Qd4750ErrorCode,
    SickLeaveCertificate,
    TransferPaper,
    VisitSummary,
    build_envelope,
    decode_base64,
    parse_envelope,
    read_envelope,
    table_file,
)
from signing.xmlsafe import parse_xml

E = Qd4750ErrorCode
LIMIT = 5_000_000


def parse(hoso: list[list[FileContent]], **options: Any) -> Envelope:
    return parse_envelope(build_envelope(FACILITY, SENT, hoso, **options), max_bytes=LIMIT)


def codes(envelope: Envelope) -> list[tuple[Qd4750ErrorCode, str]]:
    return [(item.code, item.path) for item in envelope.violations]


def test_a_reader_that_keeps_no_kept_table_drops_its_bytes_and_reads_the_rest_the_same():
    data = build_envelope(FACILITY, SENT, corpus())
    kept = read_envelope(parse_xml(data), max_table_bytes=LIMIT)
    dropped = read_envelope(parse_xml(data), max_table_bytes=LIMIT, keep_kept=False)
    drugs, no_drugs = kept.hoso[0].file("XML2"), dropped.hoso[0].file("XML2")
    assert drugs is not None and no_drugs is not None
    assert (drugs.content, no_drugs.content) == (DRUGS, None)
    assert (no_drugs.table, no_drugs.standard, no_drugs.episode) == (None, drugs.standard, drugs.episode)
    # Only the kept tables' bytes go: the rest is read as before
    assert [[dataclasses.replace(item, content=None) for item in hoso.files] for hoso in kept.hoso] == [
        [dataclasses.replace(item, content=None) for item in hoso.files] for hoso in dropped.hoso
    ]
    assert all(item.content is not None for hoso in dropped.hoso for item in hoso.files if item.table is not None)
    assert (kept.violations, dropped.violations) == ((), ())


def test_the_corpus_envelope_is_read_whole():
    envelope = parse(corpus())
    assert envelope.ok, codes(envelope)
    assert (envelope.macskcb, envelope.ngaylap, envelope.soluonghoso, len(envelope.hoso)) == ("48001", SENT, 5, 5)
    mother = envelope.hoso[0]
    assert mother.visit == MOTHER and mother.records(BirthCertificate) == (TWIN_A, TWIN_B)
    drugs = mother.file("XML2")
    assert drugs is not None and drugs.content == DRUGS and drugs.table is None
    assert envelope.records(SickLeaveCertificate) == (SICK_LEAVE,)
    assert envelope.records(PregnancyRestCertificate) == (PREGNANCY_REST,)
    assert envelope.records(DischargePaper) == (TERMINATION,)
    assert envelope.records(TransferPaper) == (TRANSFER,)
    assert len(envelope.records(VisitSummary)) == 5
    assert [record.document_key(envelope.macskcb) for record in envelope.records(BirthCertificate)] == [
        DocumentKey("48001", "XML9", "05/0123"),
        DocumentKey("48001", "XML9", "05/0124"),
    ]


def test_the_built_envelope_leaves_chukydonvi_empty_and_a_signature_there_is_ignored():
    data = build_envelope(FACILITY, SENT, corpus()[1:2])
    assert data.count(b"<CHUKYDONVI></CHUKYDONVI>") == 1
    signed = data.replace(
        b"<CHUKYDONVI></CHUKYDONVI>",
        b'<CHUKYDONVI><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/></Signature></CHUKYDONVI>',
    )
    assert parse_envelope(signed).records(SickLeaveCertificate) == (SICK_LEAVE,)


def test_base64_wrapped_in_lines_is_accepted():
    data = build_envelope(FACILITY, SENT, corpus(), wrap_base64=True)
    assert b"\n" in data.split(b"<NOIDUNGFILE>")[1].split(b"</NOIDUNGFILE>")[0]
    assert parse_envelope(data).ok


@pytest.mark.parametrize("text", ["PFRPTkdfSE9QLz4=\n", " PFRP TkdfSE9Q Lz4= ", "PFRPTkdf\r\nSE9QLz4="])
def test_decode_base64_allows_spaces_and_line_breaks(text):
    assert decode_base64(text) == b"<TONG_HOP/>"


@pytest.mark.parametrize(
    "text", ["PFRPTkdfSE9QLz4", "PFRPTkdf*SE9QLz4=", "PFRPTkdfSE9QLz4=\x00", "PFRPTkdfSE9QLz4=Đ", "PFRP-_"]
)
def test_decode_base64_is_strict(text):
    with pytest.raises(ValueError):
        decode_base64(text)


def _replace_content(data: bytes, occurrence: int, new: bytes) -> bytes:
    parts = data.split(b"<NOIDUNGFILE>")
    _, _, tail = parts[occurrence + 1].partition(b"</NOIDUNGFILE>")
    parts[occurrence + 1] = new + b"</NOIDUNGFILE>" + tail
    return b"<NOIDUNGFILE>".join(parts)


def test_bad_base64_is_reported_on_its_file_and_the_rest_is_read():
    data = _replace_content(build_envelope(FACILITY, SENT, corpus()), 5, b"PENISV9USUV1fQ*==")
    envelope = parse_envelope(data)
    assert codes(envelope) == [(E.BASE64_INVALID, "HOSO[2]/XML11")]
    sick = envelope.hoso[1].file("XML11")
    assert sick is not None and sick.content is None and sick.table is None
    assert len(envelope.records(VisitSummary)) == 5 and envelope.violations_of(1) == envelope.violations


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"MA_LK;SO_SERI\n48001.2025.000311;48001-2025-0004567", E.PAYLOAD_NOT_XML),
        (
            b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><CHITIEU_CHITIET_THUOC>&e;</CHITIEU_CHITIET_THUOC>',
            E.PAYLOAD_UNSAFE,
        ),
        (
            b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b"<CHITIEU_CHITIET_THUOC>&b;</CHITIEU_CHITIET_THUOC>",
            E.PAYLOAD_UNSAFE,
        ),
    ],
)
def test_decoded_payloads_that_are_not_safe_xml_are_reported_for_parsed_and_kept_tables(payload, code):
    for position, path in ((1, "HOSO[1]/XML9"), (3, "HOSO[1]/XML2")):
        data = _replace_content(build_envelope(FACILITY, SENT, corpus()[:1]), position, base64.b64encode(payload))
        envelope = parse_envelope(data)
        assert codes(envelope) == [(code, path)]
        item = envelope.hoso[0].files[position]
        assert item.content == payload and item.table is None


def test_a_payload_over_the_limit_is_reported():
    envelope = parse_envelope(build_envelope(FACILITY, SENT, corpus()[:1]), max_bytes=50_000)
    assert envelope.ok
    big = [[*corpus()[0], ("XML3", b"<CHITIEU_CHITIET_DVKT_VTYT>" + b" " * 60_000 + b"</CHITIEU_CHITIET_DVKT_VTYT>")]]
    envelope = parse_envelope(build_envelope(FACILITY, SENT, big), max_bytes=200_000, max_table_bytes=50_000)
    assert codes(envelope) == [(E.TABLE_TOO_LARGE, "HOSO[1]/XML3")]


def test_a_count_that_disagrees_with_the_hoso_is_reported():
    envelope = parse(corpus(), soluonghoso=4)
    assert codes(envelope) == [(E.COUNT_MISMATCH, "SOLUONGHOSO")]
    assert "4" in envelope.violations[0].message and "5" in envelope.violations[0].message_vi
    assert envelope.soluonghoso == 4 and len(envelope.hoso) == 5


def test_unknown_and_mislabelled_tables_and_broken_episodes_are_reported():
    hoso = corpus()
    hoso[0].append(("XML99", b"<X/>"))
    hoso[1][1] = ("XML10", hoso[1][1][1])  # a sick-leave certificate labelled as pregnancy rest
    hoso[2] = hoso[2][1:]  # no XML1
    hoso[3].append(table_file(TERMINATION))
    hoso[4][1] = table_file(dataclasses.replace(TRANSFER, ma_lk="48001.2025.999999", ma_cskcb="48002"))
    envelope = parse(hoso)
    assert codes(envelope) == [
        (E.LOAIHOSO_UNKNOWN, "HOSO[1]/FILEHOSO[5]"),
        (E.ROOT_ELEMENT_WRONG, "HOSO[2]/XML10"),
        (E.XML1_MISSING, "HOSO[3]"),
        (E.LOAIHOSO_REPEATED, "HOSO[4]/XML7"),
        (E.MA_LK_MISMATCH, "HOSO[5]/XML13[1]/MA_LK"),
        (E.FACILITY_MISMATCH, "HOSO[5]/XML13[1]/MA_CSKCB"),
    ]
    assert envelope.hoso[0].files[4].content == b"<X/>"


def test_header_faults_are_reported_and_the_envelope_still_read():
    data = build_envelope(FACILITY, SENT, corpus()[:1])
    data = data.replace(b"<NGAYLAP>20250310</NGAYLAP>", b"<NGAYLAP>10/03/2025</NGAYLAP>")
    data = data.replace(b"<SOLUONGHOSO>1</SOLUONGHOSO>", "<SOLUONGHOSO>một</SOLUONGHOSO>".encode())
    envelope = parse_envelope(data)
    assert codes(envelope) == [(E.FIELD_BAD_DATE, "NGAYLAP"), (E.FIELD_NOT_A_NUMBER, "SOLUONGHOSO")]
    assert envelope.ngaylap is None and envelope.soluonghoso is None and envelope.hoso[0].visit == MOTHER


def test_a_file_item_without_content_is_reported():
    data = _replace_content(build_envelope(FACILITY, SENT, corpus()[:1]), 2, b"")
    assert codes(parse_envelope(data)) == [(E.FIELD_REQUIRED, "HOSO[1]/XML8/NOIDUNGFILE")]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"fileHSBase64=PEdJQU1ESU5ISFM+", E.ENVELOPE_NOT_XML),
        (
            b'<!DOCTYPE GIAMDINHHS [<!ENTITY x SYSTEM "http://example.invalid/">]><GIAMDINHHS>&x;</GIAMDINHHS>',
            E.ENVELOPE_UNSAFE,
        ),
        (b"<GIAMDINHHS>" + b" " * 2000 + b"</GIAMDINHHS>", E.ENVELOPE_TOO_LARGE),
        (b"<TONG_HOP><MA_LK>1</MA_LK></TONG_HOP>", E.ENVELOPE_ROOT_WRONG),
        (b"<GIAMDINHHS><THONGTINHOSO><DANHSACHHOSO/></THONGTINHOSO></GIAMDINHHS>", E.ENVELOPE_ELEMENT_MISSING),
        (
            b"<GIAMDINHHS><THONGTINDONVI><MACSKCB>48001</MACSKCB></THONGTINDONVI></GIAMDINHHS>",
            E.ENVELOPE_ELEMENT_MISSING,
        ),
    ],
)
def test_an_envelope_that_cannot_be_routed_raises(data, code):
    with pytest.raises(EnvelopeUnreadable) as raised:
        parse_envelope(data, max_bytes=1000)
    assert raised.value.code == code and raised.value.message and raised.value.message_vi


def test_an_envelope_with_no_hoso_is_read_and_refused_as_empty():
    envelope = parse_envelope(build_envelope(FACILITY, dt.date(2025, 1, 2), []))
    assert envelope.hoso == () and envelope.soluonghoso == 0
    assert [(v.code, v.path) for v in envelope.violations] == [(Qd4750ErrorCode.ENVELOPE_EMPTY, "DANHSACHHOSO")]


@settings(max_examples=300, deadline=None)
@given(
    st.text("ABCQUJ+/=a09 \n\r\t\u00e9", max_size=14)
    | st.binary(max_size=12).map(lambda b: base64.b64encode(b).decode())
)
def test_base64_is_decoded_as_the_strict_rule_says(text):
    from hub.infra.streams import decode_base64_text

    try:
        expected: bytes | type[ValueError] = decode_base64_text(text)
    except ValueError:
        expected = ValueError
    try:
        found: bytes | type[ValueError] = decode_base64(text)
    except ValueError:
        found = ValueError
    assert found == expected


XINCLUDE = b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/hostname"/>'


def test_xincludes_and_elements_the_envelope_does_not_have_are_each_reported_in_document_order():
    # Given an envelope with strangers at every level: unknown, namespaced, nested, XIncludes, in the signature too
    data = build_envelope(FACILITY, SENT, corpus()[:2])
    data = data.replace(b"<MACSKCB>", b"<X/><MACSKCB>")
    data = data.replace(b"</HOSO>", XINCLUDE + b"</HOSO>", 1)
    data = data.replace(b"<LOAIHOSO>", b'<n:LOAIHOSO xmlns:n="urn:n"/><!-- c --><?pi x?><LOAIHOSO>', 1)
    data = data.replace(
        b"</DANHSACHHOSO>", b"<HOSO><GHICHU><HOSO><Y/>" + XINCLUDE + b"</HOSO></GHICHU></HOSO></DANHSACHHOSO>"
    )
    data = data.replace(
        b"<CHUKYDONVI></CHUKYDONVI>", b"<CHUKYDONVI><Signature><HOSO/>" + XINCLUDE + b"</Signature></CHUKYDONVI>"
    )
    # When it is read
    envelope = parse_envelope(data)
    # Then each is told once, in the order of the document, before what is wrong inside the HOSO
    assert codes(envelope) == [
        (E.ENVELOPE_ELEMENT_UNKNOWN, "THONGTINDONVI/X"),
        (E.ENVELOPE_ELEMENT_UNKNOWN, "FILEHOSO/{urn:n}LOAIHOSO"),
        (E.XINCLUDE_REFUSED, "xi:include"),
        (E.ENVELOPE_ELEMENT_UNKNOWN, "HOSO/GHICHU"),
        (E.ENVELOPE_ELEMENT_UNKNOWN, "HOSO/Y"),
        (E.XINCLUDE_REFUSED, "xi:include"),
        (E.XINCLUDE_REFUSED, "xi:include"),
        (E.XML1_MISSING, "HOSO[3]"),
        (E.COUNT_MISMATCH, "SOLUONGHOSO"),
    ]


@pytest.mark.parametrize(
    ("table", "change"),
    [
        ("XML1", lambda xml: xml.replace(b"<MA_LK>", XINCLUDE + b"<MA_LK>")),
        ("XML1", lambda xml: xml.replace(b"<HO_TEN>", b"<HO_TEN>" + XINCLUDE)),
        ("XML1", lambda xml: xml.replace(b"<HO_TEN>", b"<HO_TEN>" + XINCLUDE).replace(b"<MA_LK>", b"<MA_LK>Y<B/>")),
        ("XML1", lambda xml: XINCLUDE),
        ("XML9", lambda xml: xml.replace(b"<DU_LIEU_GIAY_CHUNG_SINH>", XINCLUDE + b"<DU_LIEU_GIAY_CHUNG_SINH>", 1)),
        ("XML9", lambda xml: xml.replace(b"<DSACH_GIAYCHUNGSINH>", XINCLUDE + b"<DSACH_GIAYCHUNGSINH>")),
    ],
    ids=["a-field", "in-a-field", "with-other-faults", "the-root", "in-the-list", "beside-the-list"],
)
def test_an_xinclude_in_a_parsed_table_is_refused_before_anything_else_is_said_of_it(table, change):
    # Given a parsed table carrying an XInclude somewhere (a table without one is read before it is looked for)
    hoso = corpus()[:1]
    position = next(index for index, (loaihoso, _) in enumerate(hoso[0]) if loaihoso == table)
    hoso[0][position] = (table, change(hoso[0][position][1]))
    # When the envelope is read
    envelope = parse(hoso)
    # Then the table is refused for it alone, and not read
    assert codes(envelope) == [(E.XINCLUDE_REFUSED, f"HOSO[1]/{table}")]
    assert envelope.hoso[0].files[position].table is None
