"""A worker: Dramatiq worker threads plus the outbox relay; run alone (`hub worker`) or inside `hub serve`."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterable

import dramatiq

from hub.entry.broker import create_broker
from hub.entry.runtime import JobRuntime
from hub.infra.clock import Clock
from hub.infra.metrics import Metrics
from hub.infra.settings import Settings

log = logging.getLogger(__name__)
WORKER_TIMEOUT_MS = 200  # how long an idle consumer blocks; also how fast a stop is noticed


class WorkerService:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        *,
        metrics: Metrics | None = None,
        extra_job_modules: Iterable[str] = (),
        run_relay: bool = True,
        threads: int | None = None,
    ) -> None:
        self.runtime = JobRuntime(settings, clock, metrics or Metrics(), run_relay=run_relay)
        self.broker = create_broker(self.runtime, extra_job_modules=extra_job_modules)
        self._threads = threads or settings.worker_threads
        self._worker: dramatiq.Worker | None = None

    def start(self) -> None:
        self._worker = dramatiq.Worker(self.broker, worker_threads=self._threads, worker_timeout=WORKER_TIMEOUT_MS)
        self._worker.start()
        log.info("worker started: %d threads, queues %s", self._threads, sorted(self.broker.get_declared_queues()))

    def join(self, queues: Iterable[str] | None = None, *, timeout_ms: int = 30_000) -> None:
        """Wait until the queues are drained and the workers idle (in-process broker only; for tests and demos)."""
        assert self._worker is not None
        for queue in queues or self.broker.get_declared_queues():
            self.broker.join(queue, timeout=timeout_ms)
        self._worker.join()

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
            log.info("worker stopped")

    def run_forever(self) -> None:
        """Run until SIGINT or SIGTERM, then finish the jobs in hand and stop."""
        stopping = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stopping.set())
        self.start()
        stopping.wait()
        self.stop()
