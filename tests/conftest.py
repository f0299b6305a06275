"""Shared fixtures: every integration test runs on both backends.

- `sqlite`: a fresh SQLite file per test and the in-process broker (the embedded default);
- `postgresql`: PostgreSQL (database `hub_test`, migrated once, emptied after each test) and Redis (db 15).

PostgreSQL and Redis are looked for at HUB_TEST_POSTGRES_URL / HUB_TEST_REDIS_URL (defaults: the local
services). When they are unreachable the `postgresql` cases are skipped, except under CI (`CI` set),
where that is a failure.

Parallel runs (pytest-xdist; `-n auto` in pyproject's addopts, see `pytest_xdist_auto_num_workers`): each worker
has a database and a Redis database of its own. Worker gwN takes the database named by HUB_TEST_POSTGRES_URL with
`_gwN` appended (`hub_test_gw0`, `hub_test_gw1`), and the N-th of the comma-separated Redis URLs of
HUB_TEST_REDIS_URL (default: dbs 15 and 14, so two workers). Every server a test starts listens on a free port.
A file's tests run on one worker (`--dist loadfile`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import pytest
import redis
from cryptography import x509
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

import hub.entry.tables  # noqa: F401  (every table on the metadata)
from hub.entry import migrate
from hub.infra.clock import FixedClock
from hub.infra.db import Base, Database
from hub.infra.settings import DocumentSettings, Environment, OutboxSettings, Settings
from hub.signatures.hub_identity import hub_identity
from signing.keys import SigningIdentity

# The xdist worker this process is ("gw0", "gw1", …), or "" in a run without workers.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# How many workers a run of directories (the whole suite: CI) takes; files and single tests run in-process.
PARALLEL_WORKERS = 2


def _worker_postgres_url(url: str) -> str:
    """`url` with this worker's suffix on its database name."""
    if not WORKER:
        return url
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path=f"{parsed.path}_{WORKER}"))


REDIS_URLS = [
    url.strip()
    for url in os.environ.get("HUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15,redis://127.0.0.1:6379/14").split(",")
    if url.strip()
]


def _worker_redis_url() -> str:
    """This worker's Redis URL: the N-th of REDIS_URLS for worker gwN (the first without workers)."""
    index = int(WORKER.removeprefix("gw")) if WORKER else 0
    if index >= len(REDIS_URLS):
        raise pytest.UsageError(
            f"xdist worker {WORKER} has no Redis database of its own: HUB_TEST_REDIS_URL names {len(REDIS_URLS)} "
            "(comma-separated, one per worker); name more or run fewer workers (-n)"
        )
    return REDIS_URLS[index]


POSTGRES_URL = _worker_postgres_url(
    os.environ.get("HUB_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/hub_test")
)
REDIS_URL = _worker_redis_url()
TEST_SECRET = "test-secret-0123456789abcdef0123456789abcdef"
START = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
# The hub's development signing identity, generated once per test run (an RSA key takes a while to make).
DEV_SIGNING_DIR = Path(tempfile.gettempdir()) / f"hub-test-signing-{os.getpid()}"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` (pyproject's addopts): PARALLEL_WORKERS for a run of directories (`pytest`, `pytest tests/unit`),
    at most one per Redis database of HUB_TEST_REDIS_URL; none (in-process) for files and single tests
    (`pytest tests/unit/test_ids.py::test_x` starts no worker processes), or when only one Redis database is named.
    `-n 0` runs anything in-process; `-n N` forces N workers."""
    paths = [Path(arg.split("::")[0]) for arg in config.args]
    workers = min(PARALLEL_WORKERS, len(REDIS_URLS)) if all(path.is_dir() for path in paths) else 0
    return workers if workers > 1 else 0


# The files that take longest (CI, two workers: tests/bench ~7 min, the fuzz ~4, the matrix ~2, the properties ~1.5
# each), handed out first under workers: with `--no-loadscope-reorder`, `--dist loadfile` hands files out in
# collection order, and a long file handed out last runs alone at the end of the run (xdist's default order, most
# tests first, put the fuzz and the matrix, two tests each, last: 4 minutes of one worker alone).
FIRST_UNDER_WORKERS = (
    "tests/bench/test_quick.py",
    "tests/integration/test_fuzz.py",
    "tests/integration/test_authorization_matrix.py",
    "tests/integration/test_claim_ledger_property.py",
    "tests/integration/test_childcards_property.py",
    "tests/integration/test_big_envelopes.py",
    "tests/browser/test_console.py",
    "tests/interop/test_interop.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under workers, FIRST_UNDER_WORKERS' tests first (each file's tests keep their order, as do the other files)."""
    if WORKER:
        rank = {path: index for index, path in enumerate(FIRST_UNDER_WORKERS)}
        items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


def hub_signing_identity() -> SigningIdentity:
    """The development identity every app of this run signs with, made on first use."""
    return hub_identity(DocumentSettings(dev_signing_dir=str(DEV_SIGNING_DIR)), now=START)


def hub_certificate() -> x509.Certificate:
    """The hub's certificate in the tests: simulators given it take only what the hub signed."""
    return hub_signing_identity().certificate


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url.replace("+asyncpg", ""))
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def require_services() -> None:
    """Skip (locally) or fail (under CI) when PostgreSQL or Redis cannot be reached."""
    missing = [
        name
        for name, url, port in (("PostgreSQL", POSTGRES_URL, 5432), ("Redis", REDIS_URL, 6379))
        if not _reachable(url, port)
    ]
    if missing:
        message = f"{' and '.join(missing)} not reachable (see DESIGN.md for how to start them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_database() -> str:
    """Create and migrate the test database once per session."""
    require_services()

    async def prepare() -> None:
        parsed = urlparse(POSTGRES_URL)
        admin = create_async_engine(POSTGRES_URL.replace(parsed.path, "/postgres"), isolation_level="AUTOCOMMIT")
        name = parsed.path.lstrip("/")
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        await admin.dispose()
        db = Database(POSTGRES_URL)
        await migrate.upgrade(db)
        await db.dispose()

    asyncio.run(prepare())
    return POSTGRES_URL


async def empty_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        # The audit log refuses TRUNCATE; replica mode skips its trigger, as a restore tool would.
        await connection.execute(text("SET session_replication_role = replica"))
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables if t.name != "audit_head")
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await connection.execute(text("UPDATE audit_head SET seq = 0, hash = :h"), {"h": "0" * 64})
    await engine.dispose()


def make_settings(database_url: str, broker_url: str = "", **outbox: Any) -> Settings:
    return Settings(
        env=Environment.TEST,
        database_url=database_url,
        broker_url=broker_url,
        token_secret=TEST_SECRET,
        worker_threads=4,
        outbox=OutboxSettings(**{"poll_seconds": 0.2, "redeliver_after_seconds": 5.0, **outbox}),
        documents=DocumentSettings(dev_signing_dir=str(DEV_SIGNING_DIR)),
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Settings]:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
        asyncio.run(_migrate(url))
        yield make_settings(url)
        return
    url = request.getfixturevalue("postgres_database")
    flush_redis()
    yield make_settings(url, REDIS_URL)
    asyncio.run(empty_postgres(url))
    flush_redis()


def flush_redis() -> None:
    """Empty the test Redis database, closing the connection (a client left to the garbage collector warns, as an
    unclosed socket, in whatever test runs when it is collected)."""
    with redis.Redis.from_url(REDIS_URL) as client:
        client.flushdb()


async def _migrate(url: str) -> None:
    db = Database(url)
    await migrate.upgrade(db)
    await db.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url)
    yield database
    await database.dispose()
