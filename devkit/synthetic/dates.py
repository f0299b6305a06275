"""Dates for generated data: the default reference day, and shared date objects so that a million people do not
each carry their own copies of the same few thousand days and months."""

from __future__ import annotations

import datetime as dt

# Generated data describe the country as of this day unless told otherwise; fixed so output never depends on today.
DEFAULT_AS_OF = dt.date(2026, 1, 1)
FIRST_DAY = dt.date(1920, 1, 1)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (28 February for a 29 February that did not exist)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def month_index(year: int, month: int) -> int:
    """Months since January of year 0: consecutive months differ by one, and (year, month) comes back by divmod."""
    return year * 12 + month - 1


def month_start(index: int) -> dt.date:
    year, month0 = divmod(index, 12)
    return dt.date(year, month0 + 1, 1)


class Days:
    """Every day from FIRST_DAY to `last`, as shared objects indexed by ordinal."""

    __slots__ = ("_days", "first_ordinal", "last_ordinal")

    def __init__(self, last: dt.date) -> None:
        self.first_ordinal = FIRST_DAY.toordinal()
        self.last_ordinal = last.toordinal()
        self._days = [dt.date.fromordinal(o) for o in range(self.first_ordinal, self.last_ordinal + 1)]

    def __getitem__(self, ordinal: int) -> dt.date:
        return self._days[ordinal - self.first_ordinal]


class Months:
    """First days of months as shared objects, indexed by `month_index`."""

    __slots__ = ("_first", "_months")

    def __init__(self, first_year: int, last_year: int) -> None:
        self._first = month_index(first_year, 1)
        self._months = [month_start(i) for i in range(self._first, month_index(last_year, 12) + 1)]

    def __getitem__(self, index: int) -> dt.date:
        return self._months[index - self._first]
