"""Run one outbox job exactly once in effect: claim its row, run the handler, mark it done.

A job that works on the database alone runs in one transaction: the claim, the handler's writes and the `done`
mark commit together or not at all. A job that calls another system (`calling_job`) holds no transaction while it
calls: the claim commits first (with a lease), the handler reads in short transactions, calls, and stores the
answers in the transaction that marks it done, fenced by the attempt it claimed.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from connectors import TransientError
from connectors.connections import Connectors
from hub.infra.clock import Clock
from hub.infra.db import Database, one_of
from hub.infra.metrics import JobMetrics
from hub.jobs.models import JobState
from hub.jobs.outbox import OUTBOX  # the table: Core statements, without the ORM's bulk-update bookkeeping
from hub.jobs.registry import JobContext, JobSpec, PermanentJobError, Resources, Superseded, get_job

log = logging.getLogger(__name__)
MAX_ERROR_LENGTH = 2000
MERGE_SCAN = 20  # waiting jobs looked at when a job that merges is claimed
# How long a job that calls out is left to its worker before another delivery may take it over (the relay re-sends
# a job not finished after HUB_OUTBOX_REDELIVER_AFTER_SECONDS, which is what the callers pass).
DEFAULT_LEASE = dt.timedelta(seconds=120)


class Outcome(enum.StrEnum):
    DONE = "done"
    SKIPPED = "skipped"  # already finished or taken over, or unknown: a duplicate delivery
    RETRY = "retry"
    RESCHEDULED = "rescheduled"  # to retry no sooner than the other system said (hub.jobs.outbox.time_to_wait)
    FAILED = "failed"


class JobFailed(Exception):
    """Raised to the broker so that it retries the message later, with backoff."""


class UnknownJobKind(Exception):
    """The outbox holds a job no handler in this process is declared for (a deployment out of step)."""


@dataclass(frozen=True)
class _Claim:
    kind: str
    payload: Any
    attempts: int
    created_at: dt.datetime


async def execute(
    db: Database,
    clock: Clock,
    job_id: int,
    *,
    max_attempts: int,
    metrics: JobMetrics,
    connectors: Connectors,
    resources: Resources | None = None,
    lease: dt.timedelta = DEFAULT_LEASE,
) -> Outcome:
    """Claim, run and complete job `job_id`.

    The claim is an UPDATE of the pending row: on PostgreSQL it row-locks, so a second delivery of the same job
    waits, then finds it done and skips; if this worker dies, its transaction aborts, the lock goes, and the job
    is still pending for the sweeper. A job that calls out commits its claim and is left alone for `lease`.
    """
    started = time.perf_counter()
    kind, calls_out = "unknown", False
    resources = resources or Resources()
    merged: list[int] = []
    try:
        async with db.transaction() as session:
            claim = await _claim(session, clock, job_id, lease)
            if claim is None:
                metrics.observe("unknown", Outcome.SKIPPED, 0.0)  # the row says no more than that it is finished
                return Outcome.SKIPPED
            kind = claim.kind
            spec = get_job(kind)
            if spec is None:
                raise UnknownJobKind(f"no handler for job kind {kind!r} in this process")
            calls_out = spec.calling is not None
            context = JobContext(session, clock, job_id, claim.attempts, connectors, resources)
            payload = spec.kind.decode(claim.payload)
            if spec.kind.merge is not None and claim.attempts == 1:
                payload, merged = await _merge_waiting(session, spec, job_id, payload, clock)
            if spec.handler is not None:
                await spec.handler(context, payload)
                await _mark_done(session, clock, job_id, merged, attempts=None)
        if spec.calling is not None:
            calling = _Calling(db, clock, job_id, claim.attempts, connectors, resources, merged)
            await spec.calling(calling, payload)
            await calling.finish()
        metrics.observe(kind, Outcome.DONE, time.perf_counter() - started, clock.now() - claim.created_at)
        return Outcome.DONE
    except Superseded:
        log.info("job %d was taken over by another delivery while it called out; its answers are dropped", job_id)
        metrics.observe(kind, Outcome.SKIPPED, time.perf_counter() - started)
        return Outcome.SKIPPED
    except Exception as exc:  # any failure of a handler is recorded on its job, then reported to the broker
        spec = get_job(kind)
        limit = spec.kind.max_attempts if spec is not None and spec.kind.max_attempts is not None else max_attempts
        failure = _Failure(exc, limit, claimed=calls_out, merged=merged if calls_out else [])
        outcome = await _record_failure(db, clock, job_id, failure)
        metrics.observe(kind, outcome, time.perf_counter() - started)
        return outcome


async def _claim(session: AsyncSession, clock: Clock, job_id: int, lease: dt.timedelta) -> _Claim | None:
    """Take the pending job: one more attempt, started now. A job another worker started less than `lease` ago
    (one that calls out, whose claim is committed) is left to it."""
    now = clock.now()
    claimed = (
        await session.execute(
            update(OUTBOX)
            .where(
                OUTBOX.c.id == job_id,
                OUTBOX.c.state == JobState.PENDING.value,
                or_(OUTBOX.c.started_at.is_(None), OUTBOX.c.started_at <= now - lease),
            )
            .values(started_at=now, attempts=OUTBOX.c.attempts + 1)
            .returning(OUTBOX.c.kind, OUTBOX.c.payload, OUTBOX.c.attempts, OUTBOX.c.created_at)
        )
    ).one_or_none()
    return None if claimed is None else _Claim(claimed.kind, claimed.payload, claimed.attempts, claimed.created_at)


async def _mark_done(
    session: AsyncSession, clock: Clock, job_id: int, merged: list[int], *, attempts: int | None
) -> None:
    """Mark the job and those merged into it done. With `attempts`, only if the job is still the one this delivery
    claimed (fenced by its attempt number): else `Superseded`."""
    finished = clock.now()
    fence = [] if attempts is None else [OUTBOX.c.state == JobState.PENDING.value, OUTBOX.c.attempts == attempts]
    done = await session.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id == job_id, *fence)
        .values(state=JobState.DONE.value, finished_at=finished, last_error=None)
        .returning(OUTBOX.c.id)
    )
    if done.one_or_none() is None:
        raise Superseded(job_id)
    if merged:
        await session.execute(
            update(OUTBOX)
            .where(one_of(session, OUTBOX.c.id, merged), OUTBOX.c.state == JobState.PENDING.value)
            .values(state=JobState.DONE.value, finished_at=finished, last_error=None)
        )


async def _renew_lease(session: AsyncSession, clock: Clock, job_id: int, attempt: int) -> None:
    """Start the job's lease again, if this delivery (its attempt) still holds it: else `Superseded`. On PostgreSQL
    the row stays locked until the transaction ends, so a delivery taking the job over waits for it."""
    renewed = await session.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id == job_id, OUTBOX.c.state == JobState.PENDING.value, OUTBOX.c.attempts == attempt)
        .values(started_at=clock.now())
        .returning(OUTBOX.c.id)
    )
    if renewed.one_or_none() is None:
        raise Superseded(job_id)


@dataclass
class _Calling:
    """The CallContext of a job that calls out (hub.jobs.registry.CallContext)."""

    db: Database
    clock: Clock
    job_id: int
    attempt: int
    connectors: Connectors
    resources: Resources
    merged: list[int] = field(default_factory=list)
    completed: bool = False

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self.db.transaction() as session:
            yield session

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        async with self.db.transaction() as session:
            await _renew_lease(session, self.clock, self.job_id, self.attempt)
            yield session

    @asynccontextmanager
    async def completing(self) -> AsyncIterator[JobContext]:
        if self.completed:
            raise RuntimeError(f"job {self.job_id} completed twice")
        async with self.db.transaction() as session:
            await _mark_done(session, self.clock, self.job_id, self.merged, attempts=self.attempt)
            yield JobContext(session, self.clock, self.job_id, self.attempt, self.connectors, self.resources)
        self.completed = True

    async def finish(self) -> None:
        """Mark the job done if its handler had nothing to store."""
        if not self.completed:
            async with self.completing():
                pass


async def _merge_waiting(
    session: AsyncSession, spec: JobSpec[Any], job_id: int, payload: Any, clock: Clock
) -> tuple[Any, list[int]]:
    """Claim, in the job's transaction, the waiting jobs of its kind that fit in one payload with it: never tried,
    due, and not being claimed by another worker (skipped, not waited for). Their own messages, delivered later,
    find them done. If the run fails, the claims are undone: each runs on its own, and this job's retry runs alone
    (merging happens on a first attempt only), so one bad payload does not spend the others' attempts."""
    now = clock.now()
    kind = spec.kind
    waiting = await session.execute(
        select(OUTBOX.c.id, OUTBOX.c.payload)
        .where(
            OUTBOX.c.kind == kind.name,
            OUTBOX.c.state == JobState.PENDING.value,
            OUTBOX.c.attempts == 0,
            OUTBOX.c.available_at <= now,
            OUTBOX.c.id != job_id,
        )
        .order_by(OUTBOX.c.id)
        .limit(MERGE_SCAN)
        .with_for_update(skip_locked=True)
    )
    assert kind.merge is not None
    merged: list[int] = []
    for row in waiting:
        try:
            together = kind.merge(payload, kind.decode(row.payload))
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


@dataclass(frozen=True)
class _Failure:
    error: Exception
    max_attempts: int
    claimed: bool  # the attempt was already counted by a committed claim (a job that calls out)
    merged: list[int]  # jobs merged into it by that claim, to hand back


async def _record_failure(db: Database, clock: Clock, job_id: int, failure: _Failure) -> Outcome:
    exc = failure.error
    message = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
    now = clock.now()
    retry_after = exc.retry_after if isinstance(exc, TransientError) else None
    async with db.transaction() as session:
        attempts = await session.scalar(
            update(OUTBOX)
            .where(OUTBOX.c.id == job_id, OUTBOX.c.state == JobState.PENDING.value)
            # The lease is released: the retry may run at once (or when the other system said).
            .values(attempts=OUTBOX.c.attempts + (0 if failure.claimed else 1), last_error=message, started_at=None)
            .returning(OUTBOX.c.attempts)
        )
        if failure.merged:
            await session.execute(
                update(OUTBOX)
                .where(one_of(session, OUTBOX.c.id, failure.merged), OUTBOX.c.state == JobState.PENDING.value)
                .values(attempts=OUTBOX.c.attempts - 1, started_at=None)
            )
        if attempts is None:
            return Outcome.SKIPPED
        if isinstance(exc, PermanentJobError) or attempts >= failure.max_attempts:
            await session.execute(
                update(OUTBOX).where(OUTBOX.c.id == job_id).values(state=JobState.FAILED.value, finished_at=now)
            )
            log.error("job %d failed for good after %d attempt(s): %s", job_id, attempts, message)
            return Outcome.FAILED
        if retry_after:
            # The other system said when: the broker retries then, and the sweeper does not re-send it sooner.
            await session.execute(
                update(OUTBOX).where(OUTBOX.c.id == job_id).values(available_at=now + dt.timedelta(seconds=retry_after))
            )
    if retry_after:
        log.warning("job %d attempt %d: asked to wait %.0fs: %s", job_id, attempts, retry_after, message)
        return Outcome.RESCHEDULED
    log.warning("job %d attempt %d failed, will retry: %s", job_id, attempts, message, exc_info=exc)
    return Outcome.RETRY
