"""Paternity leave (lao động nam nghỉ việc khi vợ sinh con): working days by the kind of birth, taken in one or
more periods, each starting within 30 days (2014 law) or 60 days (2024 law) of the birth, paid at the father's
average contribution salary of the 6 months before the leave ÷ 24 per day.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from hub.claims.rules.contributions import average_salary
from hub.claims.rules.formatting import vnd
from hub.claims.rules.inputs import Birth, ContributionHistory, LeavePeriod
from hub.claims.rules.maternity import explain_living_children
from hub.claims.rules.outcome import Benefit, Computation, Explainer, insured_explainer
from hub.claims.rules.reasons import Reason, ReasonCode, reason
from hub.claims.rules.tables import (
    SECOND_CHILD_FROM,
    LawVersion,
    Rule,
    is_second_child,
    second_child_leave,
)
from hub.claims.rules.uncertain import mark, mark_vi
from hub.claims.rules.workdays import VIETNAM_CALENDAR, WorkingCalendar

DAYS_PER_MONTH = 24
WINDOW_DAYS = {LawVersion.LAW_2014: 30, LawVersion.LAW_2024: 60}


def paternity_days(birth: Birth, law: LawVersion) -> int:
    """Working days of paternity leave: 5; 7 for a caesarean or a birth under 32 weeks; 10 for twins, +3 per child
    from the third; 14 for twins or more by surgery. The 2014 law stops there; the 2024 law adds 3 per child from
    the third to the 14 as well. A second child born from 1/7/2026: at least 10 (hub.claims.rules.tables
    .second_child_leave)."""
    general = _general_paternity_days(birth, law)
    if is_second_child(birth.date, birth.living_before):
        return second_child_leave(birth.children, birth.caesarean, general).father_days
    return general


def _general_paternity_days(birth: Birth, law: LawVersion) -> int:
    if birth.children == 1:
        return 7 if birth.caesarean or birth.under_32_weeks else 5
    beyond_twins = 3 * (birth.children - 2)
    if birth.caesarean:
        return 14 + (beyond_twins if law is LawVersion.LAW_2024 else 0)
    return 10 + beyond_twins


def paternity_window(born: dt.date, law: LawVersion) -> tuple[dt.date, dt.date]:
    """The days on which a period of leave may start: the first 30 (2014) or 60 (2024) days counted from the birth
    date, which is day 1."""
    return born, born + dt.timedelta(days=WINDOW_DAYS[law] - 1)


def _refused(born: dt.date, reasons: Sequence[Reason], explainer: Explainer, unpaid: Decimal) -> Computation:
    return Computation(
        Benefit.PATERNITY,
        explainer.law,
        born,
        False,
        tuple(reasons),
        0,
        Fraction(0),
        explainer.done(),
        unpaid_days=unpaid,
    )


def compute_paternity(
    history: ContributionHistory,
    birth: Birth,
    periods: Sequence[LeavePeriod],
    *,
    calendar: WorkingCalendar = VIETNAM_CALENDAR,
) -> Computation:
    """The father's paternity benefit under the law in force on the birth date."""
    ordered = sorted(periods, key=lambda period: period.start)
    if not ordered:
        raise ValueError("paternity leave needs at least one period")
    if any(later.start <= earlier.end for earlier, later in itertools.pairwise(ordered)):
        raise ValueError("paternity leave periods overlap")
    explainer, why = insured_explainer(history, birth.date, "Vợ sinh con", "The child was born")
    if why:
        return _refused(birth.date, [why], explainer, Decimal(0))

    entitled = paternity_days(birth, explainer.law)
    first, last = paternity_window(birth.date, explainer.law)
    explainer.add(
        Rule.PATERNITY_LEAVE,
        f"children={birth.children}, caesarean={birth.caesarean}, under_32_weeks={birth.under_32_weeks} → {entitled}",
        f"Sinh {birth.children} con{', phẫu thuật' if birth.caesarean else ''}"
        f"{', dưới 32 tuần tuổi' if birth.under_32_weeks else ''}: {entitled} ngày làm việc; mỗi đợt nghỉ phải "
        f"bắt đầu từ {first} đến {last} ({WINDOW_DAYS[explainer.law]} ngày kể từ ngày sinh).",
        f"{birth.children} children born{', by caesarean' if birth.caesarean else ''}"
        f"{', under 32 weeks' if birth.under_32_weeks else ''}: {entitled} working days; each period must start "
        f"between {first} and {last} ({WINDOW_DAYS[explainer.law]} days from the birth).",
        children=birth.children,
        caesarean=birth.caesarean,
        under_32_weeks=birth.under_32_weeks,
    )
    if birth.date >= SECOND_CHILD_FROM:
        explain_living_children(birth, explainer)
    if is_second_child(birth.date, birth.living_before):
        general = _general_paternity_days(birth, explainer.law)
        combined = second_child_leave(birth.children, birth.caesarean, general)
        vi, en = (
            (f" {mark_vi('second-child-combination')}", f" {mark('second-child-combination')}")
            if combined.to_confirm
            else ("", "")
        )
        explainer.add(
            Rule.SECOND_CHILD,
            f"max(10, {general}) = {entitled}",
            f"Vợ sinh con thứ hai từ 01/7/2026: người cha nghỉ {entitled} ngày làm việc (10 ngày; {general} ngày "
            f"nếu không phải con thứ hai).{vi}",
            f"The mother's second child, born from 1/7/2026: the father gets {entitled} working days (10; {general} "
            f"were it not a second child).{en}",
            living_children_before=1,
        )
    notes: list[Reason] = []
    paid = outside = beyond = 0
    first_paid: dt.date | None = None
    last_paid: dt.date | None = None
    for period in ordered:
        working = list(calendar.working_days(period.start, period.end))
        if not first <= period.start <= last:
            outside += len(working)
            notes.append(
                reason(
                    ReasonCode.PERIOD_STARTS_OUTSIDE_WINDOW,
                    start=period.start,
                    window=WINDOW_DAYS[explainer.law],
                    born=birth.date,
                    unpaid=len(working),
                )
            )
            continue
        for day in working:
            if paid < entitled:
                paid += 1
                first_paid = first_paid or day
                last_paid = day
            else:
                beyond += 1
    if beyond:
        notes.append(reason(ReasonCode.DAYS_BEYOND_ENTITLEMENT, unpaid=beyond, entitled=entitled))
    requested = paid + outside + beyond
    explainer.add(
        Rule.PATERNITY_LEAVE,
        f"{requested} − {outside} − {beyond} = {paid}",
        f"{requested} ngày làm việc xin nghỉ; {outside} ngày của đợt bắt đầu ngoài thời hạn, {beyond} ngày vượt quá "
        f"số ngày được nghỉ; được hưởng {paid} ngày.",
        f"{requested} working days asked for; {outside} in periods starting outside the window, {beyond} beyond "
        f"the entitlement; {paid} paid.",
        periods=len(ordered),
    )
    if first_paid is None or last_paid is None:
        if not requested:
            notes.append(reason(ReasonCode.NO_WORKING_DAYS, start=ordered[0].start, end=ordered[-1].end))
        return _refused(birth.date, notes, explainer, Decimal(requested))

    average, salary_months = average_salary(history, first_paid)
    exact = average / DAYS_PER_MONTH * paid
    explainer.add(
        Rule.MATERNITY_AMOUNT,
        f"{vnd(average)} ÷ {DAYS_PER_MONTH} × {paid} = {vnd(exact)}",
        f"Bình quân tiền lương đóng BHXH {len(salary_months)} tháng trước khi nghỉ "
        f"({', '.join(map(str, salary_months))}): {vnd(average)} đồng; ÷ {DAYS_PER_MONTH} × {paid} ngày = "
        f"{vnd(exact)} đồng.",
        f"Average contribution salary of the {len(salary_months)} months before the leave "
        f"({', '.join(map(str, salary_months))}): {vnd(average)} VND; ÷ {DAYS_PER_MONTH} × {paid} days = "
        f"{vnd(exact)} VND.",
        months_used=len(salary_months),
    )
    amount = explainer.total(exact)
    return Computation(
        Benefit.PATERNITY,
        explainer.law,
        birth.date,
        True,
        tuple(notes),
        amount,
        exact,
        explainer.done(),
        paid_days=Decimal(paid),
        unpaid_days=Decimal(outside + beyond),
        period=(first_paid, last_paid),
        salary_months=salary_months,
    )
