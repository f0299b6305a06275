"""Issue (or reissue) a child's card: a job run from the outbox once the registration is accepted."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.childcards.checks import guardian_of
from hub.childcards.events import change_state
from hub.childcards.models import BhxhCodeCounter, CaseState, ChildCard, ChildCardCase, DeliveryMethod, Registration
from hub.childcards.records import BirthRecord
from hub.childcards.rules import GuardianRole, card_number, card_validity
from hub.clients.permissions import Principal
from hub.db import add_unless_exists
from hub.jobs import JobContext, job
from hub.persons.models import Person


@dataclass(frozen=True)
class IssueCard:
    case_id: uuid.UUID
    version: int  # the registration version this card is for; an older job finds a newer version and stops


@job("childcards.issue_card", queue="childcards")
async def issue_card(ctx: JobContext, request: IssueCard) -> None:
    session, now = ctx.session, ctx.clock.now()
    case = await session.get(ChildCardCase, request.case_id, with_for_update=True, populate_existing=True)
    if case is None or case.version != request.version or case.state != CaseState.RECEIVED.value:
        return  # already issued for this version, superseded by a newer one, or held for review
    registration = await session.scalar(
        select(Registration).where(Registration.case_id == case.id, Registration.version == case.version)
    )
    person = await session.get(Person, case.person_id) if case.person_id else None
    if registration is None or person is None:
        return
    birth = BirthRecord.from_canonical(registration.payload)
    if person.bhxh_code is None:
        person.bhxh_code = await allocate_bhxh_code(session, case.province_code)
    await put_card(session, case, birth, person, now, actor=None)


async def put_card(
    session: AsyncSession,
    case: ChildCardCase,
    birth: BirthRecord,
    person: Person,
    now: dt.datetime,
    *,
    actor: Principal | None,
    delivery: tuple[DeliveryMethod, str | None] | None = None,
    details: dict[str, str] | None = None,
) -> ChildCard:
    """Issue the case's card, or a new version superseding the one in force (kept in the history)."""
    previous = await session.scalar(
        select(ChildCard).where(
            ChildCard.case_id == case.id, ChildCard.superseded_at.is_(None), ChildCard.revoked_at.is_(None)
        )
    )
    if previous is not None:
        previous.superseded_at = now
    card = _card(case, birth, person, now, version=(previous.version + 1) if previous else 1)
    if delivery is not None:
        card.delivery_method, card.delivery_address = delivery[0].value, delivery[1]
    session.add(card)
    state = CaseState.CARD_CHANGED if previous else CaseState.CARD_ISSUED
    event = {"card_number": card.card_number, "version": card.version, "valid_to": card.valid_to.isoformat()}
    await change_state(session, case, state, now, {**event, **(details or {})})
    await record(
        session,
        now=now,
        actor=actor,
        events=[
            AuditEvent(
                "childcard.issue", Purpose.CARD_ISSUANCE, person.id, {"case": case.reference, "card": card.card_number}
            )
        ],
    )
    return card


def _card(case: ChildCardCase, birth: BirthRecord, person: Person, now: dt.datetime, *, version: int) -> ChildCard:
    guardian = guardian_of(birth)
    holder = {
        GuardianRole.FATHER: birth.father,
        GuardianRole.MOTHER: birth.mother,
        GuardianRole.REGISTRANT: birth.registrant,
    }[guardian]
    assert holder is not None and person.bhxh_code is not None  # the checks required the guardian
    valid_from, valid_to = card_validity(birth.child.date_of_birth)
    return ChildCard(
        id=uuid.uuid4(),
        case_id=case.id,
        version=version,
        card_number=card_number(case.province_code, person.bhxh_code),
        bhxh_code=person.bhxh_code,
        valid_from=valid_from,
        valid_to=valid_to,
        facility_code=birth.facility_code,
        guardian_role=guardian.value,
        guardian_name=holder.full_name,
        address=holder.address or person.address,
        delivery_method=birth.delivery.value,
        delivery_address=birth.delivery_address,
        issued_at=now,
    )


async def allocate_bhxh_code(session: AsyncSession, province_code: str) -> str:
    """The next free social-insurance code of a province: 2-digit province + 8-digit serial, never one in use."""
    while True:
        serial = await session.scalar(
            update(BhxhCodeCounter)
            .where(BhxhCodeCounter.province_code == province_code)
            .values(next_serial=BhxhCodeCounter.next_serial + 1)
            .returning(BhxhCodeCounter.next_serial)
        )
        if serial is None:
            await add_unless_exists(session, BhxhCodeCounter(province_code=province_code, next_serial=0))
            continue
        code = f"{province_code}{serial:08d}"
        # Codes also come from elsewhere (imports, other systems): skip any already held.
        if await session.scalar(select(Person.id).where(Person.bhxh_code == code)) is None:
            return code
