"""Convalescence checked against the evidence (issue 19 item 7): the cause must agree with the birth certificate
(number of children, caesarean) or with the sickness claims; a cause the evidence does not support is computed on
the one it does, with CAUSE_NOT_SUPPORTED_BY_EVIDENCE."""

import datetime as dt
from decimal import Decimal

import pytest

from hub.claims.compute import ConvalescenceEvidence, EvidencePending, PaidBefore, compute
from hub.claims.details import ConvalescenceDetails
from hub.claims.models import ClaimKind
from hub.claims.rules import (
    Birth,
    ContributionHistory,
    ConvalescenceCause,
    ConvalescenceLeave,
    ReasonCode,
    compute_convalescence,
)
from hub.claims.rules.convalescence import cause_after_birth, cause_from_evidence

D = dt.date
C = ConvalescenceCause
RETURNED = D(2025, 9, 2)
SINGLE = (Birth(D(2025, 3, 2)), "giấy chứng sinh (XML9)", "birth certificate (XML9)")


@pytest.mark.parametrize(
    ("birth", "cause"),
    [
        (Birth(D(2025, 3, 2), children=2), C.MATERNITY_MULTIPLE_BIRTH),
        (Birth(D(2025, 3, 2), children=2, caesarean=True), C.MATERNITY_MULTIPLE_BIRTH),
        (Birth(D(2025, 3, 2), caesarean=True), C.MATERNITY_CAESAREAN),
        (Birth(D(2025, 3, 2)), C.MATERNITY_OTHER),
    ],
)
def test_a_birth_supports_one_cause(birth, cause):
    assert cause_after_birth(birth) is cause


def test_the_latest_birth_of_the_year_before_the_return_is_the_one():
    old = (Birth(D(2024, 1, 5), children=2), "a", "a")
    assert cause_from_evidence(C.MATERNITY_MULTIPLE_BIRTH, RETURNED, [old], frozenset()) is None
    found = cause_from_evidence(C.MATERNITY_MULTIPLE_BIRTH, RETURNED, [old, SINGLE], frozenset())
    assert found is not None and found.cause is C.MATERNITY_OTHER
    assert "1 child(ren) born without surgery" in found.evidence_en


def test_a_long_term_cause_needs_a_long_term_sickness_claim():
    without = cause_from_evidence(C.SICKNESS_LONG_TERM, RETURNED, [], frozenset({2023}))
    with_one = cause_from_evidence(C.SICKNESS_LONG_TERM, RETURNED, [], frozenset({2025}))
    assert without is not None and without.cause is C.SICKNESS_OTHER
    assert with_one is not None and with_one.cause is C.SICKNESS_LONG_TERM
    surgery = cause_from_evidence(C.SICKNESS_SURGERY, RETURNED, [], frozenset())
    assert surgery is not None and surgery.cause is C.SICKNESS_SURGERY  # no evidence shows surgery: as asked


def test_a_cause_the_evidence_does_not_support_is_computed_on_the_one_it_does():
    evidence = cause_from_evidence(C.MATERNITY_MULTIPLE_BIRTH, RETURNED, [SINGLE], frozenset())
    leave = ConvalescenceLeave(C.MATERNITY_MULTIPLE_BIRTH, RETURNED, D(2025, 9, 3), 10, evidence=evidence)
    result = compute_convalescence(leave)
    assert result.eligible and result.paid_days == 5 and result.amount_vnd == 5 * 702_000
    assert result.reason_codes == (ReasonCode.CAUSE_NOT_SUPPORTED_BY_EVIDENCE, ReasonCode.DAYS_BEYOND_YEARLY_LIMIT)
    assert "computed as maternity_other" in result.reasons[0].message_en
    line = next(line for line in result.explanation if "Cause asked" in line.text_en)
    assert "Điều 60" in line.source and "không phù hợp" in line.text_vi


def test_a_cause_that_agrees_is_said_to():
    evidence = cause_from_evidence(C.MATERNITY_OTHER, RETURNED, [SINGLE], frozenset())
    result = compute_convalescence(ConvalescenceLeave(C.MATERNITY_OTHER, RETURNED, D(2025, 9, 3), 5, evidence=evidence))
    assert result.reason_codes == () and any("it agrees" in line.text_en for line in result.explanation)


def test_a_refusal_keeps_the_mismatch_reason():
    evidence = cause_from_evidence(C.SICKNESS_LONG_TERM, RETURNED, [], frozenset())
    leave = ConvalescenceLeave(
        C.SICKNESS_LONG_TERM, RETURNED, D(2025, 9, 3), 10, sickness_days_this_year=Decimal(10), evidence=evidence
    )
    assert compute_convalescence(leave).reason_codes == (
        ReasonCode.CAUSE_NOT_SUPPORTED_BY_EVIDENCE,
        ReasonCode.NOT_ENOUGH_SICKNESS_DAYS,
    )


def test_a_convalescence_after_an_unknown_birth_waits():
    details = ConvalescenceDetails(C.MATERNITY_CAESAREAN, RETURNED, D(2025, 9, 3), 7)
    with pytest.raises(EvidencePending):
        compute(ClaimKind.CONVALESCENCE, details, ContributionHistory(()), PaidBefore(), ConvalescenceEvidence())
    # Without evidence looked at (a direct call), the cause is taken as asked
    assert compute(ClaimKind.CONVALESCENCE, details, ContributionHistory(()), PaidBefore()).paid_days == 7
