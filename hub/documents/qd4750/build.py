"""Write QĐ 130/4750 XML: records to a table, tables to an unsigned GIAMDINHHS envelope (the inverse of parsing).

Used by tests, the demo, simulators and benchmarks. What is written reads back equal: a value the text form cannot
carry (leading or trailing spaces, a carriage return, a character XML forbids, seconds in a timestamp, "" instead
of None) raises ValueError. Sizes, code lists and required fields are not enforced, so that tests can write the
faults a hospital might send. Absent optional fields are written as empty elements, as hospitals' software does.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import TypeAlias

from hub.documents.qd4750.envelope import ENVELOPE_ROOT
from hub.documents.qd4750.fields import Kind, TableSpec
from hub.documents.qd4750.parse import XML_WHITESPACE
from hub.documents.qd4750.records import RECORD_TYPES, Record
from hub.documents.qd4750.tables import LAYOUTS
from hub.documents.qd4750.values import FieldValue, write_value
from hub.documents.qd4750.versions import QD3176, Standard

FileContent: TypeAlias = tuple[str, bytes]
"""One FILEHOSO to be: its LOAIHOSO and the table's XML."""

# Characters XML 1.0 cannot carry at all; a carriage return is allowed but a parser turns it into a line feed.
_NOT_XML = re.compile("[^\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def build_table(loaihoso: str, records: Sequence[Record], *, standard: Standard = QD3176) -> bytes:
    """The XML of table `loaihoso` holding `records` (one, or any number for XML9), UTF-8 with a declaration, in the
    layout of `standard` (fields the layout does not have must be None)."""
    record_type = RECORD_TYPES.get(loaihoso)
    if record_type is None:
        raise ValueError(f"{loaihoso!r} is not a table the hub builds")
    spec = LAYOUTS[standard.code][loaihoso]
    if any(type(record) is not record_type for record in records):
        raise ValueError(f"{loaihoso} holds {record_type.__name__} records only")
    root = ET.Element(spec.root)
    if spec.list_tag is None:
        if len(records) != 1:
            raise ValueError(f"{loaihoso} holds exactly one record, not {len(records)}")
        _fill(root, spec, records[0])
    else:
        listing = ET.SubElement(root, spec.list_tag)
        for record in records:
            _fill(ET.SubElement(listing, spec.item_tag or ""), spec, record)
    return _serialise(root)


def table_file(*records: Record, standard: Standard = QD3176) -> FileContent:
    """A FILEHOSO for `records`, all of one table (several only for XML9: one birth certificate per child)."""
    if not records:
        raise ValueError("a table needs at least one record")
    loaihoso = records[0].SPEC.loaihoso
    return loaihoso, build_table(loaihoso, records, standard=standard)


def build_envelope(
    macskcb: str,
    ngaylap: dt.date,
    hoso: Sequence[Sequence[FileContent]],
    *,
    soluonghoso: int | None = None,
    wrap_base64: bool = False,
) -> bytes:
    """An unsigned GIAMDINHHS file: `hoso` lists each HOSO's files; CHUKYDONVI is left empty for the signer.

    `soluonghoso` overrides the declared count (to write a wrong one); `wrap_base64` breaks NOIDUNGFILE into
    76-character lines, as some senders do.
    """
    root = ET.Element(ENVELOPE_ROOT)
    ET.SubElement(ET.SubElement(root, "THONGTINDONVI"), "MACSKCB").text = _checked(macskcb)
    header = ET.SubElement(root, "THONGTINHOSO")
    ET.SubElement(header, "NGAYLAP").text = write_value(Kind.DATE, ngaylap)
    ET.SubElement(header, "SOLUONGHOSO").text = str(len(hoso) if soluonghoso is None else soluonghoso)
    listing = ET.SubElement(header, "DANHSACHHOSO")
    for files in hoso:
        element = ET.SubElement(listing, "HOSO")
        for loaihoso, content in files:
            item = ET.SubElement(element, "FILEHOSO")
            ET.SubElement(item, "LOAIHOSO").text = _checked(loaihoso)
            encoded = base64.encodebytes(content) if wrap_base64 else base64.b64encode(content)
            ET.SubElement(item, "NOIDUNGFILE").text = encoded.decode("ascii")
    ET.SubElement(root, "CHUKYDONVI")
    return _serialise(root)


def record_fields(record: Record) -> dict[str, str]:
    """The record's fields as the table writes them (official name → text), absent ones left out."""
    spec = record.SPEC
    texts: dict[str, str] = {}
    for field in spec.fields:
        value: FieldValue | None = getattr(record, field.attribute)
        if value is not None:
            try:
                texts[field.name] = _checked(write_value(field.kind, value))
            except ValueError as exc:
                raise ValueError(f"{spec.loaihoso} {field.name}: {exc}") from exc
    return texts


def parsed_fields(record: Record) -> dict[str, str]:
    """`record_fields` of a record that parsing made, without its checks: every value read from XML text is one
    the text form carries (stripped, non-empty, only characters XML allows, timestamps to the minute)."""
    texts: dict[str, str] = {}
    for name, attribute, kind in _writing_plan(record.SPEC):
        value = getattr(record, attribute)
        if value is not None:
            texts[name] = value if kind is None else write_value(kind, value)
    return texts


def _writing_plan(spec: TableSpec) -> tuple[tuple[str, str, Kind | None], ...]:
    """(name, attribute, kind) of each field of `spec`, the kind None for a string (written as it was read): made once
    per layout, as parsed_fields runs for every record stored."""
    plan = _WRITING_PLANS.get(id(spec))
    if plan is None or plan[0] is not spec:
        fields = tuple((f.name, f.attribute, None if f.kind is Kind.STRING else f.kind) for f in spec.fields)
        plan = _WRITING_PLANS[id(spec)] = (spec, fields)
    return plan[1]


_WRITING_PLANS: dict[int, tuple[TableSpec, tuple[tuple[str, str, Kind | None], ...]]] = {}


def _fill(element: ET.Element, spec: TableSpec, record: Record) -> None:
    texts = record_fields(record)
    if set(texts) - spec.names:
        raise ValueError(f"{spec.loaihoso} has no field {sorted(set(texts) - spec.names)} in this version")
    for field in spec.fields:
        ET.SubElement(element, field.name).text = texts.get(field.name)


def _checked(text: str) -> str:
    if not text:
        raise ValueError("an empty text reads back as absent: use None")
    if text.strip(XML_WHITESPACE) != text:
        raise ValueError(f"{text[:40]!r} has spaces around it, which parsing strips")
    bad = _NOT_XML.search(text)
    if bad is not None:
        raise ValueError(f"{text[:40]!r} holds {bad.group()!r}, which XML cannot carry as is")
    return text


def _serialise(root: ET.Element) -> bytes:
    # Empty elements written open and closed (<X></X>), the way hospitals' software writes blank fields.
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True, short_empty_elements=False)
    return data
