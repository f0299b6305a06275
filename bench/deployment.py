"""The hub as the benchmarks deploy it, on one machine: a dedicated PostgreSQL database (dropped and created afresh,
`hub migrate`) and Redis database (flushed), the facility catalog, clients and their tokens, trusted certificates,
the external systems' simulators (`hub simulate ...`), web processes (`hub serve`) and job workers (`hub worker`),
each a process of its own started and stopped by a `Harness` (bench.processes); and the frame every benchmark runs
in (`run`): signals, clean-up, the logs kept when something failed, the one JSON line on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg  # type: ignore[import-untyped]
import httpx
import redis

from bench.cpu import benchmark_cpu, command_lines_below, cpu_by_command, cpu_of, cpu_of_tree, machine_seconds
from bench.cpu import postgres_cpu as postgres_cpu_of
from bench.processes import Harness, Process, free_port, log, require_loopback, signals_raise_interrupt, wait_http
from devkit.synthetic import Facility
from devkit.workloads.facilities import write_facilities_csv
from signing.devpki import generate_identity, write_identity
from signing.parties import HUB

ROOT = Path(__file__).resolve().parent.parent
RESERVED_DATABASES = ("postgres", "test", "hub_test")
READY_TIMEOUT_S = 90.0
# Clients and their sessions, in the process: `then(session, now, key, client name)` does more for one client in the
# same transaction (trust its certificate, add its gateway account).
ClientHook = Callable[[Any, dt.datetime, str, str], Awaitable[None]]


# -- the services: PostgreSQL and Redis ---------------------------------------------------------------------


@dataclass(frozen=True)
class Services:
    """Where the benchmark's database and Redis database are: loopback only, a database of its own."""

    postgres: str  # postgresql://user@host:port, without a database
    database: str
    redis_url: str
    log_level: str  # HUB_LOG_LEVEL of the hub's processes

    @property
    def admin_dsn(self) -> str:
        return f"{self.postgres}/postgres"

    @property
    def dsn(self) -> str:
        return f"{self.postgres}/{self.database}"

    @property
    def hub_database_url(self) -> str:
        return f"{self.postgres.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{self.database}"


def add_service_arguments(
    parser: argparse.ArgumentParser, *, database: str, database_help: str, redis_db: int, log_level: str = "INFO"
) -> None:
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432", help="server, no database")
    parser.add_argument("--database", default=database, help=database_help)
    parser.add_argument(
        "--redis", default=f"redis://127.0.0.1:6379/{redis_db}", help="flushed at the start and the end"
    )
    parser.add_argument("--log-level", default=log_level, help="HUB_LOG_LEVEL of the hub's processes")


def services_from(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Services:
    """The services the arguments name, checked: a plain database name that is no one else's, loopback only."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database) or args.database in RESERVED_DATABASES:
        parser.error(f"--database must be a plain lower-case name, and not {', '.join(RESERVED_DATABASES)}")
    for url in (args.postgres, args.redis):
        require_loopback(url)
    if not args.postgres.startswith("postgresql://") or urlsplit(args.postgres).path not in ("", "/"):
        parser.error("--postgres is postgresql://user@host:port, without a database")
    return Services(args.postgres.rstrip("/"), args.database, args.redis, args.log_level.upper())


def at_least_one(parser: argparse.ArgumentParser, args: argparse.Namespace, names: Iterable[str]) -> None:
    for name in names:
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")


async def reset_database(services: Services, *, create: bool = True) -> None:
    conn = await asyncpg.connect(services.admin_dsn, timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{services.database}" WITH (FORCE)')
        if create:
            await conn.execute(f'CREATE DATABASE "{services.database}"')
    finally:
        await conn.close()


def flush_redis(url: str) -> None:
    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()


def hub_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "hub", *args]


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


# -- the deployment -------------------------------------------------------------------------------------------


@dataclass
class Simulator:
    name: str  # as the CPU report names it, e.g. "population simulator"
    process: Process
    url: str


@dataclass
class Deployment:
    """Everything a benchmark starts, in order: `reset` (database and Redis), `configure` (the hub's environment),
    `migrate`, `import_facilities`, clients (`create_clients`), then simulators, `start_web`, `start_workers`."""

    services: Services
    harness: Harness
    secret: str = field(default_factory=lambda: secrets.token_hex(32))
    hub_env: dict[str, str] = field(default_factory=dict)
    simulators: list[Simulator] = field(default_factory=list)
    webs: list[Process] = field(default_factory=list)  # what was started: `hub serve` per port, or one supervisor
    base_urls: list[str] = field(default_factory=list)  # one per port: senders spread over them as a balancer would
    web_pids: list[int] = field(default_factory=list)  # the processes serving requests
    workers: list[Process] = field(default_factory=list)
    on_stop: list[Callable[[], None]] = field(default_factory=list)  # run before the processes are stopped

    @property
    def workdir(self) -> Path:
        return self.harness.workdir

    @property
    def base_url(self) -> str:
        return self.base_urls[0]

    # -- set-up --------------------------------------------------------------------------------------------------

    def reset(self) -> None:
        services = self.services
        log(f"database {services.database}: dropped and recreated; Redis {services.redis_url}: flushed")
        asyncio.run(reset_database(services))
        flush_redis(services.redis_url)

    def configure(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The hub's environment, as production settings want it (a signing identity: the hub signs receipts)."""
        self.hub_env = (
            base_env()
            | self._hub_signing_env()
            | {
                "HUB_ENV": "prod",
                "HUB_DATABASE_URL": self.services.hub_database_url,
                "HUB_BROKER_URL": self.services.redis_url,
                "HUB_TOKEN_SECRET": self.secret,
                "HUB_LOG_LEVEL": self.services.log_level,
            }
            | dict(extra or {})
        )
        return self.hub_env

    def _hub_signing_env(self) -> dict[str, str]:
        """HUB_SIGNING_KEY / HUB_SIGNING_CERT of a hub identity generated into the work directory."""
        now = dt.datetime.now(dt.UTC)
        identity = generate_identity(HUB, not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=30))
        key, certificate = write_identity(identity, self.workdir / "hub-identity")
        return {"HUB_SIGNING_KEY": str(key), "HUB_SIGNING_CERT": str(certificate)}

    def migrate(self) -> None:
        started = time.perf_counter()
        self.harness.run("migrate", hub_command("migrate"), self.hub_env, timeout=120)
        log(f"  migrated in {time.perf_counter() - started:.1f} s")

    def import_facilities(self, facilities: Sequence[Facility]) -> None:
        """`hub catalog import-facilities` of these facilities; rejected rows in the work directory's rejected.csv."""
        csv_path = self.workdir / "facilities.csv"
        write_facilities_csv(csv_path, facilities)
        started = time.perf_counter()
        report = str(self.workdir / "rejected.csv")
        code = self.harness.run(
            "import-facilities",
            hub_command("catalog", "import-facilities", str(csv_path), "--report", report),
            self.hub_env,
            timeout=300,
            ok=(0, 2),
        )
        log(
            f"  {len(facilities):,} facilities imported in {time.perf_counter() - started:.1f} s"
            + (" (some rows rejected: see rejected.csv)" if code == 2 else "")
        )

    def create_clients(
        self, kind: str, clients: Mapping[str, tuple[str, str]], *, then: ClientHook | None = None
    ) -> dict[str, str]:
        """Clients of `kind` (a ClientKind value), `clients` mapping a key to (name, jurisdiction), as `hub client
        create NAME --kind KIND --jurisdiction J` registers them (in this process: dozens of CLI start-ups would take
        longer than a quick run); their tokens by key."""
        return asyncio.run(self._create_clients(kind, clients, then))

    async def _create_clients(
        self, kind: str, clients: Mapping[str, tuple[str, str]], then: ClientHook | None
    ) -> dict[str, str]:
        from hub.clients import service
        from hub.clients.permissions import ClientKind, Jurisdiction
        from hub.clients.tokens import TokenSigner
        from hub.infra.clock import SystemClock
        from hub.infra.db import Database

        db = Database(self.services.hub_database_url)
        signer = TokenSigner(self.secret)
        tokens: dict[str, str] = {}
        try:
            async with db.transaction() as session:
                for key, (name, jurisdiction) in sorted(clients.items()):
                    now = SystemClock().now()
                    issued = await service.create_client(
                        session,
                        signer,
                        now=now,
                        actor=None,
                        name=name,
                        kind=ClientKind(kind),
                        jurisdiction=Jurisdiction.parse(jurisdiction),
                        ttl=dt.timedelta(days=1),
                    )
                    if then is not None:
                        await then(session, now, key, name)
                    tokens[key] = issued.token
        finally:
            await db.dispose()
        return tokens

    # -- processes -----------------------------------------------------------------------------------------------

    def start_simulator(self, system: str, *args: str, name: str | None = None) -> Simulator:
        """`hub simulate SYSTEM --port P ARGS`; not waited for (see `wait_simulator`)."""
        port = free_port()
        process = self.harness.start(
            f"{system}-simulator", hub_command("simulate", system, "--port", str(port), *args), base_env()
        )
        simulator = Simulator(name or f"{system} simulator", process, f"http://127.0.0.1:{port}")
        self.simulators.append(simulator)
        return simulator

    def wait_simulator(self, simulator: Simulator, timeout: float = 60.0) -> None:
        wait_http(f"{simulator.url}/healthz", timeout=timeout, process=simulator.process)

    def start_web(self, count: int, *, layout: str = "ports") -> None:
        """W web processes, ready: each `hub serve` on its own port (`ports`), or `hub serve --workers W` on one
        (`workers`: its processes share the port and the kernel decides which accepts each connection)."""
        if layout == "ports":
            ports = [free_port() for _ in range(count)]
            self.webs = [
                self.harness.start(f"web-{index + 1}", hub_command("serve", "--port", str(port)), self.hub_env)
                for index, port in enumerate(ports)
            ]
            self.base_urls = [f"http://127.0.0.1:{port}" for port in ports]
            for web, url in zip(self.webs, self.base_urls, strict=True):
                wait_http(f"{url}/readyz", timeout=READY_TIMEOUT_S, process=web)
            self.web_pids = [web.pid for web in self.webs]
            return
        port = free_port()
        argv = hub_command("serve", "--port", str(port), "--workers", str(count))
        web = self.harness.start("web", argv, self.hub_env)
        self.webs, self.base_urls = [web], [f"http://127.0.0.1:{port}"]
        wait_http(f"{self.base_url}/readyz", timeout=READY_TIMEOUT_S, process=web)
        self.web_pids = [web.pid]
        if count > 1:
            deadline = time.monotonic() + 60
            while len(pids := self._uvicorn_workers(web.pid)) < count:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{len(pids)} of {count} web processes started")
                time.sleep(0.2)
            self.web_pids = pids

    @staticmethod
    def _uvicorn_workers(supervisor: int) -> list[int]:
        """uvicorn's worker processes below its supervisor: those multiprocessing spawned (not its resource
        tracker)."""
        return sorted(pid for pid, command in command_lines_below(supervisor).items() if "spawn_main" in command)

    def start_workers(self, count: int, threads: int) -> None:
        """`hub worker` processes of `threads` threads, ready (their metrics endpoint answers)."""
        ports = [free_port() for _ in range(count)]
        self.workers = [
            self.harness.start(
                f"worker-{index + 1}",
                hub_command("worker", "--threads", str(threads), "--metrics-port", str(port)),
                self.hub_env,
            )
            for index, port in enumerate(ports)
        ]
        for worker, port in zip(self.workers, ports, strict=True):
            wait_http(f"http://127.0.0.1:{port}/metrics", timeout=60, process=worker)

    def start_profilers(self, py_spy: str, targets: Sequence[tuple[str, int]], rate: int) -> list[Process]:
        """py-spy on each (name, pid): samples of the thread holding the GIL (Python at work), as collapsed stacks
        in the work directory's profile-NAME.txt, written when `stop_profilers` interrupts them."""
        profilers = []
        for name, pid in targets:
            output = self.workdir / f"profile-{name}.txt"
            argv = [py_spy, "record", "--pid", str(pid), "--rate", str(rate), "--nonblocking", "--gil"]
            argv += ["--format", "raw", "--output", str(output)]
            # Threads are running by now (the event loop's resolver): no parent-death hook in the child.
            profilers.append(self.harness.start(f"profile-{name}", argv, base_env(), die_with_parent=False))
        return profilers

    def stop_profilers(self, profilers: Sequence[Process]) -> None:
        for profiler in profilers:
            self.harness.interrupt(profiler)

    def check_alive(self) -> None:
        self.harness.check_alive()

    def processes_by_role(self) -> dict[str, list[int]]:
        """The hub's processes by role, as bench.memory samples them: what was started of the web tier (each `hub
        serve`, or the supervisor above its workers) and the job workers."""
        return {"web": [web.pid for web in self.webs], "worker": [worker.pid for worker in self.workers]}

    # -- CPU -----------------------------------------------------------------------------------------------------

    def cpu_parts(self, *, others: bool = False) -> dict[str, float]:
        """CPU seconds so far of each part: the web tier, the job workers, each simulator, PostgreSQL (for this
        database), Redis and the benchmark itself; with `others`, what else the machine did."""
        parts = {
            "web (hub serve)": cpu_of_tree(web.pid for web in self.webs),
            "workers (hub worker)": sum(cpu_of(worker.pid) for worker in self.workers),
        }
        parts |= {simulator.name: cpu_of(simulator.process.pid) for simulator in self.simulators}
        parts |= {
            "postgresql": postgres_cpu_of(self.services.database),
            "redis": cpu_by_command(["redis-server"])["redis-server"],
            "benchmark client": benchmark_cpu(),
        }
        if others:
            # What else ran on the machine (another developer's tests, their database sessions): a noisy run shows.
            parts["kernel, others"] = machine_seconds()[0] - sum(parts.values())
        return parts

    def web_parts(self) -> dict[str, float]:
        """CPU of each web process: how evenly the connections spread over them."""
        return {f"web process {index + 1}": cpu_of(pid) for index, pid in enumerate(self.web_pids)}

    # -- the end -------------------------------------------------------------------------------------------------

    def stop(self, *, drop_database: bool) -> None:
        log("stopping the processes")
        for callback in self.on_stop:
            callback()
        self.harness.stop_all()
        with contextlib.suppress(redis.RedisError):
            flush_redis(self.services.redis_url)
        if drop_database:
            with contextlib.suppress(OSError, asyncpg.PostgresError):
                asyncio.run(reset_database(self.services, create=False))


# -- the frame of a run -----------------------------------------------------------------------------------------


def run(
    name: str,
    services: Services,
    measure: Callable[[Deployment], dict[str, Any]],
    *,
    keep_logs: bool = False,
    drop_database: bool = True,
    commit: bool = False,
    last: Sequence[str] = (),
) -> int:
    """Deploy and measure (`measure` does both, on a fresh Deployment), stop everything whatever happens, and print
    the figures, with the seconds the whole run took (and the commit measured), as the last line on stdout; the
    figures named in `last` (the ratios) end it. The exit code: 0, 1 when the benchmark failed, 130 when
    interrupted."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    deployment = Deployment(services, Harness(workdir))
    started = time.perf_counter()
    failed = True
    with signals_raise_interrupt():
        try:
            figures = measure(deployment)
            failed = False
        except KeyboardInterrupt:
            log("interrupted")
            return 130
        except (RuntimeError, OSError, asyncpg.PostgresError, redis.RedisError, httpx.HTTPError) as exc:
            log(f"benchmark failed: {type(exc).__name__}: {exc}")
            return 1
        finally:
            deployment.stop(drop_database=drop_database)
            if failed or keep_logs:
                log(f"logs kept in {workdir}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    if commit:
        figures["commit"] = hub_commit()
    for key in last:
        figures[key] = figures.pop(key)
    print(json.dumps(figures))
    return 0


def hub_commit() -> str | None:
    """The commit of the hub measured (read-only git), with "+changes" when the work tree differs from it."""
    env = os.environ | {"GIT_OPTIONAL_LOCKS": "0"}  # `git status` must not even refresh the index
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "hub", "schema", "connectors"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+changes" if changed else "")
