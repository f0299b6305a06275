"""The transactional outbox on both backends: jobs commit with their cause, run once, survive lost messages."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import uuid

import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import func, select, update

from connectors.connections import Connectors
from hub.audit.purpose import Purpose
from hub.entry.worker import WorkerService
from hub.infra.metrics import Metrics
from hub.infra.settings import ConnectorSettings, OutboxSettings
from hub.jobs import enqueue
from hub.jobs.executor import Outcome, execute
from hub.jobs.models import JobState, OutboxJob
from hub.jobs.outbox import Dispatcher, QueuedJob, publish
from hub.jobs.relay import RelayReport, relay_once, resend_interval
from hub.persons.models import Gender, Person
from hub.persons.service import NewPerson, create_person
from tests.helpers import wait_until
from tests.integration.jobfixtures import CreatePeople, CreatePerson, create_people_job, create_person_job, patient_job

MOTHER = NewPerson("Trần Thị Mai", Gender.FEMALE, dt.date(1994, 2, 1), "48", "20242", "Số 3 Lê Lợi")


@pytest.fixture
async def worker(settings, clock):
    service = WorkerService(settings, clock, extra_job_modules=["tests.integration.jobfixtures"], threads=2)
    service.start()
    yield service
    await asyncio.to_thread(service.stop)


@pytest.fixture
def dispatching_db(db, worker):
    db.add_commit_hook(Dispatcher(db, worker.broker))
    return db


async def job_row(db, job_id) -> OutboxJob:
    async with db.sessions() as session:
        row = await session.get(OutboxJob, job_id)
        assert row is not None
        return row


async def wait_for_state(db, job_id, state: JobState, timeout: float = 20.0) -> OutboxJob:
    async def reached() -> bool:
        return (await job_row(db, job_id)).state == state.value

    await wait_until(reached, timeout=timeout)
    return await job_row(db, job_id)


async def count(db, model) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_job_commits_with_its_cause_and_runs_once(dispatching_db, clock):
    db = dispatching_db
    new_id = uuid.uuid4()
    # Given a state change and the job it causes, written in one transaction
    async with db.transaction() as session:
        cause = await create_person(session, now=clock.now(), actor=None, purpose=Purpose.SYSTEM, new=MOTHER)
        job_id = await enqueue(session, create_person_job, CreatePerson(new_id, "Trần Thị Bình"), now=clock.now())
    # When the worker has run it
    row = await wait_for_state(db, job_id, JobState.DONE)
    # Then the cause and the effect exist once each, the effect from one committed attempt
    assert row.attempts == 1 and row.last_error is None and row.finished_at is not None
    async with db.sessions() as session:
        person = await session.get(Person, new_id)
        assert person is not None and person.full_name == "Trần Thị Bình"
        assert await session.get(Person, cause.id) is not None
    assert await count(db, Person) == 2


async def test_duplicate_delivery_is_skipped(dispatching_db, clock, worker):
    db = dispatching_db
    new_id = uuid.uuid4()
    async with db.transaction() as session:
        job_id = await enqueue(session, create_person_job, CreatePerson(new_id, "Lê Văn Cường"), now=clock.now())
    await wait_for_state(db, job_id, JobState.DONE)
    # When the broker delivers the same job twice more
    await publish(worker.broker, [QueuedJob(job_id, create_person_job.name, create_person_job.queue)] * 2)

    async def skipped_twice() -> bool:
        samples = worker.runtime.metrics.jobs.labels("unknown", "skipped")._value.get()
        return bool(samples >= 2)

    await wait_until(skipped_twice)
    # Then nothing ran again
    assert (await job_row(db, job_id)).attempts == 1
    assert await count(db, Person) == 1


async def test_rolled_back_transaction_leaves_no_job(dispatching_db, clock, worker):
    db = dispatching_db
    with pytest.raises(RuntimeError, match="business rule"):
        async with db.transaction() as session:
            await enqueue(session, create_person_job, CreatePerson(uuid.uuid4(), "Phạm Văn Dũng"), now=clock.now())
            raise RuntimeError("business rule broken after the job was written")
    assert await count(db, OutboxJob) == 0
    # And nothing was published: a live worker consuming the queue has received no message at all
    await asyncio.sleep(1.0)
    assert await count(db, Person) == 0
    delivered = sum(
        sample.value for sample in worker.runtime.metrics.jobs.collect()[0].samples if sample.name == "hub_jobs_total"
    )
    assert delivered == 0


async def test_failed_attempt_is_retried(dispatching_db, clock):
    db = dispatching_db
    async with db.transaction() as session:
        job_id = await enqueue(
            session,
            create_person_job,
            CreatePerson(uuid.uuid4(), "Hoàng Thị Em", fail_attempts=1),
            now=clock.now(),
        )
    row = await wait_for_state(db, job_id, JobState.DONE)
    assert row.attempts == 2
    assert await count(db, Person) == 1


async def test_permanent_failure_is_not_retried(dispatching_db, clock):
    db = dispatching_db
    async with db.transaction() as session:
        job_id = await enqueue(
            session,
            create_person_job,
            CreatePerson(uuid.uuid4(), "X", permanent_failure=True),
            now=clock.now(),
        )
    row = await wait_for_state(db, job_id, JobState.FAILED)
    assert row.attempts == 1
    assert "refused for good" in (row.last_error or "")
    assert await count(db, Person) == 0


async def test_relay_sends_jobs_written_without_a_dispatcher(db, clock, worker):
    # Given a job written by a process with no broker (sent_at is empty)
    async with db.transaction() as session:
        job_id = await enqueue(session, create_person_job, CreatePerson(uuid.uuid4(), "Vũ Văn Giang"), now=clock.now())
    # Then the worker's relay publishes it (once) and it runs
    row = await wait_for_state(db, job_id, JobState.DONE)
    assert row.sends == 1


async def test_a_kind_left_to_the_relay_is_published_by_its_pass_not_at_the_commit(db, clock):
    # Given a database that publishes jobs at their commit, and a kind no caller waits on
    broker = StubBroker()
    broker.declare_queue("default")
    db.add_commit_hook(Dispatcher(db, broker))
    relayed = dataclasses.replace(create_person_job, relayed=True)
    async with db.transaction() as session:
        job_id = await enqueue(session, relayed, CreatePerson(uuid.uuid4(), "Lý Thị Thu"), now=clock.now())
        published = await enqueue(session, create_person_job, CreatePerson(uuid.uuid4(), "Lý Văn An"), now=clock.now())
    # Then only the other job was published at the commit; this one waits for the relay, unsent
    assert [json.loads(body)["args"] for body in broker.queues["default"].queue] == [[published]]
    row = await job_row(db, job_id)
    assert (row.sends, row.sent_at) == (0, None)
    # When the relay passes, it publishes it, once
    assert (await relay_once(db, broker, clock, OutboxSettings())).sent == 1
    assert sorted(json.loads(body)["args"][0] for body in broker.queues["default"].queue) == sorted([published, job_id])
    assert (await job_row(db, job_id)).sends == 1


async def test_lost_message_is_resent_by_the_sweeper(db, clock, worker, settings):
    # Given a job whose message was published to a broker that lost it
    black_hole = StubBroker()
    black_hole.declare_queue("default")
    db.add_commit_hook(Dispatcher(db, black_hole))
    async with db.transaction() as session:
        job_id = await enqueue(session, create_person_job, CreatePerson(uuid.uuid4(), "Đỗ Thị Hà"), now=clock.now())
    await asyncio.sleep(1.0)
    assert (await job_row(db, job_id)).state == JobState.PENDING.value
    # When more than the redelivery time passes
    clock.advance(dt.timedelta(seconds=settings.outbox.redeliver_after_seconds + 1))
    # Then the sweeper sends it again and it is done
    row = await wait_for_state(db, job_id, JobState.DONE)
    assert row.sends == 2 and row.attempts == 1


async def test_dedup_key_gives_one_job(db, clock):
    async with db.transaction() as session:
        first = await enqueue(
            session,
            create_person_job,
            CreatePerson(uuid.uuid4(), "A"),
            now=clock.now(),
            dedup_key="registration:42",
        )
    async with db.transaction() as session:
        second = await enqueue(
            session,
            create_person_job,
            CreatePerson(uuid.uuid4(), "B"),
            now=clock.now(),
            dedup_key="registration:42",
        )
    assert first == second
    assert await count(db, OutboxJob) == 1


async def relay_passes(db, clock, spec, passes: int, every: dt.timedelta) -> tuple[int, list[RelayReport]]:
    """Enqueue one job of `spec` whose messages never get run, and pass the relay (max_sends 2) over it."""
    settings = OutboxSettings(redeliver_after_seconds=1, max_sends=2)
    broker = StubBroker()
    broker.declare_queue("default")
    async with db.transaction() as session:
        job_id = await enqueue(session, spec, CreatePerson(uuid.uuid4(), "C"), now=clock.now())
    reports = []
    for _ in range(passes):
        reports.append(await relay_once(db, broker, clock, settings))
        clock.advance(every)
    return job_id, reports


async def test_sweeper_gives_up_after_max_sends(db, clock):
    job_id, reports = await relay_passes(db, clock, create_person_job, 3, dt.timedelta(seconds=2))
    assert [(r.sent, r.resent, r.given_up) for r in reports] == [(1, 0, 0), (0, 1, 0), (0, 0, 1)]
    row = await job_row(db, job_id)
    assert row.state == JobState.FAILED.value
    assert "not finished after 2 deliveries" in (row.last_error or "")


async def test_a_job_allowed_more_attempts_is_sent_as_many_times(db, clock):
    # A job whose own attempts (4) outnumber the outbox's deliveries (outcomes for a registry away for days)
    job_id, reports = await relay_passes(db, clock, patient_job, 5, dt.timedelta(hours=2))
    assert [(r.sent + r.resent, r.given_up) for r in reports] == [(1, 0), (1, 0), (1, 0), (1, 0), (0, 1)]
    assert "not finished after 4 deliveries" in ((await job_row(db, job_id)).last_error or "")


async def test_each_resend_waits_twice_as_long_as_the_one_before(db, clock):
    # Given a job whose messages never get run (a long queue, or a broker that loses them)
    settings = OutboxSettings(redeliver_after_seconds=10, max_sends=20)
    broker = StubBroker()
    broker.declare_queue("default")
    async with db.transaction() as session:
        await enqueue(session, create_person_job, CreatePerson(uuid.uuid4(), "D"), now=clock.now())
    # When the relay passes at these seconds after the first send
    sent_at = []
    for second in range(0, 80):
        report = await relay_once(db, broker, clock, settings)
        if report.sent or report.resent:
            sent_at.append(second)
        clock.advance(dt.timedelta(seconds=1))
    # Then it is sent, then re-sent once 10 s have passed, then 20 s, then 40 s: not once every window
    assert sent_at == [0, 11, 31, 71]
    assert resend_interval(settings, 20) == dt.timedelta(hours=1)


async def _run(db, clock, job_id: int) -> Outcome:
    return await execute(
        db, clock, job_id, max_attempts=3, metrics=Metrics(), connectors=Connectors(ConnectorSettings())
    )


async def _enqueue_people(db, clock, *requests: CreatePeople) -> list[int]:
    async with db.transaction() as session:
        return [await enqueue(session, create_people_job, request, now=clock.now()) for request in requests]


async def test_waiting_jobs_of_a_kind_run_with_the_one_claimed_up_to_what_fits(db, clock):
    people = [[uuid.uuid4()] for _ in range(3)] + [[uuid.uuid4(), uuid.uuid4()]]
    first, second, third, too_many = await _enqueue_people(db, clock, *(CreatePeople(p) for p in people))
    assert await _run(db, clock, first) is Outcome.DONE
    # The second and third fit with the first (three people); the fourth would make five and waits for its message.
    assert [(await job_row(db, j)).state for j in (first, second, third, too_many)] == [
        "done",
        "done",
        "done",
        "pending",
    ]
    assert (await job_row(db, second)).attempts == 1
    assert await count(db, Person) == 3
    assert await _run(db, clock, second) is Outcome.SKIPPED  # its own message, delivered later
    assert await _run(db, clock, too_many) is Outcome.DONE
    assert await count(db, Person) == 5


async def test_a_failed_merged_run_leaves_the_others_to_run_alone_and_retries_alone(db, clock):
    first, bad, other = await _enqueue_people(
        db, clock, CreatePeople([uuid.uuid4()]), CreatePeople([uuid.uuid4()], fail=True), CreatePeople([uuid.uuid4()])
    )
    assert await _run(db, clock, first) is Outcome.RETRY  # merged with the bad one (and the other)
    assert [(await job_row(db, j)).attempts for j in (first, bad, other)] == [1, 0, 0]
    assert await _run(db, clock, other) is Outcome.RETRY  # a first attempt: merged with the bad one, never tried
    assert [(await job_row(db, j)).attempts for j in (first, bad, other)] == [1, 0, 1]
    assert [await _run(db, clock, j) for j in (first, other)] == [Outcome.DONE, Outcome.DONE]  # retries run alone
    assert await count(db, Person) == 2
    assert [await _run(db, clock, bad) for _ in range(3)] == [Outcome.RETRY, Outcome.RETRY, Outcome.FAILED]


async def test_a_waiting_payload_that_does_not_decode_is_left_to_fail_on_its_own(db, clock):
    good, bad = await _enqueue_people(db, clock, CreatePeople([uuid.uuid4()]), CreatePeople([uuid.uuid4()]))
    async with db.transaction() as session:
        await session.execute(update(OutboxJob).where(OutboxJob.id == bad).values(payload={"people": ["not-an-id"]}))
    assert await _run(db, clock, good) is Outcome.DONE
    assert ((await job_row(db, bad)).state, (await job_row(db, bad)).attempts) == ("pending", 0)
    assert await _run(db, clock, bad) is Outcome.FAILED
    assert await count(db, Person) == 1
