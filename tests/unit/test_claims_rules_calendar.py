import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.claims.rules import (
    VIETNAM_CALENDAR,
    LunarDate,
    WorkingCalendar,
    from_lunar,
    lunar_new_year,
    lunar_new_year_days,
    national_day_adjacent,
    to_lunar,
)
from hub.claims.rules.workdays import decisions

D = dt.date
WEEKEND = frozenset({5, 6})


@pytest.mark.parametrize(
    ("year", "tet"),
    [
        (2007, D(2007, 2, 17)),  # a year Vietnam (UTC+7) differs from China (18 February, UTC+8)
        (2015, D(2015, 2, 19)),
        (2016, D(2016, 2, 8)),
        (2017, D(2017, 1, 28)),
        (2018, D(2018, 2, 16)),
        (2019, D(2019, 2, 5)),
        (2020, D(2020, 1, 25)),
        (2021, D(2021, 2, 12)),
        (2022, D(2022, 2, 1)),
        (2023, D(2023, 1, 22)),
        (2024, D(2024, 2, 10)),
        (2025, D(2025, 1, 29)),
        (2026, D(2026, 2, 17)),
        (2027, D(2027, 2, 6)),
    ],
)
def test_lunar_new_year_on_known_dates(year, tet):
    assert lunar_new_year(year) == tet
    assert to_lunar(tet) == LunarDate(year, 1, 1)


@pytest.mark.parametrize(
    "day",
    [D(2019, 4, 14), D(2021, 4, 21), D(2022, 4, 10), D(2023, 4, 29), D(2024, 4, 18), D(2025, 4, 7)],
)
def test_hung_kings_day_on_known_dates(day):
    assert from_lunar(LunarDate(day.year, 3, 10)) == day
    assert VIETNAM_CALENDAR.holiday(day) is not None


def test_leap_months_are_found_and_refused_where_absent():
    assert to_lunar(D(2023, 3, 22)) == LunarDate(2023, 2, 1, leap=True)
    assert to_lunar(D(2025, 7, 25)) == LunarDate(2025, 6, 1, leap=True)
    assert from_lunar(LunarDate(2025, 6, 1, leap=True)) == D(2025, 7, 25)
    with pytest.raises(ValueError):
        from_lunar(LunarDate(2024, 6, 1, leap=True))
    with pytest.raises(ValueError):
        from_lunar(LunarDate(2025, 5, 1, leap=True))


@given(st.dates(min_value=D(2015, 1, 1), max_value=D(2040, 12, 31)))
def test_lunar_conversion_round_trips(day):
    lunar = to_lunar(day)
    assert 1 <= lunar.day <= 30
    assert from_lunar(lunar) == day


def test_tet_is_five_days_the_last_of_the_old_year_and_four_of_the_new():
    assert lunar_new_year_days(2026) == tuple(D(2026, 2, day) for day in range(16, 21))
    assert to_lunar(lunar_new_year_days(2025)[0]) == LunarDate(2024, 12, 29)


@pytest.mark.parametrize(
    ("year", "adjacent"),
    [(2021, D(2021, 9, 3)), (2022, D(2022, 9, 1)), (2023, D(2023, 9, 1)), (2024, D(2024, 9, 3)), (2025, D(2025, 9, 1))],
)
def test_national_day_adjacent_day_matches_the_decisions_of_2021_to_2025(year, adjacent):
    assert national_day_adjacent(year, WEEKEND) == adjacent
    assert not VIETNAM_CALENDAR.is_working_day(adjacent)


def test_national_day_is_one_day_before_the_2019_labour_code():
    days = [holiday.day for holiday in VIETNAM_CALENDAR.holidays(2020) if holiday.day.month == 9]
    assert days == [D(2020, 9, 2)]
    assert VIETNAM_CALENDAR.is_working_day(D(2020, 9, 1)) and VIETNAM_CALENDAR.is_working_day(D(2020, 9, 3))


def test_holidays_on_a_weekly_rest_day_give_the_next_working_days_off():
    compensatory_2022 = [holiday.day for holiday in VIETNAM_CALENDAR.holidays(2022) if holiday.compensatory]
    # 1/1 Saturday; Hùng Kings 10/4 Sunday; 30/4 Saturday and 1/5 Sunday, back to back.
    assert compensatory_2022 == [D(2022, 1, 3), D(2022, 4, 11), D(2022, 5, 2), D(2022, 5, 3)]
    assert not VIETNAM_CALENDAR.is_working_day(D(2023, 9, 4))  # for 2 September 2023, a Saturday
    assert VIETNAM_CALENDAR.is_working_day(D(2023, 9, 5))


def test_compensation_follows_the_employers_weekly_rest_days():
    sunday_only = WorkingCalendar(weekly_rest_days=frozenset({6}))
    # 30/4/2022 is a Saturday: a working day there, so no compensation for it; 1/5 Sunday → Monday 2/5.
    compensatory = [holiday.day for holiday in sunday_only.holidays(2022) if holiday.compensatory]
    assert D(2022, 5, 2) in compensatory and D(2022, 5, 3) not in compensatory
    assert sunday_only.is_working_day(D(2022, 5, 7))  # a Saturday


def test_other_decisions_are_injected():
    # A decision neither the library nor the data file holds: Friday 14/8/2026 off, worked back on Saturday 15/8.
    swapped = WorkingCalendar(
        extra_days_off=frozenset({D(2026, 8, 14)}), extra_working_days=frozenset({D(2026, 8, 15)})
    )
    assert VIETNAM_CALENDAR.is_working_day(D(2026, 8, 14)) and not swapped.is_working_day(D(2026, 8, 14))
    assert not VIETNAM_CALENDAR.is_working_day(D(2026, 8, 15)) and swapped.is_working_day(D(2026, 8, 15))
    with pytest.raises(ValueError):
        WorkingCalendar(extra_days_off=frozenset({D(2025, 1, 27)}), extra_working_days=frozenset({D(2025, 1, 27)}))


@pytest.mark.parametrize(
    ("day_off", "worked"),
    [(D(2024, 4, 29), D(2024, 5, 4)), (D(2025, 5, 2), D(2025, 4, 26)), (D(2025, 1, 27), D(2025, 2, 8))],
)
def test_the_prime_ministers_swaps_move_working_days(day_off, worked):
    """29/4/2024 (Monday) off, worked back on Saturday 4/5/2024; 2/5/2025 (Friday) off for Saturday 26/4/2025;
    27/1/2025 off for Saturday 8/2/2025 (the last is not in the library: data/working_day_decisions.csv)."""
    assert not VIETNAM_CALENDAR.is_working_day(day_off)
    assert VIETNAM_CALENDAR.is_working_day(worked)
    assert VIETNAM_CALENDAR.holiday(day_off) is not None
    # An employer with its own week is not bound by the offices' swap.
    sunday_only = WorkingCalendar(weekly_rest_days=frozenset({6}))
    assert sunday_only.is_working_day(day_off) or sunday_only.holiday(day_off) is not None


def test_a_deadline_across_the_2025_may_swap():
    """7 working days from Friday 25/4/2025: Saturday 26/4 (worked for 2/5), Monday 28, Tuesday 29; 30/4 and 1/5
    holidays, 2/5 swapped off; then 5, 6, 7, 8 May → the 7th is Thursday 8/5/2025. Without the swap the count
    would be 28, 29, 2, 5, 6, 7, 8: the same last day, but 2/5 no longer counts and 26/4 does."""
    assert list(VIETNAM_CALENDAR.working_days(D(2025, 4, 26), D(2025, 5, 2))) == [
        D(2025, 4, 26),
        D(2025, 4, 28),
        D(2025, 4, 29),
    ]
    assert VIETNAM_CALENDAR.add_working_days(D(2025, 4, 25), 7) == D(2025, 5, 8)
    # From Friday 26/4/2024: 29/4 swapped off, 30/4 and 1/5 holidays: 2, 3, Saturday 4 (worked), 6, 7, 8, 9 May.
    assert VIETNAM_CALENDAR.add_working_days(D(2024, 4, 26), 7) == D(2024, 5, 9)


@pytest.mark.parametrize("year", range(2013, 2041))  # 5 Tết days from the 2012 Labour Code (2013)
def test_the_librarys_lunar_holidays_agree_with_the_hubs_lunar_computation(year):
    """The library's Tết (mùng 1) and Hùng Kings' day (10/3 lunar) are the hub's own lunar computation's."""
    library = {holiday.name_vi: holiday.day for holiday in VIETNAM_CALENDAR.holidays(year)}
    assert library["Tết Nguyên Đán"] == lunar_new_year(year)
    assert library["Ngày Giỗ Tổ Hùng Vương"] == from_lunar(LunarDate(year, 3, 10))
    # The hub's own 5 Tết days are among the library's days off.
    days_off = {holiday.day for holiday in VIETNAM_CALENDAR.holidays(year)}
    assert set(lunar_new_year_days(year)) <= days_off | {lunar_new_year(year) - dt.timedelta(days=1)}


def test_the_decisions_file_cites_a_decision_on_every_row():
    rows = decisions().values()
    assert rows and all(row.decision for row in rows)
    assert all((row.day.weekday() == 5) != row.day_off for row in rows)  # a worked day is a Saturday


def test_counting_working_days_across_weekends_and_tet():
    # Thursday 12/2/2026 to Tuesday 24/2/2026: Tết 16–20/2 and two weekends leave 12, 13, 23, 24.
    assert list(VIETNAM_CALENDAR.working_days(D(2026, 2, 12), D(2026, 2, 24))) == [
        D(2026, 2, 12),
        D(2026, 2, 13),
        D(2026, 2, 23),
        D(2026, 2, 24),
    ]


def test_seven_working_day_deadline_skips_weekend_and_the_april_holidays():
    # From Friday 25/4/2025: 28, 29 April; 30/4 and 1/5 are holidays; 2, 5, 6, 7, 8 May.
    assert VIETNAM_CALENDAR.add_working_days(D(2025, 4, 25), 7) == D(2025, 5, 8)
    assert VIETNAM_CALENDAR.add_working_days(D(2025, 4, 25), 0) == D(2025, 4, 25)
    with pytest.raises(ValueError):
        VIETNAM_CALENDAR.add_working_days(D(2025, 4, 25), -1)


dates = st.dates(min_value=D(2019, 1, 1), max_value=D(2035, 12, 31))


@given(dates, st.integers(0, 60), st.integers(0, 60))
def test_working_days_add_up_over_split_ranges(start, first, second):
    middle = start + dt.timedelta(days=first)
    end = middle + dt.timedelta(days=second)
    whole = VIETNAM_CALENDAR.count_working_days(start, end)
    assert whole == VIETNAM_CALENDAR.count_working_days(start, middle) + VIETNAM_CALENDAR.count_working_days(
        middle + dt.timedelta(days=1), end
    )
    assert 0 <= whole <= (end - start).days + 1


@given(dates, st.integers(1, 40))
def test_adding_working_days_lands_on_the_nth_working_day(start, count):
    deadline = VIETNAM_CALENDAR.add_working_days(start, count)
    assert VIETNAM_CALENDAR.is_working_day(deadline)
    assert VIETNAM_CALENDAR.count_working_days(start + dt.timedelta(days=1), deadline) == count
