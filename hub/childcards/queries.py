"""Reading cases and cards, for registry offices and BHXH officers within their jurisdiction; reads are audited."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.childcards.access import READ_ROLES, reaches
from hub.childcards.models import CaseEvent, CaseState, ChildCard, ChildCardCase
from hub.clients.permissions import JurisdictionLevel, Principal
from hub.infra.errors import Forbidden
from hub.infra.text import fold
from hub.persons.identity import names_person

MAX_PAGE = 200


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
    if case is None or not reaches(actor, case, *READ_ROLES):
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


@dataclass(frozen=True)
class CaseFilter:
    states: tuple[CaseState, ...] = ()
    registry_office_code: str | None = None
    province_code: str | None = None
    facility_code: str | None = None
    name: str | None = None  # contains, with or without diacritics
    personal_id_number: str | None = None
    registered_from: dt.date | None = None
    registered_to: dt.date | None = None
    received_from: dt.datetime | None = None
    received_to: dt.datetime | None = None
    issued_from: dt.datetime | None = None
    issued_to: dt.datetime | None = None


@dataclass(frozen=True)
class CasePage:
    cases: Sequence[ChildCardCase]
    total: int
    has_next: bool


async def search_cases(
    session: AsyncSession,
    *,
    now: dt.datetime,
    actor: Principal,
    where: CaseFilter,
    after: tuple[dt.datetime, uuid.UUID] | None = None,
    limit: int = 50,
) -> CasePage:
    """Cases in the caller's jurisdiction matching `where`, newest received first, a page after `after`; with the
    total count. Every case shown is a read of a child's data, and audited."""
    if not any(role in actor.roles for role in READ_ROLES):
        raise Forbidden()
    conditions = _conditions(actor, where)
    total = await session.scalar(select(func.count()).select_from(ChildCardCase).where(*conditions))
    query = select(ChildCardCase).where(*conditions)
    if after is not None:
        query = query.where(tuple_(ChildCardCase.received_at, ChildCardCase.id) < after)
    limit = max(1, min(limit, MAX_PAGE))
    rows = (
        await session.scalars(
            query.order_by(ChildCardCase.received_at.desc(), ChildCardCase.id.desc()).limit(limit + 1)
        )
    ).all()
    page = rows[:limit]
    await record(
        session,
        now=now,
        actor=actor,
        events=[
            AuditEvent("childcard.list_cases", Purpose.CARD_ISSUANCE, c.person_id, {"case": c.reference}) for c in page
        ],
    )
    return CasePage(page, int(total or 0), len(rows) > limit)


def _conditions(actor: Principal, where: CaseFilter) -> list[ColumnElement[bool]]:
    jurisdiction = actor.jurisdiction
    conditions: list[ColumnElement[bool]] = []
    if jurisdiction.level is JurisdictionLevel.PROVINCE:
        conditions.append(ChildCardCase.province_code == jurisdiction.code)
    elif jurisdiction.level is JurisdictionLevel.COMMUNE:
        conditions.append(ChildCardCase.commune_code == jurisdiction.code)
    elif jurisdiction.level is not JurisdictionLevel.NATIONAL:
        conditions.append(false())  # a facility registers no births
    if where.states:
        conditions.append(ChildCardCase.state.in_([s.value for s in where.states]))
    for column, value in (
        (ChildCardCase.registry_office_code, where.registry_office_code),
        (ChildCardCase.province_code, where.province_code),
        (ChildCardCase.facility_code, where.facility_code),
    ):
        if value:
            conditions.append(column == value)
    if where.personal_id_number:  # as registered, or any number or code that names the child now
        named = where.personal_id_number.strip()
        conditions.append(or_(ChildCardCase.child_personal_id == named, names_person(ChildCardCase.person_id, named)))
    if where.name and fold(where.name):
        conditions.append(ChildCardCase.child_name_key.contains(fold(where.name), autoescape=True))
    ranges: list[tuple[Any, object, object]] = [
        (ChildCardCase.registered_on, where.registered_from, where.registered_to),
        (ChildCardCase.received_at, where.received_from, where.received_to),
        (ChildCardCase.issued_at, where.issued_from, where.issued_to),
    ]
    for bounded, low, high in ranges:
        if low is not None:
            conditions.append(bounded >= low)
        if high is not None:
            conditions.append(bounded <= high)
    return conditions


async def read_card(session: AsyncSession, *, now: dt.datetime, actor: Principal, card_number: str) -> CaseView:
    """The case a card number belongs to (any version of the card), like read_case."""
    reference = await session.scalar(
        select(ChildCardCase.reference)
        .join(ChildCard, ChildCard.case_id == ChildCardCase.id)
        .where(ChildCard.card_number == card_number)
        .limit(1)
    )
    if reference is None:
        raise Forbidden()
    return await read_case(session, now=now, actor=actor, reference=reference)
