"""Benchmark of the child-card flow, birth registration to card issued, on PostgreSQL + Redis as deployed.

    python -m bench.childcards [--quick] [--records N] [--latency-seconds S] [--workers W] [--threads T]
                               [--batch B] [--callers C] [--py-spy PATH] ...

It starts, as separate processes: the population-database and civil-registry simulators (`hub simulate`, the
population one loaded with the same generated population), one web process (`hub serve`) and W job workers
(`hub worker`), on a dedicated database (dropped and recreated) and Redis database (flushed at start and end), after
`hub migrate` and `hub catalog import-facilities` (generated facilities). It builds the registrations of the children
under 6 of a generated population (`devkit.workloads.childcards`): office (the legacy commune before 1/7/2025), book
and number unique, mother, father or registrant, a facility of the province taking children. Births spread over the
34 provinces as people do (one province alone would need ~40 M generated people for 100,000 children), so it
registers one civil-registry client per province (jurisdiction province:NN) and each batch holds one province's
records.

Then it measures:
1. latency at an offered load (default 200 registrations/s, 20 a call, open loop with at most 64 calls in flight):
   for each record, from its intake call being sent (client clock, UTC) to the case's `issued_at` (server clock,
   UTC): p50, p95 (a card never issued counts as infinitely late);
2. sustained throughput, the drain: batches of up to 1,000 records from a few concurrent callers, from the first
   submit until every accepted case is CARD_ISSUED (counted in the database): cards per second, and the minutes a
   backlog of 1,500,000 registrations takes at that rate (full: a drain of 100,000; `--quick`: 2,000 and 5 s of
   offered load, and the JSON says quick).

Both steps run with the resident memory of the web and worker processes sampled (bench.memory): the highest RSS of
any one process of each, and the most one held 2 s after the drain (issue 22: under 300 MB in steady traffic).

Progress goes to stderr, with where the time went (CPU by process and per registration, database sessions by what
they wait on, rows each table had inserted and updated per registration with the share of HOT updates, jobs by
kind, and with --py-spy a profile of the web and one worker process); the last line on stdout is one JSON object:
{"cards_per_s": ..., "p50_ms": ..., "p95_ms": ..., "backlog_minutes": ..., "records": ..., "quick": ...,
"web_processes": 1, "worker_processes": 2, ..., "web_peak_rss_mb": ..., "web_settled_rss_mb": ...,
"worker_peak_rss_mb": ..., "worker_settled_rss_mb": ...}
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import json
import math
import os
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from bench import deployment as deploying
from bench.cpu import CpuMeter, cpu_report
from bench.deployment import Deployment, Services
from bench.measuring import (
    POLL_S,
    PROGRESS_S,
    ActivitySampler,
    AutovacuumStandIn,
    job_report,
    percentile,
    table_writes,
    table_writes_report,
    wait_jobs_drained,
)
from bench.memory import Memory, sampling
from bench.processes import Process, log
from devkit.synthetic import generate_facilities
from devkit.workloads.childcards import USABLE_SHARE, Population, Registration, build_population
from hub.infra.clock import SystemClock, vietnam_date

QUICK_RECORDS = 2_000
FULL_RECORDS = 100_000
BACKLOG_RECORDS = 1_500_000
WARMUP_BATCHES = 5
STALL_S = 90.0  # no card issued for this long: the run is stuck, stop waiting
LATENCY_WAIT_S = 1800.0
MAX_IN_FLIGHT = 64  # open-loop sender: more concurrent calls than this means the hub cannot keep up
SUBMIT = (
    "mutation Submit($records: [BirthRegistrationInput!]!) { submitBirthRegistrations(records: $records) "
    "{ accepted rejected results { accepted caseReference state errors { code } } } }"
)


@dataclass(frozen=True)
class Config:
    quick: bool
    drain_records: int
    latency_seconds: float
    rate: float
    latency_batch: int
    batch: int
    callers: int
    workers: int
    threads: int
    seed: int
    services: Services
    keep_logs: bool
    py_spy: str | None
    vacuum_every: float

    @property
    def latency_records(self) -> int:
        return int(self.rate * self.latency_seconds)

    @property
    def wanted_records(self) -> int:
        """Registrations the run sends: the warm-up's, the offered load's and the drain's."""
        return self.drain_records + self.latency_records + WARMUP_BATCHES * self.latency_batch

    @property
    def people(self) -> int:
        """People to generate for that many registrations."""
        return math.ceil(self.wanted_records / USABLE_SHARE)


# -- batches and calls ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    province: str
    size: int
    body: bytes  # the request, encoded before the clock starts


def make_batches(registrations: Sequence[Registration], size: int, tokens: dict[str, str]) -> list[Batch]:
    """Batches of one province each (one client sends them), taken from the provinces in turn."""
    by_province: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for registration in registrations:
        by_province[registration.province].append(registration.record)
    chunks = {
        province: [records[i : i + size] for i in range(0, len(records), size)]
        for province, records in sorted(by_province.items())
    }
    batches: list[Batch] = []
    for turn in range(max((len(c) for c in chunks.values()), default=0)):
        for province, parts in chunks.items():
            if turn < len(parts) and province in tokens:
                body = json.dumps({"query": SUBMIT, "variables": {"records": parts[turn]}}, ensure_ascii=False)
                batches.append(Batch(province, len(parts[turn]), body.encode()))
    return batches


@dataclass
class Tally:
    """What the intake answered, call by call."""

    expected: int = 0  # accepted and RECEIVED: a card is due
    review: int = 0
    rejected: collections.Counter[str] = field(default_factory=collections.Counter)
    call_seconds: list[float] = field(default_factory=list)
    sent_at: dict[str, float] = field(default_factory=dict)  # case reference → epoch seconds its call was sent
    records: int = 0

    def add(self, results: list[dict[str, Any]], sent: float, seconds: float, *, keep_times: bool) -> None:
        self.call_seconds.append(seconds)
        self.records += len(results)
        for result in results:
            if result["state"] == "RECEIVED":
                self.expected += 1
                if keep_times:
                    self.sent_at[result["caseReference"]] = sent
            elif result["state"] == "NEEDS_REVIEW":
                self.review += 1
            elif result["errors"]:
                self.rejected.update(e["code"] for e in result["errors"])
            else:
                self.rejected[str(result["state"])] += 1


async def submit(
    client: httpx.AsyncClient, batch: Batch, tokens: dict[str, str]
) -> tuple[list[dict[str, Any]], float, float]:
    """Send one batch; (results, epoch seconds when it was sent, call seconds). A card can be issued before the
    answer is in: its latency counts from the send."""
    sent = time.time()
    started = time.perf_counter()
    response = await client.post(
        "/graphql",
        content=batch.body,
        headers={"Authorization": f"Bearer {tokens[batch.province]}", "Content-Type": "application/json"},
    )
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"intake answered HTTP {response.status_code}: {response.text[:500]}")
    data = response.json()
    if data.get("errors"):
        raise RuntimeError(f"intake answered errors: {json.dumps(data['errors'])[:500]}")
    results: list[dict[str, Any]] = data["data"]["submitBirthRegistrations"]["results"]
    return results, sent, seconds


# -- measuring ----------------------------------------------------------------------------------------------


COUNT_ISSUED = "SELECT count(*) FROM child_card_cases WHERE state = 'card_issued'"


# The tables the hub updates many times a second (the audit head, the BHXH code counters, outbox jobs) drag ever
# longer chains of dead versions without vacuuming, and the planner never learns how big the tables have grown.
VACUUMED_TABLES = (
    "audit_head",
    "bhxh_code_counters",
    "outbox_jobs",
    "child_card_cases",
    "child_card_case_events",
    "child_cards",
    "birth_registrations",
    "persons",
    "audit_log",
    "audit_chain",
    "audit_pending",
)


async def wait_cards(
    conn: asyncpg.Connection,
    count: Callable[[], Any],
    target: Callable[[], int],
    *,
    started: float,
    give_up_after: float,
    label: str,
    samples: list[tuple[float, int]] | None = None,
    intake_done: Callable[[], bool] = lambda: True,
    health: Callable[[], None] = lambda: None,
) -> float | None:
    """Poll until `count()` reaches `target()` and the intake is done; the seconds since `started`, or None on a
    stall or timeout."""
    last_change, last_value, next_progress = time.perf_counter(), -1, time.perf_counter() + PROGRESS_S
    while True:
        health()
        value = int(await count())
        now = time.perf_counter()
        if samples is not None:
            samples.append((now - started, value))
        if value >= target() and intake_done():
            return now - started
        if value != last_value:
            last_change, last_value = now, value
        elif now - last_change > STALL_S:
            log(f"  {label}: no progress for {STALL_S:.0f} s at {value:,}/{target():,}; giving up")
            return None
        if now - started > give_up_after:
            log(f"  {label}: not done within {give_up_after:.0f} s ({value:,}/{target():,}); giving up")
            return None
        if now >= next_progress:
            rate = value / (now - started) if now > started else 0.0
            log(f"  {label}: {now - started:6.1f} s  {value:>9,}/{target():,} cards  ({rate:,.0f}/s)")
            next_progress = now + PROGRESS_S
        await asyncio.sleep(POLL_S)


@dataclass
class LatencyResult:
    offered_per_s: float
    records: int
    latencies_ms: list[float]
    missing: int
    tally: Tally
    late_sends: int


async def latency_phase(
    cfg: Config, deployment: Deployment, conn: asyncpg.Connection, batches: Sequence[Batch], tokens: dict[str, str]
) -> LatencyResult:
    interval = cfg.latency_batch / cfg.rate
    baseline = int(await conn.fetchval(COUNT_ISSUED))  # the warm-up's: all issued before this run starts
    tally = Tally()
    in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
    late = 0
    async with httpx.AsyncClient(base_url=deployment.base_url, timeout=120.0) as client:

        async def send(batch: Batch) -> None:
            try:
                results, sent, seconds = await submit(client, batch, tokens)
                tally.add(results, sent, seconds, keep_times=True)
            finally:
                in_flight.release()

        tasks: list[asyncio.Task[None]] = []
        started = time.perf_counter()
        sent = 0
        for batch in batches:
            # Batches of one province can be short: the schedule follows records, not calls.
            delay = started + sent / cfg.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -interval:
                late += 1
            await in_flight.acquire()
            tasks.append(asyncio.create_task(send(batch)))
            sent += batch.size
        offered_seconds = time.perf_counter() - started
        await asyncio.gather(*tasks)
    offered = sent / max(offered_seconds + batches[-1].size / cfg.rate, 1e-9) if batches else 0.0
    log(f"  offered {offered:,.0f} registrations/s for {offered_seconds:.1f} s; waiting for the cards")
    references = list(tally.sent_at)
    done = await wait_cards(
        conn,
        lambda: _issued_since(conn, baseline),
        lambda: len(references),
        started=started,
        give_up_after=LATENCY_WAIT_S,  # the stall check (no card for STALL_S) normally ends it first
        label="latency",
        health=deployment.check_alive,
    )
    if done is None:
        log("  some cards of the latency run were not issued: they count as missing")
    rows = await conn.fetch(
        "SELECT reference, issued_at FROM child_card_cases WHERE reference = ANY($1::text[]) AND issued_at IS NOT NULL",
        references,
    )
    latencies = [1000 * (r["issued_at"].timestamp() - tally.sent_at[r["reference"]]) for r in rows]
    missing = len(references) - len(rows)
    # A card not issued yet is later than any issued: it counts, as infinitely late, in the percentiles.
    latencies += [math.inf] * missing
    return LatencyResult(offered, tally.records, latencies, missing, tally, late)


@dataclass
class DrainResult:
    tally: Tally
    intake_seconds: float
    cards_seconds: float | None
    jobs_seconds: float | None
    samples: list[tuple[float, int]]
    issued: int

    @property
    def issued_during_intake(self) -> int:
        """Cards issued while the intake was still taking records: how well issuance overlaps intake."""
        return max((n for t, n in self.samples if t <= self.intake_seconds), default=0)

    @property
    def cards_per_s(self) -> float | None:
        return self.tally.expected / self.cards_seconds if self.cards_seconds else None

    def steady_per_s(self) -> float | None:
        """The issuing rate between 10 % and 90 % of the cards: without the start and the tail."""
        target = self.tally.expected
        t10 = next((t for t, n in self.samples if n >= 0.1 * target), None)
        t90 = next((t for t, n in self.samples if n >= 0.9 * target), None)
        if t10 is None or t90 is None or t90 <= t10:
            return None
        return 0.8 * target / (t90 - t10)


async def drain_phase(
    cfg: Config, deployment: Deployment, conn: asyncpg.Connection, batches: Sequence[Batch], tokens: dict[str, str]
) -> DrainResult:
    tally = Tally()
    pending = collections.deque(batches)
    baseline = int(await conn.fetchval(COUNT_ISSUED))
    intake_seconds = 0.0
    total = sum(b.size for b in batches)
    async with httpx.AsyncClient(base_url=deployment.base_url, timeout=300.0) as client:

        async def caller() -> None:
            while pending:
                batch = pending.popleft()
                results, sent, seconds = await submit(client, batch, tokens)
                tally.add(results, sent, seconds, keep_times=False)

        started = time.perf_counter()
        callers = asyncio.gather(*(caller() for _ in range(cfg.callers)))

        def intake_done() -> bool:
            nonlocal intake_seconds
            if not callers.done():
                return False
            callers.result()  # an intake failure ends the run here
            if not intake_seconds:
                intake_seconds = time.perf_counter() - started
                log(f"  intake done: {total:,} records in {intake_seconds:.1f} s ({total / intake_seconds:,.0f}/s)")
            return True

        def health() -> None:
            deployment.check_alive()
            if callers.done():
                intake_done()

        samples: list[tuple[float, int]] = []
        try:
            cards_seconds = await wait_cards(
                conn,
                lambda: _issued_since(conn, baseline),
                # Every record until the intake has answered for all of them; then those accepted for a card.
                lambda: tally.expected if callers.done() else total,
                started=started,
                give_up_after=3600.0,
                label="drain",
                samples=samples,
                intake_done=intake_done,
                health=health,
            )
        finally:
            if not callers.done():
                callers.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await callers
        jobs_seconds = await wait_jobs_drained(
            conn, started=started, give_up_after=max(120.0, 2 * (cards_seconds or 60.0)), label="remaining jobs"
        )
    issued = samples[-1][1] if samples else 0
    return DrainResult(tally, intake_seconds, cards_seconds, jobs_seconds, samples, issued)


async def _issued_since(conn: asyncpg.Connection, baseline: int) -> int:
    return int(await conn.fetchval(COUNT_ISSUED)) - baseline


# -- set-up -----------------------------------------------------------------------------------------------------


def set_up(cfg: Config, deployment: Deployment) -> tuple[dict[str, str], Population]:
    """Everything up to a ready deployment with its data: simulators, database, facilities, clients, web, workers;
    the clients' tokens by province, and the registrations."""
    today = vietnam_date(SystemClock().now())
    log(f"starting simulators (population: {cfg.people:,} generated people, seed {cfg.seed})")
    population_sim = deployment.start_simulator(
        "population", "--seed", str(cfg.seed), "--people", str(cfg.people), name="population simulator"
    )
    registry_sim = deployment.start_simulator("civil-registry", name="registry simulator")
    deployment.configure(
        {
            "HUB_POPULATION_URL": population_sim.url,
            "HUB_CIVIL_REGISTRY_URL": registry_sim.url,
            "HUB_WORKER_THREADS": str(cfg.threads),
        }
    )
    deployment.reset()
    deployment.migrate()
    facilities = generate_facilities(cfg.seed, as_of=today)
    deployment.import_facilities(facilities)

    log("generating registrations")
    population = build_population(cfg.seed, cfg.people, facilities, today)
    log(
        f"  {len(population.registrations):,} registrations of {population.children_under_six:,} children under 6 "
        f"among {cfg.people:,} people in {population.seconds:.1f} s ({population.skipped_no_office:,} skipped: no "
        "legacy office or facility)"
    )
    provinces = {r.province for r in population.registrations}
    clients = {province: (f"bench-registry-{province}", f"province:{province}") for province in provinces}
    tokens = deployment.create_clients("civil_registry", clients)
    log(f"  {len(tokens)} civil-registry clients, one per province (jurisdiction province:NN)")

    log(f"starting 1 web process and {cfg.workers} worker processes x {cfg.threads} threads")
    deployment.start_web(1)
    deployment.start_workers(cfg.workers, cfg.threads)
    deployment.wait_simulator(registry_sim)
    deployment.wait_simulator(population_sim, timeout=600)
    return tokens, population


# -- profiles -------------------------------------------------------------------------------------------------

PROFILE_GROUPS = (
    ("hub/", "hub"),
    ("schema/", "hub schema"),
    ("connectors/", "hub connectors"),
    ("sqlalchemy/", "sqlalchemy"),
    ("asyncpg/", "asyncpg"),
    ("strawberry/", "strawberry"),
    ("graphql/", "graphql-core"),
    ("starlette/", "starlette"),
    ("uvicorn/", "uvicorn"),
    ("h11/", "h11"),
    ("httpx/", "httpx/httpcore"),
    ("httpcore/", "httpx/httpcore"),
    ("dramatiq/", "dramatiq"),
    ("redis/", "redis"),
    ("json/", "json"),
    ("asyncio/", "asyncio"),
    ("prometheus_client/", "prometheus"),
)


def start_profilers(cfg: Config, deployment: Deployment) -> list[Process]:
    """py-spy on the web process and the first worker, if asked for: samples of the thread holding the GIL (Python
    at work), as collapsed stacks. SQLAlchemy runs its ORM in greenlets, whose stacks py-spy shows cut at the
    greenlet, so the hub's inclusive figures leave out part of the ORM time beneath them."""
    if not cfg.py_spy:
        return []
    targets = [("web", deployment.webs[0].pid), ("worker-1", deployment.workers[0].pid)]
    return deployment.start_profilers(cfg.py_spy, targets, rate=50)


def profile_report(name: str, path: Path, top: int = 12) -> list[str]:
    """Where a profiled process spent its CPU: by library (self time) and by hub function (inclusive)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return [f"  {name}: no profile written"]
    total = 0
    by_group: collections.Counter[str] = collections.Counter()
    by_hub: collections.Counter[str] = collections.Counter()
    for line in lines:
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        leaf = frames[-1]
        by_group[next((group for marker, group in PROFILE_GROUPS if marker in leaf), "other")] += count
        seen: set[str] = set()
        for frame in frames:
            if "hub/" in frame or "schema/" in frame:
                function = re.sub(r":\d+\)$", ")", frame)
                if function not in seen:
                    seen.add(function)
                    by_hub[function] += count
    if not total:
        return [f"  {name}: empty profile"]
    out = [f"  {name}: {total:,} samples on CPU; self time by library:"]
    out += [f"    {100 * n / total:5.1f} %  {group}" for group, n in by_group.most_common(top)]
    out.append("  ... inclusive time of the hub's functions:")
    out += [f"    {100 * n / total:5.1f} %  {function[:110]}" for function, n in by_hub.most_common(top)]
    return out


# -- the run ------------------------------------------------------------------------------------------------


# -- the run ------------------------------------------------------------------------------------------------


@dataclass
class Workload:
    """The registrations of a run, in the batches each step sends."""

    warmup: list[Batch]
    latency: list[Batch]
    drain: list[Batch]
    drain_records: int

    @classmethod
    def split(cls, cfg: Config, registrations: Sequence[Registration], tokens: dict[str, str]) -> Workload:
        warmup_count = WARMUP_BATCHES * cfg.latency_batch
        warmup = make_batches(registrations[:warmup_count], cfg.latency_batch, tokens)[:WARMUP_BATCHES]
        latency_set = registrations[warmup_count : warmup_count + cfg.latency_records]
        drain_set = registrations[warmup_count + cfg.latency_records :][: cfg.drain_records]
        latency = make_batches(latency_set, cfg.latency_batch, tokens)
        random.Random(cfg.seed).shuffle(latency)  # provinces in any order, as offices send
        return cls(warmup, latency, make_batches(drain_set, cfg.batch, tokens), len(drain_set))


@dataclass
class Run:
    """The measured steps, in order: `open`, `warm_up`, `offered_load`, `drain`, `close`, then `figures`."""

    cfg: Config
    deployment: Deployment
    tokens: dict[str, str]
    workload: Workload
    conn: asyncpg.Connection = None
    autovacuum: str = "on"
    vacuum: AutovacuumStandIn | None = None
    latency: LatencyResult | None = None
    drain_result: DrainResult | None = None
    used: dict[str, float] = field(default_factory=dict)
    memory: Memory | None = None

    async def open(self) -> None:
        """The run's connection, and the stand-in for autovacuum when the server runs without."""
        cfg = self.cfg
        self.conn = await asyncpg.connect(cfg.services.dsn, timeout=10)
        self.autovacuum = await self.conn.fetchval("SHOW autovacuum")
        off = self.autovacuum != "on"
        self.vacuum = AutovacuumStandIn(cfg.services.dsn, cfg.vacuum_every if off else 0.0, VACUUMED_TABLES)
        if off:
            log(
                "  this PostgreSQL runs with autovacuum off (a deployment's is on): "
                + (
                    f"standing in for it with VACUUM (ANALYZE) of the hub's busy tables every {cfg.vacuum_every:.0f} s"
                    if cfg.vacuum_every
                    else "no stand-in (--vacuum-every 0): dead rows pile up"
                )
            )
        self.vacuum.start()

    async def close(self) -> None:
        if self.vacuum is not None:
            await self.vacuum.stop()
        if self.conn is not None:
            await self.conn.close()
        if self.vacuum is not None and self.vacuum.passes:
            log(f"  autovacuum stand-in: {self.vacuum.passes} passes, {self.vacuum.seconds:.1f} s in all")

    async def warm_up(self) -> None:
        """A few small batches, their cards issued and their jobs done."""
        conn = self.conn
        log(f"warm-up: {len(self.workload.warmup)} small batches")
        async with httpx.AsyncClient(base_url=self.deployment.base_url, timeout=60.0) as client:
            tally = Tally()
            for batch in self.workload.warmup:
                tally.add(*(await submit(client, batch, self.tokens)), keep_times=False)
        await wait_cards(
            conn,
            lambda: conn.fetchval(COUNT_ISSUED),
            lambda: tally.expected,
            started=time.perf_counter(),
            give_up_after=60,
            label="warm-up",
            health=self.deployment.check_alive,
        )
        await wait_jobs_drained(conn, started=time.perf_counter(), give_up_after=60, label="warm-up jobs")

    async def offered_load(self) -> None:
        """Latency at the offered load, then until every job it caused is done."""
        cfg = self.cfg
        log(
            f"latency: {cfg.rate:,.0f} registrations/s offered ({cfg.latency_batch} every "
            f"{1000 * cfg.latency_batch / cfg.rate:.0f} ms) for {cfg.latency_seconds:.0f} s"
        )
        since = dt.datetime.now(dt.UTC)
        meter = CpuMeter(self.deployment.cpu_parts)
        meter.start()
        latency = await latency_phase(cfg, self.deployment, self.conn, self.workload.latency, self.tokens)
        self.latency = latency
        wall, used = meter.stop()
        ms = latency.latencies_ms
        log(
            f"  {len(ms) - latency.missing:,} cards ({latency.missing:,} not issued): "
            f"p50 {percentile(ms, 50):,.0f} ms  p95 {percentile(ms, 95):,.0f} ms  "
            f"p99 {percentile(ms, 99):,.0f} ms  "
            f"max {max(ms, default=math.nan):,.0f} ms"
            f"  (intake call p50 {1000 * percentile(latency.tally.call_seconds, 50):,.0f} ms, "
            f"p95 {1000 * percentile(latency.tally.call_seconds, 95):,.0f} ms)"
        )
        for line in cpu_report(wall, used):
            log(line)
        for line in await job_report(self.conn, since):
            log(line)
        await wait_jobs_drained(self.conn, started=time.perf_counter(), give_up_after=300, label="latency-run jobs")

    async def drain(self) -> None:
        """Sustained throughput: the drain's batches from concurrent callers until every card is issued."""
        cfg, deployment = self.cfg, self.deployment
        batches = self.workload.drain
        log(
            f"drain: {self.workload.drain_records:,} registrations in {len(batches)} batches of up to {cfg.batch}, "
            f"{cfg.callers} callers"
        )
        since = dt.datetime.now(dt.UTC)
        sampler = ActivitySampler(cfg.services.dsn, cfg.services.database)
        sampler.start()
        writes_before = await table_writes(self.conn)
        meter = CpuMeter(deployment.cpu_parts)
        meter.start()
        profilers = start_profilers(cfg, deployment)
        try:
            drain = self.drain_result = await drain_phase(cfg, deployment, self.conn, batches, self.tokens)
        finally:
            await sampler.stop()
            deployment.stop_profilers(profilers)
        wall, self.used = meter.stop()
        cards_per_s, steady = drain.cards_per_s, drain.steady_per_s()
        log(
            f"  {drain.issued:,} of {drain.tally.expected:,} cards issued"
            + (f" in {drain.cards_seconds:.1f} s: {cards_per_s:,.0f} cards/s" if cards_per_s else ": not all")
            + (f" (steady {steady:,.0f}/s between 10 % and 90 %)" if steady else "")
            + (f"; every job done after {drain.jobs_seconds:.1f} s" if drain.jobs_seconds else "")
            + f"; intake call p50 {1000 * percentile(drain.tally.call_seconds, 50):,.0f} ms"
        )
        for line in cpu_report(wall, self.used):
            log(line)
        per_record = self.cpu_ms_per_record()
        hub_cpu_ms = self.hub_cpu_ms()
        cores = os.cpu_count() or 1
        log(
            f"  CPU per registration (intake, card, population check, outcomes): {hub_cpu_ms:.1f} ms "
            f"({', '.join(f'{name} {ms:.1f}' for name, ms in per_record.items() if ms >= 0.05)}); "
            f"at that cost {cores} busy cores give at most {1000 * cores / hub_cpu_ms:,.0f} registrations/s"
        )
        log(
            f"  cards issued while the intake ran: {drain.issued_during_intake:,} of {drain.tally.expected:,} "
            f"(intake {drain.intake_seconds:.1f} s)"
        )
        for line in sampler.report():
            log(line)
        await asyncio.sleep(1)  # the last transactions' statistics reach the cumulative ones within a second
        for line in table_writes_report(writes_before, await table_writes(self.conn), drain.tally.records):
            log(line)
        for line in await job_report(self.conn, since):
            log(line)
        for profiler in profilers:
            for line in profile_report(profiler.name, deployment.workdir / f"{profiler.name}.txt"):
                log(line)
        if rejected := self.rejected():
            log(f"  rejected records by code: {dict(rejected.most_common())}")

    def cpu_ms_per_record(self) -> dict[str, float]:
        records = self.drain_result.tally.records if self.drain_result else 0
        return {name: 1000 * seconds / max(1, records) for name, seconds in self.used.items()}

    def hub_cpu_ms(self) -> float:
        return sum(ms for name, ms in self.cpu_ms_per_record().items() if name != "benchmark client")

    def rejected(self) -> collections.Counter[str]:
        assert self.latency is not None and self.drain_result is not None
        return self.latency.tally.rejected + self.drain_result.tally.rejected

    def figures(self) -> dict[str, Any]:
        cfg, latency, drain = self.cfg, self.latency, self.drain_result
        assert latency is not None and drain is not None and self.vacuum is not None and self.memory is not None
        cards_per_s, steady, basis = drain.cards_per_s, drain.steady_per_s(), drain.tally.expected
        ms = latency.latencies_ms
        return {
            "cards_per_s": round(cards_per_s, 1) if cards_per_s else None,
            "p50_ms": _figure(percentile(ms, 50)),
            "p95_ms": _figure(percentile(ms, 95)),
            "backlog_minutes": round(BACKLOG_RECORDS / cards_per_s / 60, 1) if cards_per_s else None,
            "records": drain.tally.records,
            "quick": cfg.quick,
            "web_processes": 1,
            "worker_processes": cfg.workers,
            "worker_threads": cfg.threads,
            "cards_issued": drain.issued,
            "cards_expected": basis,
            "drain_seconds": round(drain.cards_seconds, 1) if drain.cards_seconds else None,
            "steady_cards_per_s": round(steady, 1) if steady else None,
            "intake_per_s": round(drain.tally.records / drain.intake_seconds, 1) if drain.intake_seconds else None,
            "all_jobs_done_seconds": round(drain.jobs_seconds, 1) if drain.jobs_seconds else None,
            "backlog_all_jobs_minutes": (
                round(BACKLOG_RECORDS / (basis / drain.jobs_seconds) / 60, 1) if drain.jobs_seconds and basis else None
            ),
            "cpu_ms_per_registration": round(self.hub_cpu_ms(), 1),
            "cards_issued_during_intake": drain.issued_during_intake,
            "batch_records": cfg.batch,
            "callers": cfg.callers,
            "batch_call_p50_ms": round(1000 * percentile(drain.tally.call_seconds, 50), 1),
            "latency_offered_per_s": round(latency.offered_per_s, 1),
            "latency_records": len(ms) - latency.missing,
            "latency_missing": latency.missing,
            "latency_late_sends": latency.late_sends,
            "p99_ms": _figure(percentile(ms, 99)),
            "max_ms": _figure(max(ms, default=math.nan)),
            "intake_call_p50_ms": round(1000 * percentile(latency.tally.call_seconds, 50), 1),
            "intake_call_p95_ms": round(1000 * percentile(latency.tally.call_seconds, 95), 1),
            "needs_review": latency.tally.review + drain.tally.review,
            "rejected": sum(self.rejected().values()),
            "backlog_registrations": BACKLOG_RECORDS,
            "autovacuum": self.autovacuum == "on",
            "vacuum_stand_in_s": self.vacuum.interval if self.vacuum.interval else None,
        } | self.memory.figures()


async def measure(cfg: Config, deployment: Deployment, tokens: dict[str, str], workload: Workload) -> dict[str, Any]:
    run = Run(cfg, deployment, tokens, workload)
    await run.open()
    try:
        await run.warm_up()
        async with sampling(deployment.processes_by_role()) as sampler:
            await run.offered_load()
            await run.drain()
        run.memory = sampler.memory()
    finally:
        await run.close()
    return run.figures()


def _figure(value: float) -> float | None:
    """A figure for the JSON line: None when there is none (no sample, or a card never issued)."""
    return round(value, 1) if math.isfinite(value) else None


def parse_args(argv: list[str] | None) -> Config:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help=f"drain {QUICK_RECORDS:,} and offer load for 5 s")
    parser.add_argument("--records", type=int, default=None, help=f"registrations to drain (full: {FULL_RECORDS:,})")
    parser.add_argument("--latency-seconds", type=float, default=None, help="offered-load run (full: 60, quick: 5)")
    parser.add_argument("--rate", type=float, default=200.0, help="offered registrations per second")
    parser.add_argument("--latency-batch", type=int, default=20, help="records per call at the offered load")
    parser.add_argument("--batch", type=int, default=1000, help="records per call when draining")
    parser.add_argument("--callers", type=int, default=3, help="concurrent callers when draining")
    parser.add_argument("--workers", type=int, default=2, help="`hub worker` processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker process")
    parser.add_argument("--seed", type=int, default=2026)
    deploying.add_service_arguments(
        parser, database="hub_bench", database_help="dropped and recreated at the start", redis_db=14
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs even when all went well")
    parser.add_argument(
        "--vacuum-every",
        type=float,
        default=60.0,
        metavar="S",
        help="when the server's autovacuum is off, VACUUM (ANALYZE) the hub's tables every S seconds (0: never)",
    )
    parser.add_argument(
        "--py-spy", metavar="PATH", help="profile the web and worker processes with this py-spy during the drain"
    )
    args = parser.parse_args(argv)
    services = deploying.services_from(parser, args)
    drain = args.records or (QUICK_RECORDS if args.quick else FULL_RECORDS)
    return Config(
        quick=args.quick,
        drain_records=drain,
        latency_seconds=args.latency_seconds or (5.0 if args.quick else 60.0),
        rate=args.rate,
        latency_batch=args.latency_batch,
        batch=args.batch,
        callers=args.callers,
        workers=args.workers,
        threads=args.threads,
        seed=args.seed,
        services=services,
        keep_logs=args.keep_logs or bool(args.py_spy),
        py_spy=args.py_spy,
        vacuum_every=args.vacuum_every,
    )


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)

    def deploy_and_measure(deployment: Deployment) -> dict[str, Any]:
        tokens, population = set_up(cfg, deployment)
        if len(population.registrations) < cfg.wanted_records:
            log(
                f"  only {len(population.registrations):,} registrations for {cfg.wanted_records:,} wanted: "
                "draining fewer"
            )
        workload = Workload.split(cfg, population.registrations, tokens)
        figures = asyncio.run(measure(cfg, deployment, tokens, workload))
        figures["people_generated"] = cfg.people
        return figures

    return deploying.run(
        "childcards", cfg.services, deploy_and_measure, keep_logs=cfg.keep_logs, drop_database=False, commit=True
    )


if __name__ == "__main__":
    raise SystemExit(main())
