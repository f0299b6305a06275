"""The Dramatiq broker, configured in this one module: Redis in production, in-process by default.

Jobs are declared with `@job` (hub.jobs.registry) rather than `@dramatiq.actor`, so no actor ever binds to a
broker at import time; `create_broker` declares one actor per job on the broker it builds.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterable

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AgeLimit, AsyncIO, Callbacks, Retries, ShutdownNotifications, TimeLimit

from hub.entry.discovery import import_from_every_domain
from hub.entry.runtime import JobRuntime, RuntimeLifecycle
from hub.infra.settings import BrokerKind
from hub.jobs.executor import JobFailed, Outcome, execute
from hub.jobs.outbox import time_to_wait
from hub.jobs.registry import registered_jobs

MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 5 * 60 * 1_000
JOB_TIME_LIMIT_MS = 10 * 60 * 1_000


def create_broker(runtime: JobRuntime, *, extra_job_modules: Iterable[str] = ()) -> dramatiq.Broker:
    """Build the broker for `runtime.settings`, with one actor per declared job, and make it the global one."""
    import_from_every_domain("jobs")  # each domain's jobs and listeners (hub.entry.discovery)
    for module in extra_job_modules:
        importlib.import_module(module)
    settings = runtime.settings
    middleware = [
        AgeLimit(),
        TimeLimit(time_limit=JOB_TIME_LIMIT_MS),
        ShutdownNotifications(),
        Callbacks(),
        Retries(max_retries=settings.outbox.max_attempts, min_backoff=MIN_BACKOFF_MS, max_backoff=MAX_BACKOFF_MS),
        AsyncIO(),
        # After AsyncIO: its shutdown hook runs first (Dramatiq runs "after" hooks in reverse), while the loop lives.
        RuntimeLifecycle(runtime),
    ]
    broker: dramatiq.Broker
    if settings.broker_kind is BrokerKind.REDIS:
        broker = RedisBroker(url=settings.broker_url, middleware=middleware)  # type: ignore[no-untyped-call]
    else:
        broker = StubBroker(middleware=middleware)
    for spec in registered_jobs():
        dramatiq.Actor(
            _actor_function(runtime, spec.name),
            broker=broker,
            actor_name=spec.name,
            queue_name=spec.kind.queue,
            priority=0,
            options={},
        )
    dramatiq.set_broker(broker)
    return broker


def _actor_function(runtime: JobRuntime, name: str):  # type: ignore[no-untyped-def]
    async def run_job(job_id: int) -> None:
        outcome = await execute(
            runtime.db(),
            runtime.clock,
            job_id,
            max_attempts=runtime.settings.outbox.max_attempts,
            metrics=runtime.metrics,
            connectors=runtime.connectors(),
            resources=runtime.resources(),
            lease=dt.timedelta(seconds=runtime.settings.outbox.redeliver_after_seconds),
        )
        if outcome is Outcome.RESCHEDULED:
            wait = await time_to_wait(runtime.db(), job_id, runtime.clock.now())
            raise dramatiq.Retry(f"job {job_id} ({name}) waits as asked", delay=int(wait.total_seconds() * 1000))
        if outcome is Outcome.RETRY:
            raise JobFailed(f"job {job_id} ({name}) failed; the broker will retry it")

    run_job.__qualname__ = run_job.__name__ = name.replace(".", "_")
    return run_job
