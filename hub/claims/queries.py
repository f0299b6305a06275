"""Reading claims: the processors' work queue within their jurisdiction, one claim with its evidence and history,
and the national portal's case status (state, dates and amounts, never medical content). Reads are audited."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVarTuple

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    Select,
    Uuid,
    and_,
    bindparam,
    func,
    inspect,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only, undefer
from sqlalchemy.orm.attributes import set_committed_value

from hub.audit.purpose import Purpose
from hub.audit.refusals import note_refusal
from hub.audit.service import AuditEvent, record
from hub.claims.access import readable, refused
from hub.claims.models import WAITING_STATES, Claim, ClaimEvent, ClaimKind, ClaimState, PaymentOrder
from hub.claims.search import matching
from hub.claims.service import CLAIM_USE
from hub.clients.permissions import Principal, Role
from hub.documents.models import Document, DocumentUse
from hub.infra.clock import vietnam_date
from hub.infra.errors import Forbidden

MAX_PAGE = 200
# Overdue: BHXH's settlement deadline passed while the claim still waits for evidence or a decision.
WAITING = (ClaimState.EVIDENCE_PENDING.value, ClaimState.COMPUTED.value)
# Waiting, in the partial indexes' own words, so that the planner picks them (a bound list would not match).
WAITING_NOW = literal_column(WAITING_STATES.text, type_=Boolean)


class Due(enum.StrEnum):
    """Waiting work by its due date: due today, due by the end of this week (Sunday), past it."""

    TODAY = "today"
    THIS_WEEK = "this_week"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class ClaimFilter:
    """What the queue shows. Without states or the need of a confirmation: the work waiting (claims waiting on
    evidence or on a decision), a search included."""

    kinds: tuple[ClaimKind, ...] = ()
    states: tuple[ClaimState, ...] = ()
    province_code: str | None = None
    overdue: bool = False  # the same as due=OVERDUE
    due: Due | None = None
    needs_confirmation: bool = False
    person_id: uuid.UUID | None = None
    mine: bool = False  # taken by the caller
    unassigned: bool = False  # taken by nobody
    search: str | None = None  # a reference, an ID number, a BHXH code or a name (hub.claims.search)


@dataclass(frozen=True)
class ClaimPage:
    claims: Sequence[Claim]
    total: int
    has_next: bool


def _conditions(where: ClaimFilter, today: dt.date, actor: Principal) -> list[ColumnElement[bool]] | None:
    """The filter as conditions on Claim; None when it can find nothing (a blank search)."""
    conditions: list[ColumnElement[bool]] = []
    if where.kinds:
        conditions.append(Claim.kind.in_([k.value for k in where.kinds]))
    waiting = not where.states and not where.needs_confirmation  # the default: the work waiting
    if where.states:
        conditions.append(Claim.state.in_([s.value for s in where.states]))
    if waiting:
        conditions.append(WAITING_NOW)
    if where.province_code:
        conditions.append(Claim.province_code == where.province_code)
    due = Due.OVERDUE if where.overdue else where.due
    if due is not None:
        if not waiting:
            conditions.append(WAITING_NOW)
        if due is Due.OVERDUE:
            conditions.append(Claim.due_on < today)
        elif due is Due.TODAY:
            conditions.append(Claim.due_on == today)
        else:
            conditions.append(Claim.due_on.between(today, today + dt.timedelta(days=6 - today.weekday())))
    if where.needs_confirmation:
        conditions.append(Claim.needs_confirmation.is_(True))
    if where.person_id is not None:
        conditions.append(Claim.person_id == where.person_id)
    if where.mine:
        conditions.append(Claim.assigned_to == actor.name)
    if where.unassigned:
        conditions.append(Claim.assigned_to.is_(None))
    if where.search is not None:
        found = matching(where.search)
        if found is None:
            return None
        conditions.append(found)
    return conditions


QueuePosition = tuple[dt.date | None, uuid.UUID]


Row = TypeVarTuple("Row")


def explaining(query: Select[*Row], explained: bool) -> Select[*Row]:
    """A read of claims that also reads their explanation lines (`explained`), in the same statement: read apart,
    the lines could come from a computation that ended in between, and not match the amounts read with the claim."""
    return query.options(undefer(Claim.explanation)) if explained else query


async def load_explanations(session: AsyncSession, claims: Sequence[Claim]) -> None:
    """Read the explanation lines of claims this transaction has written, in one statement: it holds their rows,
    so no computation can change them in between and the lines match the amounts read with the claims. (A read
    that writes nothing takes them with the claims instead: `explaining`.)"""
    unread = {claim.id: claim for claim in claims if "explanation" in inspect(claim).unloaded}
    if not unread:
        return
    rows = await session.execute(select(Claim.id, Claim.explanation).where(Claim.id.in_(unread)))
    for claim_id, lines in rows:
        set_committed_value(unread[claim_id], "explanation", lines)


def queue_position(claim: Claim) -> QueuePosition:
    """Where a claim stands in the queue's order (its cursor): due date, a claim without one last, then id."""
    return claim.due_on, claim.id


def _after(position: QueuePosition) -> ColumnElement[bool]:
    due, claim_id = position
    if due is None:
        return and_(Claim.due_on.is_(None), Claim.id > claim_id)
    return or_(
        tuple_(Claim.due_on, Claim.id) > tuple_(literal(due, Date), literal(claim_id, Uuid)), Claim.due_on.is_(None)
    )


async def search_claims(
    session: AsyncSession,
    *,
    now: dt.datetime,
    actor: Principal,
    where: ClaimFilter,
    first: int = 50,
    after: QueuePosition | None = None,
    explained: bool = False,
) -> ClaimPage:
    """The work queue: by due date (then id), with the total; one audit entry per claim shown. `explained`: with
    the explanation lines (`explaining`)."""
    found = _conditions(where, vietnam_date(now), actor)
    if found is None:
        readable(actor)  # a caller who may read no claim is refused all the same
        return ClaimPage([], 0, False)
    conditions = [readable(actor), *found]
    total = await session.scalar(select(func.count()).select_from(Claim).where(*conditions)) or 0
    query = explaining(select(Claim).where(*conditions), explained)
    if after is not None:
        query = query.where(_after(after))
    limit = max(1, min(first, MAX_PAGE))
    claims = (await session.scalars(query.order_by(Claim.due_on.asc().nulls_last(), Claim.id).limit(limit + 1))).all()
    page = claims[:limit]
    # Each claim shown is its person's data shown: one entry per claim, so the person's trail has it.
    events = [AuditEvent("claim.list", Purpose.CLAIM_SETTLEMENT, c.person_id, {"claim": c.reference}) for c in page]
    await record(session, now=now, actor=actor, events=events)
    return ClaimPage(page, total, len(claims) > limit)


# What every reader of a claim may see of its evidence; the content takes document:read (`search_documents`).
EVIDENCE_METADATA = (
    Document.id,
    Document.issuer,
    Document.doc_type,
    Document.number,
    Document.version,
    Document.state,
    Document.issued_on,
    Document.received_at,
)


@dataclass(frozen=True)
class ClaimView:
    claim: Claim
    events: Sequence[ClaimEvent]
    payments: Sequence[PaymentOrder]
    evidence: Sequence[Document]  # its metadata only (EVIDENCE_METADATA): what it is, who signed it, when

    @property
    def document_ids(self) -> list[uuid.UUID]:
        return [document.id for document in self.evidence]


async def read_claim(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, reference: str, explained: bool = False
) -> ClaimView:
    """One claim with its history, payment orders and the documents it was computed from (the read is audited).
    `explained`: with the explanation lines (`explaining`)."""
    query = select(Claim, readable(actor)).where(Claim.reference == reference)
    found = (await session.execute(explaining(query, explained))).one_or_none()
    if found is None:
        raise Forbidden()  # a claim that does not exist and one out of reach look the same
    claim, reachable = found
    if not reachable:
        note_refusal(refused(claim))
        raise Forbidden()
    events = (
        await session.scalars(select(ClaimEvent).where(ClaimEvent.claim_id == claim.id).order_by(ClaimEvent.id))
    ).all()
    payments = (
        await session.scalars(
            select(PaymentOrder).where(PaymentOrder.claim_id == claim.id).order_by(PaymentOrder.created_at)
        )
    ).all()
    documents = (
        await session.scalars(
            select(Document)
            .options(load_only(*EVIDENCE_METADATA))
            .join(DocumentUse, DocumentUse.document_id == Document.id)
            .where(DocumentUse.user_kind == CLAIM_USE, DocumentUse.user_id == claim.id)
            .order_by(Document.received_at, Document.id)
        )
    ).all()
    await record(
        session,
        now=now,
        actor=actor,
        events=[AuditEvent("claim.read", Purpose.CLAIM_SETTLEMENT, claim.person_id, {"claim": reference})],
    )
    return ClaimView(claim, events, payments, documents)


@dataclass(frozen=True)
class CaseOrder:
    """A payment order as the portal shows it: its kind, amount and when it was ordered and settled."""

    kind: str
    amount_vnd: int
    created_at: dt.datetime
    confirmed_at: dt.datetime | None


@dataclass(frozen=True)
class CaseView:
    """What `case_status` reads of a claim: its state, dates and amounts, and its payment orders, oldest first."""

    id: uuid.UUID
    reference: str
    kind: str
    state: str
    event_date: dt.date
    created_at: dt.datetime
    due_on: dt.date | None
    decided_at: dt.datetime | None
    approved_amount_vnd: int | None
    orders: tuple[CaseOrder, ...]


# Built once: the portal's reads are the hub's hottest path (bench.portal). Columns, not entities: nothing of the
# claim is changed or written back. The claim with its payment orders, in one round trip: a row per order, or one row
# without an order.
_CASE_BY_REFERENCE = (
    select(
        Claim.id,
        Claim.person_id,
        Claim.reference,
        Claim.kind,
        Claim.state,
        Claim.event_date,
        Claim.created_at,
        Claim.due_on,
        Claim.decided_at,
        Claim.approved_amount_vnd,
        PaymentOrder.kind.label("order_kind"),
        PaymentOrder.amount_vnd.label("order_amount_vnd"),
        PaymentOrder.created_at.label("order_created_at"),
        PaymentOrder.confirmed_at.label("order_confirmed_at"),
    )
    .outerjoin(PaymentOrder, PaymentOrder.claim_id == Claim.id)
    .where(Claim.reference == bindparam("reference"))
    .order_by(PaymentOrder.created_at, PaymentOrder.id)
)


async def case_status(session: AsyncSession, *, now: dt.datetime, actor: Principal, reference: str) -> CaseView:
    """The national portal's view of a claim: found by reference only; the caller shows state, dates, amounts."""
    actor.require(Role.CASE_STATUS_READ)
    rows = (await session.execute(_CASE_BY_REFERENCE, {"reference": reference})).all()
    if not rows:
        raise Forbidden()
    claim = rows[0]
    await record(
        session,
        now=now,
        actor=actor,
        events=[AuditEvent("claim.case_status", Purpose.CASE_STATUS, claim.person_id, {"claim": reference})],
    )
    return CaseView(
        id=claim.id,
        reference=claim.reference,
        kind=claim.kind,
        state=claim.state,
        event_date=claim.event_date,
        created_at=claim.created_at,
        due_on=claim.due_on,
        decided_at=claim.decided_at,
        approved_amount_vnd=claim.approved_amount_vnd,
        orders=tuple(
            CaseOrder(o.order_kind, o.order_amount_vnd, o.order_created_at, o.order_confirmed_at)
            for o in rows
            if o.order_kind is not None
        ),
    )
