"""Claims: open (or merge into) one claim per person, kind and event; decide and pay them. States and history are
written by hub.claims.states, payment orders by hub.claims.ledger (computation lives in hub.claims.computing)."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.claims import access, ledger, overlap, states
from hub.claims.assignment import check_not_taken_by_another
from hub.claims.details import ClaimDetails, event_date, event_key, from_json, merged, to_json
from hub.claims.errors import ClaimErrorCode as E
from hub.claims.errors import claim_error
from hub.claims.models import Claim, ClaimKind, ClaimOrigin, ClaimState, FiledBy
from hub.claims.search import name_keys
from hub.clients.permissions import Principal, Role
from hub.documents.uses import record_use
from hub.infra.db import lock_keys, rows_in
from hub.infra.errors import BusinessError, Forbidden
from hub.infra.ids import new_id
from hub.jobs import JobKind, enqueue

CLAIM_USE = "claim"  # the kind of document use a claim records
# Luật BHXH 41/2024 Art 49, 63: BHXH settles within 7 working days of the employer's complete file (5 for a maternity
# file the employee brings herself: hub.claims.deadlines.bhxh_working_days)
SETTLE_WORKING_DAYS = 7
COMPUTE_BATCH = 500
OPEN_STATES = frozenset({ClaimState.EVIDENCE_PENDING, ClaimState.COMPUTED, ClaimState.RETURNED})


@dataclass(frozen=True)
class ComputeClaims:
    claim_ids: list[uuid.UUID]


COMPUTE_CLAIMS = JobKind("claims.compute", ComputeClaims, queue="claims")


class Decision(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"  # for more evidence


@dataclass(frozen=True)
class Opening:
    """A claim to open, or to merge into the one already open for the same person, kind and event."""

    kind: ClaimKind
    person_id: uuid.UUID
    province_code: str
    details: ClaimDetails
    employer_id: uuid.UUID | None = None
    documents: tuple[uuid.UUID, ...] = ()
    filed_on: dt.date | None = None
    filed_by: FiledBy | None = None
    key: str | None = None  # the event key, when it must be that of an existing claim (a replaced document)
    replacing: bool = False  # from an amended version of a document the claim rests on: its facts win

    @property
    def event_key(self) -> str:
        return self.key or event_key(self.kind, self.details)


def new_reference(now: dt.datetime) -> str:
    """A claim reference for people and the portal: `HS` + yymmdd + 10 random hex digits."""
    return f"HS{now:%y%m%d}{secrets.token_hex(5).upper()}"


async def open_claims(
    session: AsyncSession,
    openings: Sequence[Opening],
    *,
    now: dt.datetime,
    actor: Principal | None,
    origin: ClaimOrigin,
) -> list[Claim]:
    """Open each claim, or merge it into the existing one for its event (never a second claim), and have it computed;
    one that overlaps days already claimed is left out (see `open_or_refuse`)."""
    outcomes = await open_or_refuse(session, openings, now=now, actor=actor, origin=origin)
    return [outcome for outcome in outcomes if isinstance(outcome, Claim)]


async def open_or_refuse(
    session: AsyncSession,
    openings: Sequence[Opening],
    *,
    now: dt.datetime,
    actor: Principal | None,
    origin: ClaimOrigin,
) -> list[Claim | BusinessError]:
    """For each opening, in order: the claim it opened or merged into, or CLAIM_OVERLAPS naming the claim whose
    days it overlaps (the rule: hub.claims.overlap). Every claim opened or merged is computed again.

    The person's claims are read under a lock per person (PostgreSQL; SQLite runs one writer at a time), so that
    filings of one leave arriving at once by several channels meet in one claim. A merged claim that was already
    decided is recomputed too: a changed amount waits for a processor's confirmation. A certificate refused for
    overlapping is noted in the history of the claim it overlaps."""
    if not openings:
        return []
    people = sorted({o.person_id for o in openings})
    await lock_keys(session, [f"claims:person:{person_id}" for person_id in people])
    held_claims = (
        await session.scalars(
            select(Claim)
            .where(rows_in(session, (Claim.person_id,), [(person_id,) for person_id in people]))
            .order_by(Claim.id)
            .with_for_update()
        )
    ).all()
    by_person: dict[uuid.UUID, list[Claim]] = {person_id: [] for person_id in people}
    for claim in held_claims:
        by_person[claim.person_id].append(claim)
    views: dict[uuid.UUID, overlap.Held] = {}
    names = await name_keys(session, set(people))

    def held(claim: Claim) -> overlap.Held:
        if claim.id not in views:
            kind = ClaimKind(claim.kind)
            views[claim.id] = overlap.Held(
                claim.reference, kind, claim.event_key, ClaimState(claim.state), from_json(kind, claim.details)
            )
        return views[claim.id]

    outcomes: list[tuple[Opening, Claim | BusinessError]] = []
    events: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for opening in openings:
        moved: ClaimState | None
        claims = by_person[opening.person_id]
        key = opening.event_key
        target = next((c for c in claims if c.kind == opening.kind.value and c.event_key == key), None)
        if not (opening.replacing and target is not None):  # an amended certificate goes to its own claim
            meeting = overlap.meet(opening.kind, key, opening.details, [held(c) for c in claims])
            target = None if meeting is None else next(c for c in claims if c.reference == meeting.claim.reference)
            if meeting is not None and not meeting.merge:
                assert target is not None
                refused = overlap.refusal(opening.kind, meeting)
                outcomes.append((opening, refused))
                if opening.documents:  # no one to answer: the processors see it on the claim it overlaps
                    notes.append(
                        states.change(
                            target,
                            None,
                            now,
                            actor,
                            "overlap_refused",
                            documents=opening.documents,
                            reason=refused.message,
                        )
                    )
                continue
        if target is None:
            claim = _new_claim(opening, _free_key(key, opening.kind, claims), now=now, origin=origin)
            claim.name_key = names.get(opening.person_id)
            session.add(claim)
            claims.append(claim)
            what, moved = "opened", states.OPENED
        else:
            claim = target
            keep_days = not opening.documents and claim.origin == ClaimOrigin.DOCUMENT.value
            details = overlap.for_merging(opening.details, held(claim), keep_days=keep_days)
            claim.details = to_json(merged(opening.kind, claim.details, details, replacing=opening.replacing))
            if claim.employer_id is None and opening.employer_id is not None:
                # An employer now known: the claim goes to the office of its contributions (hub.claims.routing).
                claim.employer_id, claim.province_code = opening.employer_id, opening.province_code
            claim.filed_on = claim.filed_on or opening.filed_on
            claim.filed_by = claim.filed_by or (opening.filed_by.value if opening.filed_by else None)
            moved = ClaimState.EVIDENCE_PENDING if ClaimState(claim.state) in OPEN_STATES else None
            if opening.documents:  # new evidence: the claim can be computed again
                claim.withdrawn_evidence = None
            views.pop(claim.id, None)
            what = "merged"
        outcomes.append((opening, claim))
        events.append(states.change(claim, moved, now, actor, what, origin=origin.value, documents=opening.documents))
    await session.flush()
    done = [(opening, claim) for opening, claim in outcomes if isinstance(claim, Claim)]
    for opening, claim in done:
        for document_id in opening.documents:
            await record_use(session, document_id=document_id, user_kind=CLAIM_USE, user_id=claim.id, now=now)
    await states.record(session, events + notes)
    await request_computation(session, [claim.id for _, claim in done], now=now)
    await record(
        session,
        now=now,
        actor=actor,
        events=[
            AuditEvent(f"claim.{e['details']['what']}", Purpose.CLAIM_SETTLEMENT, c.person_id, {"claim": c.reference})
            for (_, c), e in zip(done, events, strict=True)
        ],
    )
    return [outcome for _, outcome in outcomes]


def _free_key(key: str, kind: ClaimKind, claims: Sequence[Claim]) -> str:
    """The event key for a new claim: the event's own, unless a rejected claim for the same event holds it."""
    taken = {c.event_key for c in claims if c.kind == kind.value}
    free, again = key, 1
    while free in taken:
        again += 1
        free = f"{key}#{again}"
    return free


def _new_claim(opening: Opening, key: str, *, now: dt.datetime, origin: ClaimOrigin) -> Claim:
    return Claim(
        id=new_id(),
        reference=new_reference(now),
        kind=opening.kind.value,
        person_id=opening.person_id,
        employer_id=opening.employer_id,
        province_code=opening.province_code,
        event_key=key,
        event_date=event_date(opening.details),
        details=to_json(opening.details),
        origin=origin.value,
        eligible=None,
        amount_vnd=None,
        computation=None,
        explanation=None,
        computed_version=0,
        approved_amount_vnd=None,
        filed_on=opening.filed_on,
        filed_by=opening.filed_by.value if opening.filed_by else None,
        due_on=None,
        decision_reason=None,
        decided_by=None,
        decided_at=None,
        needs_confirmation=False,
        withdrawn_evidence=None,
        created_at=now,
        updated_at=now,
    )


async def request_computation(session: AsyncSession, claim_ids: Sequence[uuid.UUID], *, now: dt.datetime) -> None:
    """Have these claims computed by a worker, in batches."""
    ids = list(dict.fromkeys(claim_ids))
    for start in range(0, len(ids), COMPUTE_BATCH):
        await enqueue(session, COMPUTE_CLAIMS, ComputeClaims(ids[start : start + COMPUTE_BATCH]), now=now)


async def claim_for_decision(session: AsyncSession, actor: Principal, reference: str) -> Claim:
    actor.require(Role.CLAIM_DECIDE)
    claim = await session.scalar(select(Claim).where(Claim.reference == reference).with_for_update())
    if claim is None:
        raise Forbidden()  # a claim that does not exist and one out of reach look the same
    access.require(actor, Role.CLAIM_DECIDE, claim)
    check_not_taken_by_another(claim, actor)
    return claim


async def decide_claim(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, reference: str, decision: Decision, reason: str
) -> Claim:
    """A processor approves a computed, eligible claim, or rejects or returns it for more evidence, with a reason."""
    claim = await claim_for_decision(session, actor, reference)
    if claim.state != ClaimState.COMPUTED:
        raise claim_error(E.NOT_DECIDABLE, field="reference", state=claim.state)
    reason = reason.strip()
    if decision is not Decision.APPROVE and not reason:
        raise claim_error(E.REASON_REQUIRED, field="reason")
    if decision is Decision.APPROVE:
        if not claim.eligible:
            raise claim_error(E.NOT_ELIGIBLE, field="decision")
        state = ClaimState.APPROVED
        claim.approved_amount_vnd = claim.amount_vnd
    else:
        state = ClaimState.REJECTED if decision is Decision.REJECT else ClaimState.RETURNED
    claim.decision_reason = reason or None
    claim.decided_by, claim.decided_at = actor.name, now
    event = states.change(claim, state, now, actor, decision.value, decision=decision.value, reason=reason)
    if state is ClaimState.APPROVED:  # the payment of what is owed is ordered, pending until paid
        event["details"]["ordered_vnd"] = await ledger.reconcile(session, claim, now=now)
    if state is ClaimState.REJECTED and claim.kind == ClaimKind.REMAINING_MATERNITY.value:
        await _hand_back(session, claim, now=now)
    await _log(session, claim, event, actor, f"claim.{decision.value}")
    return claim


async def _hand_back(session: AsyncSession, remaining: Claim, *, now: dt.datetime) -> None:
    """The father's claim for the rest of the mother's leave rejected: nobody takes the rest over, and her own
    maternity claim for the birth is computed again on her whole leave (hub.claims.computing.handed_over)."""
    hers = await session.scalars(
        select(Claim.id).where(
            Claim.person_id == uuid.UUID(remaining.details["mother_id"]),
            Claim.kind == ClaimKind.MATERNITY.value,
            Claim.event_date == dt.date.fromisoformat(remaining.details["born"]),
            Claim.state != ClaimState.REJECTED.value,
        )
    )
    await request_computation(session, list(hers), now=now)


async def pay_claim(session: AsyncSession, *, now: dt.datetime, actor: Principal, reference: str) -> Claim:
    """Pay an approved claim: its pending payment order (what is owed, whatever recalculations changed since the
    approval) is confirmed, and the claim is paid. A changed amount is confirmed by a processor first."""
    claim = await claim_for_decision(session, actor, reference)
    if claim.state != ClaimState.APPROVED or claim.approved_amount_vnd is None:
        raise claim_error(E.NOT_PAYABLE, field="reference", state=claim.state)
    if claim.needs_confirmation:
        raise claim_error(E.CONFIRM_FIRST, field="reference", amount=claim.amount_vnd)
    await ledger.reconcile(session, claim, now=now)  # an approval from before the ledger ordered no payment
    if ledger.owed(claim) <= 0:
        raise claim_error(E.NOT_PAYABLE, field="reference", state=claim.state)
    paid = await ledger.settle(session, claim, kinds=ledger.ALL, now=now, by=actor.name)
    event = states.change(claim, ClaimState.PAID, now, actor, "pay", amount_vnd=paid)
    await _log(session, claim, event, actor, "claim.pay")
    return claim


async def confirm_adjustment(session: AsyncSession, *, now: dt.datetime, actor: Principal, reference: str) -> Claim:
    """A processor confirms the amount a recalculation found, which becomes the approved one: a paid claim's top-up
    or recovery is settled; an unpaid claim's pending payment is paid at that amount by `payClaim`."""
    claim = await claim_for_decision(session, actor, reference)
    if not claim.needs_confirmation:
        raise claim_error(E.NOTHING_TO_CONFIRM, field="reference")
    await ledger.reconcile(session, claim, now=now)
    kinds = ledger.ALL if claim.state == ClaimState.PAID else ledger.ADJUSTMENTS
    settled = await ledger.settle(session, claim, kinds=kinds, now=now, by=actor.name)
    claim.approved_amount_vnd = claim.amount_vnd
    claim.needs_confirmation = False
    event = states.change(
        claim, None, now, actor, "confirm_adjustment", amount_vnd=claim.amount_vnd, settled_vnd=settled
    )
    await _log(session, claim, event, actor, "claim.confirm_adjustment")
    return claim


async def _log(session: AsyncSession, claim: Claim, event: dict[str, Any], actor: Principal, operation: str) -> None:
    await states.record(session, [event])
    await record(
        session,
        now=event["occurred_at"],
        actor=actor,
        events=[AuditEvent(operation, Purpose.CLAIM_SETTLEMENT, claim.person_id, {"claim": claim.reference})],
    )


async def evidence_revoked(
    session: AsyncSession, claim: Claim, document_id: uuid.UUID, reason: str | None, *, now: dt.datetime
) -> None:
    """The issuer revoked a document the claim rests on. An undecided claim goes back to waiting for evidence; a
    decided one is recomputed to nothing: an unpaid one's payment is withdrawn, a paid one's whole settled amount
    is to be recovered, once a processor confirms."""
    details: dict[str, Any] = {"document": str(document_id), "reason": reason}
    state: ClaimState | None = None
    if ClaimState(claim.state) in states.DECIDED:
        claim.amount_vnd, claim.eligible = 0, False
        details["difference_vnd"] = await ledger.reconcile(session, claim, now=now)
    else:
        state = ClaimState.EVIDENCE_PENDING
    claim.withdrawn_evidence = document_id
    await states.record(session, [states.change(claim, state, now, None, "evidence_revoked", **details)])
