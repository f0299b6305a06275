"""Jobs that failed for good, for operators: listed with their last error, and put back to run again (audited)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, JsonValue, record
from hub.clients.permissions import ClientKind, JurisdictionLevel, Principal
from hub.infra.errors import Forbidden
from hub.jobs.models import JobState, OutboxJob
from hub.jobs.outbox import OUTBOX

MAX_PAGE = 200
# Who sees failed jobs: their payloads name records of any province (a population check merges offices'
# batches), so only a national operator or supervisor; the records themselves carry their reasons in each domain.
VIEWERS = frozenset({ClientKind.OPERATOR, ClientKind.SUPERVISOR})


class NotFailed(Exception):
    """The job asked to be retried is not a failed one (unknown, pending or done)."""


@dataclass(frozen=True)
class FailedPage:
    jobs: list[OutboxJob]
    has_next: bool
    total: int


def may_see_failed_jobs(actor: Principal) -> bool:
    return actor.kind in VIEWERS and actor.jurisdiction.level is JurisdictionLevel.NATIONAL


async def failed_jobs(
    session: AsyncSession, *, actor: Principal | None, first: int = 50, after_id: int | None = None
) -> FailedPage:
    """Failed jobs, newest first (by id), `first` at most, after the job `after_id`; `actor` None: the command line."""
    if actor is not None and not may_see_failed_jobs(actor):
        raise Forbidden()
    limit = max(1, min(first, MAX_PAGE))
    query = select(OutboxJob).where(OutboxJob.state == JobState.FAILED.value)
    if after_id is not None:
        query = query.where(OutboxJob.id < after_id)
    rows: Sequence[OutboxJob] = (await session.scalars(query.order_by(OutboxJob.id.desc()).limit(limit + 1))).all()
    total = await session.scalar(select(func.count()).where(OutboxJob.state == JobState.FAILED.value))
    return FailedPage(list(rows[:limit]), len(rows) > limit, int(total or 0))


async def retry_job(session: AsyncSession, job_id: int, *, now: dt.datetime, actor: Principal | None) -> OutboxJob:
    """Put a failed job back to pending, its attempts and deliveries counted from zero and due now: the relay sends
    it on its next pass. Its last error stays until it runs. Recorded in the audit log."""
    if actor is not None and not may_see_failed_jobs(actor):
        raise Forbidden()
    retried = await session.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id == job_id, OUTBOX.c.state == JobState.FAILED.value)
        .values(
            state=JobState.PENDING.value,
            attempts=0,
            sends=0,
            sent_at=None,
            started_at=None,
            finished_at=None,
            available_at=now,
        )
        .returning(OUTBOX.c.id, OUTBOX.c.kind, OUTBOX.c.last_error)
    )
    row = retried.one_or_none()
    if row is None:
        raise NotFailed(f"job {job_id} is not a failed job")
    details: dict[str, JsonValue] = {"job": row.id, "kind": row.kind, "last_error": (row.last_error or "")[:500]}
    event = AuditEvent("jobs.retry", Purpose.ADMINISTRATION, None, details)
    await record(session, now=now, actor=actor, events=[event])
    return await session.get_one(OutboxJob, job_id, populate_existing=True)
