"""A claim's computation from what is stored: its details, the person's contributions, and what the person was
already paid this year (sickness days against the yearly limit, convalescence days against the maximum)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hub.claims.details import (
    BirthDetails,
    ChildCareDetails,
    ClaimDetails,
    ConvalescenceDetails,
    LumpSumDetails,
    PregnancyLossDetails,
    PrenatalVisitDetails,
    RemainingLeaveDetails,
    SicknessDetails,
)
from hub.claims.models import ClaimKind
from hub.claims.rules import (
    AfterBirth,
    Birth,
    Computation,
    ContributionHistory,
    MotherLeave,
    compute_child_care,
    compute_convalescence,
    compute_father_lump_sum,
    compute_maternity,
    compute_paternity,
    compute_pregnancy_loss,
    compute_prenatal_visits,
    compute_remaining_maternity,
    compute_sickness,
)
from hub.claims.rules.convalescence import cause_from_evidence, leave_before, maternity_leave_before


@dataclass(frozen=True)
class ConvalescenceEvidence:
    """What the hub holds that shows what a convalescence follows: the person's births (from the birth
    certificates, XML9, else the maternity claims), each with where it is read from, and the years in which one of
    their sickness claims was for a long-term disease."""

    births: tuple[tuple[Birth, str, str], ...] = ()  # (birth, its source in Vietnamese, in English)
    long_term_sickness_years: frozenset[int] = frozenset()
    sick_leave_ends: tuple[dt.date, ...] = ()  # the last day of each of their sickness claims' leave
    maternity_leaves: tuple[tuple[dt.date, dt.date], ...] = ()  # (birth, last day of the leave its claim computed)


@dataclass(frozen=True)
class PaidBefore:
    """What the person was already paid in the same year, by other claims (working days; calendar for convalescence)."""

    sickness_days: Decimal = Decimal(0)
    child_care_days: Decimal = Decimal(0)
    convalescence_days: int = 0


@dataclass(frozen=True)
class MothersLeave:
    """The mother's own leave for a birth, once known: from her maternity claim computed eligible; None when she had
    none (not insured, or her claim computed not eligible)."""

    leave: MotherLeave | None


class EvidencePending(Exception):
    """The claim lacks something only a person can give (e.g. the father's leave periods): it waits."""

    def __init__(self, what_en: str, what_vi: str) -> None:
        super().__init__(what_en)
        self.what_en = what_en
        self.what_vi = what_vi


def compute(
    kind: ClaimKind,
    details: ClaimDetails,
    history: ContributionHistory,
    before: PaidBefore,
    evidence: ConvalescenceEvidence | None = None,
    *,
    mother_eligible: bool | None = None,
    visits_before: int = 0,
    mothers_leave: MothersLeave | None = None,
    handed_over: tuple[AfterBirth, dt.date] | None = None,
) -> Computation:
    """The rules of the law in force on the event date, applied to this claim. A convalescence with `evidence` has
    its cause checked against it: one after a birth the hub knows nothing of waits for the birth certificate. The
    father's lump sum needs `mother_eligible`, her maternity claim's outcome: it waits until she has one; so does the
    rest of her leave taken by the father or caregiver, which needs `mothers_leave`."""
    if kind is ClaimKind.SICKNESS and isinstance(details, SicknessDetails):
        return compute_sickness(history, details.leave(before.sickness_days))
    if kind is ClaimKind.CHILD_CARE and isinstance(details, ChildCareDetails):
        return compute_child_care(history, details.leave(before.child_care_days))
    if kind is ClaimKind.MATERNITY and isinstance(details, BirthDetails):
        return compute_maternity(history, details.birth(), leave_start=details.leave_start, handed_over=handed_over)
    if kind is ClaimKind.PATERNITY and isinstance(details, BirthDetails):
        if not details.periods:
            raise EvidencePending(
                "the father's leave periods (filed by his employer)",
                "thời gian nghỉ việc của người cha (do đơn vị sử dụng lao động kê khai)",
            )
        return compute_paternity(history, details.birth(), details.leave_periods())
    if kind is ClaimKind.CONVALESCENCE and isinstance(details, ConvalescenceDetails):
        leave = details.leave(before.convalescence_days, before.sickness_days)
        if evidence is not None:
            found = cause_from_evidence(
                details.cause, details.returned_to_work, evidence.births, evidence.long_term_sickness_years
            )
            if found is None:
                raise EvidencePending(
                    "the birth certificate (XML9) of the birth the convalescence follows",
                    "giấy chứng sinh (XML9) của lần sinh mà người lao động nghỉ dưỡng sức sau đó",
                )
            if details.cause.after_sickness:
                ended = leave_before(details.returned_to_work, evidence.sick_leave_ends)
            else:
                ended = maternity_leave_before(details.returned_to_work, evidence.maternity_leaves)
            leave = dataclasses.replace(leave, evidence=found, leave_ended=ended)
        return compute_convalescence(leave)
    if kind is ClaimKind.PREGNANCY_LOSS and isinstance(details, PregnancyLossDetails):
        return compute_pregnancy_loss(history, details.loss())
    if kind is ClaimKind.PRENATAL_VISIT and isinstance(details, PrenatalVisitDetails):
        return compute_prenatal_visits(history, details.prenatal_visits(), visits_already_paid=visits_before)
    if kind is ClaimKind.LUMP_SUM and isinstance(details, LumpSumDetails):
        if mother_eligible is None:
            raise EvidencePending(
                "the computation of the mother's maternity claim", "kết quả tính hồ sơ thai sản của người mẹ"
            )
        return compute_father_lump_sum(history, details.birth(), mother_eligible=mother_eligible)
    if kind is ClaimKind.REMAINING_MATERNITY and isinstance(details, RemainingLeaveDetails):
        if mothers_leave is None:
            raise EvidencePending(
                "the mother's maternity claim, computed (her birth certificate, XML9)",
                "hồ sơ thai sản của người mẹ đã được tính (giấy chứng sinh, XML9)",
            )
        return compute_remaining_maternity(history, details.remaining(mothers_leave.leave))
    raise ValueError(f"details of type {type(details).__name__} do not fit a {kind.value} claim")


def computation_json(computation: Computation) -> dict[str, Any]:
    """The computation as stored with the claim: amount, eligibility, reasons (its explanation is stored apart,
    `explanation_json`: the work queue lists claims without reading it)."""
    return {
        "benefit": computation.benefit.value,
        "law": computation.law.value,
        "event_date": computation.event_date.isoformat(),
        "eligible": computation.eligible,
        "amount_vnd": computation.amount_vnd,
        "exact_amount": f"{computation.exact_amount.numerator}/{computation.exact_amount.denominator}",
        "paid_days": str(computation.paid_days),
        "unpaid_days": str(computation.unpaid_days),
        "leave_months": computation.leave_months,
        "period": [day.isoformat() for day in computation.period] if computation.period else None,
        "salary_months": [f"{m.year:04d}-{m.month:02d}" for m in computation.salary_months],
        "reasons": [
            {"code": r.code.value, "message_vi": r.message_vi, "message_en": r.message_en} for r in computation.reasons
        ],
        "rounding_vi": computation.rounding_vi,
        "rounding_en": computation.rounding_en,
    }


def explanation_json(computation: Computation) -> list[dict[str, Any]]:
    """Every explanation line of the computation, as stored with the claim: rule, source, inputs, arithmetic, text."""
    return [
        {
            "rule": line.rule.value,
            "source": line.source,
            "inputs": dict(line.inputs),
            "arithmetic": line.arithmetic,
            "text_vi": line.text_vi,
            "text_en": line.text_en,
        }
        for line in computation.explanation
    ]
