"""Parse untrusted XML safely: no DTD, no entities, no network, bounded size; every refusal is an XmlError."""

from __future__ import annotations

from lxml import etree  # type: ignore[import-untyped, unused-ignore]  # no stubs installed (see types-lxml)

from signing.errors import MalformedXml, UnsafeXml, XmlTooLarge


def _parser() -> etree.XMLParser:
    """One parser configuration for every untrusted payload.

    lxml parsers are not thread-safe to share across threads while parsing, so each call builds its own (cheap: no
    DTD, no catalogue lookups).
    """
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
    )


def parse_xml(data: bytes, *, max_bytes: int | None = None) -> etree._Element:
    """The root element of `data`, or an XmlError: malformed, a DTD or entity declaration present, or too large."""
    if max_bytes is not None and len(data) > max_bytes:
        raise XmlTooLarge(f"the XML is {len(data):,} bytes; the limit is {max_bytes:,}")
    if not data.strip():
        raise MalformedXml("the payload is empty")
    try:
        root: etree._Element = etree.fromstring(data, parser=_parser())
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
