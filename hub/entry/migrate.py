"""Schema migrations (Alembic, on SQLite and PostgreSQL alike) and the check that the database is current."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from hub.infra.db import Database

MIGRATIONS = Path(__file__).parent.parent / "migrations"


class NotMigrated(RuntimeError):
    """The database is missing migrations; the message says what to run."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


async def upgrade(db: Database, revision: str = "head") -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(run)


async def current_revisions(db: Database) -> set[str]:
    def read(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    async with db.engine.connect() as connection:
        return await connection.run_sync(read)


@dataclass(frozen=True)
class MigrationStatus:
    current: frozenset[str]
    expected: frozenset[str]

    @property
    def ok(self) -> bool:
        return self.current == self.expected

    def describe(self) -> str:
        current = ", ".join(sorted(self.current)) or "none (empty database)"
        return f"database is at revision {current}; this version of the hub needs {', '.join(sorted(self.expected))}"


async def status(db: Database) -> MigrationStatus:
    return MigrationStatus(frozenset(await current_revisions(db)), frozenset(head_revisions()))


async def require_current(db: Database) -> None:
    """Raise NotMigrated, saying what to run, unless the database is at the latest revision."""
    state = await status(db)
    if not state.ok:
        raise NotMigrated(f"{state.describe()}. Run `hub migrate` (with the same HUB_DATABASE_URL) first.")
