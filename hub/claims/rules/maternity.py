"""Maternity of a mother giving birth (chế độ thai sản khi sinh con): eligibility, leave, monthly amount, lump sum.

The mother needs at least 6 months of compulsory contributions in the 12 months before the birth; she gets 6 months
of leave (+1 month per child from the second), at most 2 of them before the birth, paid at 100% of the average
contribution salary of the 6 months before the leave, and a lump sum of 2 × base salary (2024 law: reference level)
per child, at the figure in force on the birth date.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from hub.claims.rules.contributions import average_salary, compulsory_months_in, months_before_birth
from hub.claims.rules.formatting import vnd
from hub.claims.rules.inputs import Birth, ContributionHistory
from hub.claims.rules.months import add_months
from hub.claims.rules.outcome import Benefit, Computation, Explainer
from hub.claims.rules.reasons import Reason, ReasonCode, reason
from hub.claims.rules.tables import RULES_START, Rule, benefit_base_on, law_on, law_title

MIN_CONTRIBUTION_MONTHS = 6
LEAVE_MONTHS = 6
EXTRA_MONTHS_PER_ADDITIONAL_CHILD = 1
MAX_MONTHS_BEFORE_BIRTH = 2
LUMP_SUM_MULTIPLE = 2


def maternity_event_date(birth: Birth, leave_start: dt.date) -> dt.date:
    """The date that chooses the law: the first day of the leave, since a leave begun before 1/7/2025 continues
    under the 2014 law (Luật BHXH 41/2024 Art 141(5)). [to confirm maternity-transition]
    """
    return leave_start


def maternity_leave_months(children: int) -> int:
    return LEAVE_MONTHS + EXTRA_MONTHS_PER_ADDITIONAL_CHILD * (children - 1)


def _refused(start: dt.date, why: Reason, explainer: Explainer) -> Computation:
    return Computation(Benefit.MATERNITY, explainer.law, start, False, (why,), 0, Fraction(0), explainer.done())


def _check_eligibility(history: ContributionHistory, birth: Birth, explainer: Explainer) -> Reason | None:
    window = months_before_birth(history, birth.date)
    paid = compulsory_months_in(history, window)
    birth_month_counts = window[-1].month == birth.date.month and window[-1].year == birth.date.year
    explainer.add(
        Rule.BIRTH_MONTH_COUNTING,
        f"day {birth.date.day} {'≥' if birth.date.day >= 15 else '<'} 15 → {window[0]}–{window[-1]}",
        f"Sinh ngày {birth.date}: tháng sinh {'được' if birth_month_counts else 'không được'} tính; 12 tháng "
        f"trước khi sinh là {window[0]}–{window[-1]}. (Luật 2014: cùng cách tính theo TT 59/2015 Điều 9.)",
        f"Born on {birth.date}: the birth month {'counts' if birth_month_counts else 'does not count'}; the 12 "
        f"months before the birth are {window[0]}–{window[-1]}. (2014 law: the same reading, from TT 59/2015 Art 9.)",
        birth_date=birth.date,
    )
    explainer.add(
        Rule.MATERNITY_CONDITIONS,
        f"{paid} {'≥' if paid >= MIN_CONTRIBUTION_MONTHS else '<'} {MIN_CONTRIBUTION_MONTHS}",
        f"Đã đóng BHXH bắt buộc {paid} tháng trong 12 tháng trước khi sinh; cần từ đủ {MIN_CONTRIBUTION_MONTHS}.",
        f"{paid} months of compulsory contributions in the 12 months before the birth; "
        f"{MIN_CONTRIBUTION_MONTHS} needed.",
        months_paid=paid,
    )
    if paid < MIN_CONTRIBUTION_MONTHS:
        return reason(
            ReasonCode.INSUFFICIENT_CONTRIBUTIONS,
            paid=paid,
            first=window[0],
            last=window[-1],
            needed=MIN_CONTRIBUTION_MONTHS,
        )
    return None


def birth_lump_sum(birth: Birth, explainer: Explainer) -> Fraction:
    """2 × base salary (2024 law: reference level) in force on the birth date, per child; explained."""
    base, name_vi, name_en = benefit_base_on(birth.date)
    exact = Fraction(LUMP_SUM_MULTIPLE * base.amount_vnd * birth.children)
    explainer.add(
        Rule.BASE_SALARY,
        f"{birth.date} → {base.amount_vnd:,}",
        f"{name_vi.capitalize()} ngày {birth.date}: {base.amount_vnd:,} đồng ({base.decree}, từ {base.effective}).",
        f"{name_en.capitalize()} on {birth.date}: {base.amount_vnd:,} VND ({base.decree}, from {base.effective}).",
        effective=base.effective,
        decree=base.decree,
    )
    explainer.add(
        Rule.BIRTH_LUMP_SUM,
        f"{LUMP_SUM_MULTIPLE} × {base.amount_vnd:,} × {birth.children} = {vnd(exact)}",
        f"Trợ cấp một lần = {LUMP_SUM_MULTIPLE} × {name_vi} × {birth.children} con = {vnd(exact)} đồng.",
        f"Lump sum = {LUMP_SUM_MULTIPLE} × {name_en} × {birth.children} children = {vnd(exact)} VND.",
        children=birth.children,
    )
    return exact


def compute_maternity(history: ContributionHistory, birth: Birth, *, leave_start: dt.date | None = None) -> Computation:
    """The mother's maternity benefit for a birth: the leave months' pay plus the lump sum, rounded once.

    `leave_start` defaults to the birth date; it may be up to 2 months before it.
    """
    start = leave_start or birth.date
    event = maternity_event_date(birth, start)
    explainer = Explainer(law_on(event))
    if min(event, birth.date) < RULES_START:
        return _refused(start, reason(ReasonCode.RULES_NOT_AVAILABLE_FOR_DATE, day=event, start=RULES_START), explainer)
    explainer.add(
        Rule.LAW_VERSION,
        f"{event} → {explainer.law.value}",
        f"Ngày bắt đầu nghỉ thai sản {event}: áp dụng {law_title(explainer.law)}.",
        f"Maternity leave starts on {event}: {law_title(explainer.law)} applies.",
        event_date=event,
    )
    if start > birth.date:
        return _refused(start, reason(ReasonCode.LEAVE_STARTS_AFTER_BIRTH, born=birth.date, start=start), explainer)
    if start < add_months(birth.date, -MAX_MONTHS_BEFORE_BIRTH):
        why = reason(ReasonCode.LEAVE_STARTS_TOO_EARLY, start=start, months=MAX_MONTHS_BEFORE_BIRTH, born=birth.date)
        return _refused(start, why, explainer)
    refusal = _check_eligibility(history, birth, explainer)
    if refusal is not None:
        return _refused(start, refusal, explainer)

    months = maternity_leave_months(birth.children)
    end = add_months(start, months) - dt.timedelta(days=1)
    explainer.add(
        Rule.MATERNITY_LEAVE,
        f"{LEAVE_MONTHS} + {birth.children - 1} = {months}",
        f"Sinh {birth.children} con: nghỉ {months} tháng, từ {start} đến {end}.",
        f"{birth.children} children born: {months} months of leave, from {start} to {end}.",
        children=birth.children,
    )
    average, salary_months = average_salary(history, start)
    leave_pay = average * months
    explainer.add(
        Rule.MATERNITY_AMOUNT,
        f"{vnd(average)} × 100% × {months} = {vnd(leave_pay)}",
        f"Bình quân tiền lương đóng BHXH của {len(salary_months)} tháng trước khi nghỉ "
        f"({', '.join(map(str, salary_months))}): {vnd(average)} đồng; × 100% × {months} tháng = "
        f"{vnd(leave_pay)} đồng.",
        f"Average contribution salary of the {len(salary_months)} months before the leave "
        f"({', '.join(map(str, salary_months))}): {vnd(average)} VND; × 100% × {months} months = "
        f"{vnd(leave_pay)} VND.",
        months_used=len(salary_months),
    )
    lump_sum = birth_lump_sum(birth, explainer)
    exact = leave_pay + lump_sum
    amount = explainer.total(exact)
    return Computation(
        Benefit.MATERNITY,
        explainer.law,
        event,
        True,
        (),
        amount,
        exact,
        explainer.done(),
        leave_months=months,
        period=(start, end),
        salary_months=salary_months,
    )
