"""Parse one QĐ 130/4750 table (the XML inside a FILEHOSO) into typed records, collecting every violation.

A record with any violation is left out of `records` (it is rejected whole, never half-read); its violations say
which record (`record`, 0-based) and which field. Field texts are read once per record and checked in the table's
order: required, code list, kind, maximum size, range. The per-table work (field lookup, readers) is prepared once,
at import.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import MISSING, dataclass
from typing import Any, Generic, Protocol, TypeVar

from lxml.etree import XPath  # type: ignore[import-untyped, unused-ignore]  # no stubs installed (see types-lxml)

from hub.documents.qd4750.errors import Qd4750ErrorCode as E
from hub.documents.qd4750.errors import TableUnreadable, Violation, violation
from hub.documents.qd4750.fields import FieldSpec, Kind, TableSpec
from hub.documents.qd4750.records import RECORD_TYPES, Record
from hub.documents.qd4750.tables import KNOWN_LOAIHOSO, LAYOUTS, PARSED_TABLES, layout_for
from hub.documents.qd4750.values import FORMATS, FORMATS_VI, READERS, FieldValue, write_value
from hub.documents.qd4750.versions import QD3176, Standard
from signing.errors import UnsafeXml, XmlError, XmlTooLarge
from signing.xmlsafe import parse_xml, scan_xml

R = TypeVar("R", bound=Record, covariant=True)

# Whitespace as XML defines it: a trailing no-break space is data, not layout.
XML_WHITESPACE = " \t\r\n"

PAYLOAD_CODES: dict[type[XmlError], E] = {UnsafeXml: E.PAYLOAD_UNSAFE, XmlTooLarge: E.TABLE_TOO_LARGE}

_FAILURE_CODES = {
    Kind.INTEGER: E.FIELD_NOT_A_NUMBER,
    Kind.DECIMAL: E.FIELD_NOT_A_NUMBER,
    Kind.FLAG: E.FIELD_NOT_IN_CODE_LIST,
    Kind.DATE: E.FIELD_BAD_DATE,
    Kind.DATETIME: E.FIELD_BAD_DATE,
    Kind.DATE_OR_DATETIME: E.FIELD_BAD_DATE,
    Kind.BIRTH_TIME: E.FIELD_BAD_DATE,
}


class XmlElement(Protocol):
    """The part of an lxml element the parser uses (lxml ships no type information)."""

    @property
    def tag(self) -> object: ...

    @property
    def text(self) -> str | None: ...

    @property
    def tail(self) -> str | None: ...

    def __iter__(self) -> Iterator[XmlElement]: ...

    def __len__(self) -> int: ...

    def find(self, path: str) -> XmlElement | None: ...

    def iter(self, tag: str) -> Iterator[XmlElement]: ...

    def clear(self, keep_tail: bool = False) -> None: ...


@dataclass(frozen=True, slots=True)
class ParsedTable(Generic[R]):
    """The records read from one table, and every violation found; `found` counts the record elements seen;
    `standard` is the version of the standard whose layout the table was read under."""

    loaihoso: str
    records: tuple[R, ...]
    violations: tuple[Violation, ...]
    found: int
    standard: Standard = QD3176
    fields: tuple[dict[str, str], ...] = ()
    """The text form of each record's fields as stored (what build.parsed_fields gives), made while reading."""

    @property
    def ok(self) -> bool:
        """True when every record was read without a violation."""
        return not self.violations


def element_text(element: XmlElement) -> str:
    """The element's text without the XML whitespace around it ("" when empty), comments left out."""
    if not len(element):
        return (element.text or "").strip(XML_WHITESPACE)
    return ((element.text or "") + "".join(child.tail or "" for child in element)).strip(XML_WHITESPACE)


def children(element: XmlElement) -> Iterator[tuple[str, XmlElement]]:
    """The child elements with their tags, skipping comments and processing instructions."""
    for child in element:
        tag = child.tag
        if isinstance(tag, str):
            yield tag, child


@dataclass(frozen=True, slots=True)
class _FieldPlan:
    """What reading one field takes, looked up once per table rather than once per field read."""

    spec: FieldSpec
    reader: Callable[[str], FieldValue]
    codes: frozenset[str] | tuple[str, ...] | None
    name: str
    attribute: str
    plain: bool
    """A string without a code list: its text is its value, and only its size is checked (most fields)."""
    max_size: int | None
    rewritten: bool
    """A number, whose text form as stored (build.write_value) may differ from the text read: "007" is "7"; every
    other kind is stored as it was read."""

    @classmethod
    def of(cls, spec: FieldSpec) -> _FieldPlan:
        codes = spec.codes or (("0", "1") if spec.kind is Kind.FLAG else None)
        plain = spec.kind is Kind.STRING and codes is None
        rewritten = spec.kind in (Kind.INTEGER, Kind.DECIMAL)
        return cls(spec, READERS[spec.kind], codes, spec.name, spec.attribute, plain, spec.max_size, rewritten)


def _check(plan: _FieldPlan, text: str, table: str, record: int) -> FieldValue | Violation:
    """The value of a non-empty field text, or its first violation."""
    spec, codes = plan.spec, plan.codes
    if codes is not None and text not in codes:
        return violation(
            E.FIELD_NOT_IN_CODE_LIST, **_where(spec, table, record), codes=", ".join(sorted(codes)), value=_clip(text)
        )
    # The kind before the size: "5 ngày" is better told "not a number" than "too long".
    try:
        value = plan.reader(text)
    except ValueError:
        return violation(
            _FAILURE_CODES[spec.kind],
            **_where(spec, table, record),
            format=FORMATS[spec.kind],
            format_vi=FORMATS_VI[spec.kind],
            value=_clip(text),
        )
    if spec.max_size is not None and len(text) > spec.max_size:
        return violation(E.FIELD_TOO_LONG, **_where(spec, table, record), length=len(text), size=spec.max_size)
    if isinstance(value, int) and (
        (spec.minimum is not None and value < spec.minimum) or (spec.maximum is not None and value > spec.maximum)
    ):
        where = _where(spec, table, record)
        return violation(E.FIELD_OUT_OF_RANGE, **where, minimum=spec.minimum, maximum=spec.maximum, value=value)
    return value


def _where(spec: FieldSpec, table: str, record: int) -> dict[str, Any]:
    return {"table": table, "record": record, "field": spec.name}


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def parse_record(
    spec: TableSpec, element: XmlElement, index: int = 0, standard: Standard = QD3176
) -> tuple[Record | None, list[Violation]]:
    """One record element of table `spec` (the layout of `standard`): the record, or None and why not."""
    record, _, problems = _read_record(spec, element, index, standard)
    return record, problems


def _read_record(
    spec: TableSpec, element: XmlElement, index: int, standard: Standard
) -> tuple[Record | None, dict[str, str], list[Violation]]:
    """parse_record, with the text form of the record's fields as stored."""
    table = spec.loaihoso
    known, plans = _prepared(spec)
    label = standard.label
    texts: dict[str, str] = {}
    problems: list[Violation] = []
    for child in element:  # `children` and `element_text` written out: this loop reads every field of every record
        tag = child.tag
        if not isinstance(tag, str):
            continue  # a comment or processing instruction
        if tag not in known:
            problems.append(unknown(table, index, tag, label))
        elif tag in texts:
            problems.append(violation(E.FIELD_REPEATED, table=table, record=index, field=tag))
        elif not len(child):
            texts[tag] = (child.text or "").strip(XML_WHITESPACE)
        elif any(isinstance(grandchild.tag, str) for grandchild in child):
            problems.append(unknown(table, index, f"{tag}/*", label))
        else:
            texts[tag] = element_text(child)
    values: dict[str, FieldValue] = {}
    fields: dict[str, str] = {}
    for plan in plans:
        text = texts.get(plan.name)
        if not text:
            field = plan.spec
            condition = field.required_if
            if field.required or (condition is not None and texts.get(condition[0]) == condition[1]):
                problems.append(violation(E.FIELD_REQUIRED, table=table, record=index, field=field.name))
            continue
        if plan.plain and (plan.max_size is None or len(text) <= plan.max_size):
            values[plan.attribute] = fields[plan.name] = text  # what _check would answer, without its calls
            continue
        value = _check(plan, text, table, index)
        if isinstance(value, Violation):
            problems.append(value)
        else:
            values[plan.attribute] = value
            fields[plan.name] = write_value(plan.spec.kind, value) if plan.rewritten else text
    if problems:
        return None, {}, problems
    return RECORD_TYPES[table](**values), fields, problems  # type: ignore[arg-type]  # values typed by the spec


def unknown(table: str, record: int | None, field: str, label: str) -> Violation:
    """FIELD_UNKNOWN: `field` is not in the layout of `table` under the version named `label`."""
    return violation(E.FIELD_UNKNOWN, table=table, record=record, field=field, loaihoso=table, standard=label)


def record_elements(
    spec: TableSpec, root: XmlElement, standard: Standard = QD3176
) -> tuple[list[XmlElement], list[Violation]]:
    """The record elements of a table whose root is already checked: the root, or the items of its list."""
    if spec.list_tag is None:
        return [root], []
    items: list[XmlElement] = []
    problems: list[Violation] = []
    table, label = spec.loaihoso, standard.label
    for tag, child in children(root):
        if tag != spec.list_tag:
            problems.append(unknown(table, None, tag, label))
            continue
        for item_tag, item in children(child):
            if item_tag == spec.item_tag:
                items.append(item)
            else:
                problems.append(unknown(table, None, f"{spec.list_tag}/{item_tag}", label))
    if not items:
        problems.append(violation(E.RECORD_MISSING, table=table, loaihoso=table, element=spec.item_tag))
    return items, problems


def table_layout(
    loaihoso: str, root: XmlElement, day: dt.date | None
) -> tuple[Standard, TableSpec, list[XmlElement], list[Violation]]:
    """The version and layout a table's tree is read under (by the fields it carries, among the versions in force
    on `day`), and its record elements; TableUnreadable when its root is not the official one of its LOAIHOSO."""
    standard, spec, elements, problems, _ = _read_layout(loaihoso, root, day)
    return standard, spec, elements, problems


def _read_layout(
    loaihoso: str, root: XmlElement, day: dt.date | None
) -> tuple[Standard, TableSpec, list[XmlElement], list[Violation], list[dict[object, str | None]]]:
    """table_layout, with {tag: text} of each record's children (a comment's tag is a function), read in one pass."""
    current = LAYOUTS[QD3176.code][loaihoso]
    if root.tag != current.root:
        raise TableUnreadable(E.ROOT_ELEMENT_WRONG, loaihoso=loaihoso, found=root.tag, expected=current.root)
    elements, _ = record_elements(current, root)
    raw = [{child.tag: child.text for child in element} for element in elements]
    tags = {tag for texts in raw for tag in texts if isinstance(tag, str)}
    standard, spec, _ = layout_for(loaihoso, tags, day)
    if (spec.list_tag, spec.item_tag) == (current.list_tag, current.item_tag):
        _, problems = record_elements(spec, root, standard)  # the same elements; violations named by the version
        return standard, spec, elements, problems, raw
    elements, problems = record_elements(spec, root, standard)
    return standard, spec, elements, problems, [{child.tag: child.text for child in element} for element in elements]


def read_table(loaihoso: str, root: XmlElement, day: dt.date | None = None) -> ParsedTable[Record]:
    """The records of a parsed XML tree of table `loaihoso` (root not yet checked), in an envelope dated `day`.

    Each record's children are read once, into {tag: text}, which both chooses the layout and gives the fields; a
    record whose reading finds anything wrong is read again field by field, to place every violation in order."""
    standard, spec, elements, problems, raw = _read_layout(loaihoso, root, day)
    records: list[Record] = []
    fields: list[dict[str, str]] = []
    plain = not _IRREGULAR[spec.list_tag is not None](root)  # no field of any record holds more than text
    for index, element in enumerate(elements):
        valid = _read_valid(spec, element, raw[index], plain=plain)
        if valid is not None:
            records.append(valid[0])
            fields.append(valid[1])
            continue
        record, texts, found = _read_record(spec, element, index, standard)
        if record is not None:
            records.append(record)
            fields.append(texts)
        problems.extend(found)
    return ParsedTable(spec.loaihoso, tuple(records), tuple(problems), len(elements), standard, tuple(fields))


_IRREGULAR = {
    False: XPath("boolean(*/* | */comment() | */processing-instruction())"),
    True: XPath("boolean(*/*/*/* | */*/*/comment() | */*/*/processing-instruction())"),
}
"""Whether a record (the root of a table without a list), or any record of a table's list, has a field holding more
than text: an element, a comment, a processing instruction. Asked of libxml2, once per table."""


def _read_valid(
    spec: TableSpec, element: XmlElement, raw: dict[object, str | None], *, plain: bool
) -> tuple[Record, dict[str, str]] | None:
    """The record of `element` and the text form of its fields as stored, when it has no violation at all; None when
    it may have one. `raw` is {tag: text} of its children, as read by `_read_layout`; `plain` says that no field of
    the table holds more than text (else it is asked of this record).

    What `_read_record` does, without the violations: the fields are those of `raw` when no tag is repeated or
    unknown (a comment's tag is not a string) and no field holds more than text; a field that fails a check ends it.
    """
    known, plans = _prepared(spec)
    if len(raw) != len(element) or not raw.keys() <= known or (not plain and _IRREGULAR[False](element)):
        return None
    values: dict[str, FieldValue] = {}
    fields: dict[str, str] = {}
    table = spec.loaihoso
    for plan in plans:
        text = raw.get(plan.name)
        if text:
            text = text.strip(XML_WHITESPACE)
        if not text:
            field = plan.spec
            condition = field.required_if
            if field.required or (condition is not None and _stripped(raw.get(condition[0])) == condition[1]):
                return None
            continue
        if plan.plain and (plan.max_size is None or len(text) <= plan.max_size):
            values[plan.attribute] = fields[plan.name] = text
            continue
        value = _check(plan, text, table, 0)
        if isinstance(value, Violation):
            return None
        values[plan.attribute] = value
        fields[plan.name] = write_value(plan.spec.kind, value) if plan.rewritten else text
    return _make(RECORD_TYPES[table], values), fields


def _make(cls: type[Record], values: dict[str, FieldValue]) -> Record:
    """`cls(**values)` for values already read and checked, in half the time (a visit summary's frozen dataclass
    __init__ took 40 µs): each slot is set through its descriptor, those not given to None, every field's default.
    Anything else (a required field missing, a name the class does not have) goes to `cls` itself, which says so."""
    setters, required, names = _MAKERS[cls]
    if not (required <= values.keys() <= names):
        return cls(**values)  # type: ignore[arg-type]  # values typed by the spec
    record = object.__new__(cls)
    get = values.get
    for name, assign in setters:
        assign(record, get(name))
    return record


_Setters = tuple[tuple[str, Callable[[Record, object], None]], ...]


def _maker(cls: type[Record]) -> tuple[_Setters, frozenset[str], frozenset[str]]:
    """What `_make` needs of a record class: each field's name and slot setter, the required ones, all names."""
    fields = dataclasses.fields(cls)
    odd = [f.name for f in fields if f.default not in (None, MISSING) or f.default_factory is not MISSING]
    if odd or hasattr(cls, "__post_init__"):  # pragma: no cover - a record type `_make` cannot build
        raise TypeError(f"{cls.__name__}: a default other than None ({odd}) or a __post_init__; use cls(**values)")
    setters = tuple((f.name, getattr(cls, f.name).__set__) for f in fields)
    required = frozenset(f.name for f in fields if f.default is MISSING)
    return setters, required, frozenset(f.name for f in fields)


_MAKERS = {cls: _maker(cls) for cls in RECORD_TYPES.values()}


def _stripped(text: str | None) -> str:
    return (text or "").strip(XML_WHITESPACE)


def parse_table(
    loaihoso: str, xml: bytes, *, max_bytes: int | None = None, on: dt.date | None = None
) -> ParsedTable[Record]:
    """The records of one table's XML, with every field violation; `on` is the envelope's date (NGAYLAP), which
    decides the versions of the standard the table may follow (every version when None).

    Raises TableUnreadable (with its code) when the table cannot be read at all: LOAIHOSO unknown or not one the
    hub parses, the bytes not XML, unsafe (DTD, entities) or over `max_bytes`, or the root element not the table's.
    """
    if loaihoso not in PARSED_TABLES:
        code = E.LOAIHOSO_NOT_PARSED if loaihoso in KNOWN_LOAIHOSO else E.LOAIHOSO_UNKNOWN
        raise TableUnreadable(code, loaihoso=loaihoso)
    return read_table(loaihoso, check_payload(loaihoso, xml, max_bytes=max_bytes), on)


@dataclass(frozen=True, slots=True)
class KeptTable:
    """What the hub reads of a table it keeps as sent: the version its fields follow, the MA_LK of its first record
    carrying one, and the first XInclude element in it (its tag in Clark notation), if any."""

    standard: Standard
    episode: str | None
    xinclude: str | None


def read_kept(loaihoso: str, xml: bytes, day: dt.date | None, *, max_bytes: int | None = None) -> KeptTable:
    """The version, episode and any XInclude of a kept table's XML, read as it is parsed, each record dropped once
    read: the tree of a kept table of 500 rows is 7 times its size (bench.big_envelope). TableUnreadable as
    check_payload and table_layout raise it, the XInclude apart (reported by the caller first)."""
    current = LAYOUTS[QD3176.code][loaihoso]
    try:
        scan = scan_xml(xml, lambda events: _KeptScan(current).read(events), max_bytes=max_bytes)
    except XmlError as exc:
        code = PAYLOAD_CODES.get(type(exc), E.PAYLOAD_NOT_XML)
        raise TableUnreadable(code, loaihoso=loaihoso, detail=str(exc)) from exc
    if scan.xinclude is None and scan.root != current.root:
        raise TableUnreadable(E.ROOT_ELEMENT_WRONG, loaihoso=loaihoso, found=scan.root, expected=current.root)
    standard, _, _ = layout_for(loaihoso, scan.tags, day)
    return KeptTable(standard, scan.episode, scan.xinclude)


class _KeptScan:
    """The facts `read_kept` wants, gathered from parse events as record_elements and table_layout find them in a
    tree (the episode: the first MA_LK of the first record whose first MA_LK has text); each element at most as deep
    as a field is cleared once read."""

    def __init__(self, spec: TableSpec) -> None:
        self.root: object = None
        self.tags: set[str] = set()
        self.episode: str | None = None
        self.xinclude: str | None = None
        listed = spec.list_tag is not None
        self._record_path = (spec.list_tag, spec.item_tag) if listed else ()
        self._field_depth = 4 if listed else 2
        self._path: list[object] = []
        self._in_record = False
        self._has_ma_lk = False

    def read(self, events: Iterator[tuple[str, Any]]) -> _KeptScan:
        for event, element in events:
            if event == "start":
                self._start(element)
            else:
                self._end(element)
        return self

    def _start(self, element: Any) -> None:
        tag = element.tag
        path = self._path
        path.append(tag)
        depth = len(path)
        if depth == 1:
            self.root = tag
        if self.xinclude is None and isinstance(tag, str) and tag.startswith(XINCLUDE):
            self.xinclude = tag
        if depth == self._field_depth - 1 and tuple(path[1:]) == self._record_path:
            self._in_record, self._has_ma_lk = True, False
        elif depth == self._field_depth and self._in_record:
            self.tags.add(tag)

    def _end(self, element: Any) -> None:
        path = self._path
        depth = len(path)
        if depth == self._field_depth and self._in_record and path[-1] == "MA_LK" and not self._has_ma_lk:
            self._has_ma_lk = True  # the record's first MA_LK, as find("MA_LK") gives
            if self.episode is None:
                self.episode = element_text(element) or None
        elif depth == self._field_depth - 1 and self._in_record:
            self._in_record = False
        path.pop()
        if 1 < depth <= self._field_depth:  # read: dropped, with what came before it (never inside a field)
            element.clear(keep_tail=True)
            parent = element.getparent()
            while element.getprevious() is not None:
                del parent[0]


XINCLUDE = "{http://www.w3.org/2001/XInclude}"


def check_payload(loaihoso: str, xml: bytes, *, max_bytes: int | None = None) -> XmlElement:
    """The root element of a table's XML, parsed safely; TableUnreadable if it is not XML the hub will read."""
    try:
        root: XmlElement = parse_xml(xml, max_bytes=max_bytes)
    except XmlError as exc:
        code = PAYLOAD_CODES.get(type(exc), E.PAYLOAD_NOT_XML)
        raise TableUnreadable(code, loaihoso=loaihoso, detail=str(exc)) from exc
    return root


def _prepared(spec: TableSpec) -> tuple[frozenset[str], tuple[_FieldPlan, ...]]:
    """The field names and reading plans of a layout, made once per layout."""
    prepared = _PREPARED.get(id(spec))
    if prepared is None or prepared[0] is not spec:
        prepared = _PREPARED[id(spec)] = (spec, spec.names, tuple(_FieldPlan.of(field) for field in spec.fields))
    return prepared[1], prepared[2]


_PREPARED: dict[int, tuple[TableSpec, frozenset[str], tuple[_FieldPlan, ...]]] = {}
for _layout in LAYOUTS.values():
    for _spec in _layout.values():
        _prepared(_spec)
