"""Measuring the hub at work: percentiles, periodic samplers of the benchmark's database (what its sessions wait
on; an autovacuum stand-in), and what the job queue did (jobs by kind, waiting until none is due)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import math
import time
from collections.abc import Sequence

import asyncpg  # type: ignore[import-untyped]

from bench.processes import log

POLL_S = 0.5  # counting cards costs the database a scan of their index entries: not too often
PROGRESS_S = 5.0
# Jobs due or under way: pending, and either already sent (whatever their next resend time) or due to be sent now;
# delayed ones (the population database's rechecks hours later) are not part of the drain.
COUNT_DUE_JOBS = (
    "SELECT count(*) FROM outbox_jobs WHERE state = 'pending' AND (sent_at IS NOT NULL OR available_at <= now())"
)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of `values` (q in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


class Periodic:
    """A task on the benchmark's event loop that does `tick` every `interval` seconds on its own connection, until
    stopped (an interval of 0: it does nothing); with `wait_first`, an interval passes before the first tick."""

    wait_first = False

    def __init__(self, dsn: str, interval: float) -> None:
        self._dsn, self.interval = dsn, interval
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.interval > 0:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task

    async def tick(self, conn: asyncpg.Connection) -> None:
        raise NotImplementedError

    async def _run(self) -> None:
        conn = await asyncpg.connect(self._dsn, timeout=10)
        try:
            if self.wait_first and await self._stopped_after_interval():
                return
            while True:
                await self.tick(conn)
                if await self._stopped_after_interval():
                    return
        finally:
            await conn.close()

    async def _stopped_after_interval(self) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), self.interval)
        return self._stop.is_set()


class ActivitySampler(Periodic):
    """Samples pg_stat_activity of the benchmark database: what the hub's sessions are doing (running, waiting on a
    lock, waiting for the client i.e. for Python), as average sessions in each condition."""

    def __init__(self, dsn: str, database: str, interval: float = 0.1) -> None:
        super().__init__(dsn, interval)
        self._database = database
        self.samples = 0
        self.counts: collections.Counter[tuple[str, str, str]] = collections.Counter()

    async def tick(self, conn: asyncpg.Connection) -> None:
        rows = await conn.fetch(
            "SELECT state, coalesce(wait_event_type || ':' || wait_event, 'on CPU') AS wait, "
            "left(regexp_replace(query, '\\s+', ' ', 'g'), 70) AS query FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')",
            self._database,
        )
        self.samples += 1
        for row in rows:
            wait = "waiting for the hub (Python)" if row["state"] == "idle in transaction" else row["wait"]
            self.counts[(row["state"], wait, row["query"])] += 1

    def report(self, top: int = 10) -> list[str]:
        if not self.samples:
            return []
        by_wait: collections.Counter[str] = collections.Counter()
        for (_, wait, _), count in self.counts.items():
            by_wait[wait] += count
        lines = ["  database sessions, average number busy (sampled every 0.1 s):"]
        lines += [f"    {count / self.samples:6.2f}  {wait}" for wait, count in by_wait.most_common(8)]
        lines.append("  ... by statement:")
        for (_, wait, query), count in self.counts.most_common(top):
            lines.append(f"    {count / self.samples:6.2f}  [{wait}] {query}")
        return lines


async def job_report(conn: asyncpg.Connection, since: dt.datetime) -> list[str]:
    rows = await conn.fetch(
        "SELECT kind, count(*) AS n, sum(attempts - 1) AS retries, "
        "avg(extract(epoch FROM finished_at - started_at)) AS run_avg, "
        "percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at)) AS run_p95, "
        "avg(extract(epoch FROM finished_at - created_at)) AS wait_avg "
        "FROM outbox_jobs WHERE state = 'done' AND created_at >= $1 GROUP BY kind ORDER BY kind",
        since,
    )
    lines = ["  jobs done (run: claim to done, in one transaction; total: enqueued to done):"]
    for r in rows:
        lines.append(
            f"    {r['kind']:<28} {r['n']:>8,}  run avg {1000 * float(r['run_avg']):7.1f} ms  "
            f"p95 {1000 * float(r['run_p95']):7.1f} ms  total avg {float(r['wait_avg']):7.2f} s  "
            f"retries {r['retries']}"
        )
    troubles = (
        ("state = 'failed'", "    FAILED {kind}: {n} ({error})"),
        ("last_error IS NOT NULL AND state <> 'failed'", "    retried {kind}: {n} with an error, e.g. {error}"),
    )
    for condition, line in troubles:
        rows = await conn.fetch(
            "SELECT kind, count(*) AS n, max(last_error) AS error FROM outbox_jobs "
            f"WHERE {condition} AND created_at >= $1 GROUP BY kind",
            since,
        )
        lines += [line.format(kind=r["kind"], n=r["n"], error=(r["error"] or "")[:200]) for r in rows]
    return lines


TableWrites = dict[str, tuple[int, int, int]]  # table: rows inserted, updated, of which HOT updates


async def table_writes(conn: asyncpg.Connection) -> TableWrites:
    """The rows each table of the database has had inserted, updated and HOT-updated so far (pg_stat_user_tables;
    the statistics of a transaction are counted when it ends)."""
    await conn.execute("SELECT pg_stat_clear_snapshot()")
    rows = await conn.fetch("SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables")
    return {r["relname"]: (r["n_tup_ins"], r["n_tup_upd"], r["n_tup_hot_upd"]) for r in rows}


def table_writes_report(before: TableWrites, after: TableWrites, records: int, top: int = 10) -> list[str]:
    """The tables written most between two `table_writes`: rows inserted and updated per record, and the share of
    the updates that were HOT (no index touched: the new version on the same page)."""
    zero = (0, 0, 0)
    deltas = {
        name: tuple(a - b for a, b in zip(counts, before.get(name, zero), strict=True))
        for name, counts in after.items()
    }
    busiest = sorted(deltas.items(), key=lambda item: -(item[1][0] + item[1][1]))[:top]
    lines = ["  rows written per registration (inserted, updated, HOT share of the updates):"]
    for name, (inserted, updated, hot) in busiest:
        if inserted or updated:
            lines.append(
                f"    {name:<32} ins {inserted / max(1, records):6.2f}  upd {updated / max(1, records):6.2f}"
                f"  ({updated:,} updates, {100 * hot / updated if updated else 0:.0f} % HOT)"
            )
    return lines


async def wait_jobs_drained(
    conn: asyncpg.Connection, *, started: float, give_up_after: float, label: str
) -> float | None:
    """Poll until no job is due (all run: outcomes pushed, population checked); seconds since `started`."""
    next_progress = time.perf_counter() + PROGRESS_S
    while True:
        due = int(await conn.fetchval(COUNT_DUE_JOBS))
        now = time.perf_counter()
        if due == 0:
            return now - started
        if now - started > give_up_after:
            log(f"  {label}: {due:,} jobs still due after {give_up_after:.0f} s; not waiting longer")
            return None
        if now >= next_progress:
            log(f"  {label}: {now - started:6.1f} s  {due:,} jobs still due")
            next_progress = now + PROGRESS_S
        await asyncio.sleep(POLL_S)


class AutovacuumStandIn(Periodic):
    """When the server runs without autovacuum (as test machines may), what it would do for a benchmark's busy
    `tables`: ANALYZE once they hold rows (`analyze_now`; autoanalyze does after 50 rows and 10 %), and VACUUM
    (ANALYZE) every `interval` seconds (autovacuum's default naptime is 60 s); an interval of 0 does nothing."""

    wait_first = True

    def __init__(self, dsn: str, interval: float, tables: Sequence[str]) -> None:
        super().__init__(dsn, interval)
        self.tables = tuple(tables)
        self.passes, self.seconds = 0, 0.0

    async def analyze_now(self) -> None:
        conn = await asyncpg.connect(self._dsn, timeout=10)
        try:
            await conn.execute(f"ANALYZE {', '.join(self.tables)}", timeout=300)
        finally:
            await conn.close()

    async def tick(self, conn: asyncpg.Connection) -> None:
        started = time.perf_counter()
        try:
            await conn.execute(f"VACUUM (ANALYZE) {', '.join(self.tables)}", timeout=300)
        except (asyncpg.PostgresError, TimeoutError) as exc:
            log(f"  autovacuum stand-in: {type(exc).__name__}: {exc}")
        self.passes += 1
        self.seconds += time.perf_counter() - started
