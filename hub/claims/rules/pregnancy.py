"""Maternity events other than a birth: prenatal visits (khám thai) and the loss or termination of a pregnancy
(sẩy thai, nạo, hút thai, thai chết lưu hoặc phá thai bệnh lý). Both need the woman to be insured when the leave
starts (a compulsory month to base the salary on, as for sickness), and are paid from the average contribution
salary of the 6 months before the leave: ÷ 24 per working day for a visit, ÷ 30 per calendar day for a loss.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from hub.claims.rules.contributions import average_salary
from hub.claims.rules.formatting import vnd
from hub.claims.rules.inputs import ContributionHistory
from hub.claims.rules.months import Month
from hub.claims.rules.outcome import Benefit, Computation, Explainer, insured_explainer
from hub.claims.rules.reasons import Reason, ReasonCode, reason
from hub.claims.rules.tables import (
    PREGNANCY_LOSS_DAYS,
    PREGNANCY_LOSS_TO_CONFIRM,
    PRENATAL_DAYS_PER_VISIT,
    PRENATAL_VISITS,
    Rule,
    pregnancy_loss_days,
)
from hub.claims.rules.uncertain import mark, mark_vi

VISIT_DAYS_PER_MONTH = 24
LOSS_DAYS_PER_MONTH = 30


@dataclass(frozen=True)
class PrenatalVisit:
    """One prenatal visit: its first day and the working days taken for it."""

    day: dt.date
    days: int = 1

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("a prenatal visit takes at least one day")


@dataclass(frozen=True)
class PregnancyLoss:
    """A pregnancy lost or ended at `weeks` weeks (XML11 or XML7 `TUOI_THAI`), the leave starting on `start`."""

    start: dt.date
    weeks: int

    def __post_init__(self) -> None:
        if not 1 <= self.weeks <= 42:
            raise ValueError(f"a pregnancy of {self.weeks} weeks is not one a certificate can give (1–42)")


def _refused(benefit: Benefit, day: dt.date, reasons: Sequence[Reason], explainer: Explainer) -> Computation:
    return Computation(benefit, explainer.law, day, False, tuple(reasons), 0, Fraction(0), explainer.done())


def _amount(
    explainer: Explainer, history: ContributionHistory, start: dt.date, per_month: int, days: int
) -> tuple[Fraction, tuple[Month, ...]]:
    """The average contribution salary of the months before the leave starting on `start`, ÷ `per_month` × `days`,
    exact, explained; with the months it is based on."""
    average, salary_months = average_salary(history, start)
    exact = average / per_month * days
    explainer.add(
        Rule.MATERNITY_AMOUNT,
        f"{vnd(average)} ÷ {per_month} × {days} = {vnd(exact)}",
        f"Bình quân tiền lương đóng BHXH ({', '.join(map(str, salary_months))}): {vnd(average)} đồng; "
        f"÷ {per_month} × {days} ngày = {vnd(exact)} đồng.",
        f"Average contribution salary ({', '.join(map(str, salary_months))}): {vnd(average)} VND; "
        f"÷ {per_month} × {days} days = {vnd(exact)} VND.",
        months_used=len(salary_months),
    )
    return exact, salary_months


def compute_prenatal_visits(
    history: ContributionHistory, visits: Sequence[PrenatalVisit], *, visits_already_paid: int = 0
) -> Computation:
    """Prenatal visits (2014 law Art 32, 2024 law Art 51): 5 visits in a pregnancy, up to 2 working days each,
    ÷ 24 × the days paid. Visits beyond the 5 (those already paid for the pregnancy count) and days beyond 2 a visit
    are not paid."""
    ordered = sorted(visits, key=lambda visit: visit.day)
    if not ordered:
        raise ValueError("prenatal visits need at least one visit")
    first = ordered[0].day
    explainer, why = insured_explainer(history, first, "Khám thai", "Prenatal visit")
    if why:
        return _refused(Benefit.PRENATAL_VISIT, first, [why], explainer)
    left = max(PRENATAL_VISITS - visits_already_paid, 0)
    counted = ordered[:left]
    over = len(ordered) - len(counted)
    paid = sum(min(visit.days, PRENATAL_DAYS_PER_VISIT) for visit in counted)
    unpaid = sum(visit.days for visit in ordered) - paid
    explainer.add(
        Rule.PRENATAL_VISITS,
        f"min({len(ordered)}, {PRENATAL_VISITS} − {visits_already_paid}) = {len(counted)} visits; "
        f"Σ min(days, {PRENATAL_DAYS_PER_VISIT}) = {paid}",
        f"Được nghỉ khám thai {PRENATAL_VISITS} lần, mỗi lần tối đa {PRENATAL_DAYS_PER_VISIT} ngày làm việc; đã "
        f"hưởng {visits_already_paid} lần; lần này {len(counted)} lần, {paid} ngày được hưởng.",
        f"{PRENATAL_VISITS} prenatal visits of up to {PRENATAL_DAYS_PER_VISIT} working days each; "
        f"{visits_already_paid} already paid; now {len(counted)} visits, {paid} days paid.",
        visits=len(ordered),
        visits_already_paid=visits_already_paid,
    )
    notes = [reason(ReasonCode.VISITS_BEYOND_ENTITLEMENT, unpaid=over, entitled=PRENATAL_VISITS)] if over else []
    if not paid:
        return _refused(Benefit.PRENATAL_VISIT, first, notes, explainer)
    exact, salary_months = _amount(explainer, history, first, VISIT_DAYS_PER_MONTH, paid)
    amount = explainer.total(exact)
    return Computation(
        Benefit.PRENATAL_VISIT,
        explainer.law,
        first,
        True,
        tuple(notes),
        amount,
        exact,
        explainer.done(),
        paid_days=Decimal(paid),
        unpaid_days=Decimal(unpaid),
        period=(first, ordered[len(counted) - 1].day),
        salary_months=salary_months,
    )


def compute_pregnancy_loss(history: ContributionHistory, loss: PregnancyLoss) -> Computation:
    """Leave after a pregnancy is lost or ended (2014 law Art 33, 2024 law Art 52): calendar days by week of
    pregnancy (hub.claims.rules.tables.PREGNANCY_LOSS_DAYS), ÷ 30 × the days."""
    explainer, why = insured_explainer(
        history, loss.start, "Nghỉ do sẩy thai, phá thai", "Leave after a pregnancy loss"
    )
    if why:
        return _refused(Benefit.PREGNANCY_LOSS, loss.start, [why], explainer)
    days = pregnancy_loss_days(loss.weeks, explainer.law)
    end = loss.start + dt.timedelta(days=days - 1)
    brackets = ", ".join(f"<{weeks}: {count}" for weeks, count in PREGNANCY_LOSS_DAYS[explainer.law][:-1])
    marked = PREGNANCY_LOSS_TO_CONFIRM[explainer.law]
    vi, en = (f" {mark_vi('pregnancy-loss-weeks')}", f" {mark('pregnancy-loss-weeks')}") if marked else ("", "")
    explainer.add(
        Rule.PREGNANCY_LOSS,
        f"{loss.weeks} weeks ({brackets}, else {PREGNANCY_LOSS_DAYS[explainer.law][-1][1]}) → {days}",
        f"Thai {loss.weeks} tuần tuổi: nghỉ {days} ngày (kể cả ngày nghỉ lễ, Tết, nghỉ hằng tuần), từ {loss.start} "
        f"đến {end}.{vi}",
        f"A pregnancy of {loss.weeks} weeks: {days} days of leave (holidays and weekends included), from "
        f"{loss.start} to {end}.{en}",
        weeks=loss.weeks,
    )
    exact, salary_months = _amount(explainer, history, loss.start, LOSS_DAYS_PER_MONTH, days)
    amount = explainer.total(exact)
    return Computation(
        Benefit.PREGNANCY_LOSS,
        explainer.law,
        loss.start,
        True,
        (),
        amount,
        exact,
        explainer.done(),
        paid_days=Decimal(days),
        period=(loss.start, end),
        salary_months=salary_months,
    )
