"""Convalescence under Luật BHXH 41/2024/QH15 Art 46 (after sickness) and Art 60 (after maternity), from 1/7/2025:
a worked example per rule, each docstring giving the hand computation. The 2014 law's rules stay for convalescence
starting before 1/7/2025 (test_claims_rules_birth)."""

import dataclasses
import datetime as dt
from decimal import Decimal

from hub.claims.rules import ConvalescenceCause, ConvalescenceLeave, LawVersion, ReasonCode, compute_convalescence
from hub.claims.rules.convalescence import VERSIONS, leave_before, maternity_leave_before, window_after_leave

D = dt.date
C = ConvalescenceCause
L24 = LawVersion.LAW_2024


def sick(**changes: object) -> ConvalescenceLeave:
    """Sick leave 1–30/9/2025 (its last day 30/9); back at work Wednesday 1/10/2025; 5 days from 6/10."""
    leave = ConvalescenceLeave(
        C.SICKNESS_OTHER,
        D(2025, 10, 1),
        D(2025, 10, 6),
        5,
        sickness_days_this_year=Decimal(30),
        leave_ended=D(2025, 9, 30),
    )
    return dataclasses.replace(leave, **changes)  # type: ignore[arg-type]


def test_after_sickness_30_days_of_sickness_benefit_in_the_year_are_needed():
    """Art 46: 29.5 sickness days paid in 2025 < 30 → refused (NOT_ENOUGH_SICKNESS_DAYS); 30 → paid
    5 days × 30% × 2,340,000 = 5 × 702,000 = 3,510,000 VND."""
    refused = compute_convalescence(sick(sickness_days_this_year=Decimal("29.5")))
    assert not refused.eligible and refused.reason_codes == (ReasonCode.NOT_ENOUGH_SICKNESS_DAYS,)
    paid = compute_convalescence(sick())
    assert paid.eligible and paid.law is L24 and paid.amount_vnd == 3_510_000
    assert any("Điều 46" in line.source for line in paid.explanation)


def test_after_sickness_it_starts_within_30_days_of_the_end_of_the_sick_leave():
    """Art 46: the sick leave ended 30/9/2025; day 1 is 1/10, day 30 is 30/10. Starting 30/10 → paid; 31/10 →
    refused (STARTS_TOO_LATE_AFTER_LEAVE), though 31/10 is still the 31st day back at work counted from a return on
    Monday 6/10 — the 2024 law counts from the leave's end, not from the return. The reading is [to confirm] and
    the explanation names its register entry in both languages."""
    assert window_after_leave(D(2025, 9, 30)) == (D(2025, 10, 1), D(2025, 10, 30))
    on_day_30 = compute_convalescence(sick(returned_to_work=D(2025, 10, 6), start=D(2025, 10, 30)))
    assert on_day_30.eligible
    late = compute_convalescence(sick(returned_to_work=D(2025, 10, 6), start=D(2025, 10, 31)))
    assert late.reason_codes == (ReasonCode.STARTS_TOO_LATE_AFTER_LEAVE,)
    assert any(
        "[cần xác nhận convalescence-window-start" in line.text_vi
        and "[to confirm convalescence-window-start" in line.text_en
        for line in late.explanation
    )


def test_after_sickness_at_most_10_days_a_year_in_all():
    """Art 46: each cause's cap (long-term disease 10, surgery 7, other 5) and at most 10 days a year in all.
    Long-term disease, 8 days already paid in 2025, 10 asked: min(10, 10, 10 − 8) = 2 paid, 8 unpaid
    (2 × 702,000 = 1,404,000 VND). Surgery, 4 paid before, 7 asked: min(7, 7, 10 − 4) = 6. Other, 10 paid: none."""
    long_term = compute_convalescence(sick(cause=C.SICKNESS_LONG_TERM, days=10, days_already_taken=8))
    assert (long_term.paid_days, long_term.unpaid_days, long_term.amount_vnd) == (Decimal(2), Decimal(8), 1_404_000)
    assert ReasonCode.DAYS_BEYOND_YEARLY_LIMIT in long_term.reason_codes
    surgery = compute_convalescence(sick(cause=C.SICKNESS_SURGERY, days=7, days_already_taken=4))
    assert surgery.paid_days == Decimal(6)
    used = compute_convalescence(sick(days_already_taken=10))
    assert used.reason_codes == (ReasonCode.YEARLY_LIMIT_REACHED,)
    assert VERSIONS[L24].yearly_total_after_sickness == 10


def test_after_maternity_none_if_she_went_back_to_work_early():
    """Art 60: born 2/3/2025, 6 months' leave 2/3–1/9/2025. Back at work on 15/8/2025 ≤ 1/9 → an early return:
    refused (RETURNED_TO_WORK_EARLY), though convalescence starts 16/8 within 30 days. Back on 3/9 (2/9 is National
    Day), start 4/9 → 5 days × 702,000 = 3,510,000 VND."""
    ended = maternity_leave_before(D(2025, 8, 15), [(D(2025, 3, 2), D(2025, 9, 1))])
    assert ended == D(2025, 9, 1)
    early = ConvalescenceLeave(C.MATERNITY_OTHER, D(2025, 8, 15), D(2025, 8, 16), 5, leave_ended=ended)
    refused = compute_convalescence(early)
    assert not refused.eligible and refused.reason_codes == (ReasonCode.RETURNED_TO_WORK_EARLY,)
    assert any("Điều 60" in line.source for line in refused.explanation)
    on_time = dataclasses.replace(early, returned_to_work=D(2025, 9, 3), start=D(2025, 9, 4))
    assert compute_convalescence(on_time).amount_vnd == 3_510_000


def test_an_early_return_under_the_2014_law_is_not_refused():
    """Before 1/7/2025 the 2014 law (Art 41) applies: back on 2/6/2025 before a leave ending 10/6, start 3/6 →
    paid 5 × 30% × 2,340,000 = 3,510,000 VND (the 2014 rules stay for events before 1/7/2025)."""
    leave = ConvalescenceLeave(C.MATERNITY_OTHER, D(2025, 6, 2), D(2025, 6, 3), 5, leave_ended=D(2025, 6, 10))
    result = compute_convalescence(leave)
    assert result.eligible and result.law is LawVersion.LAW_2014 and result.amount_vnd == 3_510_000


def test_the_leave_a_return_follows_is_the_latest_before_it():
    """Sick leaves ending 10/3 and 30/9/2025, back on 1/10: the leave ended 30/9. A leave ending the day of the
    return is not before it; none known → None (the 30 days then count from the return to work)."""
    assert leave_before(D(2025, 10, 1), [D(2025, 3, 10), D(2025, 9, 30), D(2025, 10, 1)]) == D(2025, 9, 30)
    assert leave_before(D(2025, 10, 1), []) is None
    assert maternity_leave_before(D(2025, 10, 1), [(D(2023, 3, 2), D(2023, 9, 1))]) is None  # over a year before
