"""The committed SDL matches the live schema; migrations produce exactly the tables the models declare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import hub.models  # noqa: F401
from hub import migrate
from hub.db import Base
from schema import build_schema

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_matches_the_live_schema():
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    live = build_schema().as_str() + "\n"
    assert committed == live, "schema.graphql is stale: run `hub export-schema --output schema.graphql`"


async def test_migrations_match_the_models(db):
    def differences(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with db.engine.connect() as connection:
        diff = await connection.run_sync(differences)
    assert diff == []
    assert (await migrate.status(db)).ok


async def test_a_repeated_document_is_validated_once():
    from strawberry.extensions.validation_cache import _get_validate_cache

    from schema import CACHE_SIZE

    schema = build_schema()
    cache: Any = _get_validate_cache(CACHE_SIZE)  # functools.lru_cache: cache_info() counts the hits
    query = "query Repeated { __typename }"
    first = await schema.execute(query)
    hits = cache.cache_info().hits
    second = await schema.execute(query)
    assert not first.errors and not second.errors
    assert cache.cache_info().hits == hits + 1
