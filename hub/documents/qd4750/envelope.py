"""Parse the GIAMDINHHS envelope in which a facility sends its QĐ 130/4750 tables, decoding and parsing each one.

The envelope (BHXH technical letter CV 1245/BHXH-CNTT) carries the facility code, the date, the number of HOSO
(treatment episodes) and, per HOSO, FILEHOSO items: the table type (LOAIHOSO) and the table's XML in base64. Only
what makes the file unroutable is raised (EnvelopeUnreadable); every other problem becomes a Violation with its
place, so one pass reports them all. The signature (CHUKYDONVI) is checked elsewhere (signing/), not here.
"""

from __future__ import annotations

import binascii
import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar

from hub.documents.qd4750.base import is_record_of
from hub.documents.qd4750.errors import EnvelopeUnreadable, TableUnreadable, Violation, violation
from hub.documents.qd4750.errors import Qd4750ErrorCode as E
from hub.documents.qd4750.fields import Kind
from hub.documents.qd4750.parse import (
    XINCLUDE,
    ParsedTable,
    XmlElement,
    check_payload,
    element_text,
    read_kept,
    read_table,
)
from hub.documents.qd4750.records import Record, VisitSummary
from hub.documents.qd4750.rules import record_violations
from hub.documents.qd4750.tables import KNOWN_LOAIHOSO, PARSED_TABLES
from hub.documents.qd4750.values import FORMATS, FORMATS_VI, read_date, read_integer
from hub.documents.qd4750.versions import Standard
from hub.infra.streams import decode_base64_text
from signing.errors import UnsafeXml, XmlError, XmlTooLarge
from signing.xmlsafe import parse_xml

R = TypeVar("R", bound=Record)

ENVELOPE_ROOT = "GIAMDINHHS"
_ENVELOPE_CODES: dict[type[XmlError], E] = {UnsafeXml: E.ENVELOPE_UNSAFE, XmlTooLarge: E.ENVELOPE_TOO_LARGE}
# The elements of the envelope (CV 1245/BHXH-CNTT), by parent; CHUKYDONVI holds the signature, checked elsewhere.
_ENVELOPE_ELEMENTS: dict[str, frozenset[str]] = {
    ENVELOPE_ROOT: frozenset({"THONGTINDONVI", "THONGTINHOSO", "CHUKYDONVI"}),
    "THONGTINDONVI": frozenset({"MACSKCB"}),
    "THONGTINHOSO": frozenset({"NGAYLAP", "SOLUONGHOSO", "DANHSACHHOSO"}),
    "DANHSACHHOSO": frozenset({"HOSO"}),
    "HOSO": frozenset({"FILEHOSO"}),
    "FILEHOSO": frozenset({"LOAIHOSO", "NOIDUNGFILE"}),
}


@dataclass(frozen=True, slots=True)
class FileHoso:
    """One FILEHOSO: its LOAIHOSO, the decoded table XML, and its records when the hub parses that table.

    `content` is None when NOIDUNGFILE is missing or not base64, and for a table kept as sent when the reader was
    asked not to keep its bytes (`read_envelope(keep_kept=False)`); `table` is None for the tables kept as sent
    (XML0, XML2–6, 12, 14, 15), for unknown LOAIHOSO and for a payload that is not readable XML. `standard` is the
    version of the standard the table was read under (a kept table: the one its fields fit), `episode` the MA_LK a
    kept table carries.
    """

    loaihoso: str
    content: bytes | None
    table: ParsedTable[Record] | None
    standard: Standard | None = None
    episode: str | None = None


@dataclass(frozen=True, slots=True)
class Hoso:
    """One HOSO: the tables of one treatment episode; the patient is the one its XML1 names."""

    files: tuple[FileHoso, ...]

    def file(self, loaihoso: str) -> FileHoso | None:
        """The first file of type `loaihoso`, if any."""
        return next((item for item in self.files if item.loaihoso == loaihoso), None)

    def records(self, kind: type[R]) -> tuple[R, ...]:
        """The records of class `kind` read from this HOSO's tables, in order."""
        return tuple(
            record for item in self.files if item.table for record in item.table.records if isinstance(record, kind)
        )

    @property
    def visit(self) -> VisitSummary | None:
        """The visit summary (XML1) that names the patient, when it was read."""
        return _visit(self.files)


@dataclass(frozen=True, slots=True)
class Envelope:
    """A parsed GIAMDINHHS file: header, HOSO in order, and every violation found (each with its `path`)."""

    macskcb: str
    ngaylap: dt.date | None
    soluonghoso: int | None
    hoso: tuple[Hoso, ...]
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        """True when nothing in the file was found wrong."""
        return not self.violations

    def records(self, kind: type[R]) -> tuple[R, ...]:
        """The records of class `kind` across every HOSO, in order."""
        return tuple(record for hoso in self.hoso for record in hoso.records(kind))

    def violations_of(self, hoso: int) -> tuple[Violation, ...]:
        """The violations found in the HOSO at index `hoso` (0-based)."""
        return tuple(item for item in self.violations if item.hoso == hoso)


def _visit(files: tuple[FileHoso, ...]) -> VisitSummary | None:
    """The first visit summary read from `files`."""
    for item in files:
        for record in item.table.records if item.table else ():
            if is_record_of(record, VisitSummary):
                return record
    return None


def decode_base64(text: str) -> bytes:
    """Strict base64: only the alphabet and padding, line breaks and spaces allowed between; ValueError otherwise.
    No copy of the whole text is made beside the result: text without line breaks (most) is decoded by binascii in
    one call, other text a piece at a time."""
    if len(text) % 4 == 0:  # binascii's strict mode takes a lone "=" after a whole quantum; the rule does not
        try:
            return binascii.a2b_base64(text, strict_mode=True)
        except (binascii.Error, ValueError):  # line breaks, or not base64: the rule decides
            pass
    return decode_base64_text(text)


def parse_envelope(data: bytes, *, max_bytes: int | None = None, max_table_bytes: int | None = None) -> Envelope:
    """Read a GIAMDINHHS file and every table in it; `max_bytes` bounds the file, `max_table_bytes` (by default
    `max_bytes` too) each decoded table.

    Raises EnvelopeUnreadable when the file is not safe, well-formed XML within the limit, is not a GIAMDINHHS,
    or lacks MACSKCB or DANHSACHHOSO. Everything else is reported in `Envelope.violations`.
    """
    try:
        root: XmlElement = parse_xml(data, max_bytes=max_bytes)
    except XmlError as exc:
        raise EnvelopeUnreadable(_ENVELOPE_CODES.get(type(exc), E.ENVELOPE_NOT_XML), detail=str(exc)) from exc
    return read_envelope(root, max_table_bytes=max_bytes if max_table_bytes is None else max_table_bytes)


def read_envelope(root: XmlElement, *, max_table_bytes: int | None = None, keep_kept: bool = True) -> Envelope:
    """Read a GIAMDINHHS tree already parsed safely (e.g. the signed content a signature check returned).

    Each NOIDUNGFILE of `root` is emptied once its text is read: a large envelope's tables are not held twice (in
    base64 in the tree, and decoded). The tree is the caller's to drop after; it is not read again. With
    `keep_kept` False the decoded bytes of a table kept as sent are dropped once it is checked (its `content` is
    None): a caller that stores the envelope's own bytes does not hold the largest tables a second time while the
    next ones are decoded."""
    if root.tag != ENVELOPE_ROOT:
        raise EnvelopeUnreadable(E.ENVELOPE_ROOT_WRONG, found=root.tag)
    facility = root.find("THONGTINDONVI/MACSKCB")
    listing = root.find("THONGTINHOSO/DANHSACHHOSO")
    macskcb = "" if facility is None else element_text(facility)
    if not macskcb or listing is None:
        raise EnvelopeUnreadable(E.ENVELOPE_ELEMENT_MISSING, element="MACSKCB" if not macskcb else "DANHSACHHOSO")
    problems: list[Violation] = list(_structure(root))
    if len(macskcb) > 5:
        problems.append(violation(E.FIELD_TOO_LONG, field="MACSKCB", length=len(macskcb), size=5))
    ngaylap = _header(root, "NGAYLAP", problems)
    declared = _header(root, "SOLUONGHOSO", problems)
    day = ngaylap if isinstance(ngaylap, dt.date) else None
    hoso = tuple(
        _read_hoso(element, index, macskcb, day, max_table_bytes, problems, keep_kept)
        for index, element in enumerate(listing.iterchildren("HOSO"))  # "HOSO" in no namespace, elements only
    )
    if not hoso:
        problems.append(violation(E.ENVELOPE_EMPTY, field="DANHSACHHOSO"))
    if isinstance(declared, int) and declared != len(hoso):
        problems.append(violation(E.COUNT_MISMATCH, field="SOLUONGHOSO", declared=declared, found=len(hoso)))
    return Envelope(
        macskcb=macskcb,
        ngaylap=ngaylap if isinstance(ngaylap, dt.date) else None,
        soluonghoso=declared if isinstance(declared, int) else None,
        hoso=hoso,
        violations=tuple(problems),
    )


def _structure(root: XmlElement) -> Iterator[Violation]:
    """An XInclude anywhere (never resolved: refused, not stored), and any element the envelope does not have."""
    for element in _elements(root):
        parent = str(element.tag)
        if parent.startswith(XINCLUDE):
            name = parent.replace(XINCLUDE, "xi:")
            yield violation(E.XINCLUDE_REFUSED, field=name, element=name)
            continue
        allowed = _ENVELOPE_ELEMENTS[parent]
        for child in element.iterchildren("*"):  # "*": elements only
            tag = str(child.tag)
            if tag not in allowed and not tag.startswith(XINCLUDE):
                yield violation(E.ENVELOPE_ELEMENT_UNKNOWN, field=f"{parent}/{tag}", element=tag, parent=parent)


def _elements(root: XmlElement) -> Iterator[XmlElement]:
    """The elements under `root`, itself included, in document order, that `_structure` looks at: those in the
    XInclude namespace and the parents of the envelope's own elements, picked by lxml (a leaf or CHUKYDONVI has
    nothing to say, and the signature's elements are most of an envelope's)."""
    return root.iter(f"{XINCLUDE}*", *_ENVELOPE_ELEMENTS)  # names without a namespace match elements in none


def _header(root: XmlElement, name: str, problems: list[Violation]) -> dt.date | int | None:
    """NGAYLAP (a date) or SOLUONGHOSO (a number) from THONGTINHOSO, or None with a violation."""
    element = root.find(f"THONGTINHOSO/{name}")
    text = "" if element is None else element_text(element)
    if not text:
        problems.append(violation(E.FIELD_REQUIRED, field=name))
        return None
    try:
        return read_date(text) if name == "NGAYLAP" else read_integer(text)
    except ValueError:
        kind = Kind.DATE if name == "NGAYLAP" else Kind.INTEGER
        code = E.FIELD_BAD_DATE if kind is Kind.DATE else E.FIELD_NOT_A_NUMBER
        problems.append(violation(code, field=name, format=FORMATS[kind], format_vi=FORMATS_VI[kind], value=text[:40]))
        return None


def _read_hoso(
    element: XmlElement,
    index: int,
    macskcb: str,
    day: dt.date | None,
    max_bytes: int | None,
    out: list[Violation],
    keep_kept: bool,
) -> Hoso:
    files = tuple(
        _read_file(item, index, position, day, max_bytes, out, keep_kept)
        for position, item in enumerate(element.iterchildren("FILEHOSO"))
    )
    _check_hoso(files, index, macskcb, out)
    return Hoso(files)


def _read_file(
    element: XmlElement,
    hoso: int,
    position: int,
    day: dt.date | None,
    max_bytes: int | None,
    out: list[Violation],
    keep_kept: bool,
) -> FileHoso:
    loaihoso, encoded = "", ""
    for child in element:  # the last of each, if repeated (a comment's tag is a function: neither)
        tag = child.tag
        if tag == "LOAIHOSO":
            loaihoso = element_text(child)
        elif tag == "NOIDUNGFILE":
            encoded = element_text(child)
            child.clear(keep_tail=True)  # read: the tree no longer holds the table's base64 beside its text
    for name, text in (("LOAIHOSO", loaihoso), ("NOIDUNGFILE", encoded)):
        if not text:
            out.append(violation(E.FIELD_REQUIRED, hoso=hoso, file=position, table=loaihoso or None, field=name))
    if loaihoso and loaihoso not in KNOWN_LOAIHOSO:
        out.append(violation(E.LOAIHOSO_UNKNOWN, hoso=hoso, file=position, loaihoso=loaihoso))
    if not encoded:
        return FileHoso(loaihoso, None, None)
    try:
        content = decode_base64(encoded)
    except ValueError:
        out.append(violation(E.BASE64_INVALID, hoso=hoso, file=position, table=loaihoso or None, loaihoso=loaihoso))
        return FileHoso(loaihoso, None, None)
    del encoded  # decoded: the text is not held beside the table's bytes and tree
    if loaihoso not in KNOWN_LOAIHOSO:
        return FileHoso(loaihoso, content, None)
    try:
        # Tables kept as sent are still checked to be safe XML of their own root: they are stored and may be read.
        if loaihoso not in PARSED_TABLES:
            kept = read_kept(loaihoso, content, day, max_bytes=max_bytes)
            if kept.xinclude is not None:
                _xinclude(kept.xinclude, hoso, position, loaihoso, out)
                return FileHoso(loaihoso, content, None)
            return FileHoso(loaihoso, content if keep_kept else None, None, kept.standard, kept.episode)
        root = check_payload(loaihoso, content, max_bytes=max_bytes)
        try:
            parsed: ParsedTable[Record] | TableUnreadable = read_table(loaihoso, root, day)
        except TableUnreadable as exc:
            parsed = exc
        # An XInclude is told before anything else. A table read without a violation has none (each of its elements
        # is its root, list, record or a field of its layout): it is looked for, by lxml, only in the others.
        if isinstance(parsed, TableUnreadable) or parsed.violations:
            included = next(root.iter(f"{XINCLUDE}*"), None)
            if included is not None:
                _xinclude(str(included.tag), hoso, position, loaihoso, out)
                return FileHoso(loaihoso, content, None)
            if isinstance(parsed, TableUnreadable):
                raise parsed
    except TableUnreadable as exc:
        out.append(dataclasses.replace(_as_violation(exc), hoso=hoso, file=position, table=loaihoso))
        return FileHoso(loaihoso, content, None)
    if parsed.violations:
        placed = tuple(dataclasses.replace(item, hoso=hoso, file=position) for item in parsed.violations)
        parsed = dataclasses.replace(parsed, violations=placed)
        out.extend(placed)
    return FileHoso(loaihoso, content, parsed, parsed.standard)


def _xinclude(tag: str, hoso: int, position: int, loaihoso: str, out: list[Violation]) -> None:
    """XINCLUDE_REFUSED for a table holding the XInclude element `tag` (Clark notation)."""
    name = tag.replace(XINCLUDE, "xi:")
    out.append(violation(E.XINCLUDE_REFUSED, hoso=hoso, file=position, table=loaihoso, element=name))


def _as_violation(error: TableUnreadable) -> Violation:
    return Violation(E(error.code), error.message, error.message_vi)


def _check_hoso(files: tuple[FileHoso, ...], hoso: int, macskcb: str, out: list[Violation]) -> None:
    """What ties a HOSO's tables together: one of each, an XML1, one MA_LK, the sender's facility code."""
    kinds = [item.loaihoso for item in files]
    if len(set(kinds)) != len(kinds):
        for loaihoso, count in Counter(kind for kind in kinds if kind).items():
            if count > 1:
                out.append(violation(E.LOAIHOSO_REPEATED, hoso=hoso, table=loaihoso, loaihoso=loaihoso))
    if "XML1" not in kinds:
        check_in = bool(files) and all(kind == "XML0" for kind in kinds)  # check-in: before any XML1 exists
        # A council's assessment minutes (XML12) belong to no treatment episode: a HOSO of them alone has no XML1.
        minutes = bool(files) and all(kind == "XML12" for kind in kinds)
        if not check_in and not minutes:
            out.append(violation(E.XML1_MISSING, hoso=hoso))
    visit = _visit(files)
    for position, item in enumerate(files):
        for index, record in enumerate(item.table.records if item.table else ()):
            table = item.loaihoso
            for problem in record_violations(record, visit=visit, facility=macskcb):
                out.append(dataclasses.replace(problem, hoso=hoso, file=position, table=table, record=index))
            if visit is not None and record.ma_lk != visit.ma_lk:
                found, expected = record.ma_lk, visit.ma_lk
                out.append(
                    violation(
                        E.MA_LK_MISMATCH,
                        hoso=hoso,
                        file=position,
                        table=table,
                        record=index,
                        field="MA_LK",
                        found=found,
                        expected=expected,
                    )
                )
            facility = getattr(record, "ma_cskcb", None)
            if facility is not None and facility != macskcb:
                out.append(
                    violation(
                        E.FACILITY_MISMATCH,
                        hoso=hoso,
                        file=position,
                        table=table,
                        record=index,
                        field="MA_CSKCB",
                        found=facility,
                        expected=macskcb,
                    )
                )
