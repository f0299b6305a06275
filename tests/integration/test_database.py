"""The database owner on PostgreSQL: a server that dropped the pooled connections (a restart) costs no request."""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy import text

from hub.db import Database


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    return postgres_database


async def _backend_pids(db: Database, count: int) -> set[int]:
    """Check `count` connections out at once and back in, answering their server process ids."""
    sessions = [db.sessions() for _ in range(count)]
    pids = set()
    for session in sessions:
        pids.add(int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()))
    for session in sessions:
        await session.close()
    return pids


async def test_a_transaction_on_a_dropped_connection_runs_again_on_a_new_one(postgres_url):
    db = Database(postgres_url)
    try:
        before = await _backend_pids(db, 3)
        admin = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:  # what a restart of the server does to the pooled connections
            await admin.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", list(before))
        finally:
            await admin.close()

        async def work(session):
            return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())

        assert await db.run(work) not in before
        # The connection found dead invalidated the others in the pool: later sessions get new ones too.
        assert not (await _backend_pids(db, 3)) & before
    finally:
        await db.dispose()


async def test_a_failure_that_is_not_a_lost_connection_is_not_run_again(postgres_url):
    db = Database(postgres_url)
    calls = 0

    async def work(session):
        nonlocal calls
        calls += 1
        await session.execute(text("SELECT 1 / 0"))

    try:
        with pytest.raises(Exception, match="division by zero"):
            await db.run(work)
        assert calls == 1
    finally:
        await db.dispose()
