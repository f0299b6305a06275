"""Reading and writing field values: the text forms of QĐ 130/4750 (yyyymmdd, yyyymmddHHMM, plain digits) and back.

Readers raise ValueError on text that is not of their kind; writers raise ValueError on a value the text form
cannot carry (a timestamp with seconds, an infinite number), so that what is written reads back equal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeAlias

from hub.documents.qd4750.fields import Kind


@dataclass(frozen=True, slots=True, order=True)
class BirthTime:
    """A time of birth as QĐ 130 writes it (yyyymmddHHMM), where an unknown month or day is written 00.

    Hospitals must write the full date and time for a newborn (28 days or younger); for others the hour and
    minute default to 0000 and a day or month nobody knows to 00.
    """

    year: int
    month: int = 0
    day: int = 0
    hour: int = 0
    minute: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999 or not 0 <= self.hour <= 23 or not 0 <= self.minute <= 59:
            raise ValueError(f"not a time of birth: {self!r}")
        if self.month == 0 and self.day != 0:
            raise ValueError("a day of birth without its month")
        if self.month != 0 and self.day != 0:
            dt.date(self.year, self.month, self.day)  # raises ValueError on 31 April and the like
        elif not 0 <= self.month <= 12:
            raise ValueError(f"month {self.month} out of range")

    @classmethod
    def of(cls, moment: dt.datetime | dt.date) -> BirthTime:
        """The birth time of a known date (at 00:00) or date and time."""
        if isinstance(moment, dt.datetime):
            return cls(moment.year, moment.month, moment.day, moment.hour, moment.minute)
        return cls(moment.year, moment.month, moment.day)

    @property
    def date(self) -> dt.date | None:
        """The date of birth, or None when the month or the day is unknown."""
        return dt.date(self.year, self.month, self.day) if self.day else None

    @property
    def text(self) -> str:
        """The yyyymmddHHMM form."""
        return f"{self.year:04d}{self.month:02d}{self.day:02d}{self.hour:02d}{self.minute:02d}"


FieldValue: TypeAlias = str | int | Decimal | bool | dt.date | BirthTime
"""Any parsed field value (datetime is a date)."""


def _digits(text: str, length: int | None = None) -> bool:
    # isdigit() alone accepts other scripts' digits ("١٢"), which int() would read; the standard means ASCII.
    return text.isascii() and text.isdigit() and (length is None or len(text) == length)


def read_integer(text: str) -> int:
    if not (text.isascii() and text.isdigit()):  # _digits, written out: read for most numbers of every record
        raise ValueError(text)
    return int(text)


def read_decimal(text: str) -> Decimal:
    whole, _, fraction = text.partition(".")
    if not _digits(whole) or ("." in text and not _digits(fraction)):
        raise ValueError(text)
    return Decimal(text)


def read_flag(text: str) -> bool:
    if text == "1":
        return True
    if text == "0":
        return False
    raise ValueError(text)


# Eight or twelve ASCII digits are read by fromisoformat (ISO 8601's basic format, yyyymmdd[Thhmm]) in a quarter of
# the time five int() calls take; it checks each part's range as the constructors do (hour 24 apart: refused here,
# since a later Python may read T2400 as the next day's midnight).


def read_date(text: str) -> dt.date:
    if len(text) != 8 or not (text.isascii() and text.isdigit()):
        raise ValueError(text)
    return dt.date.fromisoformat(text)


def read_datetime(text: str) -> dt.datetime:
    if len(text) != 12 or not (text.isascii() and text.isdigit()) or text[8:10] == "24":
        raise ValueError(text)
    return dt.datetime.fromisoformat(f"{text[:8]}T{text[8:]}")


def read_date_or_datetime(text: str) -> dt.date:
    return read_date(text) if len(text) == 8 else read_datetime(text)


def read_birth_time(text: str) -> BirthTime:
    if not _digits(text, 12):
        raise ValueError(text)
    return BirthTime(int(text[:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]), int(text[10:]))


def _read_string(text: str) -> str:
    return text


READERS: dict[Kind, Callable[[str], FieldValue]] = {
    Kind.STRING: _read_string,
    Kind.INTEGER: read_integer,
    Kind.DECIMAL: read_decimal,
    Kind.FLAG: read_flag,
    Kind.DATE: read_date,
    Kind.DATETIME: read_datetime,
    Kind.DATE_OR_DATETIME: read_date_or_datetime,
    Kind.BIRTH_TIME: read_birth_time,
}
"""The reader of each kind: text (already stripped, never empty) to value, or ValueError."""

READ_TEXTS: dict[Kind, Callable[[Any], str]] = {
    Kind.INTEGER: str,
    Kind.DECIMAL: lambda value: format(value, "f"),
}
"""What write_value answers for a number its kind's reader made (never negative, never infinite), without its checks:
the text form as stored, "7" for "007". Every other kind's text is stored as it was read."""

FORMATS: dict[Kind, str] = {
    Kind.INTEGER: "digits",
    Kind.DECIMAL: "digits, optionally with a '.' fraction",
    Kind.FLAG: "0 or 1",
    Kind.DATE: "yyyymmdd",
    Kind.DATETIME: "yyyymmddHHMM",
    Kind.DATE_OR_DATETIME: "yyyymmdd or yyyymmddHHMM",
    Kind.BIRTH_TIME: "yyyymmddHHMM (00 for an unknown month or day)",
}
"""What each non-string kind looks like, for messages."""

FORMATS_VI: dict[Kind, str] = {
    Kind.INTEGER: "chữ số",
    Kind.DECIMAL: "chữ số, phần thập phân sau dấu '.'",
    Kind.FLAG: "0 hoặc 1",
    Kind.DATE: "yyyymmdd",
    Kind.DATETIME: "yyyymmddHHMM",
    Kind.DATE_OR_DATETIME: "yyyymmdd hoặc yyyymmddHHMM",
    Kind.BIRTH_TIME: "yyyymmddHHMM (tháng, ngày chưa rõ ghi 00)",
}


def write_value(kind: Kind, value: FieldValue) -> str:
    """The text form of `value` for a field of `kind`; ValueError if it would not read back equal."""
    if kind is Kind.STRING and isinstance(value, str):
        return value
    if kind is Kind.FLAG and isinstance(value, bool):
        return "1" if value else "0"
    if kind is Kind.INTEGER and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return READ_TEXTS[kind](value)
    if kind is Kind.DECIMAL and isinstance(value, Decimal) and value.is_finite() and value >= 0:
        return READ_TEXTS[kind](value)
    if kind is Kind.BIRTH_TIME and isinstance(value, BirthTime):
        return value.text
    if kind in (Kind.DATETIME, Kind.DATE_OR_DATETIME) and isinstance(value, dt.datetime):
        if value.second or value.microsecond or value.tzinfo is not None:
            raise ValueError(f"{value.isoformat()} has seconds or a time zone; the format keeps minutes only")
        return f"{value.year:04d}{value.month:02d}{value.day:02d}{value.hour:02d}{value.minute:02d}"
    if kind in (Kind.DATE, Kind.DATE_OR_DATETIME) and type(value) is dt.date:
        return f"{value.year:04d}{value.month:02d}{value.day:02d}"
    raise ValueError(f"{value!r} cannot be written as a {kind.value} field")
