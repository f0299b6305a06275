"""Prometheus metrics: HTTP requests, GraphQL operations, jobs run in this process, the outbox by state, and the
audit entries waiting for the sequencer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class JobMetrics(Protocol):
    def observe(
        self, kind: str, outcome: str, run_seconds: float, queue_latency: dt.timedelta | None = None
    ) -> None: ...


class Metrics:
    """One registry per process (or per app in tests), so that nothing is global."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "hub_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.http_latency = Histogram(
            "hub_http_request_seconds",
            "HTTP request latency",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.graphql_operations = Counter(
            "hub_graphql_operations_total", "GraphQL operations", ["type", "result"], registry=self.registry
        )
        self.jobs = Counter(
            "hub_jobs_total",
            "Jobs run by this process, by outcome",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.job_run_seconds = Histogram(
            "hub_job_run_seconds",
            "Time to run a job",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.job_queue_seconds = Histogram(
            "hub_job_queue_seconds",
            "Time from enqueue to completion",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.outbox_jobs = Gauge(
            "hub_outbox_jobs",
            "Jobs in the outbox, by kind and state",
            ["kind", "state"],
            registry=self.registry,
        )

        self.audit_unsequenced = Gauge(
            "hub_audit_unsequenced_entries",
            "Audit entries recorded and not yet chained by the sequencer",
            registry=self.registry,
        )
        self.audit_lag = Gauge(
            "hub_audit_unsequenced_oldest_seconds",
            "Age of the oldest audit entry not yet chained: how long an entry is unprotected by the chain",
            registry=self.registry,
        )

    def observe(self, kind: str, outcome: str, run_seconds: float, queue_latency: dt.timedelta | None = None) -> None:
        self.jobs.labels(kind, outcome).inc()
        self.job_run_seconds.labels(kind).observe(run_seconds)
        if queue_latency is not None:
            self.job_queue_seconds.labels(kind).observe(queue_latency.total_seconds())

    def set_outbox(self, counts: Iterable[tuple[str, str, int]]) -> None:
        """The outbox's job counts by kind and state (hub.jobs.outbox.job_counts: the one place that knows about
        every process's jobs)."""
        self.outbox_jobs.clear()
        for kind, state, count in counts:
            self.outbox_jobs.labels(kind, state).set(count)

    def set_audit_backlog(self, entries: int, oldest_seconds: float) -> None:
        """The audit log's entries waiting for the sequencer, and the age of the oldest (hub.audit.service.backlog)."""
        self.audit_unsequenced.set(entries)
        self.audit_lag.set(oldest_seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
