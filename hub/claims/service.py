"""Claims: open (or merge into) one claim per person, kind and event; record their history; decide and pay them.
The only code that writes the claim tables (computation lives in hub.claims.computing, which calls back here)."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.claims import access
from hub.claims.assignment import check_not_taken_by_another
from hub.claims.details import ClaimDetails, event_date, event_key, merged, to_json
from hub.claims.errors import ClaimErrorCode as E
from hub.claims.errors import claim_error
from hub.claims.models import (
    Claim,
    ClaimEvent,
    ClaimKind,
    ClaimOrigin,
    ClaimState,
    PaymentKind,
    PaymentOrder,
)
from hub.claims.search import name_keys
from hub.clients.permissions import Principal, Role
from hub.documents.uses import record_use
from hub.infra.db import rows_in
from hub.infra.errors import Forbidden
from hub.jobs import JobKind, enqueue

CLAIM_EVENTS = cast(Table, ClaimEvent.__table__)
CLAIM_USE = "claim"  # the kind of document use a claim records
SETTLE_WORKING_DAYS = 7  # QĐ 863/QĐ-BNV: BHXH settles within 7 working days of a complete file
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
    """Open each claim, or merge it into the existing one for its event (never a second claim), and have it computed.

    A merged claim that was already decided is recomputed too: a changed amount waits for a processor's confirmation."""
    keyed = {(o.person_id, o.kind.value, o.event_key): o for o in openings}
    if not keyed:
        return []
    existing = {
        (c.person_id, c.kind, c.event_key): c
        for c in (
            await session.scalars(
                select(Claim)
                .where(rows_in(session, (Claim.person_id, Claim.kind, Claim.event_key), keyed))
                .order_by(Claim.id)
                .with_for_update()
            )
        ).all()
    }
    names = await name_keys(session, {o.person_id for key, o in keyed.items() if key not in existing})
    claims: list[Claim] = []
    events: list[dict[str, Any]] = []
    for key, opening in keyed.items():
        claim = existing.get(key)
        if claim is None:
            claim = _new_claim(opening, key[2], now=now, origin=origin)
            claim.name_key = names.get(opening.person_id)
            session.add(claim)
            what = "opened"
        else:
            details = merged(opening.kind, claim.details, opening.details, replacing=opening.replacing)
            claim.details = to_json(details)
            if claim.employer_id is None and opening.employer_id is not None:
                # An employer now known: the claim goes to the office of its contributions (hub.claims.routing).
                claim.employer_id, claim.province_code = opening.employer_id, opening.province_code
            claim.filed_on = claim.filed_on or opening.filed_on
            if ClaimState(claim.state) in OPEN_STATES:
                claim.state = ClaimState.EVIDENCE_PENDING.value
            if opening.documents:  # new evidence: the claim can be computed again
                claim.withdrawn_evidence = None
            claim.updated_at = now
            what = "merged"
        claims.append(claim)
        events.append(_event(claim, now, actor, what=what, origin=origin.value, documents=opening.documents))
    await session.flush()
    for claim, opening in zip(claims, keyed.values(), strict=True):
        for document_id in opening.documents:
            await record_use(session, document_id=document_id, user_kind=CLAIM_USE, user_id=claim.id, now=now)
    await session.execute(insert(CLAIM_EVENTS), events)
    await request_computation(session, [c.id for c in claims], now=now)
    await record(
        session,
        now=now,
        actor=actor,
        events=[
            AuditEvent(f"claim.{e['details']['what']}", Purpose.CLAIM_SETTLEMENT, c.person_id, {"claim": c.reference})
            for c, e in zip(claims, events, strict=True)
        ],
    )
    return claims


def _new_claim(opening: Opening, key: str, *, now: dt.datetime, origin: ClaimOrigin) -> Claim:
    return Claim(
        id=uuid.uuid4(),
        reference=new_reference(now),
        kind=opening.kind.value,
        person_id=opening.person_id,
        employer_id=opening.employer_id,
        province_code=opening.province_code,
        event_key=key,
        event_date=event_date(opening.details),
        details=to_json(opening.details),
        origin=origin.value,
        state=ClaimState.EVIDENCE_PENDING.value,
        eligible=None,
        amount_vnd=None,
        computation=None,
        explanation=None,
        computed_version=0,
        approved_amount_vnd=None,
        filed_on=opening.filed_on,
        due_on=None,
        decision_reason=None,
        decided_by=None,
        decided_at=None,
        needs_confirmation=False,
        withdrawn_evidence=None,
        created_at=now,
        updated_at=now,
    )


def _event(claim: Claim, now: dt.datetime, actor: Principal | None, **details: Any) -> dict[str, Any]:
    documents = details.pop("documents", ())
    if documents:
        details["documents"] = [str(d) for d in documents]
    return {
        "claim_id": claim.id,
        "state": claim.state,
        "occurred_at": now,
        "actor": actor.name if actor else None,
        "details": details,
    }


async def add_events(session: AsyncSession, events: Sequence[dict[str, Any]]) -> None:
    if events:
        await session.execute(insert(CLAIM_EVENTS), list(events))


def event_row(claim: Claim, now: dt.datetime, actor: Principal | None, **details: Any) -> dict[str, Any]:
    """A history row for `claim` in its current state."""
    return _event(claim, now, actor, **details)


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
        claim.state = ClaimState.APPROVED.value
        claim.approved_amount_vnd = claim.amount_vnd
    else:
        claim.state = (ClaimState.REJECTED if decision is Decision.REJECT else ClaimState.RETURNED).value
    claim.decision_reason = reason or None
    claim.decided_by, claim.decided_at, claim.updated_at = actor.name, now, now
    await _log(session, claim, now, actor, f"claim.{decision.value}", decision=decision.value, reason=reason)
    return claim


async def pay_claim(session: AsyncSession, *, now: dt.datetime, actor: Principal, reference: str) -> Claim:
    """Record the payment order of an approved claim; the claim is paid."""
    claim = await claim_for_decision(session, actor, reference)
    if claim.state != ClaimState.APPROVED or claim.approved_amount_vnd is None:
        raise claim_error(E.NOT_PAYABLE, field="reference", state=claim.state)
    order = PaymentOrder(
        id=uuid.uuid4(),
        claim_id=claim.id,
        kind=PaymentKind.PAYMENT.value,
        amount_vnd=claim.approved_amount_vnd,
        created_at=now,
        confirmed_at=now,
        confirmed_by=actor.name,
    )
    session.add(order)
    claim.state, claim.updated_at = ClaimState.PAID.value, now
    await _log(session, claim, now, actor, "claim.pay", amount_vnd=order.amount_vnd)
    return claim


async def confirm_adjustment(session: AsyncSession, *, now: dt.datetime, actor: Principal, reference: str) -> Claim:
    """A processor confirms the top-up or recovery a recalculation found; the new amount becomes the approved one."""
    claim = await claim_for_decision(session, actor, reference)
    if not claim.needs_confirmation:
        raise claim_error(E.NOTHING_TO_CONFIRM, field="reference")
    pending = (
        await session.scalars(
            select(PaymentOrder).where(PaymentOrder.claim_id == claim.id, PaymentOrder.confirmed_at.is_(None))
        )
    ).all()
    for order in pending:
        order.confirmed_at, order.confirmed_by = now, actor.name
    claim.approved_amount_vnd = claim.amount_vnd
    claim.needs_confirmation, claim.updated_at = False, now
    await _log(session, claim, now, actor, "claim.confirm_adjustment", orders=len(pending))
    return claim


async def _log(
    session: AsyncSession, claim: Claim, now: dt.datetime, actor: Principal, operation: str, **details: Any
) -> None:
    await session.flush()
    await add_events(session, [event_row(claim, now, actor, what=operation.removeprefix("claim."), **details)])
    await record(
        session,
        now=now,
        actor=actor,
        events=[AuditEvent(operation, Purpose.CLAIM_SETTLEMENT, claim.person_id, {"claim": claim.reference})],
    )


async def evidence_revoked(
    session: AsyncSession, claim: Claim, document_id: uuid.UUID, reason: str | None, *, now: dt.datetime
) -> None:
    """The issuer revoked a document the claim rests on. An undecided claim goes back to waiting for evidence; a
    decided one is recomputed to nothing, the whole approved amount to be recovered once a processor confirms."""
    details: dict[str, Any] = {"what": "evidence_revoked", "document": str(document_id), "reason": reason}
    if ClaimState(claim.state) in (ClaimState.APPROVED, ClaimState.PAID):
        claim.amount_vnd, claim.eligible = 0, False
        details["difference_vnd"] = order_difference(session, claim, now=now)
    else:
        claim.state = ClaimState.EVIDENCE_PENDING.value
    claim.withdrawn_evidence, claim.updated_at = document_id, now
    await session.flush()
    await add_events(session, [event_row(claim, now, None, **details)])


def order_difference(session: AsyncSession, claim: Claim, *, now: dt.datetime) -> int:
    """For a decided claim whose amount changed: order the top-up or recovery of the difference to the approved
    amount, pending a processor's confirmation. Returns the difference (0: nothing ordered)."""
    difference = (claim.amount_vnd or 0) - (claim.approved_amount_vnd or 0)
    if difference:
        kind = PaymentKind.TOP_UP if difference > 0 else PaymentKind.RECOVERY
        session.add(
            PaymentOrder(
                id=uuid.uuid4(),
                claim_id=claim.id,
                kind=kind.value,
                amount_vnd=abs(difference),
                created_at=now,
                confirmed_at=None,
                confirmed_by=None,
            )
        )
        claim.needs_confirmation = True
    return difference
