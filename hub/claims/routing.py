"""Where a claim is settled: the BHXH office where the employer pays its contributions (the employer's province);
the insured person's home province only for someone filing without an employer (voluntarily insured, between jobs).
Processors' queues and rights follow it (hub.claims.access)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.contributions.models import Employer
from hub.persons.models import Person


def settling_province(home_province: str, employer: Employer | None) -> str:
    """The province whose BHXH office settles the claim of someone living in `home_province`."""
    return employer.province_code if employer is not None else home_province


@dataclass(frozen=True)
class Offices:
    """The provinces that settle the claims of a batch of people and employers (two queries, whatever its size)."""

    homes: dict[uuid.UUID, str]
    employers: dict[uuid.UUID, str]

    def province(self, person_id: uuid.UUID, employer_id: uuid.UUID | None) -> str:
        if employer_id is not None and employer_id in self.employers:
            return self.employers[employer_id]
        return self.homes[person_id]


async def offices(
    session: AsyncSession, people: Collection[uuid.UUID], employers: Collection[uuid.UUID | None]
) -> Offices:
    homes = dict((await session.execute(select(Person.id, Person.province_code).where(Person.id.in_(people)))).all())
    return Offices(homes, await employer_provinces(session, employers))


async def employer_provinces(session: AsyncSession, employers: Collection[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """The province of each of these employers (where it pays its contributions)."""
    wanted = {employer for employer in employers if employer is not None}
    if not wanted:
        return {}
    query = select(Employer.id, Employer.province_code).where(Employer.id.in_(wanted))
    return dict((await session.execute(query)).all())
