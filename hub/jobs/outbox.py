"""Write jobs into the outbox within the caller's transaction, and hand them to the broker once it commits."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import dramatiq
import redis
from sqlalchemy import ColumnElement, Insert, Table, bindparam, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.infra.db import Database, dialect_of, insert_for, insert_unnested, unnest_arrays
from hub.jobs.models import JobState, OutboxJob
from hub.jobs.registry import JobKind

P = TypeVar("P")
log = logging.getLogger(__name__)
_TO_DISPATCH = "outbox_dispatch"
OUTBOX = cast(Table, OutboxJob.__table__)
_JOB_INSERTS: dict[tuple[str, bool], Any] = {}
# What a broker raises when it cannot take a message: its own errors, Redis client errors, socket errors.
BROKER_ERRORS = (dramatiq.DramatiqError, redis.RedisError, OSError)


@dataclass(frozen=True)
class QueuedJob:
    id: int
    kind: str
    queue: str


async def enqueue(
    session: AsyncSession,
    kind: JobKind[P],
    payload: P,
    *,
    now: dt.datetime,
    dedup_key: str | None = None,
    delay: dt.timedelta | None = None,
) -> int:
    """Add a job to the caller's transaction and return its id; with a `dedup_key` seen before, the earlier job's id.

    If the database has a dispatcher, the job is marked sent now and published right after the commit; were the
    process to die in between, the sweeper sends it again. Otherwise, or for a kind left to the relay (`relayed`),
    the relay picks it up on its next poll.
    """
    values = job_row(session, kind, payload, now=now, delay=delay) | {"dedup_key": dedup_key}
    job_id: int | None = await session.scalar(_insert_job(session, values, deduplicated=dedup_key is not None), values)
    if job_id is None:
        existing: int | None = await session.scalar(select(OutboxJob.id).where(OutboxJob.dedup_key == dedup_key))
        assert existing is not None
        return existing
    job_written(session, kind, job_id, values)
    return job_id


def job_row(
    session: AsyncSession | None,
    kind: JobKind[P],
    payload: P,
    *,
    now: dt.datetime,
    delay: dt.timedelta | None = None,
) -> dict[str, Any]:
    """The outbox row of a job `enqueue` adds (see there), without a dedup key; once written, the caller hands its
    id to `job_written`. Without a `session` (a statement that commits by itself) the relay sends it."""
    dispatching = session is not None and bool(session.info.get("commit_hooks"))
    dispatch_now = dispatching and delay is None and not kind.relayed
    return {
        "kind": kind.name,
        "queue": kind.queue,
        "payload": kind.encode(payload),
        "dedup_key": None,
        "state": JobState.PENDING.value,
        "attempts": 0,
        "sends": 1 if dispatch_now else 0,
        "created_at": now,
        "available_at": now + delay if delay else now,
        "sent_at": now if dispatch_now else None,
    }


def job_written(session: AsyncSession, kind: JobKind[Any], job_id: int, row: dict[str, Any]) -> None:
    """Have the job `row` (of `job_row`), written as `job_id`, published after the commit if it is marked sent."""
    if row["sent_at"] is not None:
        session.info.setdefault(_TO_DISPATCH, []).append(QueuedJob(job_id, kind.name, kind.queue))


JOB_KEYS = (  # the columns `job_row` gives
    "kind",
    "queue",
    "payload",
    "dedup_key",
    "state",
    "attempts",
    "sends",
    "created_at",
    "available_at",
    "sent_at",
)
_PART = "job_"


def job_writing(when: ColumnElement[bool]) -> Insert:
    """The INSERT of a job without a dedup key, as `enqueue` writes it, as a part of a larger statement of the
    caller's (PostgreSQL, a data-modifying WITH) that returns its id, written only if `when` holds. Its values come
    from `job_values`; the caller hands the id to `job_written`."""
    return insert_unnested(OUTBOX, JOB_KEYS, prefix=_PART, when=when).returning(OUTBOX.c.id)


def job_values(row: dict[str, Any]) -> dict[str, list[Any]]:
    """The values of a statement that holds `job_writing`, for the job `row` (of `job_row`)."""
    return unnest_arrays(JOB_KEYS, [row], prefix=_PART)


def _insert_job(session: AsyncSession, values: dict[str, Any], *, deduplicated: bool) -> Any:
    """The INSERT of a job, built once per dialect: SQLAlchemy memoizes a statement's cache key, and working it out
    again for every enqueue was a noticeable part of short transactions."""
    key = (dialect_of(session), deduplicated)
    statement = _JOB_INSERTS.get(key)
    if statement is None:
        statement = insert_for(session)(OUTBOX).values({name: bindparam(name) for name in values})
        if deduplicated:
            statement = statement.on_conflict_do_nothing(index_elements=["dedup_key"])
        statement = _JOB_INSERTS[key] = statement.returning(OUTBOX.c.id)
    return statement


def message_for(job: QueuedJob) -> dramatiq.Message[Any]:
    """The broker message for a job: it carries only the job id; the outbox row is the truth."""
    return dramatiq.Message(queue_name=job.queue, actor_name=job.kind, args=(job.id,), kwargs={}, options={})


async def publish(broker: dramatiq.Broker, jobs: Sequence[QueuedJob]) -> None:
    """Send messages for `jobs`; the broker client is blocking, so it runs off the event loop."""

    def send_all() -> None:
        for job in jobs:
            broker.enqueue(message_for(job))

    await asyncio.to_thread(send_all)


class Dispatcher:
    """The commit hook that publishes a transaction's new jobs as soon as it has committed."""

    def __init__(self, db: Database, broker: dramatiq.Broker) -> None:
        self._db = db
        self._broker = broker

    async def __call__(self, session: AsyncSession) -> None:
        jobs: list[QueuedJob] = session.info.pop(_TO_DISPATCH, [])
        if not jobs:
            return
        try:
            await publish(self._broker, jobs)
        except BROKER_ERRORS:
            # The broker is down: hand the jobs back to the relay, which keeps trying.
            log.exception("could not publish %d job(s); the relay will send them", len(jobs))
            try:
                async with self._db.transaction() as retry:
                    await retry.execute(
                        update(OutboxJob).where(OutboxJob.id.in_([j.id for j in jobs])).values(sent_at=None, sends=0)
                    )
            except SQLAlchemyError:
                # The change itself is committed; the sweeper sends these jobs once their redelivery time passes.
                log.exception("could not hand jobs %s back to the relay", [j.id for j in jobs])


async def job_counts(db: Database) -> list[tuple[str, str, int]]:
    """How many jobs of each kind are in each state, for the metrics."""
    async with db.sessions() as session:
        rows = await session.execute(
            select(OutboxJob.kind, OutboxJob.state, func.count()).group_by(OutboxJob.kind, OutboxJob.state)
        )
        return [(kind, state, count) for kind, state, count in rows]


async def time_to_wait(db: Database, job_id: int, now: dt.datetime) -> dt.timedelta:
    """How long a pending job is to wait before it is run again (nothing, if it is due)."""
    async with db.sessions() as session:
        available_at = await session.scalar(select(OutboxJob.available_at).where(OutboxJob.id == job_id))
    return max(available_at - now, dt.timedelta(0)) if available_at is not None else dt.timedelta(0)
