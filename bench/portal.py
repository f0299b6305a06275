"""Benchmark of the national service portal's reads: GraphQL `caseStatus` on the hub against a bare Starlette +
strawberry app answering a constant of the same shape (bench.portal_peer), under the same server settings (uvicorn,
one process each, its default keep-alive), in alternating rounds of the same run, on PostgreSQL + Redis as deployed.

    python -m bench.portal [--quick] [--claims N] [--bulk M] [--rounds R] [--seconds S] [--connections C] ...

Set-up, not timed, as `bench.claims` does it (its functions): a dedicated database, insured people with their
contributions, `hub serve` (one process) and `hub worker` (which also sequences the audit log); N claims (default 300,
quick 60) filed and computed through `fileClaims`, then M claims in all (default 200,000; quick 20,000) bulk-loaded
with COPY; a portal client (national). The bare peer starts beside it.

Measured: R rounds (default 6, quick 2) of each app, alternating (hub, peer, peer, hub, ...), each S seconds (default
20, quick 5) of `caseStatus` requests for references drawn at random from 2,000 stored claims, over C keep-alive
connections (default 16), by wrk when it is installed (`apt-get install wrk`) or else by an asyncio client in this
process (httpx). Every hub answer of a probe before and after the rounds is checked: the claim's own reference, no
errors; the audit log must hold one `claim.case_status` entry per answered read. Reported per app: requests/s, p50
and p99 latency; and the ratio hub/peer of requests/s (the goal: at least 0.8).

Progress goes to stderr; the last line on stdout is one JSON object: {..., "ratio_hub_to_bare": ...}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from bench import claims as claims_bench
from bench import deployment as deploying
from bench.cpu import cpu_of_tree
from bench.deployment import Deployment
from bench.measuring import percentile
from bench.processes import free_port, log, wait_http

QUICK_BULK = 20_000
FULL_BULK = 200_000
REFERENCES = 2_000
APPS = ("hub", "bare")
QUERY = (
    "query($reference: String!) { caseStatus(reference: $reference) { reference kind state eventDate receivedAt "
    "dueOn decidedAt amountVnd overdue paidVnd recoveredVnd toPayVnd toRecoverVnd "
    "adjustments { kind amountVnd orderedAt settledAt } } }"
)
WRK_SCRIPT = """
local refs = {%(references)s}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
local head = '{"query":%(query)s,"variables":{"reference":"'
request = function()
  return wrk.format(nil, nil, nil, head .. refs[math.random(#refs)] .. '"}}')
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests":%%d,"duration_us":%%d,"p50_us":%%d,"p99_us":%%d,"mean_us":%%f,' ..
    '"socket_errors":%%d,"bad_status":%%d}\\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), latency.mean, e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass
class Round:
    app: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu_s: float


@dataclass
class Target:
    app: str
    url: str  # the /graphql endpoint
    pids: list[int] = field(default_factory=list)


# -- load generators -----------------------------------------------------------------------------------------


def wrk_round(
    wrk: str, target: Target, script: Path, *, seconds: float, connections: int, threads: int
) -> tuple[int, float, float, float, int]:
    argv = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s", "-s", str(script)]
    done = subprocess.run([*argv, target.url], capture_output=True, text=True, timeout=seconds + 60, check=False)
    found = re.search(r"^RESULT (\{.*\})$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-500:]} {done.stderr[-500:]}")
    result = json.loads(found.group(1))
    return (
        result["requests"],
        result["duration_us"] / 1e6,
        result["p50_us"] / 1000,
        result["p99_us"] / 1000,
        result["socket_errors"] + result["bad_status"],
    )


async def httpx_round(
    target: Target, token: str, references: list[str], *, seconds: float, connections: int
) -> tuple[int, float, float, float, int]:
    """The same load from this process: `connections` clients, each on a keep-alive connection of its own."""
    latencies: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        rng = random.Random()
        async with httpx.AsyncClient(timeout=10.0, limits=httpx.Limits(max_connections=1)) as http:
            while time.perf_counter() < deadline:
                body = {"query": QUERY, "variables": {"reference": rng.choice(references)}}
                started = time.perf_counter()
                answer = await http.post(target.url, json=body, headers=headers)
                latencies.append((time.perf_counter() - started) * 1000)
                errors += answer.status_code != 200

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return len(latencies), elapsed, percentile(latencies, 50), percentile(latencies, 99), errors


# -- set-up --------------------------------------------------------------------------------------------------


async def portal_references(cfg: claims_bench.Config, count: int) -> list[str]:
    conn = await asyncpg.connect(cfg.services.dsn, timeout=10)
    try:
        rows = await conn.fetch("SELECT reference FROM claims ORDER BY random() LIMIT $1", count)
    finally:
        await conn.close()
    return [row["reference"] for row in rows]


async def audited_reads(cfg: claims_bench.Config) -> int:
    conn = await asyncpg.connect(cfg.services.dsn, timeout=10)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM audit_log WHERE operation = 'claim.case_status'"))
    finally:
        await conn.close()


async def probe(target: Target, token: str, references: list[str]) -> int:
    """A few answers checked by hand: the shape, the reference asked, no errors. The number of reads made."""
    async with httpx.AsyncClient(timeout=30.0) as http:
        for reference in references:
            answer = await http.post(
                target.url,
                json={"query": QUERY, "variables": {"reference": reference}},
                headers={"Authorization": f"Bearer {token}"},
            )
            body = answer.json()
            status = (body.get("data") or {}).get("caseStatus")
            if answer.status_code != 200 or body.get("errors") or not status:
                raise RuntimeError(f"{target.app}: HTTP {answer.status_code} {answer.text[:300]}")
            if status["reference"] != reference or "paidVnd" not in status:
                raise RuntimeError(f"{target.app}: unexpected answer {status}")
    return len(references)


def start_peer(deployment: Deployment) -> Target:
    port = free_port()
    argv = [sys.executable, "-m", "bench.portal_peer", "--port", str(port)]
    peer = deployment.harness.start("bare-peer", argv, deploying.base_env())
    wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60, process=peer)
    return Target("bare", f"http://127.0.0.1:{port}/graphql", [peer.pid])


# -- the rounds ----------------------------------------------------------------------------------------------


def measure_rounds(args: argparse.Namespace, targets: dict[str, Target], token: str, refs: list[str]) -> list[Round]:
    wrk = shutil.which("wrk")
    script = Path(tempfile.mkdtemp(prefix="bench-portal-wrk-")) / "case_status.lua"
    script.write_text(
        WRK_SCRIPT
        % {
            "references": ",".join(f'"{r}"' for r in refs),
            "token": token,
            "query": json.dumps(QUERY),  # no quote or backslash in it: safe in a Lua string between ' '.
        }
    )
    log(
        f"load: {'wrk ' + wrk if wrk else 'httpx in this process (no wrk installed)'}, {args.connections} "
        f"connections, {args.rounds} round(s) of {args.seconds:g} s per app, alternating"
    )
    # Warm-up: both apps' caches and connection pools, not counted.
    for target in targets.values():
        run_one(args, wrk, script, target, token, refs, min(args.seconds, 3.0))
    rounds: list[Round] = []
    for number in range(args.rounds):
        for app in APPS if number % 2 == 0 else APPS[::-1]:
            target = targets[app]
            cpu_before = cpu_of_tree(target.pids)
            requests, seconds, p50, p99, errors = run_one(args, wrk, script, target, token, refs, args.seconds)
            done = Round(app, requests, seconds, p50, p99, errors, cpu_of_tree(target.pids) - cpu_before)
            log(
                f"  round {number + 1} {app:4}: {requests / seconds:8.1f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms"
                f"  server CPU {1000 * done.server_cpu_s / max(requests, 1):5.2f} ms/req  errors {errors}"
            )
            if errors:
                raise RuntimeError(f"{app}: {errors} requests failed")
            rounds.append(done)
    shutil.rmtree(script.parent, ignore_errors=True)
    return rounds


def run_one(
    args: argparse.Namespace, wrk: str | None, script: Path, target: Target, token: str, refs: list[str], s: float
) -> tuple[int, float, float, float, int]:
    if wrk:
        return wrk_round(wrk, target, script, seconds=s, connections=args.connections, threads=args.threads)
    return asyncio.run(httpx_round(target, token, refs, seconds=s, connections=args.connections))


def summary(rounds: list[Round], app: str) -> dict[str, float]:
    mine = [r for r in rounds if r.app == app]
    requests = sum(r.requests for r in mine)
    return {
        "req_per_s": round(requests / sum(r.seconds for r in mine), 1),
        # Per round, then the median round: wrk reports percentiles per run, not the latencies themselves.
        "p50_ms": round(sorted(r.p50_ms for r in mine)[len(mine) // 2], 2),
        "p99_ms": round(sorted(r.p99_ms for r in mine)[len(mine) // 2], 2),
        "server_cpu_ms_per_req": round(1000 * sum(r.server_cpu_s for r in mine) / max(requests, 1), 3),
        "requests": requests,
    }


# -- the frame -----------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.portal", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_BULK:,} claims stored, short rounds")
    parser.add_argument("--claims", type=int, default=None, help="claims filed and computed through the API first")
    parser.add_argument("--bulk", type=int, default=None, help=f"claims stored (full: {FULL_BULK:,})")
    parser.add_argument("--rounds", type=int, default=None, help="rounds of each app, alternating (full 6, quick 2)")
    parser.add_argument("--seconds", type=float, default=None, help="seconds per round (full 20, quick 5)")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections of the load")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--seed", type=int, default=2026)
    deploying.add_service_arguments(
        parser,
        database="hub_bench_portal",
        database_help="dropped and created, dropped at the end",
        redis_db=9,
        log_level="WARNING",
    )
    parser.add_argument("--keep-logs", action="store_true")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args(argv)
    deploying.at_least_one(parser, args, ("connections", "threads"))
    args.rounds = args.rounds or (2 if args.quick else 6)
    args.seconds = args.seconds or (5.0 if args.quick else 20.0)
    cfg = claims_bench.seeding_config(
        args,
        deploying.services_from(parser, args),
        claims=args.claims or (60 if args.quick else 300),
        bulk=args.bulk if args.bulk is not None else (QUICK_BULK if args.quick else FULL_BULK),
    )

    def deploy_and_measure(deployment: Deployment) -> dict[str, Any]:
        people, tokens = claims_bench.prepare(cfg, deployment)
        token = deployment.create_clients("portal", {"portal": ("bench-portal", "national")})["portal"]
        claims_bench.deploy(cfg, deployment)

        async def seed() -> list[str]:
            await claims_bench.measure_throughput(cfg, deployment, people, tokens)
            log(f"bulk load: {cfg.bulk:,} claims with COPY")
            await claims_bench.bulk_load(cfg, max(0, cfg.bulk - len(people)))
            return await portal_references(cfg, REFERENCES)

        refs = asyncio.run(seed())
        targets = {"hub": Target("hub", f"{deployment.base_url}/graphql", deployment.web_pids)}
        targets["bare"] = start_peer(deployment)
        audited_before = asyncio.run(audited_reads(cfg))
        probed = sum(asyncio.run(probe(t, token, refs[:5])) for t in targets.values() if t.app == "hub")
        asyncio.run(probe(targets["bare"], token, refs[:5]))
        rounds = measure_rounds(args, targets, token, refs)
        probed += asyncio.run(probe(targets["hub"], token, refs[-5:]))
        hub_requests = sum(r.requests for r in rounds if r.app == "hub")
        audited = asyncio.run(audited_reads(cfg)) - audited_before
        # wrk counts the answers it completed; the warm-up's and those cut off at a round's end are audited too.
        if audited < hub_requests + probed:
            raise RuntimeError(f"{hub_requests + probed} reads answered but {audited} audited")
        hub, bare = summary(rounds, "hub"), summary(rounds, "bare")
        ratio = hub["req_per_s"] / bare["req_per_s"]
        # On a shared machine the apps get what CPU is left: the server CPU per request tells what each costs.
        cpu_ratio = bare["server_cpu_ms_per_req"] / hub["server_cpu_ms_per_req"]
        for app, figures in (("hub", hub), ("bare", bare)):
            log(f"  {app:4}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
        log(f"  audited case_status reads: {audited:,}")
        print(
            f"caseStatus: hub {hub['req_per_s']} req/s (p50 {hub['p50_ms']} ms, p99 {hub['p99_ms']} ms), bare "
            f"{bare['req_per_s']} req/s (p50 {bare['p50_ms']} ms, p99 {bare['p99_ms']} ms)"
        )
        print(f"server CPU per request bare/hub: {cpu_ratio:.2f}")
        print(f"ratio hub/bare: {ratio:.2f} (goal 0.8)")
        return {
            "quick": cfg.quick,
            "load": "wrk" if shutil.which("wrk") else "httpx",
            "connections": args.connections,
            "rounds": args.rounds,
            "round_seconds": args.seconds,
            "claims_stored": cfg.bulk,
            "audited_reads": audited,
            "cores": os.cpu_count() or 1,
            "hub": hub,
            "bare": bare,
            "cpu_ratio_bare_to_hub": round(cpu_ratio, 3),
            "ratio_hub_to_bare": round(ratio, 3),
        }

    return deploying.run(
        "portal", cfg.services, deploy_and_measure, keep_logs=cfg.keep_logs, drop_database=not cfg.keep_database
    )


if __name__ == "__main__":
    raise SystemExit(main())
