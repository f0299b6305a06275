"""Property tests: any valid record round-trips through XML, and any over-long or malformed value is reported."""

import base64
import dataclasses
import datetime as dt
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
