"""Benchmark of the child-card flow, birth registration to card issued, on PostgreSQL + Redis as deployed.

    python bench/childcards.py [--quick] [--records N] [--latency-seconds S] [--workers W] [--threads T]
                               [--batch B] [--callers C] [--py-spy PATH] ...

It starts, as separate processes: the population-database and civil-registry simulators (`hub simulate`, the
population one loaded with the same generated population), one web process (`hub serve`) and W job workers
(`hub worker`), on a dedicated database (dropped and recreated) and Redis database (flushed at start and end), after
`hub migrate` and `hub catalog import-facilities` (generated facilities). It builds the registrations of the children
under 6 of a generated population (`hub.synthetic`): office (the legacy commune before 1/7/2025), book and number
unique, mother, father or registrant, a facility of the province taking children. Births spread over the 34
provinces as people do (one province alone would need ~40 M generated people for 100,000 children), so it registers
one civil-registry client per province (jurisdiction province:NN) and each batch holds one province's records.

Then it measures:
1. latency at an offered load (default 200 registrations/s, 20 a call, open loop with at most 64 calls in flight):
   for each record, from the intake mutation returning (client clock, UTC) to the case's `issued_at` (server clock,
   UTC): p50, p95 (a card never issued counts as infinitely late);
2. sustained throughput, the drain: batches of up to 1,000 records from a few concurrent callers, from the first
   submit until every accepted case is CARD_ISSUED (counted in the database): cards per second, and the minutes a
   backlog of 1,500,000 registrations takes at that rate (full: a drain of 100,000; `--quick`: 2,000 and 5 s of
   offered load, and the JSON says quick).

Progress goes to stderr, with where the time went (CPU by process and per registration, database sessions by what
they wait on, jobs by kind, and with --py-spy a profile of the web and one worker process); the last line on stdout
is one JSON object: {"cards_per_s": ..., "p50_ms": ..., "p95_ms": ..., "backlog_minutes": ..., "records": ...,
"quick": ..., "web_processes": 1, "worker_processes": 2, ...}
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
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg  # type: ignore[import-untyped]
import httpx
import redis
from _common import (
    POLL_S,
    PROGRESS_S,
    ActivitySampler,
    AutovacuumStandIn,
    base_env,
    cpu_report,
    flush_redis,
    hub_command,
    job_report,
    percentile,
    wait_jobs_drained,
    write_facilities_csv,
)
from _harness import (
    CpuMeter,
    Harness,
    Process,
    cpu_by_command,
    cpu_of,
    free_port,
    log,
    require_loopback,
    signals_raise_interrupt,
    wait_http,
)

from hub.catalogs.adminunits import REFORM_DATE, AdminCatalog, Era, UnitLevel, admin_catalog
from hub.childcards.rules import is_under_six
from hub.clock import SystemClock, vietnam_date
from hub.synthetic import Facility, Family, PopulationGenerator, generate_facilities
from hub.synthetic import Person as SyntheticPerson
from hub.synthetic.dates import years_before

QUICK_RECORDS = 2_000
FULL_RECORDS = 100_000
BACKLOG_RECORDS = 1_500_000
# Registrations usable per generated person (children under 6 ≈ 8 %, less those whose legacy office is unknown).
USABLE_SHARE = 0.07
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
    postgres: str
    database: str
    redis_url: str
    log_level: str
    keep_logs: bool
    py_spy: str | None
    vacuum_every: float

    @property
    def latency_records(self) -> int:
        return int(self.rate * self.latency_seconds)

    @property
    def admin_dsn(self) -> str:
        return f"{self.postgres}/postgres"

    @property
    def dsn(self) -> str:
        return f"{self.postgres}/{self.database}"

    @property
    def hub_database_url(self) -> str:
        return f"{self.postgres.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{self.database}"


# -- registrations from a generated population --------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    province: str  # the current province of the registering office: whose client sends it
    record: dict[str, Any]  # BirthRegistrationInput, as GraphQL variables


@dataclass
class Population:
    registrations: list[Registration]
    people: int
    children_under_six: int
    skipped_no_office: int
    seconds: float


def legacy_offices(catalog: AdminCatalog) -> dict[tuple[str, str], str]:
    """(current commune, legacy province) → a legacy commune of that province that became it: the office that
    registered a birth there before 1/7/2025."""
    offices: dict[tuple[str, str], str] = {}
    for unit in sorted(catalog.units(UnitLevel.COMMUNE, Era.LEGACY), key=lambda u: u.code):
        current = catalog.current_commune_for(unit.code)
        if current is not None:
            offices.setdefault((current.code, unit.province_code), unit.code)
    return offices


class FacilityChooser:
    """A facility taking children for primary care, under contract today: the commune's own if it has one."""

    def __init__(self, facilities: Iterable[Facility], today: dt.date, rng: random.Random) -> None:
        self._rng = rng
        self.by_commune: dict[str, list[Facility]] = collections.defaultdict(list)
        self.by_province: dict[str, list[Facility]] = collections.defaultdict(list)
        for facility in facilities:
            if facility.accepts_child_primary_care and facility.contract_from <= today <= facility.contract_to:
                self.by_commune[facility.commune_code].append(facility)
                self.by_province[facility.province_code].append(facility)

    def choose(self, commune_code: str, province_code: str) -> Facility | None:
        local = self.by_commune.get(commune_code)
        if local and self._rng.random() < 0.7:
            return self._rng.choice(local)
        found = self.by_province.get(province_code)
        return self._rng.choice(found) if found else None


def person_input(person: SyntheticPerson, address: str) -> dict[str, Any]:
    return {
        "fullName": person.full_name,
        "dateOfBirth": person.date_of_birth.isoformat(),
        "personalIdNumber": person.personal_id,
        "address": address,
    }


def build_population(seed: int, people: int, facilities: Sequence[Facility], today: dt.date) -> Population:
    """The registrations of every child under 6 of a generated population of `people` (the same population the
    population simulator loads with the same seed and size), each with a unique office + book + number."""
    started = time.perf_counter()
    catalog = admin_catalog()
    offices = legacy_offices(catalog)
    rng = random.Random(f"bench-childcards:{seed}")
    chooser = FacilityChooser(facilities, today, rng)
    generator = PopulationGenerator(seed)
    under_six_after = years_before(generator.config.as_of, 6)
    numbers: dict[tuple[str, int], int] = collections.defaultdict(int)
    registrations: list[Registration] = []
    under_six = skipped = 0
    for family in generator.families(people):
        for birth in family.births:
            child = birth.child
            if child.date_of_birth <= under_six_after or not is_under_six(child.date_of_birth, birth.registered_on):
                continue
            under_six += 1
            commune = child.address.commune
            if birth.registered_on >= REFORM_DATE:
                office: str | None = commune.code
            else:  # registered by the legacy commune the family's commune came from
                office = offices.get((commune.code, commune.legacy_province_code))
            facility = chooser.choose(commune.code, commune.province_code)
            if office is None or facility is None:
                skipped += 1
                continue
            year = birth.registered_on.year
            numbers[(office, year)] += 1
            number = numbers[(office, year)]
            record = registration_record(family, child, birth.registered_on, office, facility, number, rng)
            registrations.append(Registration(commune.province_code, record))
    return Population(registrations, people, under_six, skipped, time.perf_counter() - started)


def registration_record(
    family: Family,
    child: SyntheticPerson,
    registered_on: dt.date,
    office: str,
    facility: Facility,
    number: int,
    rng: random.Random,
) -> dict[str, Any]:
    address = family.address.full
    registrant = family.registrant or family.father or family.mother
    assert registrant is not None  # a generated family has a parent on record, or a registrant
    by_post = rng.random() < 0.15
    return {
        "registryOfficeCode": office,
        "bookNumber": f"{(number - 1) // 500 + 1:02d}/{registered_on.year}",
        "recordNumber": str(number),
        "registeredOn": registered_on.isoformat(),
        "child": {
            "fullName": child.full_name,
            "gender": child.gender.name,
            "dateOfBirth": child.date_of_birth.isoformat(),
            "ethnicityCode": child.ethnicity.code,
            "nationality": "VN",
            "personalIdNumber": child.personal_id,
            "placeOfBirth": facility.name,
        },
        "mother": person_input(family.mother, address) if family.mother else None,
        "father": person_input(family.father, address) if family.father else None,
        "registrant": person_input(registrant, address),
        "facilityCode": facility.code,
        "delivery": "BY_POST" if by_post else "AT_OFFICE",
        "deliveryAddress": address if by_post else None,
    }


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
    returned_at: dict[str, float] = field(default_factory=dict)  # case reference → epoch seconds the call returned
    records: int = 0

    def add(self, results: list[dict[str, Any]], returned: float, seconds: float, *, keep_times: bool) -> None:
        self.call_seconds.append(seconds)
        self.records += len(results)
        for result in results:
            if result["state"] == "RECEIVED":
                self.expected += 1
                if keep_times:
                    self.returned_at[result["caseReference"]] = returned
            elif result["state"] == "NEEDS_REVIEW":
                self.review += 1
            elif result["errors"]:
                self.rejected.update(e["code"] for e in result["errors"])
            else:
                self.rejected[str(result["state"])] += 1


async def submit(
    client: httpx.AsyncClient, batch: Batch, tokens: dict[str, str]
) -> tuple[list[dict[str, Any]], float, float]:
    """Send one batch; (results, epoch seconds when the answer was in, call seconds)."""
    started = time.perf_counter()
    response = await client.post(
        "/graphql",
        content=batch.body,
        headers={"Authorization": f"Bearer {tokens[batch.province]}", "Content-Type": "application/json"},
    )
    returned = time.time()
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"intake answered HTTP {response.status_code}: {response.text[:500]}")
    data = response.json()
    if data.get("errors"):
        raise RuntimeError(f"intake answered errors: {json.dumps(data['errors'])[:500]}")
    results: list[dict[str, Any]] = data["data"]["submitBirthRegistrations"]["results"]
    return results, returned, seconds


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
)


@dataclass
class Deployment:
    harness: Harness
    web: Process
    workers: list[Process]
    population_sim: Process
    registry_sim: Process
    base_url: str

    def cpu_parts(self) -> dict[str, float]:
        parts = {
            "web (hub serve)": cpu_of(self.web.pid),
            "workers (hub worker)": sum(cpu_of(w.pid) for w in self.workers),
            "population simulator": cpu_of(self.population_sim.pid),
            "registry simulator": cpu_of(self.registry_sim.pid),
            "benchmark client": sum(os.times()[:2]),
        }
        commands = cpu_by_command(["postgres", "redis-server"])
        parts["postgresql"] = commands["postgres"]
        parts["redis"] = commands["redis-server"]
        return parts


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
                results, returned, seconds = await submit(client, batch, tokens)
                tally.add(results, returned, seconds, keep_times=True)
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
    references = list(tally.returned_at)
    done = await wait_cards(
        conn,
        lambda: _issued_since(conn, baseline),
        lambda: len(references),
        started=started,
        give_up_after=LATENCY_WAIT_S,  # the stall check (no card for STALL_S) normally ends it first
        label="latency",
        health=deployment.harness.check_alive,
    )
    if done is None:
        log("  some cards of the latency run were not issued: they count as missing")
    rows = await conn.fetch(
        "SELECT reference, issued_at FROM child_card_cases WHERE reference = ANY($1::text[]) AND issued_at IS NOT NULL",
        references,
    )
    latencies = [1000 * (r["issued_at"].timestamp() - tally.returned_at[r["reference"]]) for r in rows]
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
                results, returned, seconds = await submit(client, batch, tokens)
                tally.add(results, returned, seconds, keep_times=False)

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
            deployment.harness.check_alive()
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


async def reset_database(cfg: Config) -> None:
    conn = await asyncpg.connect(cfg.admin_dsn, timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{cfg.database}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{cfg.database}"')
    finally:
        await conn.close()


async def create_clients(database_url: str, secret: str, provinces: Iterable[str]) -> dict[str, str]:
    """One civil-registry client per province, as `hub client create NAME --kind civil_registry
    --jurisdiction province:NN` registers it (in one process here: 34 CLI start-ups would take longer than the
    quick run); its token."""
    from hub.clients import service
    from hub.clients.permissions import ClientKind, Jurisdiction
    from hub.clients.tokens import TokenSigner
    from hub.db import Database

    db = Database(database_url)
    signer = TokenSigner(secret)
    tokens: dict[str, str] = {}
    try:
        async with db.transaction() as session:
            for province in sorted(provinces):
                issued = await service.create_client(
                    session,
                    signer,
                    now=SystemClock().now(),
                    actor=None,
                    name=f"bench-registry-{province}",
                    kind=ClientKind.CIVIL_REGISTRY,
                    jurisdiction=Jurisdiction.parse(f"province:{province}"),
                    ttl=dt.timedelta(days=1),
                )
                tokens[province] = issued.token
    finally:
        await db.dispose()
    return tokens


def deploy(cfg: Config, harness: Harness, people: int) -> tuple[Deployment, dict[str, str], Population]:
    """Everything up to a ready deployment with its data: simulators, database, facilities, clients, web, workers."""
    today = vietnam_date(SystemClock().now())
    secret = secrets.token_hex(32)
    population_port, registry_port, web_port = free_port(), free_port(), free_port()
    env = base_env()
    log(f"starting simulators (population: {people:,} generated people, seed {cfg.seed})")
    population_sim = harness.start(
        "population-simulator",
        hub_command(
            "simulate", "population", "--port", str(population_port), "--seed", str(cfg.seed), "--people", str(people)
        ),
        env,
    )
    registry_sim = harness.start(
        "registry-simulator", hub_command("simulate", "civil-registry", "--port", str(registry_port)), env
    )
    hub_env = (
        env
        | harness.hub_signing_env()
        | {
            "HUB_ENV": "prod",
            "HUB_DATABASE_URL": cfg.hub_database_url,
            "HUB_BROKER_URL": cfg.redis_url,
            "HUB_TOKEN_SECRET": secret,
            "HUB_POPULATION_URL": f"http://127.0.0.1:{population_port}",
            "HUB_CIVIL_REGISTRY_URL": f"http://127.0.0.1:{registry_port}",
            "HUB_WORKER_THREADS": str(cfg.threads),
            "HUB_LOG_LEVEL": cfg.log_level,
        }
    )
    log(f"database {cfg.database}: dropped and recreated; Redis {cfg.redis_url}: flushed")
    asyncio.run(reset_database(cfg))
    flush_redis(cfg.redis_url)
    started = time.perf_counter()
    harness.run("migrate", hub_command("migrate"), hub_env, timeout=120)
    log(f"  migrated in {time.perf_counter() - started:.1f} s")

    facilities = generate_facilities(cfg.seed, as_of=today)
    csv_path = harness.workdir / "facilities.csv"
    write_facilities_csv(csv_path, facilities)
    started = time.perf_counter()
    code = harness.run(
        "import-facilities",
        hub_command("catalog", "import-facilities", str(csv_path), "--report", str(harness.workdir / "rejected.csv")),
        hub_env,
        timeout=300,
        ok=(0, 2),
    )
    log(
        f"  {len(facilities):,} facilities imported in {time.perf_counter() - started:.1f} s"
        + (" (some rows rejected: see rejected.csv)" if code == 2 else "")
    )

    log("generating registrations")
    population = build_population(cfg.seed, people, facilities, today)
    log(
        f"  {len(population.registrations):,} registrations of {population.children_under_six:,} children under 6 "
        f"among {people:,} people in {population.seconds:.1f} s ({population.skipped_no_office:,} skipped: no "
        "legacy office or facility)"
    )
    provinces = {r.province for r in population.registrations}
    tokens = asyncio.run(create_clients(cfg.hub_database_url, secret, provinces))
    log(f"  {len(tokens)} civil-registry clients, one per province (jurisdiction province:NN)")

    log(f"starting 1 web process and {cfg.workers} worker processes x {cfg.threads} threads")
    web = harness.start("web", hub_command("serve", "--port", str(web_port)), hub_env)
    workers = []
    metrics_ports = []
    for index in range(cfg.workers):
        port = free_port()
        metrics_ports.append(port)
        workers.append(
            harness.start(
                f"worker-{index + 1}",
                hub_command("worker", "--threads", str(cfg.threads), "--metrics-port", str(port)),
                hub_env,
            )
        )
    wait_http(f"http://127.0.0.1:{registry_port}/healthz", timeout=60, process=registry_sim)
    wait_http(f"http://127.0.0.1:{web_port}/readyz", timeout=60, process=web)
    for worker, port in zip(workers, metrics_ports, strict=True):
        wait_http(f"http://127.0.0.1:{port}/metrics", timeout=60, process=worker)
    wait_http(f"http://127.0.0.1:{population_port}/healthz", timeout=600, process=population_sim)
    deployment = Deployment(harness, web, workers, population_sim, registry_sim, f"http://127.0.0.1:{web_port}")
    return deployment, tokens, population


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
    profilers = []
    for target in (deployment.web, deployment.workers[0]):
        output = deployment.harness.workdir / f"profile-{target.name}.txt"
        argv = [cfg.py_spy, "record", "--pid", str(target.pid), "--rate", "50", "--nonblocking", "--gil"]
        argv += ["--format", "raw", "--output", str(output)]
        # Threads are running by now (the event loop's resolver): no parent-death hook in the child.
        profilers.append(deployment.harness.start(f"profile-{target.name}", argv, base_env(), die_with_parent=False))
    return profilers


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


async def measure(
    cfg: Config, deployment: Deployment, tokens: dict[str, str], registrations: Sequence[Registration]
) -> dict[str, Any]:
    warmup_count = WARMUP_BATCHES * cfg.latency_batch
    warmup = make_batches(registrations[:warmup_count], cfg.latency_batch, tokens)[:WARMUP_BATCHES]
    latency_set = registrations[warmup_count : warmup_count + cfg.latency_records]
    drain_set = registrations[warmup_count + cfg.latency_records :][: cfg.drain_records]
    latency_batches = make_batches(latency_set, cfg.latency_batch, tokens)
    random.Random(cfg.seed).shuffle(latency_batches)  # provinces in any order, as offices send
    drain_batches = make_batches(drain_set, cfg.batch, tokens)
    conn = await asyncpg.connect(cfg.dsn, timeout=10)
    autovacuum = await conn.fetchval("SHOW autovacuum")
    vacuum = AutovacuumStandIn(cfg.dsn, cfg.vacuum_every if autovacuum != "on" else 0.0, VACUUMED_TABLES)
    if autovacuum != "on":
        log(
            "  this PostgreSQL runs with autovacuum off (a deployment's is on): "
            + (
                f"standing in for it with VACUUM (ANALYZE) of the hub's busy tables every {cfg.vacuum_every:.0f} s"
                if cfg.vacuum_every
                else "no stand-in (--vacuum-every 0): dead rows pile up"
            )
        )
    vacuum.start()
    try:
        log(f"warm-up: {len(warmup)} small batches")
        async with httpx.AsyncClient(base_url=deployment.base_url, timeout=60.0) as client:
            tally = Tally()
            for batch in warmup:
                tally.add(*(await submit(client, batch, tokens)), keep_times=False)
        await wait_cards(
            conn,
            lambda: conn.fetchval(COUNT_ISSUED),
            lambda: tally.expected,
            started=time.perf_counter(),
            give_up_after=60,
            label="warm-up",
            health=deployment.harness.check_alive,
        )
        await wait_jobs_drained(conn, started=time.perf_counter(), give_up_after=60, label="warm-up jobs")

        log(
            f"latency: {cfg.rate:,.0f} registrations/s offered ({cfg.latency_batch} every "
            f"{1000 * cfg.latency_batch / cfg.rate:.0f} ms) for {cfg.latency_seconds:.0f} s"
        )
        since = dt.datetime.now(dt.UTC)
        meter = CpuMeter(deployment.cpu_parts)
        meter.start()
        latency = await latency_phase(cfg, deployment, conn, latency_batches, tokens)
        wall, used = meter.stop()
        p50, p95 = percentile(latency.latencies_ms, 50), percentile(latency.latencies_ms, 95)
        log(
            f"  {len(latency.latencies_ms) - latency.missing:,} cards ({latency.missing:,} not issued): "
            f"p50 {p50:,.0f} ms  p95 {p95:,.0f} ms  "
            f"p99 {percentile(latency.latencies_ms, 99):,.0f} ms  "
            f"max {max(latency.latencies_ms, default=math.nan):,.0f} ms"
            f"  (intake call p50 {1000 * percentile(latency.tally.call_seconds, 50):,.0f} ms, "
            f"p95 {1000 * percentile(latency.tally.call_seconds, 95):,.0f} ms)"
        )
        for line in cpu_report(wall, used):
            log(line)
        for line in await job_report(conn, since):
            log(line)
        await wait_jobs_drained(conn, started=time.perf_counter(), give_up_after=300, label="latency-run jobs")

        log(
            f"drain: {len(drain_set):,} registrations in {len(drain_batches)} batches of up to {cfg.batch}, "
            f"{cfg.callers} callers"
        )
        since = dt.datetime.now(dt.UTC)
        sampler = ActivitySampler(cfg.dsn, cfg.database)
        sampler.start()
        meter = CpuMeter(deployment.cpu_parts)
        meter.start()
        profilers = start_profilers(cfg, deployment)
        try:
            drain = await drain_phase(cfg, deployment, conn, drain_batches, tokens)
        finally:
            await sampler.stop()
            for profiler in profilers:
                deployment.harness.interrupt(profiler)
        wall, used = meter.stop()
        cards_per_s = drain.cards_per_s
        steady = drain.steady_per_s()
        log(
            f"  {drain.issued:,} of {drain.tally.expected:,} cards issued"
            + (f" in {drain.cards_seconds:.1f} s: {cards_per_s:,.0f} cards/s" if cards_per_s else ": not all")
            + (f" (steady {steady:,.0f}/s between 10 % and 90 %)" if steady else "")
            + (f"; every job done after {drain.jobs_seconds:.1f} s" if drain.jobs_seconds else "")
            + f"; intake call p50 {1000 * percentile(drain.tally.call_seconds, 50):,.0f} ms"
        )
        for line in cpu_report(wall, used):
            log(line)
        per_record = {name: 1000 * seconds / max(1, drain.tally.records) for name, seconds in used.items()}
        hub_cpu_ms = sum(ms for name, ms in per_record.items() if name != "benchmark client")
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
        for line in await job_report(conn, since):
            log(line)
        for profiler in profilers:
            for line in profile_report(profiler.name, deployment.harness.workdir / f"{profiler.name}.txt"):
                log(line)
        rejected = latency.tally.rejected + drain.tally.rejected
        if rejected:
            log(f"  rejected records by code: {dict(rejected.most_common())}")
    finally:
        await vacuum.stop()
        await conn.close()
    if vacuum.passes:
        log(f"  autovacuum stand-in: {vacuum.passes} passes, {vacuum.seconds:.1f} s in all")

    basis = drain.tally.expected
    return {
        "cards_per_s": round(cards_per_s, 1) if cards_per_s else None,
        "p50_ms": _figure(p50),
        "p95_ms": _figure(p95),
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
        "cpu_ms_per_registration": round(hub_cpu_ms, 1),
        "cards_issued_during_intake": drain.issued_during_intake,
        "batch_records": cfg.batch,
        "callers": cfg.callers,
        "batch_call_p50_ms": round(1000 * percentile(drain.tally.call_seconds, 50), 1),
        "latency_offered_per_s": round(latency.offered_per_s, 1),
        "latency_records": len(latency.latencies_ms) - latency.missing,
        "latency_missing": latency.missing,
        "latency_late_sends": latency.late_sends,
        "p99_ms": _figure(percentile(latency.latencies_ms, 99)),
        "max_ms": _figure(max(latency.latencies_ms, default=math.nan)),
        "intake_call_p50_ms": round(1000 * percentile(latency.tally.call_seconds, 50), 1),
        "intake_call_p95_ms": round(1000 * percentile(latency.tally.call_seconds, 95), 1),
        "needs_review": latency.tally.review + drain.tally.review,
        "rejected": sum(rejected.values()),
        "backlog_registrations": BACKLOG_RECORDS,
        "autovacuum": autovacuum == "on",
        "vacuum_stand_in_s": vacuum.interval if vacuum.interval else None,
    }


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
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432", help="server, no database")
    parser.add_argument("--database", default="hub_bench", help="dropped and recreated at the start")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14", help="flushed at the start and the end")
    parser.add_argument("--log-level", default="INFO", help="HUB_LOG_LEVEL of the hub's processes")
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
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database) or args.database in ("postgres", "test"):
        parser.error("--database must be a plain lower-case name, and not postgres or test")
    for url in (args.postgres, args.redis):
        require_loopback(url)
    if not args.postgres.startswith("postgresql://") or urlsplit(args.postgres).path not in ("", "/"):
        parser.error("--postgres is postgresql://user@host:port, without a database")
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
        postgres=args.postgres.rstrip("/"),
        database=args.database,
        redis_url=args.redis,
        log_level=args.log_level.upper(),
        keep_logs=args.keep_logs or bool(args.py_spy),
        py_spy=args.py_spy,
        vacuum_every=args.vacuum_every,
    )


def hub_commit() -> str | None:
    """The commit of the hub measured (read-only git), with "+changes" when the work tree differs from it."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    env = os.environ | {"GIT_OPTIONAL_LOCKS": "0"}  # `git status` must not even refresh the index
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "hub", "schema", "connectors"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+changes" if changed else "")


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    needed = cfg.drain_records + cfg.latency_records + WARMUP_BATCHES * cfg.latency_batch
    people = math.ceil(needed / USABLE_SHARE)
    workdir = Path(tempfile.mkdtemp(prefix="bench-childcards-"))
    harness = Harness(workdir)
    started = time.perf_counter()
    figures: dict[str, Any] | None = None
    failed = True
    with signals_raise_interrupt():
        try:
            deployment, tokens, population = deploy(cfg, harness, people)
            if len(population.registrations) < needed:
                log(f"  only {len(population.registrations):,} registrations for {needed:,} wanted: draining fewer")
            figures = asyncio.run(measure(cfg, deployment, tokens, population.registrations))
            figures["people_generated"] = people
            failed = False
        except KeyboardInterrupt:
            log("interrupted")
            return 130
        except (RuntimeError, OSError, asyncpg.PostgresError, redis.RedisError, httpx.HTTPError) as exc:
            log(f"benchmark failed: {type(exc).__name__}: {exc}")
            return 1
        finally:
            log("stopping the processes")
            harness.stop_all()
            with contextlib.suppress(redis.RedisError):
                flush_redis(cfg.redis_url)
            if failed or cfg.keep_logs:
                log(f"logs kept in {workdir}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    figures["commit"] = hub_commit()
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
