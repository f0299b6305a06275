"""The overlap rule between a filing and a person's claims (hub.claims.overlap): the same event is merged, days
already claimed are refused naming the claim, a rejected claim blocks nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from hub.claims.details import (
    BirthDetails,
    ChildCareDetails,
    ClaimDetails,
    ConvalescenceDetails,
    RemainingLeaveDetails,
    SicknessDetails,
    event_key,
)
from hub.claims.errors import ClaimErrorCode
from hub.claims.models import ClaimKind, ClaimState
from hub.claims.overlap import (
    EXCLUSIONS,
    Held,
    certificate_number,
    days_of,
    for_merging,
    meet,
    refusal,
    same_certificate,
)
from hub.claims.rules import AfterBirth, ConvalescenceCause

K = ClaimKind
D = dt.date
CERTIFICATE = "facility:48001/48001-2025-0004567"


def held(kind: ClaimKind, details: ClaimDetails, state: ClaimState = ClaimState.COMPUTED, ref: str = "HS1") -> Held:
    return Held(ref, kind, event_key(kind, details), state, details)


def sick(start: D, end: D, certificate: str | None = None) -> SicknessDetails:
    return SicknessDetails(start, end, certificate=certificate)


def meeting(kind: ClaimKind, details: ClaimDetails, *claims: Held):
    return meet(kind, event_key(kind, details), details, claims)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (CERTIFICATE, ("facility:48001", "48001-2025-0004567")),
        ("48001-2025-0004567", (None, "48001-2025-0004567")),
        (" 48001-2025-0004567 ", (None, "48001-2025-0004567")),
        ("seri 123", (None, "SERI123")),
        ("", None),
        (None, None),
    ],
)
def test_a_certificate_is_read_as_facility_and_number(written, expected):
    assert certificate_number(written) == expected


def test_certificates_match_by_number_unless_two_facilities_differ():
    assert same_certificate(CERTIFICATE, "48001-2025-0004567")
    assert same_certificate("facility:48001/X1", "facility:48002/X1") is False
    assert same_certificate(CERTIFICATE, None) is None


def test_the_same_leave_merges_however_the_certificate_is_written():
    claim = held(K.SICKNESS, sick(D(2025, 10, 6), D(2025, 10, 10), CERTIFICATE))
    for filing in (
        sick(D(2025, 10, 6), D(2025, 10, 10)),  # no certificate: the same days
        sick(D(2025, 10, 6), D(2025, 10, 10), "48001-2025-0004567"),  # its number alone
        sick(D(2025, 10, 6), D(2025, 10, 12), "48001-2025-0004567"),  # the same certificate, other days
    ):
        found = meeting(K.SICKNESS, filing, claim)
        assert found is not None and found.merge and found.claim is claim


def test_a_hand_filing_keeps_the_certificate_in_full_and_its_days():
    claim = held(K.SICKNESS, sick(D(2025, 10, 6), D(2025, 10, 10), CERTIFICATE))
    filing = sick(D(2025, 10, 6), D(2025, 10, 12), "48001-2025-0004567")
    merged = for_merging(filing, claim, keep_days=True)
    assert merged == sick(D(2025, 10, 6), D(2025, 10, 10), CERTIFICATE)


def test_partly_overlapping_days_are_refused_naming_the_claim():
    claim = held(K.SICKNESS, sick(D(2025, 10, 6), D(2025, 10, 10), CERTIFICATE), ref="HS251006ABCDE")
    found = meeting(K.SICKNESS, sick(D(2025, 10, 9), D(2025, 10, 14)), claim)
    assert found is not None and not found.merge and found.days == (D(2025, 10, 9), D(2025, 10, 10))
    error = refusal(K.SICKNESS, found)
    assert error.reason is ClaimErrorCode.CLAIM_OVERLAPS
    assert "HS251006ABCDE" in error.message and "HS251006ABCDE" in error.message_vi
    # Another certificate for the very same days is a second leave on those days: refused too
    other = meeting(K.SICKNESS, sick(D(2025, 10, 6), D(2025, 10, 10), "facility:48002/Z9"), claim)
    assert other is not None and not other.merge


def test_days_apart_open_a_claim_of_their_own():
    claim = held(K.SICKNESS, sick(D(2025, 10, 6), D(2025, 10, 10)))
    assert meeting(K.SICKNESS, sick(D(2025, 10, 11), D(2025, 10, 12)), claim) is None


def test_a_rejected_claim_blocks_nothing():
    claim = held(K.SICKNESS, sick(D(2025, 10, 6), D(2025, 10, 10), CERTIFICATE), ClaimState.REJECTED)
    assert meeting(K.SICKNESS, sick(D(2025, 10, 6), D(2025, 10, 10), CERTIFICATE), claim) is None


def test_child_care_is_per_child():
    first = ChildCareDetails(D(2022, 5, 1), D(2025, 10, 6), D(2025, 10, 8), child_personal_id="048222000001")
    claim = held(K.CHILD_CARE, first)
    twin = ChildCareDetails(D(2022, 5, 1), D(2025, 10, 6), D(2025, 10, 8), child_personal_id="048222000002")
    assert meeting(K.CHILD_CARE, twin, claim) is None
    sibling = ChildCareDetails(D(2020, 1, 1), D(2025, 10, 7), D(2025, 10, 9))
    assert meeting(K.CHILD_CARE, sibling, claim) is None
    same = ChildCareDetails(D(2022, 5, 1), D(2025, 10, 7), D(2025, 10, 9))  # unnamed, same birth date: same child
    found = meeting(K.CHILD_CARE, same, claim)
    assert found is not None and not found.merge


def test_sickness_within_maternity_leave_is_refused_but_not_after_it():
    birth = held(K.MATERNITY, BirthDetails(D(2025, 3, 2), children=2))  # 7 months: 2 March to 1 October
    assert days_of(K.MATERNITY, birth.details) == [(D(2025, 3, 2), D(2025, 10, 1))]
    found = meeting(K.SICKNESS, sick(D(2025, 9, 29), D(2025, 10, 3)), birth)
    assert found is not None and not found.merge and found.exclusion is EXCLUSIONS[frozenset({K.SICKNESS, K.MATERNITY})]
    assert "[to confirm overlap-pairs" in refusal(K.SICKNESS, found).message
    assert meeting(K.SICKNESS, sick(D(2025, 10, 2), D(2025, 10, 3)), birth) is None


def test_convalescence_and_paternity_days_are_checked_against_leave():
    leave = held(K.SICKNESS, sick(D(2025, 10, 6), D(2025, 10, 10)))
    rest = ConvalescenceDetails(ConvalescenceCause.SICKNESS_OTHER, D(2025, 10, 10), D(2025, 10, 10), 5)
    assert meeting(K.CONVALESCENCE, rest, leave) is not None
    father = BirthDetails(D(2025, 10, 1), periods=((D(2025, 10, 9), D(2025, 10, 13)),))
    assert meeting(K.PATERNITY, father, leave) is not None
    without_periods = BirthDetails(D(2025, 10, 1))
    assert meeting(K.PATERNITY, without_periods, leave) is None


def test_the_same_birth_merges():
    birth = held(K.MATERNITY, BirthDetails(D(2025, 3, 2)))
    found = meeting(K.MATERNITY, BirthDetails(D(2025, 3, 2), children=2), birth)
    assert found is not None and found.merge


def test_every_pair_of_kinds_is_in_the_table_with_a_source():
    for first in ClaimKind:
        for second in ClaimKind:
            if {first, second} == {K.MATERNITY, K.PATERNITY}:
                continue  # a mother's and a father's leave: different people
            rule = EXCLUSIONS[frozenset({first, second})]
            assert rule.source.startswith("Luật BHXH 41/2024/QH15 Art ")


def test_the_rest_of_a_mothers_leave_is_one_claim_per_birth_and_pays_no_day_twice():
    """Born 10/9/2025, the mother died on 30/11/2025: the father's leave runs from 1/12/2025, at most to 9/3/2026
    (6 months from the birth). The council's finding about the same birth merges into it; his sick leave of
    2–5/12/2025 overlaps it and is refused (Art 42(2))."""
    mother = "7d1c1a0e-0000-4000-8000-000000000001"
    died = RemainingLeaveDetails(D(2025, 9, 10), D(2025, 11, 30), AfterBirth.MOTHER_DIED.value, mother)
    assert days_of(K.REMAINING_MATERNITY, died) == [(D(2025, 12, 1), D(2026, 3, 9))]
    claim = held(K.REMAINING_MATERNITY, died)
    finding = replace(died, on=D(2025, 11, 20), event=AfterBirth.MOTHER_CANNOT_CARE.value)
    merged = meet(K.REMAINING_MATERNITY, event_key(K.REMAINING_MATERNITY, finding), finding, [claim])
    assert merged is not None and merged.merge
    sick = SicknessDetails(D(2025, 12, 2), D(2025, 12, 5))
    refused = meet(K.SICKNESS, event_key(K.SICKNESS, sick), sick, [claim])
    assert refused is not None and not refused.merge and refused.days == (D(2025, 12, 2), D(2025, 12, 5))
    other_birth = replace(died, mother_id="7d1c1a0e-0000-4000-8000-000000000002")
    other = meet(K.REMAINING_MATERNITY, event_key(K.REMAINING_MATERNITY, other_birth), other_birth, [claim])
    assert other is not None and not other.merge  # the same days twice: refused
