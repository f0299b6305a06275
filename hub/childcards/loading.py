"""Load what a batch of cases needs in one query each: the registration each case is at, and its children."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.childcards.models import Registration
from hub.childcards.records import BirthRecord
from hub.infra.db import one_of
from hub.persons.models import Person


async def current_births(session: AsyncSession, versions: Mapping[uuid.UUID, int]) -> dict[uuid.UUID, BirthRecord]:
    """The registration of each case (by id) at its version (the case's current one), by case id.

    Asked by case alone, the few earlier versions left out here: PostgreSQL plans an IN list of (case, version)
    pairs as one index probe per pair, and planning 500 of them took longer than running them."""
    if not versions:
        return {}
    found = await session.execute(
        select(Registration.case_id, Registration.version, Registration.payload).where(
            one_of(session, Registration.case_id, versions)
        )
    )
    return {
        case_id: BirthRecord.from_canonical(payload)
        for case_id, version, payload in found.all()
        if versions[case_id] == version
    }


async def people_by_id(session: AsyncSession, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, Person]:
    """People by id."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {p.id: p for p in (await session.scalars(select(Person).where(one_of(session, Person.id, wanted)))).all()}
