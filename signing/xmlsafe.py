"""Parse untrusted XML safely: no DTD, no entities, no network, bounded size; every refusal is an XmlError."""

from __future__ import annotations

import threading

from lxml import etree  # type: ignore[import-untyped, unused-ignore]  # no stubs installed (see types-lxml)

from signing.errors import MalformedXml, UnsafeXml, XmlTooLarge

MAX_DEPTH = 256  # libxml2's nesting limit without XML_PARSE_HUGE, kept when a huge text node needs that option
_TOO_DEEP = "boolean(" + "/*" * (MAX_DEPTH + 1) + ")"  # an element nested deeper than MAX_DEPTH, found in C


_parsers = threading.local()


def _parser(*, huge: bool = False) -> etree.XMLParser:
    """One parser configuration for every untrusted payload, made once per thread: lxml parsers are not safe to share
    across threads while parsing, and parsing with a parser made for the call took twice as long for a small table
    (a new libxml2 parser context each time)."""
    parsers: dict[bool, etree.XMLParser] | None = getattr(_parsers, "by_huge", None)
    if parsers is None:
        parsers = _parsers.by_huge = {}
    parser = parsers.get(huge)
    if parser is None:
        parser = parsers[huge] = _new_parser(huge=huge)
    return parser


def _new_parser(*, huge: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=huge,
        remove_comments=False,
        remove_pis=False,
    )


def reparser() -> etree.XMLParser:
    """A parser for lxml's own serialisation of a tree `parse_xml` returned (signxml copies the tree so): as safe,
    with XML_PARSE_HUGE, since that tree's size and depth were already held to their limits."""
    return _new_parser(huge=True)


def parse_xml(data: bytes, *, max_bytes: int | None = None, huge: bool | None = None) -> etree._Element:
    """The root element of `data`, or an XmlError: malformed, a DTD or entity declaration present, or too large.

    libxml2 refuses a text node over 10,000,000 bytes unless told XML_PARSE_HUGE (lxml's `huge_tree`): an envelope
    within its size limit whose NOIDUNGFILE carries a large table (10.65 MB of base64 in a 19.9 MB envelope) would
    be refused as malformed. When `max_bytes` bounds the input (or `huge` says so: the caller's own document, to
    sign), such a document is parsed again with the option: no entity is ever expanded, so no text can be longer
    than the bytes given, and the nesting limit the option lifts is held to MAX_DEPTH here."""
    if max_bytes is not None and len(data) > max_bytes:
        raise XmlTooLarge(f"the XML is {len(data):,} bytes; the limit is {max_bytes:,}")
    if not data.strip():
        raise MalformedXml("the payload is empty")
    try:
        root: etree._Element = _parse(data, huge=max_bytes is not None if huge is None else huge)
    except etree.XMLSyntaxError as exc:
        if b"<!ENTITY" in data or b"<!DOCTYPE" in data:
            raise UnsafeXml("a DTD or entity declaration is not allowed") from exc
        raise MalformedXml(f"not well-formed XML: {exc}") from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None or tree.docinfo.externalDTD is not None:
        raise UnsafeXml("a DTD (<!DOCTYPE …>) is not allowed")
    if next(root.iter(etree.Entity), None) is not None:  # filtered in C: no Python loop over every node
        raise UnsafeXml("entity references are not allowed")
    return root


def _parse(data: bytes, *, huge: bool) -> etree._Element:
    """Parse with libxml2's default limits; again with XML_PARSE_HUGE, if `huge` allows, when a text node passed
    them (rare: the first attempt costs nothing in the common case, where a check of depth would cost a walk)."""
    try:
        return etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        if not huge or "Text node too long" not in str(exc):
            raise
    root: etree._Element = etree.fromstring(data, parser=_parser(huge=True))
    if root.getroottree().xpath(_TOO_DEEP):
        raise MalformedXml(f"elements are nested deeper than {MAX_DEPTH} levels")
    return root
