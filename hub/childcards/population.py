"""Check the child with the national population database, beside the card and never blocking it: a late answer
is asked again later, and an identification number that arrives later is attached to the child and the case."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors import PermanentError
from connectors.population import ChildQuery, IdentityStatus
from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.childcards.models import ChildCardCase, Registration
from hub.childcards.records import BirthRecord
from hub.jobs import JobContext, PermanentJobError, enqueue, job
from hub.persons.models import Person

RECHECK_AFTER = dt.timedelta(hours=6)  # when the database says "pending" without saying until when
MAX_RECHECKS = 60  # about two weeks of asking, after which the officer sees the case still pending


@dataclass(frozen=True)
class CheckPopulation:
    case_id: uuid.UUID
    round: int = 1


@job("childcards.check_population", queue="population", max_attempts=50)
async def check_population(ctx: JobContext, request: CheckPopulation) -> None:
    session, now = ctx.session, ctx.clock.now()
    client = ctx.connectors.population()
    case = await session.get(ChildCardCase, request.case_id)
    if client is None or case is None or case.person_id is None:
        return
    person = await session.get(Person, case.person_id)
    registration = await session.scalar(
        select(Registration).where(Registration.case_id == case.id, Registration.version == case.version)
    )
    assert person is not None and registration is not None
    birth = BirthRecord.from_canonical(registration.payload)
    query = ChildQuery(
        full_name=birth.child.full_name,
        date_of_birth=birth.child.date_of_birth,
        gender=birth.child.gender,
        mother_personal_id=birth.mother.personal_id_number if birth.mother else None,
        personal_id=person.personal_id_number,
    )
    try:
        answer = await client.verify_child(query)  # TransientError propagates: retried with backoff
    except PermanentError as exc:
        raise PermanentJobError(f"the population database refused the check of case {case.reference}: {exc}") from exc
    case.population_check = answer.status.value
    if answer.status is IdentityStatus.MATCH and answer.personal_id and not person.personal_id_number:
        person.personal_id_number = answer.personal_id
        case.child_personal_id = answer.personal_id
        await record(
            session,
            now=now,
            actor=None,
            events=[
                AuditEvent("childcard.attach_personal_id", Purpose.CARD_ISSUANCE, person.id, {"case": case.reference})
            ],
        )
    elif answer.status is IdentityStatus.PENDING and request.round < MAX_RECHECKS:
        later = (answer.retry_after - now) if answer.retry_after and answer.retry_after > now else RECHECK_AFTER
        await enqueue(
            session,
            check_population,
            CheckPopulation(case.id, request.round + 1),
            now=now,
            delay=later,
            dedup_key=f"childcards.population:{case.id}:{case.version}:{request.round + 1}",
        )


async def queue_population_check(session: AsyncSession, case: ChildCardCase, now: dt.datetime) -> None:
    await enqueue(
        session,
        check_population,
        CheckPopulation(case.id),
        now=now,
        dedup_key=f"childcards.population:{case.id}:{case.version}:1",
    )
