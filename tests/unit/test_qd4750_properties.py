"""Property tests: any valid record round-trips through XML, and any over-long or malformed value is reported."""

import base64
import dataclasses
import datetime as dt
import re
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devkit.qd4750_samples import BASE_RECORDS, replace_text
from hub.documents.qd4750 import (
    PARSED_TABLES,
    RECORD_TYPES,
    BirthTime,
    FieldSpec,
    Kind,
    Qd4750ErrorCode,
    Record,
    SickLeaveCertificate,
    TableSpec,
    TransferPaper,
    build_table,
    decode_base64,
    parse_table,
    parsed_fields,
    record_fields,
    table_file,
)

E = Qd4750ErrorCode
MOMENTS = st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 12, 31)).map(
    lambda moment: moment.replace(second=0, microsecond=0)
)
# What XML carries and parsing keeps: no control characters, surrogates or U+FFFE/U+FFFF; no XML whitespace around.
XML_CHARACTERS = st.characters(exclude_categories=["Cs", "Cc"], exclude_characters="\ufffe\uffff")


def texts(max_size: int | None) -> st.SearchStrategy[str]:
    return st.text(XML_CHARACTERS, min_size=1, max_size=max_size or 80).filter(lambda s: s.strip(" \t\r\n") == s)


def decimals(max_size: int) -> st.SearchStrategy[Decimal]:
    whole = st.integers(0, 10 ** min(max_size, 12) - 1)
    return st.builds(lambda n, places: Decimal(n).scaleb(-places), whole, st.integers(0, 2)).filter(
        lambda d: len(format(d, "f")) <= max_size
    )


def birth_times() -> st.SearchStrategy[BirthTime]:
    return st.one_of(
        MOMENTS.map(BirthTime.of),
        st.builds(BirthTime, st.integers(1900, 2100)),
        st.builds(BirthTime, st.integers(1900, 2100), st.integers(1, 12)),
    )


def values(field: FieldSpec) -> st.SearchStrategy[Any]:
    size = field.max_size
    if field.codes is not None:
        return st.sampled_from(sorted(field.codes)).map(int if field.kind is Kind.INTEGER else str)
    strategy = {
        Kind.STRING: lambda: texts(size),
        Kind.INTEGER: lambda: st.integers(field.minimum or 0, field.maximum or 10 ** (size or 9) - 1),
        Kind.DECIMAL: lambda: decimals(size or 15),
        Kind.FLAG: st.booleans,
        Kind.DATE: lambda: st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
        Kind.DATETIME: lambda: MOMENTS,
        Kind.DATE_OR_DATETIME: lambda: st.one_of(st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)), MOMENTS),
        Kind.BIRTH_TIME: birth_times,
    }[field.kind]()
    return strategy if field.required else st.none() | strategy


@st.composite
def records(draw: st.DrawFn, loaihoso: str) -> Record:
    spec = PARSED_TABLES[loaihoso]
    chosen = {field.attribute: draw(values(field)) for field in spec.fields}
    if chosen.get("ma_dinh_chi_thai"):  # the termination details the table then requires
        for field in spec.fields:
            if field.required_if is not None and chosen[field.attribute] is None:
                chosen[field.attribute] = draw(values(dataclasses.replace(field, required=True)))
    return RECORD_TYPES[loaihoso](**chosen)


TABLES = st.sampled_from(sorted(PARSED_TABLES))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_valid_record_round_trips_through_its_table(data):
    loaihoso = data.draw(TABLES)
    batch = data.draw(st.lists(records(loaihoso), min_size=1, max_size=3 if loaihoso == "XML9" else 1))
    parsed = parse_table(loaihoso, build_table(loaihoso, batch))
    assert parsed.violations == ()
    assert parsed.records == tuple(batch)
    # What the intake stores, written without the builder's checks, is what the builder writes.
    assert [parsed_fields(record) for record in parsed.records] == [record_fields(record) for record in batch]


def string_fields() -> list[tuple[str, FieldSpec]]:
    return [(name, field) for name, spec in PARSED_TABLES.items() for field in spec.fields if field.kind is Kind.STRING]


@given(st.sampled_from([pair for pair in string_fields() if pair[1].max_size]), st.data())
def test_any_string_over_its_maximum_size_is_reported_on_its_field(pair, data):
    loaihoso, field = pair
    size = field.max_size
    text = data.draw(
        st.text(XML_CHARACTERS, min_size=size + 1, max_size=size + 40).filter(lambda s: s.strip(" \t\r\n") == s)
    )
    record = dataclasses.replace(BASE_RECORDS[loaihoso], **{field.attribute: text})
    parsed = parse_table(*table_file(record))
    expected = E.FIELD_NOT_IN_CODE_LIST if field.codes else E.FIELD_TOO_LONG
    assert [(item.code, item.field) for item in parsed.violations] == [(expected, field.name)]
    assert parsed.records == ()


@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=8))
def test_any_text_in_a_number_field_is_read_exactly_or_reported(text):
    xml = replace_text(table_file(BASE_RECORDS["XML11"])[1], "SO_NGAY_NGHI", escape(text))
    parsed = parse_table("XML11", xml)
    stripped = text.strip(" \t\r\n")
    if stripped.isascii() and stripped.isdigit() and len(stripped) <= 3:
        (certificate,) = parsed.records
        assert isinstance(certificate, SickLeaveCertificate) and certificate.so_ngay_nghi == int(stripped)
    else:
        assert [item.field for item in parsed.violations] == ["SO_NGAY_NGHI"]


@given(st.text(st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=14))
def test_any_text_in_a_date_field_is_a_real_date_or_reported(text):
    xml = replace_text(table_file(BASE_RECORDS["XML11"])[1], "TU_NGAY", escape(text))
    parsed = parse_table("XML11", xml)
    stripped = text.strip()
    try:
        expected = (
            dt.datetime.strptime(stripped, "%Y%m%d").date() if len(stripped) == 8 and stripped.isdigit() else None
        )
    except ValueError:
        expected = None
    if expected is None:
        assert [(item.code, item.field) for item in parsed.violations] in (
            [(E.FIELD_BAD_DATE, "TU_NGAY")],
            [(E.FIELD_REQUIRED, "TU_NGAY")],
        )
    else:
        (certificate,) = parsed.records
        assert isinstance(certificate, SickLeaveCertificate) and certificate.tu_ngay == expected


@given(st.binary(max_size=300), st.integers(1, 80))
def test_base64_in_lines_of_any_width_decodes_to_the_same_bytes(content, width):
    encoded = base64.b64encode(content).decode()
    wrapped = "\n".join(encoded[i : i + width] for i in range(0, len(encoded), width))
    assert decode_base64(wrapped) == content


@given(birth_times())
def test_a_birth_time_reads_back_from_its_text(moment):
    (transfer,) = parse_table(*table_file(dataclasses.replace(BASE_RECORDS["XML13"], ngay_sinh=moment))).records
    assert isinstance(transfer, TransferPaper) and transfer.ngay_sinh == moment
    assert (moment.date is None) == (moment.day == 0)


def _reference_reading(loaihoso: str, xml: bytes, day: dt.date | None) -> tuple[Any, ...]:
    """What reading a table gives when each record is read field by field (`_read_record`), the version chosen from
    every tag the records carry: the slow path the one-pass reading must agree with."""
    from hub.documents.qd4750.parse import _read_record, record_elements
    from hub.documents.qd4750.tables import LAYOUTS, layout_for
    from hub.documents.qd4750.versions import QD3176
    from signing.xmlsafe import parse_xml

    root = parse_xml(xml)
    elements, _ = record_elements(LAYOUTS[QD3176.code][loaihoso], root)
    tags = [child.tag for element in elements for child in element if isinstance(child.tag, str)]
    standard, spec, _ = layout_for(loaihoso, tags, day)
    elements, problems = record_elements(spec, root, standard)
    read, fields = [], []
    for index, element in enumerate(elements):
        record, texts, found = _read_record(spec, element, index, standard)
        if record is not None:
            read.append(record)
            fields.append(list(texts.items()))  # in order: stored as read
        problems.extend(found)
    return standard, tuple(read), fields, problems


_ODD_TEXTS = st.one_of(
    st.just(""),
    st.text(" \t\r\n\u00a0", max_size=3),
    st.text("0123456789", max_size=14),
    st.text("0123456789.-: T24", max_size=14),
    st.text(XML_CHARACTERS, max_size=12),
    st.integers(0, 10**16).map(str),
)


def _element(xml: bytes, tag: str) -> re.Match[bytes] | None:
    return re.search(rb"<%s>(.*?)</%s>" % (tag.encode(), tag.encode()), xml, re.DOTALL)


@st.composite
def _edited(draw: st.DrawFn, loaihoso: str, xml: bytes) -> bytes:
    """`xml` with a few edits a hospital's software might make, odd or not, each to the first of its element."""
    spec = PARSED_TABLES[loaihoso]
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from([field.name for field in spec.fields]))
        found = _element(xml, name)
        if found is not None:
            edit = draw(
                st.sampled_from(["text", "padded", "code", "drop", "move", "repeat", "comment", "nested", "odd"])
            )
            xml = _edit(draw, spec, xml, found, edit)
    return xml


def _edit(draw: st.DrawFn, spec: TableSpec, xml: bytes, found: re.Match[bytes], edit: str) -> bytes:
    start, end = found.span()
    element, text, tag = xml[start:end], found.group(1), found.group(0)[1 : found.group(0).index(b">")]
    if edit == "drop":
        return xml[:start] + xml[end:]
    if edit == "move":  # to the end of its record: out of the layout's order
        rest = xml[:start] + xml[end:]
        closing = rest.index(f"</{spec.item_tag or spec.root}>".encode(), start)
        return rest[:closing] + element + rest[closing:]
    if edit == "repeat":
        return xml[:end] + element + xml[end:]
    if edit == "odd":  # a field of a later version, and one of none
        return xml[:start] + b"<NHOM_MAU>A</NHOM_MAU><LA>x</LA>" + xml[start:]
    if edit == "text":
        text = escape(draw(_ODD_TEXTS)).encode()
    elif edit == "padded":
        text = draw(st.sampled_from([b" ", b"\n", b"\t"])) + text + b" "
    elif edit == "code":
        text = draw(st.sampled_from(sorted(spec.field(tag.decode()).codes or {"0", "1", "01"}))).encode()
    elif edit == "comment":
        text = draw(st.sampled_from([b"<!-- c -->" + text, text + b"<?pi x?>"]))
    else:
        text += b"<B>x</B>"
    return xml[:start] + b"<%s>%s</%s>" % (tag, text, tag) + xml[end:]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from([None, dt.date(2024, 6, 1), dt.date(2026, 12, 1)]))
def test_any_table_read_in_one_pass_agrees_with_reading_each_record_field_by_field(data, day):
    # Given a valid table of any kind, edited in a few places (or not), oddly (or not)
    loaihoso = data.draw(TABLES)
    batch = data.draw(st.lists(records(loaihoso), min_size=1, max_size=2 if loaihoso == "XML9" else 1))
    xml = data.draw(_edited(loaihoso, build_table(loaihoso, batch)))
    # When it is read (each record in one pass, again field by field if anything is odd)
    parsed = parse_table(loaihoso, xml, on=day)
    # Then the outcome is the field-by-field reading's: the same version, records, stored texts and violations
    standard, read, fields, problems = _reference_reading(loaihoso, xml, day)
    assert parsed.standard == standard
    assert parsed.records == read
    assert [list(texts.items()) for texts in parsed.fields] == fields
    assert list(parsed.violations) == problems


_DIGITS_OF_MOMENTS = st.one_of(
    st.text("0123456789", min_size=8, max_size=8),
    st.text("0123456789", min_size=12, max_size=12),
    MOMENTS.map(lambda moment: f"{moment:%Y%m%d%H%M}"),
    MOMENTS.map(lambda moment: f"{moment:%Y%m%d}"),
    st.builds(
        lambda day, hour, minute: f"{day:%Y%m%d}{hour:02d}{minute:02d}", MOMENTS, st.integers(0, 99), st.integers(0, 99)
    ),
)


@given(_DIGITS_OF_MOMENTS)
def test_a_date_or_timestamp_is_read_as_its_parts_say_or_refused(text):
    from hub.documents.qd4750.values import read_date, read_datetime

    # Expected: the parts, as the standard writes them, given to the constructor (hour 24 is no hour of the day)
    parts = [int(text[start:end]) for start, end in ((0, 4), (4, 6), (6, 8), (8, 10), (10, 12)) if end <= len(text)]
    try:
        expected: dt.date | None = (dt.datetime if len(text) == 12 else dt.date)(*parts)
    except ValueError:
        expected = None
    try:
        found: dt.date | None = (read_datetime if len(text) == 12 else read_date)(text)
    except ValueError:
        found = None
    assert found == expected and type(found) is type(expected)
