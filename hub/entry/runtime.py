"""What jobs need in a worker process, and the Dramatiq middleware that starts and stops it with the worker."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from typing import Any

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

from connectors.connections import Connectors
from hub.audit.sequencer import POLL_SECONDS as SEQUENCER_POLL_SECONDS
from hub.audit.sequencer import run_sequencer
from hub.documents.intake import Intake
from hub.infra.clock import Clock
from hub.infra.db import Database
from hub.infra.metrics import Metrics
from hub.infra.settings import Settings
from hub.jobs.registry import Resources
from hub.jobs.relay import run_relay
from hub.signatures.certificates import TrustCache
from hub.signatures.hub_identity import hub_identity
from signing.detached import MessageSigner
from signing.keys import SigningIdentity

log = logging.getLogger(__name__)


class JobRuntime:
    """Settings, clock and metrics for jobs; the database is opened lazily on the worker's own event loop."""

    def __init__(self, settings: Settings, clock: Clock, metrics: Metrics, *, run_relay: bool = True) -> None:
        self.settings = settings
        self.clock = clock
        self.metrics = metrics
        self.run_relay = run_relay
        self.sequencer_poll_seconds = SEQUENCER_POLL_SECONDS
        self._db: Database | None = None
        self._connectors: Connectors | None = None
        self._intake: Intake | None = None
        self._resources: Resources | None = None

    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.settings.database_url)
        return self._db

    def connectors(self) -> Connectors:
        if self._connectors is None:
            self._connectors = Connectors(self.settings.connectors, MessageSigner(self.identity()))
        return self._connectors

    def identity(self) -> SigningIdentity:
        return hub_identity(self.settings.documents, now=self.clock.now())

    def resources(self) -> Resources:
        """What jobs of some domain need from the process, by type: the evidence intake."""
        if self._resources is None:
            self._resources = Resources({Intake: self.intake})
        return self._resources

    def intake(self) -> Intake:
        """Verifies and stores the signed evidence jobs fetch (one trust store per worker process)."""
        if self._intake is None:
            documents = self.settings.documents
            trust = TrustCache(self.db(), max_age_seconds=documents.trust_refresh_seconds)
            self._intake = Intake(
                trust=trust,
                identity=self.identity(),
                max_bytes=documents.max_envelope_bytes,
                max_table_bytes=documents.max_table_bytes,
            )
        return self._intake

    async def close(self) -> None:
        if self._connectors is not None:
            await self._connectors.aclose()
            self._connectors = None
        if self._db is not None:
            await self._db.dispose()
            self._db = None
        self._intake = None  # its trust store reads through the database just closed


class RuntimeLifecycle(Middleware):
    """Starts the outbox relay and the audit sequencer on the worker's event loop when the worker boots; stops them
    and closes the database when the worker shuts down."""

    def __init__(self, runtime: JobRuntime) -> None:
        self.runtime = runtime
        self._stop: asyncio.Event | None = None
        self._relay: concurrent.futures.Future[None] | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        if not self.runtime.run_relay:
            return
        loop = _worker_loop()
        ready: concurrent.futures.Future[asyncio.Event] = concurrent.futures.Future()

        async def relay() -> None:
            self._stop = asyncio.Event()
            ready.set_result(self._stop)
            runtime = self.runtime
            # The audit sequencer runs beside the relay, in every worker process; one pass at a time chains, the
            # others find the head taken and skip their turn.
            await asyncio.gather(
                run_relay(runtime.db(), broker, runtime.clock, runtime.settings.outbox, self._stop),
                run_sequencer(runtime.db(), self._stop, poll_seconds=runtime.sequencer_poll_seconds),
            )

        self._relay = asyncio.run_coroutine_threadsafe(relay(), loop)
        self._relay.add_done_callback(_report_relay_end)
        ready.result(timeout=5)

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        loop = _worker_loop()
        if self._relay is not None and self._stop is not None:
            loop.call_soon_threadsafe(self._stop.set)
            try:
                self._relay.result(timeout=30)
            except concurrent.futures.TimeoutError:
                log.warning("the outbox relay did not stop within 30s")
            self._relay = self._stop = None
        asyncio.run_coroutine_threadsafe(self.runtime.close(), loop).result(timeout=30)


def _report_relay_end(future: concurrent.futures.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.critical(
            "the outbox relay or the audit sequencer stopped: jobs will not be re-sent, nor entries chained",
            exc_info=future.exception(),
        )


def _worker_loop() -> asyncio.AbstractEventLoop:
    thread = get_event_loop_thread()
    if thread is None:
        raise RuntimeError("the AsyncIO middleware must come before RuntimeLifecycle")
    return thread.loop
