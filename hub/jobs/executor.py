"""Run one outbox job exactly once in effect: claim its row, run the handler, mark it done, in one transaction."""

from __future__ import annotations

import enum
import logging
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.clock import Clock
from hub.db import Database, one_of
from hub.integrations import Connectors
from hub.jobs.models import JobState
from hub.jobs.outbox import OUTBOX  # the table: Core statements, without the ORM's bulk-update bookkeeping
from hub.jobs.registry import JobContext, JobSpec, PermanentJobError, get_job
from hub.metrics import JobMetrics

log = logging.getLogger(__name__)
MAX_ERROR_LENGTH = 2000
MERGE_SCAN = 20  # waiting jobs looked at when a job that merges is claimed


if TYPE_CHECKING:
    from hub.documents.intake import Intake


class Outcome(enum.StrEnum):
    DONE = "done"
    SKIPPED = "skipped"  # already finished, or unknown: a duplicate delivery
    RETRY = "retry"
    FAILED = "failed"


class JobFailed(Exception):
    """Raised to the broker so that it retries the message later, with backoff."""


class UnknownJobKind(Exception):
    """The outbox holds a job no handler in this process is declared for (a deployment out of step)."""


async def execute(
    db: Database,
    clock: Clock,
    job_id: int,
    *,
    max_attempts: int,
    metrics: JobMetrics,
    connectors: Connectors,
    intake: Intake | None = None,
) -> Outcome:
    """Claim, run and complete job `job_id`.

    The claim is an UPDATE of the pending row: on PostgreSQL it row-locks, so a second delivery of the same job
    waits, then finds it done and skips; if this worker dies, its transaction aborts, the lock goes, and the job
    is still pending for the sweeper. The handler's writes commit with the `done` mark or not at all.
    """
    started = time.perf_counter()
    kind = "unknown"
    try:
        async with db.transaction() as session:
            claimed = (
                await session.execute(
                    update(OUTBOX)
                    .where(OUTBOX.c.id == job_id, OUTBOX.c.state == JobState.PENDING.value)
                    .values(started_at=clock.now(), attempts=OUTBOX.c.attempts + 1)
                    .returning(OUTBOX.c.kind, OUTBOX.c.payload, OUTBOX.c.attempts, OUTBOX.c.created_at)
                )
            ).one_or_none()
            if claimed is None:
                metrics.observe("unknown", Outcome.SKIPPED, 0.0)  # the row says no more than that it is finished
                return Outcome.SKIPPED
            kind = claimed.kind
            spec = get_job(kind)
            if spec is None:
                raise UnknownJobKind(f"no handler for job kind {kind!r} in this process")
            context = JobContext(
                session=session,
                clock=clock,
                job_id=job_id,
                attempt=claimed.attempts,
                connectors=connectors,
                intake=intake,
            )
            payload, merged = spec.decode(claimed.payload), list[int]()
            if spec.merge is not None and claimed.attempts == 1:
                payload, merged = await _merge_waiting(session, spec, job_id, payload, clock)
            await spec.handler(context, payload)
            finished = clock.now()
            await session.execute(
                update(OUTBOX)
                .where(one_of(session, OUTBOX.c.id, [job_id, *merged]))
                .values(state=JobState.DONE.value, finished_at=finished, last_error=None)
            )
        metrics.observe(kind, Outcome.DONE, time.perf_counter() - started, (finished - claimed.created_at))
        return Outcome.DONE
    except Exception as exc:  # any failure of a handler is recorded on its job, then reported to the broker
        spec = get_job(kind)
        limit = spec.max_attempts if spec is not None and spec.max_attempts is not None else max_attempts
        outcome = await _record_failure(db, clock, job_id, exc, max_attempts=limit)
        metrics.observe(kind, outcome, time.perf_counter() - started)
        return outcome


async def _merge_waiting(
    session: AsyncSession, spec: JobSpec[Any], job_id: int, payload: Any, clock: Clock
) -> tuple[Any, list[int]]:
    """Claim, in the job's transaction, the waiting jobs of its kind that fit in one payload with it: never tried,
    due, and not being claimed by another worker (skipped, not waited for). Their own messages, delivered later,
    find them done. If the run fails, the claims roll back with it: each runs on its own, and this job's retry
    runs alone (merging happens on a first attempt only), so one bad payload does not spend the others' attempts."""
    now = clock.now()
    waiting = await session.execute(
        select(OUTBOX.c.id, OUTBOX.c.payload)
        .where(
            OUTBOX.c.kind == spec.name,
            OUTBOX.c.state == JobState.PENDING.value,
            OUTBOX.c.attempts == 0,
            OUTBOX.c.available_at <= now,
            OUTBOX.c.id != job_id,
        )
        .order_by(OUTBOX.c.id)
        .limit(MERGE_SCAN)
        .with_for_update(skip_locked=True)
    )
    assert spec.merge is not None
    merged: list[int] = []
    for row in waiting:
        try:
            together = spec.merge(payload, spec.decode(row.payload))
        except PermanentJobError:
            continue  # a payload that does not decode fails on its own run, not this one
        if together is not None:
            payload = together
            merged.append(row.id)
    if merged:
        await session.execute(
            update(OUTBOX)
            .where(one_of(session, OUTBOX.c.id, merged))
            .values(started_at=now, attempts=OUTBOX.c.attempts + 1)
        )
    return payload, merged


async def _record_failure(db: Database, clock: Clock, job_id: int, exc: Exception, *, max_attempts: int) -> Outcome:
    message = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
    async with db.transaction() as session:
        attempts = await session.scalar(
            update(OUTBOX)
            .where(OUTBOX.c.id == job_id, OUTBOX.c.state == JobState.PENDING.value)
            .values(attempts=OUTBOX.c.attempts + 1, last_error=message)
            .returning(OUTBOX.c.attempts)
        )
        if attempts is None:
            return Outcome.SKIPPED
        if isinstance(exc, PermanentJobError) or attempts >= max_attempts:
            await session.execute(
                update(OUTBOX).where(OUTBOX.c.id == job_id).values(state=JobState.FAILED.value, finished_at=clock.now())
            )
            log.error("job %d failed for good after %d attempt(s): %s", job_id, attempts, message)
            return Outcome.FAILED
    log.warning("job %d attempt %d failed, will retry: %s", job_id, attempts, message, exc_info=exc)
    return Outcome.RETRY
