"""The safe XML parser: DTDs, entities (XXE, billion laughs) and oversized payloads are refused before expansion."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped, unused-ignore]  # no stubs installed (see types-lxml)

from signing.errors import MalformedXml, UnsafeXml, XmlError, XmlTooLarge
from signing.xmlsafe import parse_xml, scan_xml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol9;</lolz>"""


def test_well_formed_xml_is_parsed():
    root = parse_xml("<?xml version='1.0' encoding='UTF-8'?><GIAMDINHHS><A>Bệnh viện</A></GIAMDINHHS>".encode())

    assert root.tag == "GIAMDINHHS"
    assert root.findtext("A") == "Bệnh viện"


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', id="xxe-file"),
        pytest.param(b'<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/">]><r>&x;</r>', id="xxe-http"),
        pytest.param(b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]><r/>', id="parameter-entity"),
        pytest.param(BILLION_LAUGHS, id="billion-laughs"),
        pytest.param(b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/r.dtd"><r/>', id="external-dtd"),
        pytest.param(b"<!DOCTYPE r><r/>", id="bare-doctype"),
    ],
)
def test_dtds_and_entities_are_refused(payload):
    with pytest.raises(UnsafeXml) as caught:
        parse_xml(payload)
    assert caught.value.code == "XML_UNSAFE"


def test_no_entity_is_ever_expanded():
    with pytest.raises(UnsafeXml):
        parse_xml(b'<!DOCTYPE r [<!ENTITY secret "expanded">]><r>&secret;</r>')


def test_an_oversized_payload_is_refused_before_parsing():
    with pytest.raises(XmlTooLarge) as caught:
        parse_xml(b"<r>" + b"x" * 100 + b"</r>", max_bytes=50)
    assert caught.value.code == "XML_TOO_LARGE"
    assert parse_xml(b"<r/>", max_bytes=4).tag == "r"


@pytest.mark.parametrize("payload", [b"", b"   ", b"not xml", b"<r>", b"<r></s>", b"\xff\xfe<r/>"])
def test_malformed_payloads_are_refused(payload):
    with pytest.raises(MalformedXml) as caught:
        parse_xml(payload)
    assert caught.value.code == "XML_MALFORMED"


@given(st.binary(max_size=300))
def test_any_bytes_give_a_tree_or_an_xml_error(payload):
    try:
        root = parse_xml(payload)
    except XmlError:
        return
    assert root.getroottree().docinfo.doctype == ""


@given(st.text(st.characters(exclude_categories=["Cc", "Cs", "Cn", "Co"])))
def test_any_escaped_text_round_trips(text):
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    assert (parse_xml(f"<r>{escaped}</r>".encode()).text or "") == text


def test_a_text_node_over_libxml2s_10_mb_is_read_when_the_size_is_bounded():
    """libxml2 refuses a text node over 10,000,000 bytes without XML_PARSE_HUGE: a table of 10.65 MB in base64."""
    data = b"<GIAMDINHHS><NOIDUNGFILE>" + b"QUJD" * 2_662_500 + b"</NOIDUNGFILE></GIAMDINHHS>"
    assert len(parse_xml(data, max_bytes=len(data))[0].text) == 10_650_000
    with pytest.raises(MalformedXml):
        parse_xml(data)  # unbounded: libxml2's limits stand


@pytest.mark.parametrize("depth", [256, 257, 300])
def test_nesting_stays_limited_to_256_levels_with_a_huge_text_node(depth):
    data = b"<a>" * (depth - 1) + b"<b>" + b"Q" * 10_000_001 + b"</b>" + b"</a>" * (depth - 1)
    if depth <= 256:
        assert parse_xml(data, max_bytes=len(data)).tag == "a"
    else:
        with pytest.raises(MalformedXml, match="256"):
            parse_xml(data, max_bytes=len(data))


def _outcome(read: Any, payload: bytes, **limits: int) -> Any:
    try:
        return read(payload, **limits)
    except XmlError as exc:
        return type(exc)


def _tags(payload: bytes, **limits: int) -> Any:
    return scan_xml(payload, lambda events: [(event, element.tag) for event, element in events], **limits)


@pytest.mark.parametrize(
    ("payload", "limits"),
    [
        (b"<r><a>1</a><!-- c --><b/></r>", {}),
        (b"", {}),
        (b"<r>", {}),
        (b"<r></s>", {}),
        (b"\xff\xfe<r/>", {}),
        (BILLION_LAUGHS, {}),
        (b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', {}),
        (b'<!DOCTYPE r [<!ENTITY secret "expanded">]><r>&secret;</r>', {}),
        (b"<!DOCTYPE r><r/>", {}),
        (b"<r>" + b"x" * 100 + b"</r>", {"max_bytes": 50}),
        (b"<r><b>" + b"Q" * 10_000_001 + b"</b></r>", {}),
        (b"<r><b>" + b"Q" * 10_000_001 + b"</b></r>", {"max_bytes": 20_000_000}),
        (b"<a>" * 256 + b"Q" * 10_000_001 + b"</a>" * 256, {"max_bytes": 20_000_000}),
        (b"<a>" * 257 + b"Q" * 10_000_001 + b"</a>" * 257, {"max_bytes": 20_000_000}),
        (b"<a>" * 300 + b"</a>" * 300, {}),
    ],
    ids=lambda value: value if isinstance(value, dict) else None,
)
def test_a_scan_refuses_what_the_parser_refuses_and_sees_its_elements(payload, limits):
    # When the same bytes are parsed whole and scanned as events
    parsed, scanned = _outcome(parse_xml, payload, **limits), _outcome(_tags, payload, **limits)
    # Then both refuse them with the same error, or the scan sees each element of the tree, in order
    if isinstance(parsed, type):
        assert scanned is parsed
    else:
        assert [tag for event, tag in scanned if event == "start"] == [e.tag for e in parsed.iter(etree.Element)]
