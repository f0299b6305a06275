"""Issue (or reissue) children's cards: a job run from the outbox for a batch of accepted registrations, written
with a few set-based statements whatever the batch size."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.childcards.checks import guardian_of
from hub.childcards.errors import ChildCardErrorCode as E
from hub.childcards.errors import childcard_error
from hub.childcards.events import CaseStateChange, set_states
from hub.childcards.loading import current_births
from hub.childcards.models import BhxhCodeCounter, CaseState, ChildCard, ChildCardCase, DeliveryMethod
from hub.childcards.population import queue_population_checks
from hub.childcards.records import BirthRecord, PersonDetails
from hub.childcards.rules import GuardianRole, card_number, card_validity
from hub.clients.permissions import Principal
from hub.infra.db import add_unless_exists, insert_new, new_row, one_of, plan_for_batches, update_rows
from hub.infra.errors import BusinessError
from hub.infra.ids import new_id
from hub.jobs import JobKind, enqueue
from hub.persons.models import Person

ISSUE_BATCH = 500  # cases per issuance job: large enough to amortise, small enough to spread over workers
# The card's texts taken from the record, with what each is called in a reason, in English and Vietnamese.
_CARD_TEXTS = {
    "guardian_name": ("guardian's name", "Họ tên người giám hộ"),
    "address": ("guardian's address", "Địa chỉ người giám hộ"),
    "delivery_address": ("delivery address", "Địa chỉ nhận thẻ"),
}


@dataclass(frozen=True)
class IssueCards:
    case_ids: list[uuid.UUID]
    versions: list[int]  # the registration version each card is for; a newer version makes the order obsolete


def _merge_orders(first: IssueCards, later: IssueCards) -> IssueCards | None:
    """Two waiting orders as one (a case in both: the later order's version), up to ISSUE_BATCH cases."""
    if len(first.case_ids) + len(later.case_ids) > ISSUE_BATCH:
        return None
    return IssueCards(first.case_ids + later.case_ids, first.versions + later.versions)


ISSUE_CARDS = JobKind("childcards.issue_cards", IssueCards, queue="childcards", merge=_merge_orders)


@dataclass(frozen=True)
class CaseRef:
    """What a card needs of its case."""

    id: uuid.UUID
    reference: str
    province_code: str


@dataclass(frozen=True)
class ChildRef:
    """What a card needs of its child; `bhxh_code` None: the card gives the child one."""

    id: uuid.UUID
    bhxh_code: str | None
    address: str


@dataclass(frozen=True)
class CardOrder:
    """A card to put on a case: for its current registration, with the delivery overridden when asked elsewhere."""

    case: CaseRef
    birth: BirthRecord
    child: ChildRef
    delivery: tuple[DeliveryMethod, str | None] | None = None
    details: dict[str, str] = field(default_factory=dict)


async def issue_cards(session: AsyncSession, request: IssueCards, now: dt.datetime) -> None:
    """Put the cards of a job's cases (hub.childcards.jobs), those still waiting for one at the version asked."""
    # Rows, not ORM objects, and set-based writes: a job issues hundreds of cards, and the ORM's loading and
    # per-object flush of every case and child were most of its cost.
    await plan_for_batches(session)
    wanted = dict(zip(request.case_ids, request.versions, strict=True))
    cases = await session.execute(
        select(
            ChildCardCase.id,
            ChildCardCase.version,
            ChildCardCase.state,
            ChildCardCase.person_id,
            ChildCardCase.reference,
            ChildCardCase.province_code,
        )
        .where(one_of(session, ChildCardCase.id, wanted))
        .order_by(ChildCardCase.id)  # one lock order for every job: no deadlocks between them
        .with_for_update()
    )
    # Already issued for this version, superseded by a newer one, or held for review: nothing to do.
    due = [c for c in cases if c.version == wanted[c.id] and c.state == CaseState.RECEIVED.value and c.person_id]
    if not due:
        return
    births = await current_births(session, {c.id: c.version for c in due})
    children = {  # locked: their codes are assigned here
        row.id: ChildRef(row.id, row.bhxh_code, row.address)
        for row in await session.execute(
            select(Person.id, Person.bhxh_code, Person.address)
            .where(one_of(session, Person.id, {c.person_id for c in due}))
            .order_by(Person.id)
            .with_for_update()
        )
    }
    orders = [CardOrder(CaseRef(c.id, c.reference, c.province_code), births[c.id], children[c.person_id]) for c in due]
    # A record whose card cannot be written as it stands is refused alone, with its reasons: the others go on.
    refused = {o.case: problems for o in orders if (problems := card_problems(o))}
    if refused:
        await refuse_cards(session, refused, now)
        orders = [o for o in orders if o.case not in refused]
    # The population check follows the card rather than racing it for the same rows; it never holds the card back.
    await queue_population_checks(session, [order.case.id for order in orders], now)
    await put_cards(session, orders, now, actor=None)


def card_problems(order: CardOrder) -> list[BusinessError]:
    """Why the card of `order` cannot be written as the record stands: a text longer than its column holds (which
    PostgreSQL refuses, failing every card of the batch, and SQLite would store whole). Pure, and cheap enough for
    every card of a batch."""
    table = cast(Table, ChildCard.__table__)
    problems = []
    texts = _card_texts(order)
    for name in _CARD_TEXTS:
        text, limit = getattr(texts, name), getattr(table.c[name].type, "length", None)
        if text is not None and limit is not None and len(text) > limit:
            what, what_vi = _CARD_TEXTS[name]
            problems.append(
                childcard_error(
                    E.CARD_FIELD_TOO_LONG, field=name, what=what, what_vi=what_vi, length=len(text), limit=limit
                )
            )
    return problems


async def refuse_cards(session: AsyncSession, refused: dict[CaseRef, list[BusinessError]], now: dt.datetime) -> None:
    """Cases whose card cannot be issued from the record as it stands: REJECTED with their reasons on the case and
    in the event pushed to the registry, which corrects the record (a new version) to have the card issued."""
    changes = []
    for case, problems in refused.items():
        reasons = [reason_of(problem) for problem in problems]
        await session.execute(
            update(ChildCardCase)
            .where(ChildCardCase.id == case.id)
            .values(reasons=reasons)
            .execution_options(synchronize_session=False)
        )
        changes.append(CaseStateChange(case.id, CaseState.REJECTED, {"reasons": reasons}))
    await set_states(session, changes, now)
    events = [AuditEvent("childcard.refuse_card", Purpose.CARD_ISSUANCE, None, {"case": c.reference}) for c in refused]
    await record(session, now=now, actor=None, events=events)


def reason_of(error: BusinessError) -> dict[str, str | None]:
    """A reason as cases and their events keep it."""
    return {"code": error.code, "field": error.field, "message": error.message, "message_vi": error.message_vi}


async def queue_cards(session: AsyncSession, cases: Sequence[ChildCardCase], now: dt.datetime) -> None:
    """Ask for the cards of `cases` (at their current versions), in jobs of ISSUE_BATCH."""
    for start in range(0, len(cases), ISSUE_BATCH):
        chunk = cases[start : start + ISSUE_BATCH]
        await enqueue(session, ISSUE_CARDS, IssueCards([c.id for c in chunk], [c.version for c in chunk]), now=now)


async def put_cards(
    session: AsyncSession, orders: Sequence[CardOrder], now: dt.datetime, *, actor: Principal | None
) -> list[ChildCard]:
    """Issue each order's card, or a new version superseding the one in force (kept in the history). Written with
    statements: an ORM object of one of these cases or children in the session is not updated."""
    if not orders:
        return []
    current = {
        row.case_id: row
        for row in await session.execute(
            select(ChildCard.id, ChildCard.case_id, ChildCard.version).where(
                one_of(session, ChildCard.case_id, [o.case.id for o in orders]),
                ChildCard.superseded_at.is_(None),
                ChildCard.revoked_at.is_(None),
            )
        )
    }
    if current:  # first: a case has one card in force
        await session.execute(
            update(ChildCard)
            .where(one_of(session, ChildCard.id, [row.id for row in current.values()]))
            .values(superseded_at=now)
            .execution_options(synchronize_session=False)
        )
    codes = await _assign_bhxh_codes(session, orders)
    cards, changes = [], []
    for order in orders:
        previous = current.get(order.case.id)
        card = _card(order, codes[order.child.id], now, version=(previous.version + 1) if previous else 1)
        cards.append(card)
        state = CaseState.CARD_CHANGED if previous else CaseState.CARD_ISSUED
        event = {"card_number": card.card_number, "version": card.version, "valid_to": card.valid_to.isoformat()}
        changes.append(CaseStateChange(order.case.id, state, {**event, **order.details}))
    await insert_new(session, cards)  # the cards returned are copies of what was written, outside the session
    await set_states(session, changes, now)
    events = [
        AuditEvent(
            "childcard.issue", Purpose.CARD_ISSUANCE, o.child.id, {"case": o.case.reference, "card": c.card_number}
        )
        for o, c in zip(orders, cards, strict=True)
    ]
    await record(session, now=now, actor=actor, events=events)
    return cards


def _holder(birth: BirthRecord) -> PersonDetails:
    holder = {
        GuardianRole.FATHER: birth.father,
        GuardianRole.MOTHER: birth.mother,
        GuardianRole.REGISTRANT: birth.registrant,
    }[guardian_of(birth)]
    assert holder is not None  # the checks required the guardian
    return holder


@dataclass(frozen=True)
class _CardTexts:
    """The texts a card takes from its record, named as its columns."""

    guardian_name: str
    address: str
    delivery_address: str | None


def _card_texts(order: CardOrder) -> _CardTexts:
    holder = _holder(order.birth)
    _, delivery_address = order.delivery or (order.birth.delivery, order.birth.delivery_address)
    return _CardTexts(holder.full_name, holder.address or order.child.address, delivery_address)


def _card(order: CardOrder, bhxh_code: str, now: dt.datetime, *, version: int) -> ChildCard:
    birth = order.birth
    texts = _card_texts(order)
    valid_from, valid_to = card_validity(birth.child.date_of_birth)
    method, _ = order.delivery or (birth.delivery, birth.delivery_address)
    return new_row(
        ChildCard,
        id=new_id(),
        case_id=order.case.id,
        version=version,
        card_number=card_number(order.case.province_code, bhxh_code),
        bhxh_code=bhxh_code,
        valid_from=valid_from,
        valid_to=valid_to,
        facility_code=birth.facility_code,
        guardian_role=guardian_of(birth).value,
        guardian_name=texts.guardian_name,
        address=texts.address,
        delivery_method=method.value,
        delivery_address=texts.delivery_address,
        issued_at=now,
    )


async def _assign_bhxh_codes(session: AsyncSession, orders: Sequence[CardOrder]) -> dict[uuid.UUID, str]:
    """Each order's child's social-insurance code, by child: the one it holds, or the next free one of the case's
    province, written to the child."""
    codes = {o.child.id: o.child.bhxh_code for o in orders if o.child.bhxh_code}
    by_province: defaultdict[str, dict[uuid.UUID, None]] = defaultdict(dict)  # children in order, once each
    for order in orders:
        if order.child.id not in codes:
            by_province[order.case.province_code][order.child.id] = None
    given: dict[uuid.UUID, str] = {}
    for province_code in sorted(by_province):  # one lock order on the counters
        children = list(by_province[province_code])
        given.update(zip(children, await allocate_bhxh_codes(session, province_code, len(children)), strict=True))
    await update_rows(session, Person, [{"id": child, "bhxh_code": code} for child, code in given.items()])
    return codes | given


async def allocate_bhxh_codes(session: AsyncSession, province_code: str, count: int) -> list[str]:
    """The next `count` free social-insurance codes of a province: 2-digit province + 8-digit serial, taken from its
    counter in one step, skipping any code already held (codes also come from imports and other systems)."""
    codes: list[str] = []
    while len(codes) < count:
        wanted = count - len(codes)
        last = await session.scalar(
            update(BhxhCodeCounter)
            .where(BhxhCodeCounter.province_code == province_code)
            .values(next_serial=BhxhCodeCounter.next_serial + wanted)
            .returning(BhxhCodeCounter.next_serial)
        )
        if last is None:
            await add_unless_exists(session, BhxhCodeCounter(province_code=province_code, next_serial=0))
            continue
        block = [f"{province_code}{serial:08d}" for serial in range(last - wanted + 1, last + 1)]
        taken = set(
            (await session.scalars(select(Person.bhxh_code).where(one_of(session, Person.bhxh_code, block)))).all()
        )
        codes += [code for code in block if code not in taken]
    return codes
