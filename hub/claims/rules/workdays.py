"""Vietnamese working days: weekly rest days, public holidays with their compensatory days, and government swaps.

Public holidays (ngày nghỉ lễ, tết) follow the Labour Code (Bộ luật Lao động 45/2019/QH14 Art 112, from 2021;
10/2012/QH13 Art 115 before): 1 January; Lunar New Year, 5 days; Hùng Kings' day, 10th of the 3rd lunar month;
30 April; 1 May; 2 September, plus from 2021 one adjacent day. A holiday falling on a weekly rest day gives a
compensatory day off (nghỉ bù) on the next working day (2019 code Art 111(3)). The Prime Minister fixes each
year's Tết days and the 1-or-3-September day and may swap working days (hoán đổi ngày làm việc, e.g. 29/4/2024 off
for Saturday 4/5/2024, 2/5/2025 off for Saturday 26/4/2025).

For the offices' Monday–Friday week (`VIETNAM_CALENDAR`), the days off are the `holidays` package's VN calendar,
which is maintained with each year's decisions (its Tết split, its 1-or-3-September day, its swaps), plus the rows of
`data/working_day_decisions.csv` for decisions it lacks, each citing its decision. The hub's own computation from the
lunar calendar (below) is the calendar of an employer with other weekly rest days, whom a swap does not bind, and
is checked against the library's in the tests. Other decisions are injected as `extra_days_off` /
`extra_working_days`.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources

import holidays as holidays_package

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


OFFICE_WEEK = frozenset({SATURDAY, SUNDAY})
DECISIONS_FILE = "working_day_decisions.csv"


@dataclass(frozen=True)
class Decision:
    """A row of data/working_day_decisions.csv: a day made a day off or a working day, and the decision that did."""

    day: dt.date
    day_off: bool
    decision: str
    name_vi: str
    name_en: str


@functools.cache
def decisions() -> dict[dt.date, Decision]:
    """The working-day decisions the hub keeps beside the library's calendar, by day."""
    text = resources.files("hub.claims.rules.data").joinpath(DECISIONS_FILE).read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO("".join(line for line in text.splitlines(True) if not line.startswith("#"))))
    found: dict[dt.date, Decision] = {}
    for row in rows:
        if row["kind"] not in ("day_off", "working_day") or not row["decision"].strip():
            raise ValueError(f"{DECISIONS_FILE}: a row needs a kind (day_off, working_day) and its decision: {row}")
        day = dt.date.fromisoformat(row["day"])
        found[day] = Decision(day, row["kind"] == "day_off", row["decision"], row["name_vi"], row["name_en"])
    return found


@functools.lru_cache(maxsize=256)
def _library_year(year: int) -> tuple[tuple[Holiday, ...], frozenset[dt.date]]:
    """The days off of `year` in the `holidays` package's VN calendar (named in Vietnamese and English), and the
    Saturdays it makes working days (the other half of a swap)."""
    named_vi = holidays_package.country_holidays("VN", years=year, language="vi")
    named_en = holidays_package.country_holidays("VN", years=year, language="en_US")
    days = [
        Holiday(day, name_vi, str(named_en.get(day, name_vi)), "nghỉ bù" in name_vi or "thay cho" in name_vi)
        for day, name_vi in named_vi.items()
    ]
    worked = frozenset(day for day in named_vi.weekend_workdays if day.year == year)
    return tuple(days), worked


@functools.lru_cache(maxsize=256)
def _office_year(year: int) -> tuple[tuple[Holiday, ...], frozenset[dt.date]]:
    """The offices' days off of `year` and the Saturdays worked: the library's calendar with the hub's decisions."""
    library, worked = _library_year(year)
    ours = [row for row in decisions().values() if row.day.year == year]
    overridden = {row.day for row in ours}
    days = [holiday for holiday in library if holiday.day not in overridden]
    days += [Holiday(row.day, row.name_vi, row.name_en, True) for row in ours if row.day_off]
    worked = (worked - overridden) | {row.day for row in ours if not row.day_off}
    return tuple(sorted(days, key=lambda holiday: holiday.day)), worked


@functools.lru_cache(maxsize=256)
def _holidays(year: int, rest_days: frozenset[int]) -> tuple[Holiday, ...]:
    if rest_days == OFFICE_WEEK:
        return _office_year(year)[0]
    return computed_holidays(year, rest_days)


@functools.lru_cache(maxsize=256)
def computed_holidays(year: int, rest_days: frozenset[int]) -> tuple[Holiday, ...]:
    """The hub's own computation of the public holidays and compensatory days, from the Labour Code and the lunar
    calendar (no swap: a swap is decided for the offices' week)."""
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


@functools.lru_cache(maxsize=256)
def _day_sets(year: int, rest_days: frozenset[int]) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """The holidays of `year` and the weekly rest days worked instead (a swap: the offices' week only)."""
    worked = _office_year(year)[1] if rest_days == OFFICE_WEEK else frozenset()
    return frozenset(holiday.day for holiday in _holidays(year, rest_days)), worked


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
        """The public holidays, compensatory and swapped days off of `year` (before any injected decision)."""
        return _holidays(year, self.weekly_rest_days)

    def holiday(self, day: dt.date) -> Holiday | None:
        return _holidays_by_day(day.year, self.weekly_rest_days).get(day)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        days_off, worked = _day_sets(day.year, self.weekly_rest_days)
        if day in worked:
            return True
        return day.weekday() not in self.weekly_rest_days and day not in days_off

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
