"""GraphQL for claim processors: file a claim by hand (merged with the automatic one), decide, pay, confirm."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from hub.claims.assignment import release_claim, take_claim
from hub.claims.declarations import declare_long_term_disease
from hub.claims.details import (
    CHILD_BORN_UNKNOWN,
    BirthDetails,
    ChildCareDetails,
    ClaimDetails,
    ConvalescenceDetails,
    PregnancyLossDetails,
    PrenatalVisitDetails,
    SicknessDetails,
)
from hub.claims.errors import ClaimErrorCode as E
from hub.claims.errors import claim_error
from hub.claims.filing import MAX_FILINGS, Filing, FilingOutcome, file_claim, file_claims
from hub.claims.models import Claim, ClaimKind
from hub.claims.queries import load_explanations
from hub.claims.rules import ConvalescenceCause, PregnancyLoss, PrenatalVisit
from hub.claims.service import Decision, confirm_adjustment, decide_claim, pay_claim
from hub.clients.permissions import Principal
from hub.infra.errors import BusinessError
from schema.claims.types import ClaimError, ClaimType, asks_for_explanation, today
from schema.context import Info, write
from schema.errors import payload_errors

strawberry.enum(ConvalescenceCause, name="ConvalescenceCause")


@strawberry.input
class LeaveInput:
    start: dt.date
    end: dt.date


@strawberry.input
class PrenatalVisitInput:
    day: dt.date
    days: int = strawberry.field(default=1, description="Working days taken for the visit (up to 2 are paid).")


@strawberry.input
class FileClaimInput:
    kind: ClaimKind
    personal_id: str | None = None
    bhxh_code: str | None = None
    leave: LeaveInput | None = strawberry.field(default=None, description="Sickness, child care: the leave.")
    half_days: list[dt.date] | None = None
    certificate: str | None = strawberry.field(
        default=None,
        description="Sickness: the certificate as facility/number (e.g. facility:48001/SERI123), or its number alone.",
    )
    child_born: dt.date | None = strawberry.field(
        default=None, description="Child care: the child's birth date (not needed when `child` names the child)."
    )
    child: str | None = strawberry.field(
        default=None,
        description="Child care: the child's personal ID number, BHXH code or card number (e.g. TE1…): each "
        "child has its own yearly limit, twins too.",
    )
    born: dt.date | None = strawberry.field(default=None, description="Maternity, paternity: the birth date.")
    children: int = 1
    caesarean: bool = False
    under_32_weeks: bool = False
    living_children_before: int | None = strawberry.field(
        default=None,
        description="Maternity, paternity: the mother's living children before this birth (1: a second child, "
        "from 1/7/2026 7 months for her and 10 working days for the father).",
    )
    infertility_treatment: bool = strawberry.field(
        default=False,
        description="Maternity: the mother took leave for infertility treatment (6 of the 24 months before the "
        "birth suffice, Luật BHXH 41/2024 Art 50).",
    )
    weeks: int | None = strawberry.field(
        default=None, description="Pregnancy loss: the weeks of pregnancy (Art 52); the leave starts on leave.start."
    )
    periods: list[LeaveInput] | None = strawberry.field(default=None, description="Paternity: the leave taken.")
    visits: list[PrenatalVisitInput] | None = strawberry.field(
        default=None, description="Prenatal visits (Art 51): 5 in a pregnancy, up to 2 working days each."
    )
    cause: ConvalescenceCause | None = None
    returned_to_work: dt.date | None = None
    days: int | None = None
    filed_on: dt.date | None = None

    def filing(self) -> Filing:
        return Filing(self.kind, self.details(), self.personal_id, self.bhxh_code, self.filed_on, child=self.child)

    def details(self) -> ClaimDetails:
        half_days = tuple(self.half_days or ())
        for leave in [self.leave] if self.leave else self.periods or ():
            if leave.end < leave.start:
                raise claim_error(
                    E.DETAILS_INVALID, field="leave", detail=f"the leave ends on {leave.end} before it starts"
                )
        try:
            match self.kind:
                case ClaimKind.SICKNESS if self.leave:
                    return SicknessDetails(self.leave.start, self.leave.end, half_days, certificate=self.certificate)
                case ClaimKind.CHILD_CARE if self.leave and (self.child_born or self.child):
                    born = self.child_born or CHILD_BORN_UNKNOWN  # the named child's, filled in when filed
                    return ChildCareDetails(born, self.leave.start, self.leave.end, half_days)
                case ClaimKind.MATERNITY | ClaimKind.PATERNITY if self.born:
                    periods = tuple((p.start, p.end) for p in self.periods or ())
                    return BirthDetails(
                        self.born,
                        self.children,
                        self.caesarean,
                        self.under_32_weeks,
                        periods=periods,
                        living_children_before=self.living_children_before,
                        infertility_treatment=self.infertility_treatment,
                    )
                case ClaimKind.PRENATAL_VISIT if self.visits:
                    for visit in self.visits:
                        PrenatalVisit(visit.day, visit.days)  # checks the days
                    return PrenatalVisitDetails(tuple((visit.day, visit.days) for visit in self.visits))
                case ClaimKind.PREGNANCY_LOSS if self.leave and self.weeks is not None:
                    PregnancyLoss(self.leave.start, self.weeks)  # checks the weeks
                    return PregnancyLossDetails(self.leave.start, self.weeks, certificate=self.certificate)
                case ClaimKind.CONVALESCENCE if self.cause and self.returned_to_work and self.days and self.leave:
                    return ConvalescenceDetails(self.cause, self.returned_to_work, self.leave.start, self.days)
        except ValueError as exc:
            raise claim_error(E.DETAILS_INVALID, detail=str(exc)) from None
        raise claim_error(E.DETAILS_INVALID, detail=f"a {self.kind.value} claim needs {_NEEDS[self.kind]}")


_NEEDS = {
    ClaimKind.SICKNESS: "leave",
    ClaimKind.CHILD_CARE: "leave and child (or childBorn)",
    ClaimKind.MATERNITY: "born",
    ClaimKind.PATERNITY: "born (and periods)",
    ClaimKind.CONVALESCENCE: "cause, returnedToWork, leave.start and days",
    ClaimKind.PREGNANCY_LOSS: "leave.start and weeks",
    ClaimKind.PRENATAL_VISIT: "visits",
    ClaimKind.LUMP_SUM: "the mother's maternity claim: the hub opens it, it cannot be filed",
    ClaimKind.REMAINING_MATERNITY: "the mother's death or a council's finding: the hub opens it, it cannot be filed",
}


T = TypeVar("T")


@strawberry.type
class ClaimPayload:
    claim: ClaimType | None
    errors: list[ClaimError]


@strawberry.type
class FiledClaim:
    index: int = strawberry.field(description="Position of the line in the list sent.")
    claim: ClaimType | None
    errors: list[ClaimError]

    @classmethod
    def of(cls, index: int, outcome: FilingOutcome | BusinessError, day: dt.date) -> FiledClaim:
        if isinstance(outcome, BusinessError):
            return cls(index=index, claim=None, errors=payload_errors(ClaimError, outcome))
        return cls(index=index, claim=ClaimType.of(outcome, today=day), errors=[])


@strawberry.type
class FileClaimsPayload:
    results: list[FiledClaim]
    errors: list[ClaimError] = strawberry.field(description="Why the whole list was refused (e.g. too long).")


@strawberry.type
class ClaimMutation:
    @strawberry.mutation(
        description="File a claim from an employer's or employee's file: merged into the claim of the same event, "
        "never doubled; refused (CLAIM_OVERLAPS, naming it) if its days overlap another claim's."
    )
    async def file_claim(self, info: Info, input: FileClaimInput) -> ClaimPayload:
        try:
            filing = input.filing()
            claim = await _written(
                info, lambda s, now, actor: file_claim(s, now=now, actor=actor, filing=filing), retries=2
            )
        except BusinessError as exc:
            return ClaimPayload(claim=None, errors=payload_errors(ClaimError, exc))
        return ClaimPayload(claim=ClaimType.of(claim, today=today(info)), errors=[])

    @strawberry.mutation(
        description=f"File an employer's list of claims (Mẫu 01B-HSB), up to {MAX_FILINGS:,} in one call: one result "
        "per line, in order, each the claim it opened or merged into, or why it was refused. The lines refused "
        "change nothing; the others are filed together."
    )
    async def file_claims(self, info: Info, inputs: list[FileClaimInput]) -> FileClaimsPayload:
        if len(inputs) > MAX_FILINGS:  # refused before any line is read, valid or not
            too_many = claim_error(E.TOO_MANY_FILINGS, count=len(inputs), limit=MAX_FILINGS)
            return FileClaimsPayload(results=[], errors=payload_errors(ClaimError, too_many))
        filings: list[Filing | BusinessError] = []
        for line in inputs:
            try:
                filings.append(line.filing())
            except BusinessError as exc:
                filings.append(exc)
        valid = [f for f in filings if isinstance(f, Filing)]
        try:
            filed = iter(
                await _written(
                    info, lambda s, now, actor: file_claims(s, now=now, actor=actor, filings=valid), retries=2
                )
            )
        except BusinessError as exc:
            return FileClaimsPayload(results=[], errors=payload_errors(ClaimError, exc))
        day = today(info)
        return FileClaimsPayload(
            results=[
                FiledClaim.of(index, next(filed) if isinstance(f, Filing) else f, day)
                for index, f in enumerate(filings)
            ],
            errors=[],
        )

    @strawberry.mutation(description="Approve, reject or return a computed claim (a reason unless approving).")
    async def decide_claim(self, info: Info, reference: str, decision: Decision, reason: str = "") -> ClaimPayload:
        return await _act(
            info,
            lambda s, now, actor: decide_claim(
                s, now=now, actor=actor, reference=reference, decision=decision, reason=reason
            ),
        )

    @strawberry.mutation(description="Record the payment order of an approved claim.")
    async def pay_claim(self, info: Info, reference: str) -> ClaimPayload:
        return await _act(info, lambda s, now, actor: pay_claim(s, now=now, actor=actor, reference=reference))

    @strawberry.mutation(
        description="Declare that a sickness claim's leave is for a long-term disease (bệnh cần chữa trị dài ngày, "
        "TT 25/2025/TT-BYT Appendix I) with this ICD-10 code, e.g. C34.1: the claim is computed again under the "
        "long-term rules; a decided claim orders the difference, to be confirmed."
    )
    async def declare_long_term_disease(self, info: Info, reference: str, icd10: str) -> ClaimPayload:
        return await _act(
            info,
            lambda s, now, actor: declare_long_term_disease(s, now=now, actor=actor, reference=reference, icd10=icd10),
        )

    @strawberry.mutation(description="Confirm the top-up or recovery a recalculation ordered.")
    async def confirm_claim_adjustment(self, info: Info, reference: str) -> ClaimPayload:
        return await _act(info, lambda s, now, actor: confirm_adjustment(s, now=now, actor=actor, reference=reference))

    @strawberry.mutation(
        description="Take a claim to work it: nobody else may decide it until you release it (ASSIGNED_TO_ANOTHER, "
        "naming who has it, if someone took it first)."
    )
    async def take_claim(self, info: Info, reference: str) -> ClaimPayload:
        return await _act(info, lambda s, now, actor: take_claim(s, now=now, actor=actor, reference=reference))

    @strawberry.mutation(description="Release a claim you took, for anyone to take.")
    async def release_claim(self, info: Info, reference: str) -> ClaimPayload:
        return await _act(info, lambda s, now, actor: release_claim(s, now=now, actor=actor, reference=reference))


async def _act(info: Info, work: Callable[[AsyncSession, dt.datetime, Principal], Awaitable[Claim]]) -> ClaimPayload:
    try:
        claim = await _written(info, work)
    except BusinessError as exc:
        return ClaimPayload(claim=None, errors=payload_errors(ClaimError, exc))
    return ClaimPayload(claim=ClaimType.of(claim, today=today(info)), errors=[])


async def _written(
    info: Info, work: Callable[[AsyncSession, dt.datetime, Principal], Awaitable[T]], *, retries: int = 0
) -> T:
    """`write`, with the explanation lines of the claims the work returns read in its transaction when the response
    asks for them (`load_explanations`)."""
    asked = asks_for_explanation(info)

    async def explained(session: AsyncSession, now: dt.datetime, actor: Principal) -> T:
        done = await work(session, now, actor)
        if asked:
            outcomes = done if isinstance(done, list) else [done]
            await load_explanations(session, [claim for claim in outcomes if isinstance(claim, Claim)])
        return done

    return await write(info, explained, retries=retries)
