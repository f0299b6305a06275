"""Benchmark of the officers' console: the claims worklist page (50 claims with their total) with 1,000,000 claims
stored, on PostgreSQL + Redis as deployed.

    python -m bench.console [--quick] [--claims N] [--bulk M] [--rounds R] [--keep-logs] [--keep-database] ...

Set-up, not timed, as `bench.claims` does it (its functions): a dedicated database, insured people with their
contributions, one claim-processor client per province; `hub serve` and `hub worker`; N claims (default 300) filed and
computed through `fileClaims` (the models of the bulk rows), then M claims in all (default 1,000,000; quick 50,000)
bulk-loaded with COPY, VACUUM (ANALYZE) and CHECKPOINT. An officer bound to the processor of the province with the
most claims signs in to the console over HTTP.

Measured: R rounds (default 100; quick 30) of six sequential page loads by that officer, after 5 rounds of
warm-up: the worklist (`/console/claims`: 50 claims and the total), the claims to decide (`?state=COMPUTED`) and
the overdue ones (`?due=overdue`), those due this week, the unassigned ones and a name searched without diacritics
(`?q=nguyen`): each a single claims(filter:) query. Each is the server's whole answer: the session looked up, the
GraphQL operation run in-process as the officer (with its count), the page rendered. p50 and p99 of the time to the
last byte, from a client on the same machine (the target: under 200 ms).

Progress goes to stderr; the last line on stdout is one JSON object: {"worklist_p99_ms": ..., ...}.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import time
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from bench import claims as claims_bench
from bench import deployment as deploying
from bench.deployment import Deployment
from bench.measuring import percentile
from bench.processes import log

QUICK_BULK = 50_000
FULL_BULK = 1_000_000
FILED = 300  # computed through the API: the models of the bulk-loaded rows
USERNAME = "bench.xuly"
PASSWORD = "bench-console-password"
PAGES = {
    "worklist": "/console/claims",
    "computed": "/console/claims?state=COMPUTED",
    "overdue": "/console/claims?due=overdue",
    "week": "/console/claims?due=week",
    "unassigned": "/console/claims?owner=unassigned",
    "search": "/console/claims?q=nguyen",
}


async def add_officer(cfg: claims_bench.Config, client_name: str) -> None:
    """As `hub officer create USERNAME --client NAME --password-stdin` does."""
    from hub.clients.officers import create_officer
    from hub.infra.clock import SystemClock
    from hub.infra.db import Database

    db = Database(cfg.services.hub_database_url)
    try:
        async with db.transaction() as session:
            await create_officer(
                session, now=SystemClock().now(), username=USERNAME, client_name=client_name, password=PASSWORD
            )
    finally:
        await db.dispose()


async def sign_in(client: httpx.AsyncClient) -> dict[str, str]:
    """The session cookie, sent back by hand: the console's cookie is Secure and this client speaks plain HTTP."""
    form = await client.get("/console/sign-in")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    answer = await client.post(
        "/console/sign-in",
        data={"username": USERNAME, "password": PASSWORD, "csrf": token.group(1)},
        headers={"Cookie": "; ".join(f"{name}={value}" for name, value in form.cookies.items())},
    )
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in: HTTP {answer.status_code} {answer.text[:300]}")
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in answer.cookies.items())}


async def measure_pages(cfg: claims_bench.Config, deployment: Deployment, rounds: int) -> dict[str, Any]:
    conn = await asyncpg.connect(cfg.services.dsn, timeout=10)
    try:
        province, in_province = (
            await conn.fetchrow("SELECT province_code, count(*) FROM claims GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1")
        ).values()
    finally:
        await conn.close()
    await add_officer(cfg, f"bench-claims-{province}")
    log(f"console: officer of province {province} ({in_province:,} claims), {rounds} rounds of {len(PAGES)} pages")
    timings: dict[str, list[float]] = {name: [] for name in PAGES}
    async with httpx.AsyncClient(base_url=deployment.base_urls[0], timeout=60.0) as client:
        cookie = await sign_in(client)
        for round_number in range(-5, rounds):
            for name, path in PAGES.items():
                started = time.perf_counter()
                answer = await client.get(path, headers=cookie)
                seconds = time.perf_counter() - started
                if answer.status_code != 200 or 'data-testid="total"' not in answer.text:
                    raise RuntimeError(f"{path}: HTTP {answer.status_code} {answer.text[:300]}")
                if round_number >= 0:
                    timings[name].append(seconds)
    everything = [s for values in timings.values() for s in values]
    figures: dict[str, Any] = {
        "pages_p50_ms": round(1000 * percentile(everything, 50), 1),
        "pages_p99_ms": round(1000 * percentile(everything, 99), 1),
        "page_loads": len(everything),
        "province_claims": in_province,
    }
    for name, values in timings.items():
        p50, p99 = 1000 * percentile(values, 50), 1000 * percentile(values, 99)
        figures[f"{name}_p50_ms"], figures[f"{name}_p99_ms"] = round(p50, 1), round(p99, 1)
        log(f"  {name:<9} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  mean {1000 * statistics.fmean(values):6.1f} ms")
    log(f"  all {len(everything)} page loads: p50 {figures['pages_p50_ms']} ms, p99 {figures['pages_p99_ms']} ms")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_BULK:,} claims stored")
    parser.add_argument("--claims", type=int, default=FILED, help="claims filed and computed through the API first")
    parser.add_argument("--bulk", type=int, default=None, help=f"claims stored (full: {FULL_BULK:,})")
    parser.add_argument("--rounds", type=int, default=None, help="rounds of the page loads (full 100)")
    parser.add_argument("--seed", type=int, default=2026)
    deploying.add_service_arguments(
        parser,
        database="hub_bench_console",
        database_help="dropped and created, dropped at the end",
        redis_db=11,
        log_level="WARNING",
    )
    parser.add_argument("--keep-logs", action="store_true")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args(argv)
    rounds = args.rounds or (30 if args.quick else 100)
    cfg = claims_bench.seeding_config(
        args,
        deploying.services_from(parser, args),
        claims=args.claims,
        bulk=args.bulk if args.bulk is not None else (QUICK_BULK if args.quick else FULL_BULK),
    )

    def deploy_and_measure(deployment: Deployment) -> dict[str, Any]:
        people, tokens = claims_bench.prepare(cfg, deployment)
        claims_bench.deploy(cfg, deployment)

        async def measure() -> dict[str, Any]:
            figures = await claims_bench.measure_throughput(cfg, deployment, people, tokens)
            log(f"bulk load: {cfg.bulk:,} claims with COPY")
            figures |= await claims_bench.bulk_load(cfg, max(0, cfg.bulk - len(people)))
            return figures | await measure_pages(cfg, deployment, rounds)

        return asyncio.run(measure()) | {"quick": cfg.quick, "cores": os.cpu_count() or 1}

    return deploying.run(
        "console", cfg.services, deploy_and_measure, keep_logs=cfg.keep_logs, drop_database=not cfg.keep_database
    )


if __name__ == "__main__":
    raise SystemExit(main())
