"""The audit log under concurrent audited transactions: the old design (every transaction locks and moves the
chain head until it commits) against the new one (one INSERT, chained later by the sequencer), in alternating
rounds of the same run, on PostgreSQL; then the sequencer's own throughput.

Each transaction is what a portal `caseStatus` read costs the audit log: a small read and one audited entry.
`--concurrency` tasks run them back to back in this process, each on a pooled connection of its own. Reported per
design: transactions/s, latency (mean, p50, p99), and the database sessions waiting on a lock (pg_stat_activity,
sampled every 0.1 s). For the new design also the sequencer's lag while the load runs (entries waiting, the age of
the oldest), with the sequencer running as the workers run it. At the end the whole chain, written by both designs,
is verified.

    python -m bench.audit --quick
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import bindparam, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bench.deployment import Services, add_service_arguments, reset_database, services_from
from bench.measuring import ActivitySampler, percentile
from bench.processes import log
from hub.audit.purpose import Purpose
from hub.audit.sequencer import POLL_SECONDS, run_sequencer, sequence_pending
from hub.audit.service import (
    AUDIT_CHAIN,
    AUDIT_HEAD,
    AUDIT_LOG,
    HEAD_ID,
    AuditEvent,
    backlog,
    entry_rows,
    link_hash,
    record,
    verify_chain,
)
from hub.entry import migrate
from hub.infra.db import Database, insert_rows

DESIGNS = ("old", "new")
_ADVANCE_HEAD = (
    update(AUDIT_HEAD)
    .where(AUDIT_HEAD.c.id == HEAD_ID)
    .values(seq=AUDIT_HEAD.c.seq + bindparam("entries"))
    .returning(AUDIT_HEAD.c.seq, AUDIT_HEAD.c.hash)
)
_CHAIN_HEAD = update(AUDIT_HEAD).where(AUDIT_HEAD.c.id == HEAD_ID).values(hash=bindparam("last_hash"))


async def record_serialised(session: AsyncSession, now: dt.datetime, events: list[AuditEvent]) -> None:
    """The old design, as hub.audit.service.record was before the sequencer: move the head (its row lock held to
    the commit), then insert the entries and their links. Written in today's tables and hash format, so one chain
    holds both."""
    rows = entry_rows(now=now, actor=None, events=events)
    head = (await session.execute(_ADVANCE_HEAD, {"entries": len(rows)})).one()
    seq, prev_hash = head.seq - len(rows), head.hash
    ids = (
        (
            await session.execute(
                text("SELECT nextval('audit_log_id_seq') FROM generate_series(1, :n)"), {"n": len(rows)}
            )
        )
        .scalars()
        .all()
    )
    links = []
    for row, entry_id in zip(rows, ids, strict=True):
        seq += 1
        digest = link_hash(prev_hash, seq, entry_id, row["body_hash"])
        row["id"] = entry_id
        links.append({"seq": seq, "entry_id": entry_id, "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    await insert_rows(session, AUDIT_LOG, rows)
    await insert_rows(session, AUDIT_CHAIN, links)
    await session.execute(_CHAIN_HEAD, {"last_hash": prev_hash})


@dataclass
class Round:
    design: str
    transactions: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    lock_waiting: float = 0.0  # average sessions waiting on a lock
    max_backlog: int = 0
    max_lag_s: float = 0.0
    drained_s: float = 0.0  # after the load stopped, until the sequencer had chained everything


async def audited_read(db: Database, design: str, latencies: list[float]) -> None:
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    event = AuditEvent("claim.case_status", Purpose.DATA_SUBJECT_ACCESS, uuid.uuid4(), {"reference": "HS261126A"})
    async with db.transaction() as session:
        await session.execute(text("SELECT 1"))  # the read itself
        if design == "old":
            await record_serialised(session, now, [event])
        else:
            await record(session, now=now, actor=None, events=[event])
    latencies.append((time.perf_counter() - started) * 1000)


async def load(db: Database, design: str, transactions: int, concurrency: int, services: Services) -> Round:
    result = Round(design)
    remaining = [transactions]

    async def client() -> None:
        while remaining[0] > 0:
            remaining[0] -= 1
            await audited_read(db, design, result.latencies_ms)

    sampler = ActivitySampler(services.dsn, services.database)
    stop = asyncio.Event()
    sequencer = asyncio.create_task(run_sequencer(db, stop)) if design == "new" else None
    watcher = asyncio.create_task(watch_lag(db, result, stop)) if design == "new" else None
    sampler.start()
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    await sampler.stop()
    stop.set()
    for task in (sequencer, watcher):
        if task is not None:
            await task
    drain_started = time.perf_counter()
    await sequence_pending(db)
    result.drained_s += time.perf_counter() - drain_started
    result.transactions = len(result.latencies_ms)
    locked = sum(n for (_, wait, _), n in sampler.counts.items() if wait.startswith("Lock"))
    result.lock_waiting = locked / sampler.samples if sampler.samples else 0.0
    return result


async def watch_lag(db: Database, result: Round, stop: asyncio.Event) -> None:
    while not stop.is_set():
        async with db.sessions() as session:
            waiting = await backlog(session)
        result.max_backlog = max(result.max_backlog, waiting.entries)
        result.max_lag_s = max(result.max_lag_s, waiting.age_seconds(dt.datetime.now(dt.UTC)))
        await asyncio.sleep(0.1)


async def sequencer_throughput(db: Database, entries: int) -> tuple[float, float]:
    """Entries/s of one sequencer over `entries` waiting entries, and of the recording that made them."""
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    for start in range(0, entries, 500):
        events = [
            AuditEvent("childcard.intake", Purpose.CARD_ISSUANCE, uuid.uuid4(), {"i": i})
            for i in range(start, min(entries, start + 500))
        ]
        async with db.transaction() as session:
            await record(session, now=now, actor=None, events=events)
    recorded = entries / (time.perf_counter() - started)
    started = time.perf_counter()
    chained = await sequence_pending(db)
    assert chained == entries, (chained, entries)
    return chained / (time.perf_counter() - started), recorded


def summary(rounds: list[Round], design: str) -> dict[str, float]:
    mine = [r for r in rounds if r.design == design]
    latencies = [ms for r in mine for ms in r.latencies_ms]
    figures = {
        "tx_per_s": round(sum(r.transactions for r in mine) / sum(r.seconds for r in mine), 1),
        "mean_ms": round(sum(latencies) / len(latencies), 2),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "lock_waiting_sessions": round(sum(r.lock_waiting for r in mine) / len(mine), 2),
    }
    if design == "new":
        figures["max_backlog"] = max(r.max_backlog for r in mine)
        figures["max_lag_s"] = round(max(r.max_lag_s for r in mine), 2)
        figures["drain_after_load_s"] = round(max(r.drained_s for r in mine), 3)
    return figures


async def measure_async(args: argparse.Namespace, services: Services) -> dict[str, Any]:
    await reset_database(services)
    db = Database(services.hub_database_url)
    try:
        await migrate.upgrade(db)
        rounds: list[Round] = []
        for number in range(args.rounds):
            for design in DESIGNS if number % 2 == 0 else DESIGNS[::-1]:
                done = await load(db, design, args.transactions, args.concurrency, services)
                log(
                    f"round {number + 1} {design}: {done.transactions / done.seconds:7.1f} tx/s, "
                    f"mean {sum(done.latencies_ms) / len(done.latencies_ms):6.2f} ms, "
                    f"{done.lock_waiting:.2f} sessions waiting on a lock"
                )
                rounds.append(done)
        sequencer_per_s, recorded_per_s = await sequencer_throughput(db, args.sequencer_entries)
        async with db.sessions() as session:
            report = await verify_chain(session)
        if not report.ok:
            raise RuntimeError(f"the chain does not verify: {report}")
    finally:
        await db.dispose()
    old, new = summary(rounds, "old"), summary(rounds, "new")
    print(f"audited transactions ({args.concurrency} at a time, {args.rounds} round(s) of {args.transactions} each)")
    for design, figures in (("old: lock the head", old), ("new: append, sequence", new)):
        print(f"  {design:22} " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    print(f"sequencer: {sequencer_per_s:,.0f} entries/s chained (batches of 5000; poll every {POLL_SECONDS} s)")
    print(f"  recording them, 500 per transaction: {recorded_per_s:,.0f} entries/s")
    print(f"chain verified: {report.entries_checked} entries, both designs")
    ratio = new["tx_per_s"] / old["tx_per_s"]
    wait_ratio = new["mean_ms"] / old["mean_ms"]
    print(f"ratios new/old: transactions/s {ratio:.2f}, mean latency {wait_ratio:.2f}")
    return {
        "quick": args.quick,
        "old": old,
        "new": new,
        "sequencer_entries_per_s": round(sequencer_per_s),
        "entries_verified": report.entries_checked,
        "tx_ratio_new_to_old": round(ratio, 2),
        "latency_ratio_new_to_old": round(wait_ratio, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.audit", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run, under a minute")
    parser.add_argument("--transactions", type=int, help="audited transactions per round (default 4000, quick 600)")
    parser.add_argument("--concurrency", type=int, default=16, help="transactions at a time")
    parser.add_argument("--rounds", type=int, help="rounds of each design, alternating (default 3, quick 1)")
    parser.add_argument("--sequencer-entries", type=int, help="entries for the sequencer (default 50000, quick 5000)")
    add_service_arguments(parser, database="hub_bench_audit", database_help="dropped and created afresh", redis_db=12)
    args = parser.parse_args(argv)
    args.transactions = args.transactions or (600 if args.quick else 4000)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.sequencer_entries = args.sequencer_entries or (5000 if args.quick else 50_000)
    services = services_from(parser, args)  # --redis is accepted, as by every benchmark, and left alone
    started = time.perf_counter()
    try:
        figures = asyncio.run(measure_async(args, services))
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    except (RuntimeError, OSError, asyncpg.PostgresError) as exc:
        log(f"benchmark failed: {type(exc).__name__}: {exc}")
        return 1
    finally:
        asyncio.run(reset_database(services, create=False))
    figures["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
