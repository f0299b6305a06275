"""Figures taken from a contribution history: years of contributions, the salary a benefit is based on, the
12-month window before a birth.

Only compulsory months count (see `hub.claims.rules.inputs`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from hub.claims.rules.inputs import ContributionHistory, ContributionMonth
from hub.claims.rules.months import Month
from hub.claims.rules.tables import SALARY_MONTH_LOOKBACK_MONTHS, LawVersion, law_on

AVERAGE_MONTHS = 6
MATERNITY_WINDOW_MONTHS = 12
BIRTH_MONTH_CUTOFF_DAY = 15


@dataclass(frozen=True)
class ContributionYears:
    """Compulsory contribution time: `months` in all, `years` completed and the `remainder_months` beyond them.

    A partial year does not count as a year: 14 years and 11 months is "less than 15 years" for the sickness limit.
    """

    months: int
    years: int
    remainder_months: int


def contribution_years(history: ContributionHistory, before: Month) -> ContributionYears:
    """Compulsory contribution time in the months strictly before `before`."""
    months = history.compulsory_count_before(before)
    return ContributionYears(months, months // 12, months % 12)


def salary_month_for_leave(history: ContributionHistory, leave_start: dt.date) -> ContributionMonth | None:
    """The month whose contribution salary a sickness benefit uses, under the law of the leave's start (a leave
    begun under the 2014 law keeps it to its end: 2024 law Art 141(5)).

    2014 law (Art 28(1)): the month before the leave; if that month has no compulsory contribution, the month of the
    leave itself (someone just starting, or returning to, work).
    2024 law (Art 45(1)): the latest month paid before the month of the leave, however far back within
    SALARY_MONTH_LOOKBACK_MONTHS (a month off sick whole is not paid, and the next leave still has a salary month);
    with none, the month of the leave (someone sick in the month they joined).

    None when no such month is contributed: the person is not insured for sickness."""
    month = Month.of(leave_start)
    if law_on(leave_start) is LawVersion.LAW_2014:
        return history.compulsory(month.shift(-1)) or history.compulsory(month)
    oldest = month.shift(-SALARY_MONTH_LOOKBACK_MONTHS)
    latest = next(iter(history.compulsory_before(month)), None)
    if latest is not None and latest.month >= oldest:
        return latest
    return history.compulsory(month)


def salary_months_looked_at(leave_start: dt.date) -> tuple[Month, Month]:
    """The oldest and the newest month `salary_month_for_leave` looks at for a leave starting on `leave_start`."""
    month = Month.of(leave_start)
    back = 1 if law_on(leave_start) is LawVersion.LAW_2014 else SALARY_MONTH_LOOKBACK_MONTHS
    return month.shift(-back), month


def average_salary(history: ContributionHistory, leave_start: dt.date) -> tuple[Fraction, tuple[Month, ...]]:
    """The average monthly contribution salary of the 6 most recent compulsory months before the month the leave
    starts, exact; with fewer than 6 such months, the average of those there are; with none, the salary of the
    month the leave starts (someone who has just started work). (0, ()) when that month is not contributed either."""
    rows = history.compulsory_before(Month.of(leave_start))[:AVERAGE_MONTHS]
    if not rows:
        current = history.compulsory(Month.of(leave_start))
        if current is None:
            return Fraction(0), ()
        rows = [current]
    return Fraction(sum(row.salary_vnd for row in rows), len(rows)), tuple(sorted(row.month for row in rows))


def months_before_birth(history: ContributionHistory, born: dt.date) -> tuple[Month, ...]:
    """The 12 months "before the birth" over which maternity eligibility is counted, oldest first.

    A birth before the 15th: the birth month does not count, the window is the 12 months before it. A birth on or
    after the 15th in a month with a compulsory contribution: the birth month counts as the last of the 12; if that
    month was not paid, it is treated as a birth before the 15th. TT 59/2015/TT-BLĐTBXH Art 9(1) reads the 2014
    law this way and the 2024 law keeps the rule, so both versions use this one function.
    [to confirm birth-month-15th]
    """
    birth_month = Month.of(born)
    counts = born.day >= BIRTH_MONTH_CUTOFF_DAY and history.compulsory(birth_month) is not None
    last = birth_month if counts else birth_month.shift(-1)
    return tuple(last.shift(-offset) for offset in reversed(range(MATERNITY_WINDOW_MONTHS)))


def compulsory_months_in(history: ContributionHistory, months: tuple[Month, ...]) -> int:
    return sum(1 for month in months if history.compulsory(month) is not None)
