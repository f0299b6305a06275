"""Benchmark of benefit claims: claims computed end to end, and the processors' work queue with 1,000,000 claims
stored, on PostgreSQL + Redis as deployed.

    python bench/claims.py [--quick] [--claims N] [--bulk M] [--senders S] [--list L] [--web-processes W] [--workers K]
                           [--threads T] [--queue-rounds R] [--keep-logs] [--keep-database] ...

Set-up, not timed: a dedicated database (created afresh, dropped at the end) and Redis database (flushed at the start
and the end), `hub migrate`, then N insured people of a generated population (`hub.synthetic`), each with the
contribution history the contribution system holds about them, stored with `store_contributions` in batches of
5,000; one claim-processor client per province of those people (as `hub client create NAME --kind claim_processor
--jurisdiction province:NN` does). W web processes (`hub serve`, one port each) and K job workers (`hub worker`).

Measured:
1. `claims_per_s`: S senders, each on its own keep-alive connection, file one SICKNESS claim (a leave of 2 to 5
   working days inside the person's last month of compulsory contributions: the evidence the computation needs is
   present) per person, as lists of L claims of one province (an employer's list, Mẫu 01B-HSB; default 100)
   through the GraphQL mutation `fileClaims` (with L = 1: one `fileClaim` per claim), with the token of the
   person's province; the workers compute them. Claims / seconds from the first send to the moment the database
   holds every one of them in state COMPUTED (polled directly), after a warm-up of a few claims and VACUUM (ANALYZE)
   and CHECKPOINT (what a deployment's autovacuum and checkpointer would long since have done with the histories
   stored in the set-up).
2. `queue_p99_ms`: M claims (default 1,000,000; quick 50,000) bulk-loaded with COPY (kinds, states, provinces,
   created_at over a year, due dates, computations like those the workers wrote), VACUUM (ANALYZE) and CHECKPOINT
   (a deployment's autovacuum and checkpointer would), then R rounds of three sequential requests of one
   province's processor: `claims(filter: {states: [COMPUTED]}, first: 50)`, its second page (`after`), and
   `claims(filter: {overdue: true}, first: 50)`; p50 and p99 of all the requests (and of each).

Progress goes to stderr; the last line on stdout is one JSON object: {"claims_per_s": ..., "queue_p99_ms": ...,
"queue_p50_ms": ..., "claims_stored": ..., ...}.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import re
import secrets
import shutil
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg  # type: ignore[import-untyped]
import httpx
import redis
from _common import base_env, cpu_report, flush_redis, hub_command, percentile
from _harness import (
    CpuMeter,
    Harness,
    Process,
    cpu_by_command,
    cpu_of,
    free_port,
    log,
    postgres_cpu,
    require_loopback,
    signals_raise_interrupt,
    wait_http,
)

from connectors.contributions_sim import synthetic_record
from hub.claims.contribution_records import ContributionRecord, ContributionSource
from hub.clock import SystemClock, vietnam_date
from hub.synthetic import PopulationGenerator

QUICK_CLAIMS = 1_000
FULL_CLAIMS = 10_000
QUICK_BULK = 50_000
FULL_BULK = 1_000_000
WARMUP_CLAIMS = 40
STORE_BATCH = 5_000
CURRENT_YEAR = 2025  # the last year the population generator's careers reach
COPY_BATCH = 50_000
PROGRESS_S = 5.0
POLL_S = 0.05

FILE_CLAIM = """mutation($input: FileClaimInput!) {
  fileClaim(input: $input) { claim { reference state } errors { code message } }
}"""
FILE_CLAIMS = """mutation($inputs: [FileClaimInput!]!) {
  fileClaims(inputs: $inputs) { results { claim { reference state } errors { code message } } errors { code message } }
}"""
QUEUE = """query($filter: ClaimFilterInput, $first: Int!, $after: String) {
  claims(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      reference kind state personId personName provinceCode eventDate details origin eligible amountVnd
      approvedAmountVnd needsConfirmation filedOn dueOn createdAt overdue
      computation { law eligible amountVnd paidDays leaveMonths reasons { code messageVi } }
    } }
  }
}"""


@dataclass(frozen=True)
class Config:
    quick: bool
    claims: int
    bulk: int
    senders: int
    list_size: int
    web_processes: int
    workers: int
    threads: int
    queue_rounds: int
    seed: int
    postgres: str
    database: str
    redis_url: str
    log_level: str
    keep_logs: bool
    keep_database: bool

    @property
    def admin_dsn(self) -> str:
        return f"{self.postgres}/postgres"

    @property
    def dsn(self) -> str:
        return f"{self.postgres}/{self.database}"

    @property
    def hub_database_url(self) -> str:
        return f"{self.postgres.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{self.database}"


# -- the insured people and their claims ---------------------------------------------------------------------


@dataclass(frozen=True)
class Insured:
    record: ContributionRecord
    leave_start: dt.date
    leave_end: dt.date


def _working_days_from(start: dt.date, count: int) -> dt.date:
    day, left = start, count - 1
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def generate_insured(count: int, seed: int, rng: random.Random) -> list[Insured]:
    """`count` generated people still employed (their last contribution period is compulsory and reaches into the
    generator's last year, 2025: sickness is insured), each with a sick leave of 2 to 5 working days inside the last
    month they contributed. A claim is filed within 45 days of the return to work (QĐ 863/QĐ-BNV), so a
    day's claims are about recent leaves, as here."""
    generator = PopulationGenerator(seed)
    chosen: list[Insured] = []
    while len(chosen) < count:
        for person in generator.people(20_000):
            record = synthetic_record(person)
            if record is None or not record.personal_id_number or not record.periods:
                continue
            last = record.periods[-1]
            if last.employer is None or last.last.year < CURRENT_YEAR:
                continue
            first_day = dt.date(last.last.year, last.last.month, 1)
            start = first_day + dt.timedelta(days=rng.randrange(0, 18))
            while start.weekday() >= 5:
                start += dt.timedelta(days=1)
            chosen.append(Insured(record, start, _working_days_from(start, rng.randint(2, 5))))
            if len(chosen) == count:
                break
    return chosen


async def store_people(cfg: Config, people: Sequence[Insured]) -> None:
    from hub.claims.contributions import store_contributions
    from hub.db import Database

    db = Database(cfg.hub_database_url)
    rejected = 0
    try:
        for start in range(0, len(people), STORE_BATCH):
            batch = [insured.record for insured in people[start : start + STORE_BATCH]]
            async with db.transaction() as session:
                report = await store_contributions(
                    session, batch, now=SystemClock().now(), actor=None, source=ContributionSource.IMPORT
                )
            rejected += len(report.rejected)
            if report.rejected:
                first = report.rejected[0]
                log(f"    record {first.index} rejected: {first.errors[0]}")
    finally:
        await db.dispose()
    if rejected:
        raise RuntimeError(f"{rejected} contribution records were rejected")


async def create_clients(cfg: Config, secret: str, provinces: Sequence[str]) -> dict[str, str]:
    """One claim-processor client per province, as `hub client create NAME --kind claim_processor --jurisdiction
    province:NN` registers it (in this process: 34 CLI start-ups take longer than the quick run); its token."""
    from hub.clients import service
    from hub.clients.permissions import ClientKind, Jurisdiction
    from hub.clients.tokens import TokenSigner
    from hub.db import Database

    db = Database(cfg.hub_database_url)
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
                    name=f"bench-claims-{province}",
                    kind=ClientKind.CLAIM_PROCESSOR,
                    jurisdiction=Jurisdiction.parse(f"province:{province}"),
                    ttl=dt.timedelta(days=1),
                )
                tokens[province] = issued.token
    finally:
        await db.dispose()
    return tokens


def claim_input(insured: Insured) -> dict[str, Any]:
    return {
        "kind": "SICKNESS",
        "personalId": insured.record.personal_id_number,
        "leave": {"start": insured.leave_start.isoformat(), "end": insured.leave_end.isoformat()},
    }


# -- the deployment ------------------------------------------------------------------------------------------


@dataclass
class Deployment:
    harness: Harness
    webs: list[Process]
    base_urls: list[str]
    workers: list[Process]
    database: str

    def cpu_parts(self) -> dict[str, float]:
        parts = {
            "web (hub serve)": sum(cpu_of(web.pid) for web in self.webs),
            "workers (hub worker)": sum(cpu_of(worker.pid) for worker in self.workers),
            "postgresql": postgres_cpu(self.database),
            "redis": cpu_by_command(["redis-server"])["redis-server"],
            "benchmark client": sum(os.times()[:2]),
        }
        with contextlib.suppress(OSError, ValueError):
            ticks = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
            busy = sum(int(t) for i, t in enumerate(ticks) if i not in (3, 4)) / os.sysconf("SC_CLK_TCK")
            parts["kernel, others"] = busy - sum(parts.values())
        return parts


async def reset_database(cfg: Config, *, create: bool = True) -> None:
    conn = await asyncpg.connect(cfg.admin_dsn, timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{cfg.database}" WITH (FORCE)')
        if create:
            await conn.execute(f'CREATE DATABASE "{cfg.database}"')
    finally:
        await conn.close()


def deploy(cfg: Config, harness: Harness, hub_env: dict[str, str]) -> Deployment:
    log(
        f"starting {cfg.web_processes} x hub serve (one port each) and {cfg.workers} x hub worker "
        f"--threads {cfg.threads}"
    )
    ports = [free_port() for _ in range(cfg.web_processes)]
    webs = [
        harness.start(f"web-{index + 1}", hub_command("serve", "--port", str(port)), hub_env)
        for index, port in enumerate(ports)
    ]
    metrics = [free_port() for _ in range(cfg.workers)]
    workers = [
        harness.start(
            f"worker-{index + 1}",
            hub_command("worker", "--threads", str(cfg.threads), "--metrics-port", str(port)),
            hub_env,
        )
        for index, port in enumerate(metrics)
    ]
    base_urls = [f"http://127.0.0.1:{port}" for port in ports]
    for web, url in zip(webs, base_urls, strict=True):
        wait_http(f"{url}/readyz", timeout=90, process=web)
    for worker, port in zip(workers, metrics, strict=True):
        wait_http(f"http://127.0.0.1:{port}/metrics", timeout=60, process=worker)
    log(f"  ready: web {', '.join(str(w.pid) for w in webs)}; workers {', '.join(str(w.pid) for w in workers)}")
    return Deployment(harness, webs, base_urls, workers, cfg.database)


# -- 1. claims computed end to end ---------------------------------------------------------------------------


@dataclass
class FileTally:
    seconds: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


async def file_all(
    cfg: Config, deployment: Deployment, people: Sequence[Insured], tokens: dict[str, str], tally: FileTally
) -> None:
    """File every claim, as lists of `cfg.list_size` claims of one province (one `fileClaim` each with 1)."""
    queue: asyncio.Queue[list[Insured]] = asyncio.Queue()
    by_province: dict[str, list[Insured]] = {}
    for insured in people:
        by_province.setdefault(insured.record.province_code, []).append(insured)
    for insured_list in by_province.values():
        for start in range(0, len(insured_list), cfg.list_size):
            queue.put_nowait(insured_list[start : start + cfg.list_size])

    async def sender(index: int) -> None:
        base_url = deployment.base_urls[index % len(deployment.base_urls)]
        async with httpx.AsyncClient(base_url=base_url, timeout=120.0) as client:
            while True:
                try:
                    batch = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                headers = {"Authorization": f"Bearer {tokens[batch[0].record.province_code]}"}
                if cfg.list_size == 1:
                    request = {"query": FILE_CLAIM, "variables": {"input": claim_input(batch[0])}}
                else:
                    request = {"query": FILE_CLAIMS, "variables": {"inputs": [claim_input(i) for i in batch]}}
                started = time.perf_counter()
                response = await client.post("/graphql", json=request, headers=headers)
                tally.seconds.append(time.perf_counter() - started)
                body = response.json() if response.status_code == 200 else {}
                data = body.get("data") or {}
                payload = data.get("fileClaim") or data.get("fileClaims") or {}
                problems = [
                    *(body.get("errors") or []),
                    *(payload.get("errors") or []),
                    *(e for result in payload.get("results") or [] for e in result["errors"]),
                ]
                if response.status_code != 200 or problems:
                    tally.errors[json.dumps(problems or response.text[:200], ensure_ascii=False)[:300]] += 1

    await asyncio.gather(*(sender(i) for i in range(cfg.senders)))


async def count_states(conn: asyncpg.Connection) -> dict[str, int]:
    return {row["state"]: row["n"] for row in await conn.fetch("SELECT state, count(*) AS n FROM claims GROUP BY 1")}


async def wait_computed(
    conn: asyncpg.Connection, deployment: Deployment, expected: int, label: str, give_up_after: float = 300.0
) -> float:
    """Poll until `expected` claims are COMPUTED; the perf_counter time it happened."""
    last_change, last_count, next_report = time.perf_counter(), -1, time.perf_counter() + PROGRESS_S
    while True:
        count = await conn.fetchval("SELECT count(*) FROM claims WHERE state = 'computed'")
        now = time.perf_counter()
        if count >= expected:
            return now
        if count != last_count:
            last_change, last_count = now, count
        elif now - last_change > give_up_after:
            raise RuntimeError(
                f"{label}: {count} of {expected} computed, no progress; states {await count_states(conn)}"
            )
        if now >= next_report:
            log(f"    {label}: {count:,} of {expected:,} computed")
            next_report = now + PROGRESS_S
        deployment.harness.check_alive()
        await asyncio.sleep(POLL_S)


async def measure_throughput(
    cfg: Config, deployment: Deployment, people: Sequence[Insured], tokens: dict[str, str]
) -> dict[str, Any]:
    conn = await asyncpg.connect(cfg.dsn, timeout=10)
    try:
        warmup, timed = people[:WARMUP_CLAIMS], people[WARMUP_CLAIMS:]
        log(f"warm-up: {len(warmup)} claims")
        warm = FileTally()
        await file_all(cfg, deployment, warmup, tokens, warm)
        if warm.errors:
            raise RuntimeError(f"warm-up claims refused: {dict(warm.errors)}")
        await wait_computed(conn, deployment, len(warmup), "warm-up", give_up_after=120)
        # The histories just stored are what a deployment's autovacuum and checkpointer would have vacuumed and
        # written out long before a day's claims arrive (this server's autovacuum may be off): not the timed part's.
        await conn.execute("VACUUM (ANALYZE)", timeout=600)
        await conn.execute("CHECKPOINT", timeout=600)
        log(f"timed: {len(timed):,} SICKNESS claims in lists of {cfg.list_size}, {cfg.senders} senders")
        tally = FileTally()
        meter = CpuMeter(deployment.cpu_parts)
        meter.start()
        started = time.perf_counter()
        sent_at = started

        async def send() -> None:
            nonlocal sent_at
            await file_all(cfg, deployment, timed, tokens, tally)
            sent_at = time.perf_counter()

        sending = asyncio.create_task(send())
        done_at = await wait_computed(conn, deployment, len(people), "timed")
        await sending
        wall, used = meter.stop()
        if tally.errors:
            raise RuntimeError(f"claims refused: {dict(tally.errors)}")
        seconds = done_at - started
        states = await count_states(conn)
        eligible = await conn.fetchval("SELECT count(*) FROM claims WHERE eligible")
    finally:
        await conn.close()
    rate = len(timed) / seconds
    p50, p99 = (1000 * percentile(tally.seconds, q) for q in (50, 99))
    log(
        f"  {len(timed):,} claims computed in {seconds:.2f} s: {rate:,.1f} claims/s (target 500); request p50 "
        f"{p50:.0f} ms p99 {p99:.0f} ms; all sent after {sent_at - started:.1f} s; states {states}, "
        f"{eligible:,} eligible"
    )
    for line in cpu_report(wall, used):
        log(line)
    cores = os.cpu_count() or 1
    return {
        "claims_per_s": round(rate, 1),
        "claims_filed": len(timed),
        "claims_seconds": round(seconds, 2),
        "file_p50_ms": round(p50, 1),
        "file_p99_ms": round(p99, 1),
        "claims_eligible": eligible,
        "cpu_ms_per_claim": {name: round(1000 * s / len(timed), 2) for name, s in used.items()},
        "cpu_share_pct": {name: round(100 * s / (wall * cores), 1) for name, s in used.items()},
    }


# -- 2. the work queue at 1,000,000 claims -------------------------------------------------------------------

KINDS = (("sickness", 0.55), ("child_care", 0.15), ("maternity", 0.15), ("paternity", 0.08), ("convalescence", 0.07))
OLD_STATES = (
    ("paid", 0.74),
    ("approved", 0.08),
    ("rejected", 0.08),
    ("returned", 0.04),
    ("computed", 0.04),
    ("evidence_pending", 0.02),
)
RECENT_STATES = (("computed", 0.55), ("evidence_pending", 0.25), ("approved", 0.12), ("returned", 0.08))
COLUMNS = (
    "id",
    "reference",
    "kind",
    "person_id",
    "employer_id",
    "province_code",
    "event_key",
    "event_date",
    "details",
    "origin",
    "state",
    "eligible",
    "amount_vnd",
    "computation",
    "explanation",
    "computed_version",
    "approved_amount_vnd",
    "filed_on",
    "due_on",
    "decision_reason",
    "decided_by",
    "decided_at",
    "needs_confirmation",
    "created_at",
    "updated_at",
)


def _pick(rng: random.Random, choices: Sequence[tuple[str, float]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _details(kind: str, event: dt.date, rng: random.Random, serial: int) -> tuple[str, dict[str, Any]]:
    """The event key and details JSON of a claim of this kind, as hub.claims.details.to_json writes them."""
    if kind == "sickness":
        end = event + dt.timedelta(days=rng.randint(1, 6))
        certificate = f"facility:{rng.randint(1, 96):02d}{rng.randint(0, 999):03d}/BULK{serial:09d}"
        details = {
            "start": event.isoformat(),
            "end": end.isoformat(),
            "half_days": [],
            "long_term_disease": False,
            "certificate": certificate,
        }
        return f"certificate:{certificate}", details
    if kind == "child_care":
        born = event - dt.timedelta(days=rng.randint(60, 2400))
        details = {
            "child_born": born.isoformat(),
            "start": event.isoformat(),
            "end": (event + dt.timedelta(days=rng.randint(1, 4))).isoformat(),
            "half_days": [],
            "child_personal_id": None,
        }
        return f"child:{born.isoformat()}:{event.isoformat()}#{serial}", details
    if kind in ("maternity", "paternity"):
        periods = [[event.isoformat(), (event + dt.timedelta(days=4)).isoformat()]] if kind == "paternity" else []
        details = {
            "born": event.isoformat(),
            "children": 1 if rng.random() < 0.98 else 2,
            "caesarean": rng.random() < 0.4,
            "under_32_weeks": rng.random() < 0.02,
            "leave_start": None,
            "periods": periods,
        }
        return f"birth:{event.isoformat()}#{serial}", details
    returned = event
    details = {
        "cause": "sickness",
        "returned_to_work": returned.isoformat(),
        "start": (returned + dt.timedelta(days=rng.randint(0, 20))).isoformat(),
        "days": rng.randint(3, 7),
    }
    return f"convalescence:{returned.isoformat()}:sickness#{serial}", details


async def bulk_load(cfg: Config, count: int) -> dict[str, Any]:
    """`count` claims with COPY, spread over the stored people (and so their provinces), kinds, states and a year."""
    conn = await asyncpg.connect(cfg.dsn, timeout=10)
    try:
        people = [(r["id"], r["province_code"]) for r in await conn.fetch("SELECT id, province_code FROM persons")]
        employers = [r["id"] for r in await conn.fetch("SELECT id FROM employers")]
        templates = [
            (r["computation"], r["explanation"])
            for r in await conn.fetch(
                "SELECT computation::text AS computation, explanation::text AS explanation FROM claims "
                "WHERE computation IS NOT NULL LIMIT 200"
            )
        ]
        if not people or not templates:
            raise RuntimeError("no people or no computed claims to model the bulk claims on")
        rng = random.Random(cfg.seed)
        now = dt.datetime.now(dt.UTC)
        today = vietnam_date(now)
        states: Counter[str] = Counter()
        started = time.perf_counter()
        next_report = started + PROGRESS_S
        loaded = 0
        while loaded < count:
            rows = []
            for serial in range(loaded, min(count, loaded + COPY_BATCH)):
                person_id, province = people[rng.randrange(len(people))]
                kind = _pick(rng, KINDS)
                age = rng.random() * 365
                created = now - dt.timedelta(days=age, seconds=rng.randrange(86_400))
                state = _pick(rng, RECENT_STATES if age < 21 else OLD_STATES)
                states[state] += 1
                event = created.date() - dt.timedelta(days=rng.randint(1, 40))
                key, details = _details(kind, event, rng, serial)
                computed = state != "evidence_pending"
                decided = state in ("approved", "paid", "rejected")
                computation, explanation = templates[serial % len(templates)] if computed else (None, None)
                amount = rng.randint(300_000, 60_000_000) if computed else None
                due = due_date(created) if computed else None
                manual = rng.random() < 0.3
                rows.append(
                    (
                        uuid.uuid4(),
                        f"HS{created:%y%m%d}B{serial:09X}",
                        kind,
                        person_id,
                        employers[rng.randrange(len(employers))] if employers and rng.random() < 0.9 else None,
                        province,
                        key,
                        event,
                        json.dumps(details),
                        "manual" if manual else "document",
                        state,
                        (state != "rejected") if computed else None,
                        amount,
                        computation,
                        explanation,
                        1 if computed else 0,
                        amount if state in ("approved", "paid") else None,
                        created.date() if manual else None,
                        due,
                        "thiếu hồ sơ" if state in ("rejected", "returned") else None,
                        f"bench-claims-{province}" if decided else None,
                        created + dt.timedelta(days=rng.randint(1, 7)) if decided else None,
                        rng.random() < 0.002 and state in ("approved", "paid"),
                        created,
                        created + dt.timedelta(hours=rng.randint(0, 200)),
                    )
                )
            await conn.copy_records_to_table("claims", records=rows, columns=COLUMNS)
            loaded += len(rows)
            if time.perf_counter() >= next_report or loaded == count:
                elapsed = time.perf_counter() - started
                log(f"    {loaded:,} of {count:,} claims loaded in {elapsed:.0f} s")
                next_report = time.perf_counter() + PROGRESS_S
        analyzing = time.perf_counter()
        # A deployment's autovacuum vacuums and analyzes a table after this many inserts (this server's may be off):
        # the visibility map lets the queue's counts scan the index only, as they would in production. The
        # checkpoint writes out what was loaded, which a deployment's checkpointer would have done long before.
        autovacuum = await conn.fetchval("SHOW autovacuum")
        await conn.execute("VACUUM (ANALYZE) claims", timeout=600)
        await conn.execute("CHECKPOINT", timeout=600)
        stored = await conn.fetchval("SELECT count(*) FROM claims")
        overdue = await conn.fetchval(
            "SELECT count(*) FROM claims WHERE state IN ('evidence_pending', 'computed') AND due_on < $1", today
        )
        log(
            f"  {count:,} claims loaded in {analyzing - started:.1f} s, VACUUM (ANALYZE) "
            f"{time.perf_counter() - analyzing:.1f} s (server autovacuum {autovacuum}); {stored:,} stored, "
            f"{overdue:,} overdue; states {dict(states)}"
        )
        return {
            "claims_stored": stored,
            "bulk_load_s": round(analyzing - started, 1),
            "overdue_stored": overdue,
            "autovacuum": autovacuum == "on",
        }
    finally:
        await conn.close()


def due_date(created: dt.datetime) -> dt.date:
    """When BHXH must settle a claim computed at `created`, as the workers set it."""
    from hub.claims.rules import VIETNAM_CALENDAR
    from hub.claims.service import SETTLE_WORKING_DAYS

    return VIETNAM_CALENDAR.add_working_days(vietnam_date(created), SETTLE_WORKING_DAYS)


async def measure_queue(cfg: Config, deployment: Deployment, tokens: dict[str, str]) -> dict[str, Any]:
    conn = await asyncpg.connect(cfg.dsn, timeout=10)
    try:
        province, in_province = (
            await conn.fetchrow(
                "SELECT province_code, count(*) FROM claims GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1",
            )
        ).values()
    finally:
        await conn.close()
    log(
        f"work queue: province {province} ({in_province:,} claims), {cfg.queue_rounds} rounds of COMPUTED page 1, "
        "page 2 (after), overdue page 1, sequential"
    )
    headers = {"Authorization": f"Bearer {tokens[province]}"}
    timings: dict[str, list[float]] = {"computed_first": [], "computed_after": [], "overdue": []}
    totals: dict[str, int] = {}

    async with httpx.AsyncClient(base_url=deployment.base_urls[0], timeout=60.0) as client:

        async def ask(name: str, variables: dict[str, Any], record: bool) -> dict[str, Any]:
            started = time.perf_counter()
            response = await client.post("/graphql", json={"query": QUEUE, "variables": variables}, headers=headers)
            seconds = time.perf_counter() - started
            body = response.json()
            if response.status_code != 200 or body.get("errors"):
                raise RuntimeError(f"{name}: HTTP {response.status_code} {str(body)[:500]}")
            page: dict[str, Any] = body["data"]["claims"]
            if record:
                timings[name].append(seconds)
                totals[name] = page["totalCount"]
            return page

        computed = {"states": ["COMPUTED"]}
        for round_number in range(-5, cfg.queue_rounds):  # 5 rounds of warm-up
            record = round_number >= 0
            first = await ask("computed_first", {"filter": computed, "first": 50}, record)
            cursor = first["pageInfo"]["endCursor"]
            if cursor:
                await ask("computed_after", {"filter": computed, "first": 50, "after": cursor}, record)
            await ask("overdue", {"filter": {"overdue": True}, "first": 50}, record)
    everything = [s for values in timings.values() for s in values]
    figures: dict[str, Any] = {
        "queue_p50_ms": round(1000 * percentile(everything, 50), 1),
        "queue_p99_ms": round(1000 * percentile(everything, 99), 1),
        "queue_requests": len(everything),
        "queue_province": province,
        "queue_province_claims": in_province,
        "queue_totals": totals,
    }
    for name, values in timings.items():
        p50, p99 = 1000 * percentile(values, 50), 1000 * percentile(values, 99)
        figures[f"queue_{name}_p50_ms"], figures[f"queue_{name}_p99_ms"] = round(p50, 1), round(p99, 1)
        log(f"  {name:<15} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  mean {1000 * statistics.fmean(values):6.1f} ms")
    log(
        f"  all {len(everything)} requests: p50 {figures['queue_p50_ms']} ms, "
        f"p99 {figures['queue_p99_ms']} ms (target 50)"
    )
    return figures


# -- main ----------------------------------------------------------------------------------------------------


def prepare(cfg: Config, harness: Harness) -> tuple[dict[str, str], list[Insured], dict[str, str]]:
    hub_env = (
        base_env()
        | harness.hub_signing_env()
        | {
            "HUB_ENV": "prod",
            "HUB_DATABASE_URL": cfg.hub_database_url,
            "HUB_BROKER_URL": cfg.redis_url,
            "HUB_TOKEN_SECRET": secrets.token_hex(32),
            "HUB_LOG_LEVEL": cfg.log_level,
        }
    )
    log(f"database {cfg.database}: dropped and recreated; Redis {cfg.redis_url}: flushed")
    asyncio.run(reset_database(cfg))
    flush_redis(cfg.redis_url)
    started = time.perf_counter()
    harness.run("migrate", hub_command("migrate"), hub_env, timeout=120)
    log(f"  migrated in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    people = generate_insured(cfg.claims + WARMUP_CLAIMS, cfg.seed, random.Random(cfg.seed))
    log(f"  {len(people):,} insured people generated in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    asyncio.run(store_people(cfg, people))
    log(f"  their contributions stored in {time.perf_counter() - started:.1f} s (store_contributions, 5,000 a batch)")
    provinces = sorted({insured.record.province_code for insured in people})
    tokens = asyncio.run(create_clients(cfg, hub_env["HUB_TOKEN_SECRET"], provinces))
    log(f"  {len(tokens)} claim-processor clients (province:NN)")
    return hub_env, people, tokens


async def measure(
    cfg: Config, deployment: Deployment, people: Sequence[Insured], tokens: dict[str, str]
) -> dict[str, Any]:
    figures = await measure_throughput(cfg, deployment, people, tokens)
    log(f"bulk load: {cfg.bulk:,} claims with COPY")
    figures |= await bulk_load(cfg, max(0, cfg.bulk - len(people)))
    figures |= await measure_queue(cfg, deployment, tokens)
    return figures


def parse_args(argv: list[str] | None) -> Config:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CLAIMS:,} claims filed, {QUICK_BULK:,} stored")
    parser.add_argument("--claims", type=int, default=None, help=f"claims filed, timed (full: {FULL_CLAIMS:,})")
    parser.add_argument("--bulk", type=int, default=None, help=f"claims stored for the queue (full: {FULL_BULK:,})")
    parser.add_argument("--senders", type=int, default=8, help="concurrent senders, each on its own connection")
    parser.add_argument("--list", type=int, default=100, help="claims per fileClaims call (1: fileClaim)")
    parser.add_argument("--web-processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="`hub worker` processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per job worker")
    parser.add_argument("--queue-rounds", type=int, default=None, help="rounds of 3 queue requests (full 200)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432", help="server, no database")
    parser.add_argument("--database", default="hub_bench_claims", help="dropped and created, dropped at the end")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12", help="flushed at the start and the end")
    parser.add_argument("--log-level", default="WARNING", help="HUB_LOG_LEVEL of the hub's processes")
    parser.add_argument("--keep-logs", action="store_true")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database) or args.database in ("postgres", "test", "hub_test"):
        parser.error("--database must be a plain lower-case name, and not postgres, test or hub_test")
    for url in (args.postgres, args.redis):
        require_loopback(url)
    if not args.postgres.startswith("postgresql://") or urlsplit(args.postgres).path not in ("", "/"):
        parser.error("--postgres is postgresql://user@host:port, without a database")
    for name in ("senders", "list", "web_processes", "workers", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return Config(
        quick=args.quick,
        claims=args.claims or (QUICK_CLAIMS if args.quick else FULL_CLAIMS),
        bulk=args.bulk if args.bulk is not None else (QUICK_BULK if args.quick else FULL_BULK),
        senders=args.senders,
        list_size=args.list,
        web_processes=args.web_processes,
        workers=args.workers,
        threads=args.threads,
        queue_rounds=args.queue_rounds or (100 if args.quick else 200),
        seed=args.seed,
        postgres=args.postgres.rstrip("/"),
        database=args.database,
        redis_url=args.redis,
        log_level=args.log_level.upper(),
        keep_logs=args.keep_logs,
        keep_database=args.keep_database,
    )


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-claims-"))
    harness = Harness(workdir)
    started = time.perf_counter()
    figures: dict[str, Any] | None = None
    failed = True
    with signals_raise_interrupt():
        try:
            hub_env, people, tokens = prepare(cfg, harness)
            deployment = deploy(cfg, harness, hub_env)
            figures = asyncio.run(measure(cfg, deployment, people, tokens))
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
            if not cfg.keep_database:
                with contextlib.suppress(OSError, asyncpg.PostgresError):
                    asyncio.run(reset_database(cfg, create=False))
            if failed or cfg.keep_logs:
                log(f"logs kept in {workdir}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)
    figures |= {
        "quick": cfg.quick,
        "senders": cfg.senders,
        "list_size": cfg.list_size,
        "web_processes": cfg.web_processes,
        "worker_processes": cfg.workers,
        "worker_threads": cfg.threads,
        "cores": os.cpu_count() or 1,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
