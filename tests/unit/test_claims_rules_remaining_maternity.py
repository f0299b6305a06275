"""Worked examples: the father or the child's caregiver paid for the rest of the mother's maternity leave after her
death or a medical assessment council's finding (Luật BHXH 41/2024 Art 53, 59;
hub.claims.rules.death_incapacity.compute_remaining_maternity)."""

from __future__ import annotations

import datetime as dt

from hub.claims.rules import (
    AfterBirth,
    Benefit,
    Birth,
    ContributionHistory,
    ContributionMonth,
    Month,
    MotherLeave,
    RemainingLeave,
    compute_maternity,
    compute_remaining_maternity,
)
from hub.claims.rules.reasons import ReasonCode
from hub.claims.rules.tables import Rule
from hub.claims.rules.uncertain import marked_ids

D = dt.date
BORN = D(2025, 9, 10)
SIX_MONTHS = MotherLeave(BORN, D(2026, 3, 9))  # 10/9/2025 + 6 months − 1 day
SIX_MONTHS_PERIOD = (SIX_MONTHS.start, SIX_MONTHS.end)


def history(first: Month, last: Month, salary: int, **others: int) -> ContributionHistory:
    """Compulsory months from `first` to `last` at `salary`, a month named `m2025_7` at its own salary."""
    months, month = [], first
    while month <= last:
        months.append(ContributionMonth(month, others.get(f"m{month.year}_{month.month}", salary)))
        month = month.shift(1)
    return ContributionHistory(tuple(months))


def test_the_father_is_paid_the_rest_of_her_leave_on_his_own_salary_after_her_death():
    """Born 10/9/2025 (before the 15th: window 9/2024–8/2025, the father paid 1–8/2025 = 8 ≥ 6). The mother's leave
    ran 10/9/2025–9/3/2026; she died on 30/11/2025: his leave 1/12/2025–9/3/2026 = 3 whole months
    (1/12/2025–28/2/2026) and 9 days (1–9/3/2026). His average of 6/2025–11/2025: 9,000,000.
    9,000,000 × 3 + 9,000,000 ÷ 30 × 9 = 27,000,000 + 2,700,000 = 29,700,000."""
    father = history(Month(2025, 1), Month(2025, 11), 9_000_000)
    computation = compute_remaining_maternity(
        father, RemainingLeave(AfterBirth.MOTHER_DIED, BORN, D(2025, 11, 30), SIX_MONTHS)
    )
    assert computation.benefit is Benefit.REMAINING_MATERNITY and computation.eligible
    assert computation.period == (D(2025, 12, 1), D(2026, 3, 9)) and computation.leave_months == 3
    assert computation.amount_vnd == 29_700_000
    marks = [mark for line in computation.explanation for mark in marked_ids(line.text_en + line.source)]
    assert {"caregiver-remaining-leave", "remaining-leave-eligibility", "remaining-leave-odd-days"} <= set(marks)


def test_after_a_councils_finding_with_no_leave_of_her_own_he_is_paid_until_the_child_is_six_months_old():
    """The mother had no leave of her own; the council met on 5/10/2025: leave 6/10/2025–9/3/2026 (the child is 6
    months old on 10/3/2026) = 5 whole months (6/10/2025–5/3/2026) and 4 days (6–9/3/2026). The father's average of
    4–9/2025: (3 × 8,000,000 + 3 × 11,000,000) ÷ 6 = 9,500,000. 9,500,000 × 5 + 9,500,000 ÷ 30 × 4 = 47,500,000 +
    1,266,666.67 = 48,766,666.67 → 48,766,667."""
    raised = {f"m2025_{month}": 11_000_000 for month in (7, 8, 9)}
    father = history(Month(2025, 1), Month(2025, 9), 8_000_000, **raised)
    computation = compute_remaining_maternity(
        father, RemainingLeave(AfterBirth.MOTHER_CANNOT_CARE, BORN, D(2025, 10, 5), None)
    )
    assert computation.eligible and computation.period == (D(2025, 10, 6), D(2026, 3, 9))
    assert computation.leave_months == 5 and computation.amount_vnd == 48_766_667
    assert any("Hội đồng giám định y khoa" in line.text_vi for line in computation.explanation)


def test_a_father_with_five_months_of_the_twelve_is_not_paid():
    """Window 9/2024–8/2025: he paid 4–8/2025, 5 < 6: not eligible, nothing paid, the reason and the mark shown."""
    father = history(Month(2025, 4), Month(2025, 11), 9_000_000)
    computation = compute_remaining_maternity(
        father, RemainingLeave(AfterBirth.MOTHER_DIED, BORN, D(2025, 11, 30), SIX_MONTHS)
    )
    assert not computation.eligible and computation.amount_vnd == 0
    assert computation.reason_codes == (ReasonCode.INSUFFICIENT_CONTRIBUTIONS.value,)
    [condition] = [line for line in computation.explanation if line.rule is Rule.REMAINING_LEAVE_CONDITIONS]
    assert marked_ids(condition.source) == ["remaining-leave-eligibility"] and "Điều 53" in condition.source


def test_nothing_is_paid_when_her_leave_had_run_out():
    """She died on 9/3/2026, the last day of her leave: nothing is left (from 10/3/2026 to 9/3/2026)."""
    father = history(Month(2025, 1), Month(2026, 2), 9_000_000)
    computation = compute_remaining_maternity(
        father, RemainingLeave(AfterBirth.MOTHER_DIED, BORN, D(2026, 3, 9), SIX_MONTHS)
    )
    assert not computation.eligible and computation.reason_codes == (ReasonCode.NO_REMAINING_LEAVE.value,)


def test_the_mothers_own_leave_ends_where_the_rest_is_handed_over():
    """Born 10/9/2025 (2024 law), the mother paid 1–8/2025 at 12,000,000 (8 ≥ 6 of 9/2024–8/2025). She died on
    30/11/2025 and the father takes the rest: her leave 10/9/2025–30/11/2025 = 2 whole months (10/9–9/11) and 21
    days (10/11–30/11): 12,000,000 × 2 + 12,000,000 ÷ 30 × 21 = 24,000,000 + 8,400,000 = 32,400,000, plus the lump
    sum 2 × 2,340,000 = 4,680,000: 37,080,000. Without the handing over: 12,000,000 × 6 + 4,680,000 = 76,680,000."""
    mother = history(Month(2025, 1), Month(2025, 8), 12_000_000)
    birth = Birth(BORN)
    whole = compute_maternity(mother, birth)
    assert whole.amount_vnd == 76_680_000 and whole.period == SIX_MONTHS_PERIOD
    cut = compute_maternity(mother, birth, handed_over=(AfterBirth.MOTHER_DIED, D(2025, 11, 30)))
    assert cut.eligible and cut.amount_vnd == 37_080_000
    assert cut.period == (BORN, D(2025, 11, 30)) and cut.leave_months == 2
    [handed] = [line for line in cut.explanation if line.rule is Rule.DEATH_OR_INCAPACITY]
    assert marked_ids(handed.text_en) == ["caregiver-remaining-leave"]
