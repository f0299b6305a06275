"""Parse untrusted XML safely: no DTD, no entities, no network, bounded size; every refusal is an XmlError."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

from lxml import etree  # type: ignore[import-untyped, unused-ignore]  # no stubs installed (see types-lxml)

from signing.errors import MalformedXml, UnsafeXml, XmlError, XmlTooLarge

T = TypeVar("T")

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


_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "remove_comments": False,
    "remove_pis": False,
}
"""What every untrusted payload is parsed with, XML_PARSE_HUGE (`huge_tree`) apart."""


def _new_parser(*, huge: bool) -> etree.XMLParser:
    return etree.XMLParser(huge_tree=huge, **_OPTIONS)


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
    _check_size(data, max_bytes)
    try:
        root: etree._Element = _parse(data, huge=max_bytes is not None if huge is None else huge)
    except etree.XMLSyntaxError as exc:
        raise _refusal(data, exc) from exc
    _check_safe(root)
    return root


def scan_xml(
    data: bytes, read: Callable[[Iterator[tuple[str, etree._Element]]], T], *, max_bytes: int | None = None
) -> T:
    """What `read` makes of the ("start" | "end", element) events of `data`, parsed as `parse_xml` parses it and
    refused as it refuses it (an XmlError once the whole was parsed), without the tree held whole: `read` may clear
    each element it is done with, and the siblings before it. Made for a large table read for a few facts (the tree
    of a 0.7 MB table of 500 rows takes 5 MB).

    `read` must be done with the events before it answers (what is left is parsed then, for the checks), and may be
    called twice: again with XML_PARSE_HUGE when a text node passed libxml2's limit, as `parse_xml` parses again."""
    _check_size(data, max_bytes)
    try:
        try:
            return _scan(data, read, huge=False)
        except etree.XMLSyntaxError as exc:
            if max_bytes is None or "Text node too long" not in str(exc):
                raise
        return _scan(data, read, huge=True)
    except etree.XMLSyntaxError as exc:
        raise _refusal(data, exc) from exc


def _scan(data: bytes, read: Callable[[Iterator[tuple[str, etree._Element]]], T], *, huge: bool) -> T:
    events = etree.iterparse(io.BytesIO(data), events=("start", "end"), huge_tree=huge, **_OPTIONS)
    result = read(_held_to_depth(events) if huge else events)
    for _ in events:  # the rest, parsed for the checks
        pass
    _check_safe(events.root)
    return result


def _held_to_depth(events: Iterator[tuple[str, etree._Element]]) -> Iterator[tuple[str, etree._Element]]:
    """`events`, refused past MAX_DEPTH levels (libxml2 holds that limit itself unless told XML_PARSE_HUGE)."""
    depth = 0
    for event, element in events:
        depth += 1 if event == "start" else -1
        if depth > MAX_DEPTH:
            raise MalformedXml(f"elements are nested deeper than {MAX_DEPTH} levels")
        yield event, element


def _check_size(data: bytes, max_bytes: int | None) -> None:
    if max_bytes is not None and len(data) > max_bytes:
        raise XmlTooLarge(f"the XML is {len(data):,} bytes; the limit is {max_bytes:,}")
    if not data.strip():
        raise MalformedXml("the payload is empty")


def _refusal(data: bytes, exc: etree.XMLSyntaxError) -> XmlError:
    if b"<!ENTITY" in data or b"<!DOCTYPE" in data:
        return UnsafeXml("a DTD or entity declaration is not allowed")
    return MalformedXml(f"not well-formed XML: {exc}")


def _check_safe(root: etree._Element) -> None:
    info = root.getroottree().docinfo  # made anew at each reading
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise UnsafeXml("a DTD (<!DOCTYPE …>) is not allowed")
    if next(root.iter(etree.Entity), None) is not None:  # filtered in C: no Python loop over every node
        raise UnsafeXml("entity references are not allowed")


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
