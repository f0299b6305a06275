"""The relay sends outbox jobs that were never published; the sweeper re-sends those not finished in time."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

import dramatiq
from sqlalchemy import or_, select, update

from hub.infra.clock import Clock
from hub.infra.db import Database
from hub.infra.settings import OutboxSettings
from hub.jobs.models import JobState, OutboxJob
from hub.jobs.outbox import QueuedJob, publish
from hub.jobs.registry import get_job

log = logging.getLogger(__name__)
# A job re-sent and still not finished waits twice as long before the next resend, up to this: a job that merely
# waits its turn behind a long queue is not flooded with copies, nor given up on after a few windows.
MAX_RESEND_INTERVAL = dt.timedelta(hours=1)


def resend_interval(settings: OutboxSettings, sends: int) -> dt.timedelta:
    """How long after its `sends`-th delivery a job that has not finished is sent again."""
    base = dt.timedelta(seconds=settings.redeliver_after_seconds)
    doubled: dt.timedelta = base * 2 ** max(sends - 1, 0)
    return min(doubled, max(MAX_RESEND_INTERVAL, base))


def send_budget(kind: str, settings: OutboxSettings) -> int:
    """How many deliveries a job gets before the relay gives up on it: the outbox's `max_sends`, or as many as the
    job's own attempts where it is allowed more (outcomes are pushed to a registry for as long as it may be away)."""
    spec = get_job(kind)
    return max(settings.max_sends, spec.kind.max_attempts or 0) if spec is not None else settings.max_sends


@dataclass(frozen=True)
class RelayReport:
    sent: int = 0
    resent: int = 0
    given_up: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.resent + self.given_up


async def relay_once(db: Database, broker: dramatiq.Broker, clock: Clock, settings: OutboxSettings) -> RelayReport:
    """One pass over due jobs: never sent, or sent longer ago than `redeliver_after_seconds` and not finished.
    Each resend pushes the job's `available_at` out by `resend_interval`, so the next one comes later.

    Rows are locked with SKIP LOCKED, so several relays can run at once, and a job that a live worker is
    executing (its row locked by the worker's transaction) is never re-sent on PostgreSQL.
    """
    async with db.transaction() as session:
        now = clock.now()
        stale_before = now - dt.timedelta(seconds=settings.redeliver_after_seconds)
        rows = (
            await session.execute(
                select(OutboxJob.id, OutboxJob.kind, OutboxJob.queue, OutboxJob.sent_at, OutboxJob.sends)
                .where(
                    OutboxJob.state == JobState.PENDING.value,
                    OutboxJob.available_at <= now,
                    or_(OutboxJob.sent_at.is_(None), OutboxJob.sent_at < stale_before),
                )
                .order_by(OutboxJob.id)
                .limit(settings.batch_size)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not rows:
            return RelayReport()
        budgets = {r.id: send_budget(r.kind, settings) for r in rows}
        exhausted = [r for r in rows if r.sends >= budgets[r.id]]
        due = [r for r in rows if r.sends < budgets[r.id]]
        for budget, ids in _grouped((budgets[r.id], r.id) for r in exhausted).items():
            await session.execute(
                update(OutboxJob)
                .where(OutboxJob.id.in_(ids))
                .values(
                    state=JobState.FAILED.value,
                    finished_at=now,
                    last_error=f"not finished after {budget} deliveries; giving up",
                )
            )
            log.error("gave up on jobs %s after %d deliveries", ids, budget)
        for sends, ids in _grouped((r.sends, r.id) for r in due).items():
            await session.execute(
                update(OutboxJob)
                .where(OutboxJob.id.in_(ids))
                .values(sent_at=now, sends=sends + 1, available_at=now + resend_interval(settings, sends + 1))
            )
        if due:
            # Publishing before the commit: if it fails the transaction rolls back and the next pass retries;
            # if the commit fails after it, the worker finds the rows unchanged and runs them all the same.
            await publish(broker, [QueuedJob(r.id, r.kind, r.queue) for r in due])
        resent = sum(1 for r in due if r.sent_at is not None)
        if resent:
            log.warning("re-sent %d job(s) not finished within %.0fs", resent, settings.redeliver_after_seconds)
        return RelayReport(sent=len(due) - resent, resent=resent, given_up=len(exhausted))


def _grouped(jobs: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    """Job ids grouped by a count (how many times each was sent, or may be), from (count, id) pairs."""
    groups: dict[int, list[int]] = {}
    for sends, job_id in jobs:
        groups.setdefault(sends, []).append(job_id)
    return groups


async def run_relay(
    db: Database, broker: dramatiq.Broker, clock: Clock, settings: OutboxSettings, stop: asyncio.Event
) -> None:
    """Poll until `stop` is set; a full batch is followed at once by another pass."""
    while not stop.is_set():
        try:
            report = await relay_once(db, broker, clock, settings)
        except Exception:  # the relay must outlive any one failed pass (database, broker, pool timeout, bug)
            log.exception("relay pass failed; retrying in %.1fs", settings.poll_seconds)
            report = RelayReport()
        if report.total < settings.batch_size:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.poll_seconds)
