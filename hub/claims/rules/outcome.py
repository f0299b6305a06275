"""The result of a benefit computation: eligibility, amount in whole VND, days used and the explanation lines.

Rounding: every intermediate figure is kept exact (fractions); the total is rounded once, at the end, to the nearest
whole dong, halves rounded up (ROUND_HALF_UP).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from hub.claims.rules.contributions import salary_month_for_leave, salary_months_looked_at
from hub.claims.rules.formatting import localise_vi, vnd
from hub.claims.rules.inputs import ContributionHistory
from hub.claims.rules.months import Month
from hub.claims.rules.reasons import Reason, ReasonCode, reason
from hub.claims.rules.tables import RULES_START, LawVersion, Rule, law_on, law_title, source

ROUNDING_RULE_VI = "Làm tròn một lần ở tổng cuối cùng, đến đồng gần nhất (0,5 đồng làm tròn lên)."
ROUNDING_RULE_EN = "Rounded once, on the final total, to the nearest dong (half a dong rounds up)."


class Benefit(enum.StrEnum):
    SICKNESS = "sickness"  # ốm đau của người lao động
    CHILD_CARE = "child_care"  # chăm sóc con ốm đau
    MATERNITY = "maternity"  # thai sản khi sinh con (lao động nữ)
    PATERNITY = "paternity"  # lao động nam nghỉ việc khi vợ sinh con
    CONVALESCENCE = "convalescence"  # dưỡng sức, phục hồi sức khỏe
    LUMP_SUM = "lump_sum"  # trợ cấp một lần khi sinh con, paid to the father
    PRENATAL_VISIT = "prenatal_visit"  # khám thai
    PREGNANCY_LOSS = "pregnancy_loss"  # sẩy thai, nạo, hút thai, thai chết lưu, phá thai bệnh lý
    REMAINING_MATERNITY = "remaining_maternity"  # the rest of the mother's leave, to the father or caregiver


def round_vnd(amount: Fraction) -> int:
    """`amount` rounded to the nearest whole dong, halves up; never negative input."""
    if amount < 0:
        raise ValueError("a benefit amount cannot be negative")
    return int((amount + Fraction(1, 2)) // 1)


@dataclass(frozen=True)
class Explanation:
    """One step of a computation: the rule and its legal source, the inputs, the arithmetic, in both languages."""

    rule: Rule
    source: str
    inputs: tuple[tuple[str, str], ...]
    arithmetic: str
    text_vi: str
    text_en: str


@dataclass(frozen=True)
class Computation:
    """A benefit computed under the law in force on `event_date`.

    `amount_vnd` is `exact_amount` rounded once (see `ROUNDING_RULE_EN`); it is 0 when not eligible. `paid_days` and
    `unpaid_days` are working days (calendar days for convalescence); `leave_months` counts months of maternity
    leave; `salary_months` are the contribution months whose salary the amount is based on.
    """

    benefit: Benefit
    law: LawVersion
    event_date: dt.date
    eligible: bool
    reasons: tuple[Reason, ...]
    amount_vnd: int
    exact_amount: Fraction
    explanation: tuple[Explanation, ...]
    paid_days: Decimal = Decimal(0)
    unpaid_days: Decimal = Decimal(0)
    leave_months: int = 0
    period: tuple[dt.date, dt.date] | None = None
    salary_months: tuple[Month, ...] = ()
    rounding_vi: str = ROUNDING_RULE_VI
    rounding_en: str = ROUNDING_RULE_EN

    def __post_init__(self) -> None:
        if self.amount_vnd != round_vnd(self.exact_amount):
            raise ValueError("amount_vnd must be exact_amount rounded once")
        if not self.eligible and self.amount_vnd:
            raise ValueError("an ineligible computation pays nothing")

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(item.code.value for item in self.reasons)


@dataclass
class Explainer:
    """Collects the explanation lines of one computation, citing sources under one law."""

    law: LawVersion
    lines: list[Explanation] = field(default_factory=list)

    def add(self, rule: Rule, arithmetic: str, text_vi: str, text_en: str, /, **inputs: object) -> None:
        pairs = tuple((name, str(value)) for name, value in inputs.items())
        self.lines.append(Explanation(rule, source(rule, self.law), pairs, arithmetic, localise_vi(text_vi), text_en))

    def total(self, exact: Fraction) -> int:
        """Round `exact` once and record the line that says so."""
        amount = round_vnd(exact)
        self.add(
            Rule.ROUNDING,
            f"round({vnd(exact)}) = {amount:,}",
            f"Tổng cộng {amount:,} đồng. {ROUNDING_RULE_VI}",
            f"Total {amount:,} VND. {ROUNDING_RULE_EN}",
            exact=vnd(exact),
        )
        return amount

    def done(self) -> tuple[Explanation, ...]:
        return tuple(self.lines)

    def paid_leave(
        self,
        benefit: Benefit,
        event: dt.date,
        exact: Fraction,
        *,
        months: int,
        period: tuple[dt.date, dt.date],
        salary_months: tuple[Month, ...],
    ) -> Computation:
        """An eligible computation of months of leave (maternity, the remaining leave): `exact` rounded once."""
        amount = self.total(exact)
        return Computation(
            benefit,
            self.law,
            event,
            True,
            (),
            amount,
            exact,
            self.done(),
            leave_months=months,
            period=period,
            salary_months=salary_months,
        )


def insured_explainer(
    history: ContributionHistory, day: dt.date, what_vi: str, what_en: str
) -> tuple[Explainer, Reason | None]:
    """The explainer of a benefit whose event or leave falls on `day`, under the law in force then, its first line
    the law that applies ("{what} on {day}"); with the reason nothing is paid, if one: a day before the rules this
    hub holds, or no compulsory month to base the salary on (the person was not insured)."""
    explainer = Explainer(law_on(day))
    if day < RULES_START:
        return explainer, reason(ReasonCode.RULES_NOT_AVAILABLE_FOR_DATE, day=day, start=RULES_START)
    explainer.add(
        Rule.LAW_VERSION,
        f"{day} → {explainer.law.value}",
        f"{what_vi} ngày {day}: áp dụng {law_title(explainer.law)}.",
        f"{what_en} on {day}: {law_title(explainer.law)} applies.",
        event_date=day,
    )
    if salary_month_for_leave(history, day) is None:
        first, _ = salary_months_looked_at(day)
        return explainer, reason(ReasonCode.NOT_INSURED, month=Month.of(day), first=first)
    return explainer, None
