"""Reading cases and cards, for registry offices and BHXH officers within their jurisdiction; reads are audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.childcards.models import CaseEvent, ChildCard, ChildCardCase
from hub.clients.permissions import Principal, Role
from hub.errors import Forbidden

READ_ROLES = (Role.BIRTH_REGISTRATION_SUBMIT, Role.PERSON_READ)


@dataclass(frozen=True)
class CaseView:
    case: ChildCardCase
    cards: Sequence[ChildCard]  # every version, newest first
    events: Sequence[CaseEvent]  # oldest first


async def read_case(session: AsyncSession, *, now: dt.datetime, actor: Principal, reference: str) -> CaseView:
    """A case with its cards and history; a case outside the caller's jurisdiction looks like no case at all."""
    if not any(role in actor.roles for role in READ_ROLES):
        raise Forbidden()
    case = await session.scalar(select(ChildCardCase).where(ChildCardCase.reference == reference))
    if case is None or not actor.jurisdiction.covers(case.location):
        raise Forbidden()
    cards = (
        await session.scalars(select(ChildCard).where(ChildCard.case_id == case.id).order_by(ChildCard.version.desc()))
    ).all()
    events = (await session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))).all()
    await record(
        session,
        now=now,
        actor=actor,
        events=[AuditEvent("childcard.read_case", Purpose.CARD_ISSUANCE, case.person_id, {"case": reference})],
    )
    return CaseView(case, cards, events)
