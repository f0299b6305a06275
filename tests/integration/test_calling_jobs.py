"""Jobs that call another system, on both backends: no transaction is held while they call, a delivery that was
taken over drops its answers, a second delivery within the lease is skipped, a failure hands back what it claimed,
and a Retry-After is honoured."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import func, select, update

from connectors import TransientError
from connectors.connections import Connectors
from hub.infra.metrics import Metrics
from hub.infra.settings import ConnectorSettings
from hub.jobs import CallContext, enqueue
from hub.jobs.executor import Outcome, execute
from hub.jobs.models import JobState, OutboxJob
from hub.jobs.outbox import time_to_wait
from hub.jobs.relay import relay_once
from hub.persons.models import Person
from tests.integration import jobfixtures
from tests.integration.jobfixtures import CallOut, call_out_job

LEASE = dt.timedelta(seconds=60)


@pytest.fixture
def other_system() -> Iterator[list[jobfixtures.OtherSystem]]:
    jobfixtures.other_system.clear()
    yield jobfixtures.other_system
    jobfixtures.other_system.clear()


async def run(db, clock, job_id: int) -> Outcome:
    return await execute(
        db,
        clock,
        job_id,
        max_attempts=3,
        metrics=Metrics(),
        connectors=Connectors(ConnectorSettings()),
        lease=LEASE,
    )


async def calls(db, clock, *requests: CallOut) -> list[int]:
    async with db.transaction() as session:
        return [await enqueue(session, call_out_job, request, now=clock.now()) for request in requests]


async def row(db, job_id: int) -> OutboxJob:
    async with db.sessions() as session:
        found = await session.get(OutboxJob, job_id)
        assert found is not None
        return found


async def people(db) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Person)) or 0)


async def test_no_connection_is_held_while_the_other_system_answers(db, clock, other_system):
    seen: list[int] = []

    async def slow(ctx: CallContext, request: CallOut) -> None:
        seen.append(db.engine.pool.checkedout())
        await asyncio.sleep(0.05)

    other_system.append(slow)
    (job_id,) = await calls(db, clock, CallOut([uuid.uuid4()]))
    assert await run(db, clock, job_id) is Outcome.DONE
    assert seen == [0]
    assert (await row(db, job_id)).state == JobState.DONE.value and await people(db) == 1


async def test_a_delivery_taken_over_while_it_called_drops_its_answers(db, clock, other_system):
    async def taken_over(ctx: CallContext, request: CallOut) -> None:
        # Another delivery claimed the job meanwhile (this one's lease ran out), and finished it.
        async with db.transaction() as session:
            await session.execute(
                update(OutboxJob)
                .where(OutboxJob.id == ctx.job_id)
                .values(attempts=OutboxJob.attempts + 1, state=JobState.DONE.value)
            )

    other_system.append(taken_over)
    (job_id,) = await calls(db, clock, CallOut([uuid.uuid4()]))
    assert await run(db, clock, job_id) is Outcome.SKIPPED
    assert await people(db) == 0  # what it was told is not stored


async def test_a_second_delivery_within_the_lease_is_skipped(db, clock, other_system):
    second: list[Outcome] = []

    async def duplicate_arrives(ctx: CallContext, request: CallOut) -> None:
        second.append(await run(db, clock, ctx.job_id))

    other_system.append(duplicate_arrives)
    (job_id,) = await calls(db, clock, CallOut([uuid.uuid4()]))
    assert await run(db, clock, job_id) is Outcome.DONE
    assert second == [Outcome.SKIPPED]
    assert (await row(db, job_id)).attempts == 1 and await people(db) == 1


async def test_a_delivery_whose_worker_died_is_taken_over_after_the_lease(db, clock, other_system):
    (job_id,) = await calls(db, clock, CallOut([uuid.uuid4()]))
    async with db.transaction() as session:  # claimed by a worker that died while it called
        await session.execute(
            update(OutboxJob).where(OutboxJob.id == job_id).values(attempts=1, started_at=clock.now())
        )
    assert await run(db, clock, job_id) is Outcome.SKIPPED
    clock.advance(LEASE)
    assert await run(db, clock, job_id) is Outcome.DONE
    assert (await row(db, job_id)).attempts == 2 and await people(db) == 1


async def test_a_failed_call_hands_back_the_jobs_it_merged(db, clock, other_system):
    async def down(ctx: CallContext, request: CallOut) -> None:
        raise TransientError("other system down", status=503)

    other_system.append(down)
    first, merged = await calls(db, clock, CallOut([uuid.uuid4()]), CallOut([uuid.uuid4()]))
    assert await run(db, clock, first) is Outcome.RETRY
    claimed, handed_back = await row(db, first), await row(db, merged)
    assert (claimed.attempts, claimed.started_at, claimed.state) == (1, None, JobState.PENDING.value)
    assert (handed_back.attempts, handed_back.started_at, handed_back.state) == (0, None, JobState.PENDING.value)
    other_system.clear()
    assert [await run(db, clock, job) for job in (first, merged)] == [Outcome.DONE, Outcome.DONE]
    assert await people(db) == 2


async def test_a_retry_after_is_honoured(db, clock, other_system, settings):
    async def busy(ctx: CallContext, request: CallOut) -> None:
        raise TransientError("too many requests", status=429, retry_after=90)

    other_system.append(busy)
    (job_id,) = await calls(db, clock, CallOut([uuid.uuid4()]))
    assert await run(db, clock, job_id) is Outcome.RESCHEDULED
    assert await time_to_wait(db, job_id, clock.now()) == dt.timedelta(seconds=90)
    # The sweeper does not send it again before then, however late it looks
    clock.advance(dt.timedelta(seconds=settings.outbox.redeliver_after_seconds + 1))
    broker = StubBroker()
    broker.declare_queue("default")
    assert (await relay_once(db, broker, clock, settings.outbox)).total == 0
    clock.advance(dt.timedelta(seconds=90))
    assert (await relay_once(db, broker, clock, settings.outbox)).sent == 1
    other_system.clear()
    assert await run(db, clock, job_id) is Outcome.DONE


async def test_a_long_job_commits_its_parts_and_keeps_its_lease_while_it_writes(db, clock, other_system):
    renewed: list[bool] = []

    async def long_work(ctx: CallContext, request: CallOut) -> None:
        clock.advance(LEASE * 0.75)
        async with ctx.writing() as session:  # a part of the work, committed on its own
            await session.execute(update(OutboxJob).where(OutboxJob.id == ctx.job_id).values(last_error="part 1"))
        clock.advance(LEASE * 0.75)  # past the first lease: the write renewed it
        renewed.append(await run(db, clock, ctx.job_id) is Outcome.SKIPPED)

    other_system.append(long_work)
    (job_id,) = await calls(db, clock, CallOut([uuid.uuid4()]))
    assert await run(db, clock, job_id) is Outcome.DONE
    assert renewed == [True] and (await row(db, job_id)).attempts == 1 and await people(db) == 1


async def test_a_long_job_taken_over_stops_at_its_next_write(db, clock, other_system):
    async def taken_over(ctx: CallContext, request: CallOut) -> None:
        clock.advance(LEASE)
        other_system.clear()
        assert await run(db, clock, ctx.job_id) is Outcome.DONE  # another delivery, after the lease, finishes it
        async with ctx.writing():
            raise AssertionError("a delivery taken over wrote again")

    other_system.append(taken_over)
    (job_id,) = await calls(db, clock, CallOut([uuid.uuid4()]))
    assert await run(db, clock, job_id) is Outcome.SKIPPED
    assert (await row(db, job_id)).attempts == 2
