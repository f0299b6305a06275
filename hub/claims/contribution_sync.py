"""Bring insured people's contributions up to date from BHXH's contribution system: a job asks about up to 500
people per call before it locks any of them, then stores what the system said."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors import PermanentError
from connectors.contributions import MAX_BATCH, PersonKey
from hub.claims.contribution_records import BHXH_CODE, PERSONAL_ID, ContributionRecord, ContributionSource
from hub.claims.contributions import StoreReport, store_contributions
from hub.jobs import JobContext, PermanentJobError, enqueue, job
from hub.persons.models import Person

log = logging.getLogger(__name__)
SYNC_BATCH = MAX_BATCH  # people per job, and per call to the contribution system


@dataclass(frozen=True)
class SyncContributions:
    person_ids: list[uuid.UUID]


@job("claims.sync_contributions", queue="contributions")
async def sync_contributions(ctx: JobContext, request: SyncContributions) -> None:
    """Fetch and store the contributions of `request.person_ids` (people with neither an ID number nor a BHXH code
    cannot be asked about and are left out). Idempotent: the same answer stored again changes nothing."""
    client = ctx.connectors.contributions()
    if client is None:
        log.info("not connected to the contribution system: %d people not synchronised", len(request.person_ids))
        return
    session = ctx.session
    people = await _people(session, request.person_ids)
    records: list[ContributionRecord] = []
    try:
        # No person is locked while the system is asked: the store below takes their locks, for its few statements.
        for start in range(0, len(people), SYNC_BATCH):
            answers = await client.query(people[start : start + SYNC_BATCH])
            records += [found for found in answers if found is not None]
    except PermanentError as exc:
        raise PermanentJobError(f"the contribution system refused a query of {len(people)} people: {exc}") from exc
    if not records:
        return
    report = await store_contributions(
        session, records, now=ctx.clock.now(), actor=None, source=ContributionSource.CONNECTOR
    )
    _log(report)


async def queue_contribution_sync(session: AsyncSession, person_ids: Sequence[uuid.UUID], *, now: dt.datetime) -> None:
    """Ask for these people's contributions, in jobs of SYNC_BATCH written to the caller's transaction."""
    unique = list(dict.fromkeys(person_ids))
    for start in range(0, len(unique), SYNC_BATCH):
        await enqueue(session, sync_contributions, SyncContributions(unique[start : start + SYNC_BATCH]), now=now)


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
