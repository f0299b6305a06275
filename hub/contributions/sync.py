"""Bring insured people's contributions up to date from BHXH's contribution system: a job (hub.contributions.jobs)
reads whom to ask, asks about up to 500 people per call with no transaction open, then stores what the system
said."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors import PermanentError
from connectors.contributions import MAX_BATCH, ContributionsClient, PersonKey
from hub.contributions.records import BHXH_CODE, PERSONAL_ID, ContributionRecord, ContributionSource
from hub.contributions.service import StoreReport, store_contributions
from hub.jobs import JobContext, JobKind, PermanentJobError, enqueue
from hub.persons.models import Person

log = logging.getLogger(__name__)
SYNC_BATCH = MAX_BATCH  # people per job, and per call to the contribution system


@dataclass(frozen=True)
class SyncContributions:
    person_ids: list[uuid.UUID]


# The job's name predates the contributions package: it stays, for the jobs already in the outbox.
SYNC_CONTRIBUTIONS = JobKind("claims.sync_contributions", SyncContributions, queue="contributions")


async def people_to_ask(session: AsyncSession, request: SyncContributions) -> list[PersonKey]:
    """Whom the contribution system can be asked about (hub.contributions.jobs): people with neither an ID number
    nor a BHXH code cannot be, and are left out."""
    return await _people(session, request.person_ids)


async def ask(client: ContributionsClient, people: Sequence[PersonKey]) -> list[ContributionRecord]:
    """What the contribution system holds on these people, SYNC_BATCH per call (no transaction is open)."""
    records: list[ContributionRecord] = []
    try:
        for start in range(0, len(people), SYNC_BATCH):
            answers = await client.query(people[start : start + SYNC_BATCH])
            records += [found for found in answers if found is not None]
    except PermanentError as exc:
        raise PermanentJobError(f"the contribution system refused a query of {len(people)} people: {exc}") from exc
    return records


async def store_answers(job: JobContext, records: Sequence[ContributionRecord]) -> None:
    """Store what the system said. Idempotent: the same answer stored again changes nothing."""
    report = await store_contributions(
        job.session, list(records), now=job.clock.now(), actor=None, source=ContributionSource.CONNECTOR
    )
    _log(report)


async def queue_contribution_sync(session: AsyncSession, person_ids: Sequence[uuid.UUID], *, now: dt.datetime) -> None:
    """Ask for these people's contributions, in jobs of SYNC_BATCH written to the caller's transaction."""
    unique = list(dict.fromkeys(person_ids))
    for start in range(0, len(unique), SYNC_BATCH):
        await enqueue(session, SYNC_CONTRIBUTIONS, SyncContributions(unique[start : start + SYNC_BATCH]), now=now)


async def _people(session: AsyncSession, person_ids: Sequence[uuid.UUID]) -> list[PersonKey]:
    if not person_ids:
        return []
    rows = await session.execute(
        select(Person.personal_id_number, Person.bhxh_code)
        .where(Person.id.in_(person_ids))
        .where((Person.personal_id_number.is_not(None)) | (Person.bhxh_code.is_not(None)))
        .order_by(Person.id)
    )
    keys = []
    for number, code in rows:
        # An old 9-digit ID card number kept for a mother, say, is not something the system looks people up by.
        number = number if number and PERSONAL_ID.fullmatch(number) else None
        code = code if code and BHXH_CODE.fullmatch(code) else None
        if number or code:
            keys.append(PersonKey(number, code))
    return keys


def _log(report: StoreReport) -> None:
    log.info(
        "contributions synchronised: %d people (%d new), %d months added, %d replaced, %d unchanged",
        len(report.stored),
        report.people_created,
        report.months_added,
        report.months_replaced,
        report.months_unchanged,
    )
    for rejected in report.rejected:
        # Codes only: the reasons' messages may carry identifiers.
        log.warning("a contribution record was not stored: %s", ", ".join(error.code for error in rejected.errors))
