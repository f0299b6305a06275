"""Claim details: stored as JSON and read back equal, keyed by their event, merged, and handed to the right rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from hub.claims.compute import EvidencePending, PaidBefore, computation_json, compute, explanation_json
from hub.claims.details import (
    BirthDetails,
    ChildCareDetails,
    ConvalescenceDetails,
    SicknessDetails,
    event_key,
    from_json,
    merged,
    to_json,
)
from hub.claims.models import ClaimKind
from hub.claims.rules import ContributionHistory, ContributionMonth, ConvalescenceCause, Month, RegisterCheck

SICK = SicknessDetails(
    dt.date(2025, 9, 8), dt.date(2025, 9, 12), (dt.date(2025, 9, 12),), certificate="facility:48001/S1"
)
TWINS = BirthDetails(dt.date(2025, 9, 2), children=2, caesarean=True)
DETAILS = [
    (ClaimKind.SICKNESS, SICK),
    (ClaimKind.CHILD_CARE, ChildCareDetails(dt.date(2023, 1, 5), dt.date(2025, 9, 8), dt.date(2025, 9, 9))),
    (ClaimKind.MATERNITY, TWINS),
    (
        ClaimKind.MATERNITY,
        BirthDetails(
            dt.date(2026, 8, 10),
            living_children_before=0,
            register_check=RegisterCheck.ANSWERED,
            register_living_children=1,
        ),
    ),
    (ClaimKind.PATERNITY, BirthDetails(dt.date(2025, 9, 2), periods=((dt.date(2025, 9, 3), dt.date(2025, 9, 9)),))),
    (
        ClaimKind.CONVALESCENCE,
        ConvalescenceDetails(ConvalescenceCause.MATERNITY_CAESAREAN, dt.date(2026, 3, 3), dt.date(2026, 3, 4), 5),
    ),
]


def history(salary: int = 10_000_000, months: int = 24) -> ContributionHistory:
    start = Month(2023, 9)
    rows = []
    month = start
    for _ in range(months):
        rows.append(ContributionMonth(month, salary))
        month = Month(month.year + month.month // 12, month.month % 12 + 1)
    return ContributionHistory(tuple(rows))


@pytest.mark.parametrize(("kind", "details"), DETAILS)
def test_details_read_back_equal_from_their_json(kind, details):
    assert from_json(kind, to_json(details)) == details


def test_event_keys_name_the_event_whatever_the_channel():
    assert event_key(ClaimKind.SICKNESS, SICK) == "certificate:facility:48001/S1"
    assert event_key(ClaimKind.SICKNESS, SicknessDetails(SICK.start, SICK.end)) == "leave:2025-09-08"
    # Each twin's certificate gives the same birth: one maternity claim
    assert event_key(ClaimKind.MATERNITY, TWINS) == event_key(ClaimKind.MATERNITY, BirthDetails(TWINS.born, 2))


def test_a_merge_keeps_what_either_side_brings():
    stored = to_json(BirthDetails(TWINS.born, 2, caesarean=True))
    filed = BirthDetails(TWINS.born, periods=((dt.date(2025, 9, 3), dt.date(2025, 9, 9)),))
    combined = merged(ClaimKind.PATERNITY, stored, filed)
    assert isinstance(combined, BirthDetails)
    assert combined.caesarean and combined.periods == filed.periods


def test_each_kind_goes_to_its_rule_and_the_result_is_stored_whole():
    computation = compute(ClaimKind.SICKNESS, SICK, history(), PaidBefore())
    assert computation.eligible and computation.paid_days == Decimal("4.5")
    stored, lines = computation_json(computation), explanation_json(computation)
    assert stored["amount_vnd"] == computation.amount_vnd and "explanation" not in stored and lines
    assert all(line["text_vi"] and line["text_en"] and line["source"] for line in lines)
    maternity = compute(ClaimKind.MATERNITY, TWINS, history(), PaidBefore())
    assert maternity.leave_months == 7  # six months and one more for the second child


def test_days_paid_before_count_against_the_yearly_limit():
    fresh = compute(ClaimKind.SICKNESS, SICK, history(), PaidBefore())
    late = compute(ClaimKind.SICKNESS, SICK, history(), PaidBefore(sickness_days=Decimal(28)))
    assert late.paid_days == 2 and late.amount_vnd < fresh.amount_vnd


def test_a_paternity_claim_without_periods_waits_for_them():
    with pytest.raises(EvidencePending):
        compute(ClaimKind.PATERNITY, BirthDetails(TWINS.born, 2), history(), PaidBefore())
    with pytest.raises(ValueError, match="do not fit"):
        compute(ClaimKind.SICKNESS, TWINS, history(), PaidBefore())


def test_an_amended_certificate_states_the_birth_anew():
    stored = to_json(BirthDetails(TWINS.born, 2, caesarean=True, periods=((dt.date(2025, 9, 3), dt.date(2025, 9, 9)),)))
    corrected = merged(ClaimKind.PATERNITY, stored, BirthDetails(TWINS.born, 1), replacing=True)
    assert isinstance(corrected, BirthDetails)
    assert (corrected.children, corrected.caesarean) == (1, False) and corrected.periods  # the form's periods stay


def test_the_population_database_answer_stays_with_the_birth_it_was_asked_about():
    """An amended XML9 keeps the register's count for the same birth date, and drops it for another."""
    born = dt.date(2026, 8, 10)
    told = BirthDetails(
        born, living_children_before=0, register_check=RegisterCheck.ANSWERED, register_living_children=1
    )
    again = merged(ClaimKind.MATERNITY, to_json(told), BirthDetails(born, living_children_before=1), replacing=True)
    assert isinstance(again, BirthDetails)
    assert (again.living_children_before, again.register_check, again.register_living_children) == (
        1,
        RegisterCheck.ANSWERED,
        1,
    )
    moved = merged(ClaimKind.MATERNITY, to_json(told), BirthDetails(dt.date(2026, 8, 9)), replacing=True)
    assert isinstance(moved, BirthDetails)
    assert (moved.register_check, moved.register_living_children) == (None, None)
