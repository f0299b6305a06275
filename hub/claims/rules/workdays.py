"""Vietnamese working days: weekly rest days, public holidays with their compensatory days, and government swaps.

Public holidays (ngày nghỉ lễ, tết) follow the Labour Code (Bộ luật Lao động 45/2019/QH14 Art 112, from 2021;
10/2012/QH13 Art 115 before): 1 January; Lunar New Year, 5 days; Hùng Kings' day, 10th of the 3rd lunar month;
30 April; 1 May; 2 September, plus from 2021 one adjacent day. A holiday falling on a weekly rest day gives a
compensatory day off (nghỉ bù) on the next working day (2019 code Art 111(3)). The Prime Minister fixes each
year's Tết days and the 1-or-3-September day and may swap working days (hoán đổi ngày làm việc); such decisions
are injected as `extra_days_off` / `extra_working_days`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field

from hub.claims.rules.lunar import LunarDate, from_lunar, lunar_new_year

SATURDAY, SUNDAY = 5, 6
LABOUR_CODE_2019_EFFECTIVE_YEAR = 2021
_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Holiday:
    """A public holiday or a compensatory day off, named in Vietnamese and English."""

    day: dt.date
    name_vi: str
    name_en: str
    compensatory: bool = False


def lunar_new_year_days(year: int) -> tuple[dt.date, ...]:
    """The 5 Tết days of the Lunar New Year that starts in Gregorian `year`.

    Default: the last day of the old lunar year and the first 4 days of the new one, the split the Ministry
    proposes most years; the Prime Minister decides each year.  [to confirm lunar-new-year-split]
    """
    new_year = lunar_new_year(year)
    return tuple(new_year + dt.timedelta(days=offset) for offset in range(-1, 4))


def national_day_adjacent(year: int, rest_days: frozenset[int]) -> dt.date:
    """The day next to 2 September that is also a holiday from 2021 (1 or 3 September, decided each year).

    Default: the neighbour that is a working day; when both are, the one that touches a weekly rest day on its other
    side (so the break joins the weekend), else 1 September. This reproduces 2021–2025 as decided.
    [to confirm national-day-adjacent]
    """
    before, after = dt.date(year, 9, 1), dt.date(year, 9, 3)
    candidates = [day for day in (before, after) if day.weekday() not in rest_days]
    if len(candidates) == 1:
        return candidates[0]
    if after in candidates and (after + _ONE_DAY).weekday() in rest_days:
        return after
    return before


def _statutory_holidays(year: int, rest_days: frozenset[int]) -> list[Holiday]:
    tet = [Holiday(day, "Tết Nguyên Đán", "Lunar New Year") for day in lunar_new_year_days(year)]
    days = [
        Holiday(dt.date(year, 1, 1), "Tết Dương lịch", "New Year's Day"),
        *tet,
        Holiday(from_lunar(LunarDate(year, 3, 10)), "Giỗ Tổ Hùng Vương", "Hùng Kings' Commemoration Day"),
        Holiday(dt.date(year, 4, 30), "Ngày Chiến thắng", "Reunification Day"),
        Holiday(dt.date(year, 5, 1), "Ngày Quốc tế lao động", "International Workers' Day"),
        Holiday(dt.date(year, 9, 2), "Quốc khánh", "National Day"),
    ]
    if year >= LABOUR_CODE_2019_EFFECTIVE_YEAR:
        days.append(Holiday(national_day_adjacent(year, rest_days), "Quốc khánh", "National Day"))
    return sorted(days, key=lambda holiday: holiday.day)


@functools.lru_cache(maxsize=256)
def _holidays(year: int, rest_days: frozenset[int]) -> tuple[Holiday, ...]:
    statutory = _statutory_holidays(year, rest_days)
    taken = {holiday.day for holiday in statutory}
    result = list(statutory)
    for holiday in statutory:
        if holiday.day.weekday() not in rest_days:
            continue
        # Days off of a long break are consumed in order, so each compensatory day follows the last one given.
        day = holiday.day + _ONE_DAY
        while day.weekday() in rest_days or day in taken:
            day += _ONE_DAY
        taken.add(day)
        result.append(Holiday(day, f"Nghỉ bù {holiday.name_vi}", f"{holiday.name_en} (compensatory day off)", True))
    return tuple(sorted(result, key=lambda holiday: holiday.day))


@functools.lru_cache(maxsize=256)
def _holidays_by_day(year: int, rest_days: frozenset[int]) -> dict[dt.date, Holiday]:
    return {holiday.day: holiday for holiday in _holidays(year, rest_days)}


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days, for an employer with the given weekly rest days (Monday = 0 … Sunday = 6).

    `extra_days_off` and `extra_working_days` carry the government's yearly decisions (swapped days, a Tết split
    other than the default); an extra working day wins over a weekend or holiday.
    """

    weekly_rest_days: frozenset[int] = frozenset({SATURDAY, SUNDAY})
    extra_days_off: frozenset[dt.date] = field(default_factory=frozenset)
    extra_working_days: frozenset[dt.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.weekly_rest_days <= set(range(7)) or len(self.weekly_rest_days) == 7:
            raise ValueError(f"weekly rest days must be some of 0–6 and not all: {sorted(self.weekly_rest_days)}")
        if self.extra_days_off & self.extra_working_days:
            raise ValueError("a day cannot be both an extra day off and an extra working day")

    def holidays(self, year: int) -> tuple[Holiday, ...]:
        """The public holidays and compensatory days of `year` (before any injected swap)."""
        return _holidays(year, self.weekly_rest_days)

    def holiday(self, day: dt.date) -> Holiday | None:
        return _holidays_by_day(day.year, self.weekly_rest_days).get(day)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off or day.weekday() in self.weekly_rest_days:
            return False
        return self.holiday(day) is None

    def working_days(self, start: dt.date, end: dt.date) -> Iterator[dt.date]:
        """The working days from `start` to `end`, both included."""
        day = start
        while day <= end:
            if self.is_working_day(day):
                yield day
            day += _ONE_DAY

    def count_working_days(self, start: dt.date, end: dt.date) -> int:
        return sum(1 for _ in self.working_days(start, end))

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The `count`-th working day after `day` (which itself is not counted): the last day of a deadline of
        `count` working days from `day`. `count = 0` returns `day`."""
        if count < 0:
            raise ValueError("count must not be negative")
        while count:
            day += _ONE_DAY
            if self.is_working_day(day):
                count -= 1
        return day


VIETNAM_CALENDAR = WorkingCalendar()
