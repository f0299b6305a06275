"""Calendar months (for contribution histories) and month arithmetic on dates."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, e.g. `Month(2025, 6)` for June 2025."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1–12, not {self.month}")

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    def shift(self, months: int) -> Month:
        year, index = divmod(self.year * 12 + self.month - 1 + months, 12)
        return Month(year, index + 1)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    def __str__(self) -> str:
        return f"{self.month:02d}/{self.year}"


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole months; the 29–31st of a month clamps to the last day of a shorter one."""
    target = Month.of(day).shift(months)
    return dt.date(target.year, target.month, min(day.day, calendar.monthrange(target.year, target.month)[1]))


def full_years(born: dt.date, on: dt.date) -> int:
    """Completed years of age on `on` (a child born 29 February turns a year older on 28 February)."""
    years = on.year - born.year
    return years if add_months(born, 12 * years) <= on else years - 1
