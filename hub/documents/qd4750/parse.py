"""Parse one QĐ 130/4750 table (the XML inside a FILEHOSO) into typed records, collecting every violation.

A record with any violation is left out of `records` (it is rejected whole, never half-read); its violations say
which record (`record`, 0-based) and which field. Field texts are read once per record and checked in the table's
order: required, code list, kind, maximum size, range. The per-table work (field lookup, readers) is prepared once,
at import.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterator
from dataclasses import MISSING, dataclass
from itertools import repeat
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from hub.documents.qd4750.errors import Qd4750ErrorCode as E
from hub.documents.qd4750.errors import TableUnreadable, Violation, violation
from hub.documents.qd4750.fields import FieldSpec, Kind, TableSpec
from hub.documents.qd4750.records import RECORD_TYPES, Record
from hub.documents.qd4750.tables import KNOWN_LOAIHOSO, LAYOUTS, PARSED_TABLES, layout_for
from hub.documents.qd4750.values import FORMATS, FORMATS_VI, READ_TEXTS, READERS, FieldValue, write_value
from hub.documents.qd4750.versions import QD3176, Standard, in_force
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

    def iter(self, *tags: str) -> Iterator[XmlElement]: ...

    def iterchildren(self, *tags: str) -> Iterator[XmlElement]: ...

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


_Texts = dict[object, str | None]
"""{tag: text} of a record's children, a comment's tag a function."""


def _read_layout(
    loaihoso: str, root: XmlElement, day: dt.date | None
) -> tuple[Standard, TableSpec, list[XmlElement], list[Violation], list[tuple[_Texts, bool]]]:
    """table_layout, with each record's children read in one pass (`_read_children`)."""
    current = LAYOUTS[QD3176.code][loaihoso]
    if root.tag != current.root:
        raise TableUnreadable(E.ROOT_ELEMENT_WRONG, loaihoso=loaihoso, found=root.tag, expected=current.root)
    elements, problems = record_elements(current, root)
    raw = [_read_children(element) for element in elements]
    standard, spec = _layout_of(loaihoso, raw, day)
    if (spec.list_tag, spec.item_tag) == (current.list_tag, current.item_tag):
        if problems:  # the same elements and violations, named by the version
            _, problems = record_elements(spec, root, standard)
        return standard, spec, elements, problems, raw
    elements, problems = record_elements(spec, root, standard)
    return standard, spec, elements, problems, [_read_children(element) for element in elements]


def _read_children(element: XmlElement) -> tuple[_Texts, bool]:
    """{tag: text} of the children of a record element, and whether they are plain: no tag repeated, and no child
    holding more than text (an element, a comment, a processing instruction: what lxml's len() counts, asked of each
    child in C)."""
    children = list(element)
    texts = {child.tag: child.text for child in children}
    return texts, len(texts) == len(children) and not any(map(len, children))


def _layout_of(loaihoso: str, raw: list[tuple[_Texts, bool]], day: dt.date | None) -> tuple[Standard, TableSpec]:
    """layout_for the fields of records read into `raw`: the oldest version in force whose layout has every record's
    tags, found without gathering them when it has (the tags a record may have, comments apart, are the keys)."""
    for standard in _in_force(day):
        spec = LAYOUTS[standard.code][loaihoso]
        names = spec.names
        if raw[0][0].keys() <= names if len(raw) == 1 else all(texts.keys() <= names for texts, _ in raw):
            return standard, spec
    tags = (tag for texts, _ in raw for tag in texts if isinstance(tag, str))
    standard, spec, _ = layout_for(loaihoso, tags, day)
    return standard, spec


def _in_force(day: dt.date | None) -> tuple[Standard, ...]:
    """versions.in_force, remembered by day (an envelope's tables share one)."""
    found = _IN_FORCE.get(day)
    if found is None:
        if len(_IN_FORCE) > 1000:  # days are few in practice; any number is held to this
            _IN_FORCE.clear()
        found = _IN_FORCE[day] = in_force(day)
    return found


_IN_FORCE: dict[dt.date | None, tuple[Standard, ...]] = {}


def read_table(loaihoso: str, root: XmlElement, day: dt.date | None = None) -> ParsedTable[Record]:
    """The records of a parsed XML tree of table `loaihoso` (root not yet checked), in an envelope dated `day`.

    Each record's children are read once, into {tag: text}, which both chooses the layout and gives the fields; a
    record whose reading finds anything wrong is read again field by field, to place every violation in order."""
    standard, spec, elements, problems, raw = _read_layout(loaihoso, root, day)
    records: list[Record] = []
    fields: list[dict[str, str]] = []
    for index, element in enumerate(elements):
        children_texts, plain = raw[index]
        valid = _read_valid(spec, children_texts, plain=plain)
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


def _read_valid(spec: TableSpec, raw: _Texts, *, plain: bool) -> tuple[Record, dict[str, str]] | None:
    """The record whose children are `raw` ({tag: text}, as `_read_children` reads them) and the text form of its
    fields as stored, when it has no violation at all; None when it may have one. `plain` says that no tag is
    repeated and no field holds more than text.

    What `_read_record` does, without the violations: the fields are those of `raw` when they are plain and none is
    unknown (a comment's tag is not a string); a field that fails a check ends it. Only the fields present are read (a
    visit summary's layout has 66, a third of them empty as sent), and the required ones looked for after.
    """
    reading = _prepared_reading(spec)
    if not plain or not raw.keys() <= reading.known:
        return None
    by_name = reading.fields
    values: list[FieldValue | None] = [None] * reading.width
    fields: dict[str, str] = {}
    for name, text in raw.items():
        if not text:
            continue
        text = text.strip(XML_WHITESPACE)
        if not text:
            continue
        field = by_name[name]  # type: ignore[index]  # a string: raw's keys are among the layout's names
        how = field.how
        value: FieldValue
        if how is _Reading.PLAIN:
            if len(text) > field.limit:
                return None
            value = stored = text
        elif how is _Reading.CODED:
            known = field.coded.get(text)  # type: ignore[union-attr]  # CODED fields have their codes read
            if known is None:
                return None
            value, stored = known
        else:
            try:
                value = field.reader(text)
            except ValueError:
                return None
            if len(text) > field.limit or (
                field.bounds is not None and not field.bounds[0] <= value <= field.bounds[1]  # type: ignore[operator]
            ):
                return None
            stored = text if field.write is None else field.write(value)
        values[field.slot] = value
        fields[name] = stored  # type: ignore[index]
    if not reading.required <= fields.keys():
        return None
    for name, condition, expected in reading.conditions:
        if name not in fields and _stripped(raw.get(condition)) == expected:
            return None
    if list(raw) != reading.order:  # stored in the layout's order, as `_read_record` stores them
        fields = {name: fields[name] for name in reading.order if name in fields}
    return _make(reading.cls, values), fields


@dataclass(frozen=True, slots=True)
class _FastField:
    """One field as `_read_valid` reads it."""

    slot: int
    """Its place among the fields of the record class (`_make`'s order)."""
    how: int
    limit: float
    """Its maximum size (infinite when the table gives none)."""
    coded: dict[str, tuple[FieldValue, str]] | None
    """Of a field with a code list: the value and stored text of each code that passes every check of `_check`."""
    reader: Callable[[str], FieldValue]
    write: Callable[[Any], str] | None
    """Of a number: the text form as stored of the value read (build.write_value's answer); None when the text read is
    stored as it is."""
    bounds: tuple[float, float] | None
    """Of an integer with a range: the least and greatest value (infinite where the table gives no bound)."""


@dataclass(frozen=True, slots=True)
class _Reading:
    """What `_read_valid` needs of a layout, made once per layout."""

    PLAIN: ClassVar[int] = 0  # a string without a code list: its text is its value
    CODED: ClassVar[int] = 1  # a field with a code list: its codes were read once
    READ: ClassVar[int] = 2  # any other: read by its kind's reader

    cls: type[Record]
    known: frozenset[str]
    fields: dict[str, _FastField]
    order: list[str]
    """The names of the layout's fields, in order."""
    required: frozenset[str]
    """The fields the layout requires outright."""
    conditions: tuple[tuple[str, str, str], ...]
    """(field, the field deciding, the text that makes it required) of each field required in a case."""
    width: int
    """How many fields the record class has."""

    @classmethod
    def of(cls, spec: TableSpec, plans: tuple[_FieldPlan, ...]) -> _Reading:
        record = RECORD_TYPES[spec.loaihoso]
        slots = {name: slot for slot, name in enumerate(_MAKERS[record][0])}
        required = frozenset(plan.name for plan in plans if plan.spec.required)
        attributes = {plan.attribute for plan in plans if plan.spec.required}
        if not _MAKERS[record][1] <= attributes:  # pragma: no cover - a layout that leaves out a required attribute
            raise TypeError(f"{spec.loaihoso}: the record class requires more than the layout does")
        fields = {plan.name: _fast_field(plan, slots[plan.attribute]) for plan in plans}
        conditions = tuple((plan.name, *plan.spec.required_if) for plan in plans if plan.spec.required_if is not None)
        order = [plan.name for plan in plans]
        return cls(record, spec.names, fields, order, required, conditions, len(slots))


def _fast_field(plan: _FieldPlan, slot: int) -> _FastField:
    spec = plan.spec
    limit = math.inf if spec.max_size is None else spec.max_size
    coded: dict[str, tuple[FieldValue, str]] | None = None
    if plan.plain:
        how = _Reading.PLAIN
    elif plan.codes is not None:
        how, coded = _Reading.CODED, {}
        for code in plan.codes:
            value = _check(plan, code, spec.name, 0)
            if not isinstance(value, Violation):
                coded[code] = (value, write_value(spec.kind, value) if plan.rewritten else code)
    else:
        how = _Reading.READ
    bounds = None
    if spec.kind is Kind.INTEGER and (spec.minimum is not None or spec.maximum is not None):
        low = -math.inf if spec.minimum is None else spec.minimum
        bounds = (low, math.inf if spec.maximum is None else spec.maximum)
    write = READ_TEXTS.get(spec.kind) if plan.rewritten else None
    return _FastField(slot, how, limit, coded, plan.reader, write, bounds)


def _make(cls: type[Record], values: list[FieldValue | None]) -> Record:
    """The record of class `cls` holding `values` (one for each of its fields, in order), already read and checked,
    in a fraction of the time of `cls(**values)` (a visit summary's frozen dataclass __init__ took 40 µs): each slot
    is set through its descriptor, the calls made by `map` in C rather than by a Python loop."""
    slots = _MAKERS[cls][2]
    if len(values) != len(slots):
        raise ValueError(f"{cls.__name__} has {len(slots)} fields, not {len(values)}")
    record = object.__new__(cls)
    any(map(_SET_SLOT, slots, repeat(record), values))  # each call answers None: every slot is set
    return record


def _maker(cls: type[Record]) -> tuple[tuple[str, ...], frozenset[str], tuple[Any, ...]]:
    """What `_make` needs of a record class: its fields' names in order, the required ones, their slots' descriptors."""
    fields = dataclasses.fields(cls)
    odd = [f.name for f in fields if f.default not in (None, MISSING) or f.default_factory is not MISSING]
    if odd or hasattr(cls, "__post_init__"):  # pragma: no cover - a record type `_make` cannot build
        raise TypeError(f"{cls.__name__}: a default other than None ({odd}) or a __post_init__; use cls(**values)")
    required = frozenset(f.name for f in fields if f.default is MISSING)
    return tuple(f.name for f in fields), required, tuple(getattr(cls, f.name) for f in fields)


_MAKERS = {cls: _maker(cls) for cls in RECORD_TYPES.values()}
_SET_SLOT = type(next(iter(_MAKERS.values()))[2][0]).__set__
"""member_descriptor.__set__(descriptor, record, value): a slot's setter, called by `map`."""


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
    prepared = _prepare(spec)
    return prepared[1], prepared[2]


def _prepared_reading(spec: TableSpec) -> _Reading:
    """What `_read_valid` needs of a layout of a parsed table, made once per layout."""
    reading = _prepare(spec)[3]
    if reading is None:
        raise KeyError(f"{spec.loaihoso} is not a table the hub parses")
    return reading


_Prepared = tuple[TableSpec, frozenset[str], tuple[_FieldPlan, ...], _Reading | None]


def _prepare(spec: TableSpec) -> _Prepared:
    prepared = _PREPARED.get(id(spec))
    if prepared is None or prepared[0] is not spec:
        plans = tuple(_FieldPlan.of(field) for field in spec.fields)
        reading = _Reading.of(spec, plans) if spec.loaihoso in RECORD_TYPES else None
        prepared = _PREPARED[id(spec)] = (spec, spec.names, plans, reading)
    return prepared


_PREPARED: dict[int, _Prepared] = {}
for _layout in LAYOUTS.values():
    for _spec in _layout.values():
        _prepare(_spec)
