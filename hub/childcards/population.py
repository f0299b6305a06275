"""Check children with the national population database, beside the card and never blocking it: many children in
one call; a late answer is asked again later, and an identification number that arrives later is attached to the
child and the case."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors import PermanentError
from connectors.population import MAX_BATCH, ChildQuery, IdentityAnswer, IdentityStatus
from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.childcards.loading import current_births, people_by_id
from hub.childcards.models import ChildCardCase
from hub.childcards.records import BirthRecord
from hub.db import one_of
from hub.jobs import JobContext, PermanentJobError, enqueue, job
from hub.persons.models import Person

RECHECK_AFTER = dt.timedelta(hours=6)  # when the database says "pending" without saying until when
MAX_RECHECKS = 60  # about two weeks of asking, after which the officer sees the case still pending
CHECK_BATCH = MAX_BATCH  # cases per job, and per call to the population database


@dataclass(frozen=True)
class CheckPopulation:
    case_ids: list[uuid.UUID]
    round: int = 1


@job("childcards.check_population", queue="population", max_attempts=50)
async def check_population(ctx: JobContext, request: CheckPopulation) -> None:
    session, now = ctx.session, ctx.clock.now()
    client = ctx.connectors.population()
    if client is None:
        return
    cases = await _cases(session, request.case_ids, lock=False)
    if not cases:
        return
    births = await current_births(session, cases)
    people = await people_by_id(session, (c.person_id for c in cases))
    queries = [_query(births[c.id], people[c.person_id]) for c in cases if c.person_id]
    asked_about = {c.id: c.person_id for c in cases}
    try:
        # Nothing is locked while the database is asked: the card goes ahead whatever it takes to answer.
        answers = dict(zip([c.id for c in cases], await client.verify_children(queries), strict=True))
    except PermanentError as exc:
        raise PermanentJobError(f"the population database refused a check of {len(queries)} children: {exc}") from exc
    cases = [c for c in await _cases(session, list(answers), lock=True) if c.id in answers]
    people = await people_by_id(session, (c.person_id for c in cases), lock=True)  # what others changed meanwhile
    attached: list[AuditEvent] = []
    pending: list[tuple[ChildCardCase, IdentityAnswer]] = []
    for case in cases:
        answer, person = answers[case.id], people.get(case.person_id) if case.person_id else None
        if person is None or case.person_id != asked_about[case.id]:
            continue  # the case was linked to someone else meanwhile: the next check asks about them
        case.population_check = answer.status.value
        if answer.status is IdentityStatus.MATCH and answer.personal_id and not person.personal_id_number:
            person.personal_id_number = answer.personal_id
            case.child_personal_id = answer.personal_id
            attached.append(
                AuditEvent("childcard.attach_personal_id", Purpose.CARD_ISSUANCE, person.id, {"case": case.reference})
            )
        elif answer.status is IdentityStatus.PENDING:
            pending.append((case, answer))
    if pending and request.round < MAX_RECHECKS:
        # Ask again when the register said it would know, else after RECHECK_AFTER; the earliest of the batch.
        later = min(
            (a.retry_after - now) if a.retry_after and a.retry_after > now else RECHECK_AFTER for _, a in pending
        )
        await enqueue(
            session,
            check_population,
            CheckPopulation([c.id for c, _ in pending], request.round + 1),
            now=now,
            delay=later,
            dedup_key=f"childcards.population:job{ctx.job_id}",
        )
    await record(session, now=now, actor=None, events=attached)


async def _cases(session: AsyncSession, ids: Sequence[uuid.UUID], *, lock: bool) -> Sequence[ChildCardCase]:
    query = select(ChildCardCase).where(one_of(session, ChildCardCase.id, ids), ChildCardCase.person_id.is_not(None))
    if lock:  # in the lock order of the issuance job, with what its commit changed
        query = query.order_by(ChildCardCase.id).with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(query)).all()


def _query(birth: BirthRecord, person: Person) -> ChildQuery:
    return ChildQuery(
        full_name=birth.child.full_name,
        date_of_birth=birth.child.date_of_birth,
        gender=birth.child.gender,
        mother_personal_id=_valid_number(birth.mother.personal_id_number if birth.mother else None),
        personal_id=person.personal_id_number,
    )


def _valid_number(number: str | None) -> str | None:
    """The mother's number as the register takes it (12 digits); an old 9-digit ID card number is left out, so the
    child is looked up without it rather than failing the whole batch."""
    return number if number and len(number) == 12 and number.isdigit() else None


async def queue_population_checks(session: AsyncSession, cases: Sequence[ChildCardCase], now: dt.datetime) -> None:
    """Ask the population database about the children of `cases`, in jobs of CHECK_BATCH."""
    for start in range(0, len(cases), CHECK_BATCH):
        chunk = cases[start : start + CHECK_BATCH]
        await enqueue(session, check_population, CheckPopulation([c.id for c in chunk]), now=now)
