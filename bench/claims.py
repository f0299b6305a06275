"""Benchmark of benefit claims: claims computed end to end, and the processors' work queue with 1,000,000 claims
stored, on PostgreSQL + Redis as deployed.

    python -m bench.claims [--quick] [--claims N] [--bulk M] [--senders S] [--list L] [--web-processes W] [--workers K]
                              [--threads T] [--queue-rounds R] [--keep-logs] [--keep-database] ...

Set-up, not timed: a dedicated database (created afresh, dropped at the end) and Redis database (flushed at the start
and the end), `hub migrate`, then N insured people of a generated population (`devkit.workloads.claims`), each with the
contribution history the contribution system holds about them, stored with `store_contributions` in batches of
5,000; one claim-processor client per province of those people or of their employers, which settle their claims
(as `hub client create NAME --kind claim_processor --jurisdiction province:NN` does). W web processes (`hub serve`,
one port each) and K job workers (`hub worker`).

Measured:
1. `claims_per_s`: S senders, each on its own keep-alive connection, file one SICKNESS claim (a leave of 2 to 5
   working days inside the person's last month of compulsory contributions: the evidence the computation needs is
   present) per person, as lists of L claims of one province (an employer's list, Mẫu 01B-HSB; default 100)
   through the GraphQL mutation `fileClaims` (with L = 1: one `fileClaim` per claim), with the token of the
   province settling it (the employer's); the workers compute them. Claims / seconds from the first send to the
   moment the database holds every one of them in state COMPUTED (polled directly), after a warm-up of a few claims
   and VACUUM (ANALYZE) and CHECKPOINT (what a deployment's autovacuum and checkpointer would long since have done
   with the histories stored in the set-up).
2. `queue_p99_ms`: M claims (default 1,000,000; quick 50,000) bulk-loaded with COPY (kinds, states, provinces,
   created_at over a year, due dates, computations like those the workers wrote), VACUUM (ANALYZE) and CHECKPOINT
   (a deployment's autovacuum and checkpointer would), then R rounds of three sequential requests of one
   province's processor: `claims(filter: {states: [COMPUTED]}, first: 50)`, its second page (`after`),
   `claims(filter: {overdue: true}, first: 50)`, the default queue (the work waiting by due date, `claims(first:
   50)`) and its second page, `claims(filter: {due: THIS_WEEK})` and a search by name (`{search: "tran thi"}`);
   p50 and p99 of all the requests (and of each).
3. the resident memory of the web and worker processes (bench.memory), sampled from the end of the warm-up to the
   end of the queue rounds: the highest RSS of any one process of each, and the most one held 2 s after (issue 22:
   under 300 MB in steady traffic).

Progress goes to stderr; the last line on stdout is one JSON object: {"claims_per_s": ..., "queue_p99_ms": ...,
"queue_p50_ms": ..., "claims_stored": ..., "web_peak_rss_mb": ..., "web_settled_rss_mb": ..., "worker_peak_rss_mb":
..., "worker_settled_rss_mb": ..., ...}.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from bench import deployment as deploying
from bench.cpu import CpuMeter, cpu_report
from bench.deployment import Deployment, Services
from bench.measuring import percentile
from bench.memory import RssSampler, sampling
from bench.processes import log
from devkit.workloads.claims import COLUMNS, Insured, bulk_claim_rows, claim_input, generate_insured
from hub.claims.search import name_key
from hub.contributions.records import ContributionSource
from hub.infra.clock import SystemClock, vietnam_date

QUICK_CLAIMS = 1_000
FULL_CLAIMS = 10_000
QUICK_BULK = 50_000
FULL_BULK = 1_000_000
WARMUP_CLAIMS = 40
STORE_BATCH = 5_000
COPY_BATCH = 50_000
PROGRESS_S = 5.0
POLL_S = 0.05
SURNAMES = ("nguyễn", "tran thi", "Lê", "pham", "hoàng văn")  # searched by name in the queue rounds (a name's start)

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
    services: Services
    keep_logs: bool
    keep_database: bool


def seeding_config(args: argparse.Namespace, services: Services, *, claims: int, bulk: int) -> Config:
    """The set-up of a benchmark that only needs claims stored (bench.console, bench.portal): one web process, one
    worker of 4 threads, 4 senders of lists of 100; no queue rounds. `args` holds quick, seed, keep_logs and
    keep_database."""
    return Config(
        quick=args.quick,
        claims=claims,
        bulk=bulk,
        senders=4,
        list_size=100,
        web_processes=1,
        workers=1,
        threads=4,
        queue_rounds=0,
        seed=args.seed,
        services=services,
        keep_logs=args.keep_logs,
        keep_database=args.keep_database,
    )


async def store_people(cfg: Config, people: Sequence[Insured]) -> None:
    from hub.contributions.service import store_contributions
    from hub.infra.db import Database

    db = Database(cfg.services.hub_database_url)
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


# -- set-up --------------------------------------------------------------------------------------------------


def prepare(cfg: Config, deployment: Deployment) -> tuple[list[Insured], dict[str, str]]:
    """The database migrated, the insured people with their contributions stored, one claim-processor client per
    province of theirs or of their employers (which settle their claims); the people and the clients' tokens by
    province."""
    deployment.configure()
    deployment.reset()
    deployment.migrate()
    started = time.perf_counter()
    people = generate_insured(cfg.claims + WARMUP_CLAIMS, cfg.seed, random.Random(cfg.seed))
    log(f"  {len(people):,} insured people generated in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    asyncio.run(store_people(cfg, people))
    log(f"  their contributions stored in {time.perf_counter() - started:.1f} s (store_contributions, 5,000 a batch)")
    provinces = sorted({p for i in people for p in (i.record.province_code, i.settling_province)})
    clients = {province: (f"bench-claims-{province}", f"province:{province}") for province in provinces}
    tokens = deployment.create_clients("claim_processor", clients)
    log(f"  {len(tokens)} claim-processor clients (province:NN)")
    return people, tokens


def deploy(cfg: Config, deployment: Deployment) -> None:
    log(
        f"starting {cfg.web_processes} x hub serve (one port each) and {cfg.workers} x hub worker "
        f"--threads {cfg.threads}"
    )
    deployment.start_web(cfg.web_processes)
    deployment.start_workers(cfg.workers, cfg.threads)
    log(
        f"  ready: web {', '.join(str(w.pid) for w in deployment.webs)}; "
        f"workers {', '.join(str(w.pid) for w in deployment.workers)}"
    )


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
        by_province.setdefault(insured.settling_province, []).append(insured)
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
                headers = {"Authorization": f"Bearer {tokens[batch[0].settling_province]}"}
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
        deployment.check_alive()
        await asyncio.sleep(POLL_S)


async def warm_up(
    cfg: Config, deployment: Deployment, conn: asyncpg.Connection, warmup: Sequence[Insured], tokens: dict[str, str]
) -> None:
    """A few claims computed; then what a deployment's autovacuum and checkpointer would have done long before a
    day's claims arrive with the histories just stored (this server's autovacuum may be off): not the timed part's."""
    log(f"warm-up: {len(warmup)} claims")
    warm = FileTally()
    await file_all(cfg, deployment, warmup, tokens, warm)
    if warm.errors:
        raise RuntimeError(f"warm-up claims refused: {dict(warm.errors)}")
    await wait_computed(conn, deployment, len(warmup), "warm-up", give_up_after=120)
    await conn.execute("VACUUM (ANALYZE)", timeout=600)
    await conn.execute("CHECKPOINT", timeout=600)


async def measure_throughput(
    cfg: Config,
    deployment: Deployment,
    people: Sequence[Insured],
    tokens: dict[str, str],
    memory: RssSampler | None = None,
) -> dict[str, Any]:
    """Claims filed by the senders and computed by the workers: claims per second, from the first send to the last
    claim COMPUTED; `memory`, if given, samples the hub's processes from the end of the warm-up on."""
    conn = await asyncpg.connect(cfg.services.dsn, timeout=10)
    try:
        warmup, timed = people[:WARMUP_CLAIMS], people[WARMUP_CLAIMS:]
        await warm_up(cfg, deployment, conn, warmup, tokens)
        if memory is not None:
            memory.start()
        log(f"timed: {len(timed):,} SICKNESS claims in lists of {cfg.list_size}, {cfg.senders} senders")
        tally = FileTally()
        meter = CpuMeter(partial(deployment.cpu_parts, others=True))
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


async def bulk_load(cfg: Config, count: int) -> dict[str, Any]:
    """`count` claims with COPY, spread over the stored people (and so their provinces), kinds, states and a year."""
    conn = await asyncpg.connect(cfg.services.dsn, timeout=10)
    try:
        people = [
            (r["id"], r["province_code"], name_key(r["full_name"]))
            for r in await conn.fetch("SELECT id, province_code, full_name FROM persons")
        ]
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
            rows = bulk_claim_rows(
                rng,
                range(loaded, min(count, loaded + COPY_BATCH)),
                people=people,
                employers=employers,
                templates=templates,
                now=now,
                states=states,
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


async def measure_queue(cfg: Config, deployment: Deployment, tokens: dict[str, str]) -> dict[str, Any]:
    conn = await asyncpg.connect(cfg.services.dsn, timeout=10)
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
        "page 2 (after), overdue page 1, waiting pages 1 and 2, due this week, a search by name, sequential"
    )
    headers = {"Authorization": f"Bearer {tokens[province]}"}
    timings: dict[str, list[float]] = {
        name: []
        for name in (
            "computed_first",
            "computed_after",
            "overdue",
            "waiting_first",
            "waiting_after",
            "due_this_week",
            "search_name",
        )
    }
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
            waiting = await ask("waiting_first", {"first": 50}, record)
            cursor = waiting["pageInfo"]["endCursor"]
            if cursor:
                await ask("waiting_after", {"first": 50, "after": cursor}, record)
            await ask("due_this_week", {"filter": {"due": "THIS_WEEK"}, "first": 50}, record)
            surname = SURNAMES[round_number % len(SURNAMES)]
            await ask("search_name", {"filter": {"search": surname}, "first": 50}, record)
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


async def measure(
    cfg: Config, deployment: Deployment, people: Sequence[Insured], tokens: dict[str, str]
) -> dict[str, Any]:
    async with sampling(deployment.processes_by_role(), start=False) as sampler:
        figures = await measure_throughput(cfg, deployment, people, tokens, sampler)
        log(f"bulk load: {cfg.bulk:,} claims with COPY")
        figures |= await bulk_load(cfg, max(0, cfg.bulk - len(people)))
        figures |= await measure_queue(cfg, deployment, tokens)
    return figures | sampler.memory().figures()


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
    parser.add_argument("--queue-rounds", type=int, default=None, help="rounds of 7 queue requests (full 200)")
    parser.add_argument("--seed", type=int, default=2026)
    deploying.add_service_arguments(
        parser,
        database="hub_bench_claims",
        database_help="dropped and created, dropped at the end",
        redis_db=12,
        log_level="WARNING",
    )
    parser.add_argument("--keep-logs", action="store_true")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args(argv)
    services = deploying.services_from(parser, args)
    deploying.at_least_one(parser, args, ("senders", "list", "web_processes", "workers", "threads"))
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
        services=services,
        keep_logs=args.keep_logs,
        keep_database=args.keep_database,
    )


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)

    def deploy_and_measure(deployment: Deployment) -> dict[str, Any]:
        people, tokens = prepare(cfg, deployment)
        deploy(cfg, deployment)
        figures = asyncio.run(measure(cfg, deployment, people, tokens))
        return figures | {
            "quick": cfg.quick,
            "senders": cfg.senders,
            "list_size": cfg.list_size,
            "web_processes": cfg.web_processes,
            "worker_processes": cfg.workers,
            "worker_threads": cfg.threads,
            "cores": os.cpu_count() or 1,
        }

    return deploying.run(
        "claims", cfg.services, deploy_and_measure, keep_logs=cfg.keep_logs, drop_database=not cfg.keep_database
    )


if __name__ == "__main__":
    raise SystemExit(main())
