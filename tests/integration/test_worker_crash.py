"""On PostgreSQL + Redis, with real `hub worker` processes: a job survives `kill -9` of its worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from hub.entry.broker import create_broker
from hub.entry.runtime import JobRuntime
from hub.infra.clock import SystemClock
from hub.infra.metrics import Metrics
from hub.jobs import enqueue
from hub.jobs.models import JobState, OutboxJob
from hub.jobs.outbox import Dispatcher, QueuedJob, publish
from hub.persons.models import Person
from tests.helpers import wait_until
from tests.integration.jobfixtures import CreatePerson, create_person_job

ROOT = Path(__file__).resolve().parents[2]
REDELIVER_AFTER = 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_worker(settings, log: Path, metrics_port: int | None = None) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HUB_ENV": "test",
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_BROKER_URL": settings.broker_url,
        "HUB_TOKEN_SECRET": settings.token_secret,
        "HUB_OUTBOX_POLL_SECONDS": "0.2",
        "HUB_OUTBOX_REDELIVER_AFTER_SECONDS": str(REDELIVER_AFTER),
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable,
        "-m",
        "hub",
        "worker",
        "--threads",
        "2",
        "--import",
        "tests.integration.jobfixtures",
    ]
    if metrics_port is not None:
        command += ["--metrics-port", str(metrics_port)]
    with log.open("ab") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgresql"])
async def test_job_is_done_exactly_once_when_its_worker_is_killed(settings, db, tmp_path):
    clock = SystemClock()
    broker = create_broker(
        JobRuntime(settings, clock, Metrics(), run_relay=False),
        extra_job_modules=["tests.integration.jobfixtures"],
    )
    db.add_commit_hook(Dispatcher(db, broker))
    marker, log = tmp_path / "running", tmp_path / "worker.log"
    person_id = uuid.uuid4()
    first = start_worker(settings, log)
    second = None
    try:
        # Given a job, committed with its cause, that a worker is in the middle of
        async with db.transaction() as session:
            job_id = await enqueue(
                session,
                create_person_job,
                CreatePerson(person_id, "Ngô Thị Lan", pause_marker=str(marker), pause_seconds=120),
                now=clock.now(),
            )

        async def running() -> bool:
            return marker.exists()

        await wait_until(running, timeout=30)
        # When that worker is killed outright
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        async with db.sessions() as session:
            row = await session.get(OutboxJob, job_id)
            assert row is not None
            assert (row.state, row.attempts) == (JobState.PENDING.value, 0), "the half-done run must roll back"
            assert await session.get(Person, person_id) is None
        # And another worker starts
        port = free_port()
        second = start_worker(settings, log, metrics_port=port)

        async def done() -> bool:
            async with db.sessions() as session:
                job = await session.get(OutboxJob, job_id)
                return job is not None and job.state == JobState.DONE.value

        await wait_until(done, timeout=60)
        # And the broker delivers the job again anyway
        await publish(broker, [QueuedJob(job_id, create_person_job.name, create_person_job.queue)])

        async def skipped() -> bool:
            async with httpx.AsyncClient() as http:
                try:
                    text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
                except httpx.TransportError:
                    return False
            return 'hub_jobs_total{kind="unknown",outcome="skipped"} 1.0' in text

        await wait_until(skipped, timeout=30)
        # Then the sweeper re-sent it, it ran to completion once, and its effect exists once
        async with db.sessions() as session:
            row = await session.get(OutboxJob, job_id)
            assert row is not None
            assert (row.state, row.attempts) == (JobState.DONE.value, 1)
            assert row.sends >= 2
            persons = await session.scalar(select(func.count()).select_from(Person).where(Person.id == person_id))
            assert persons == 1
        # And a worker asked to stop finishes cleanly
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0, log.read_text()
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
