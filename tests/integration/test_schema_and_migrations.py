"""The committed SDL matches the live schema; migrations produce exactly the tables the models declare."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text

import hub.entry.tables  # noqa: F401
from hub.claims.models import Claim
from hub.contributions.records import ContributionSource
from hub.contributions.service import store_contributions
from hub.entry import migrate
from hub.infra.db import Base
from hub.persons.models import Gender
from schema import build_schema
from tests.integration.test_claims import EMPLOYEE_ID, insured

NOW = dt.datetime(2026, 11, 26, 4, 0, tzinfo=dt.UTC)

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


async def test_explanations_move_out_of_the_computation_and_back(db):
    """0006 moves each stored computation's explanation lines into their own column; its downgrade puts them back."""
    lines = [{"rule": "rate", "text_vi": "75%"}]
    async with db.transaction() as session:
        record = insured("Lê Văn Tâm", Gender.MALE, dt.date(1985, 6, 1), personal_id_number=EMPLOYEE_ID)
        report = await store_contributions(session, [record], now=NOW, actor=None, source=ContributionSource.IMPORT)
        session.add(
            Claim(
                reference="HS261126A",
                kind="sickness",
                person_id=report.stored[0].person_id,
                province_code="48",
                event_key="sickness:2025-03-03",
                event_date=dt.date(2025, 3, 3),
                details={"start": "2025-03-03"},
                origin="manual",
                state="computed",
                computation={"law": "2014", "amount_vnd": 1000},
                explanation=lines,
                computed_version=1,
                needs_confirmation=False,
                created_at=NOW,
                updated_at=NOW,
            )
        )

    async def read(columns: str) -> list[Any]:
        async with db.engine.connect() as connection:
            row = (await connection.execute(text(f"SELECT {columns} FROM claims"))).one()
        return [json.loads(value) if isinstance(value, str) else value for value in row]

    def downgrade(connection: Connection) -> None:
        config = migrate.alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")

    async with db.engine.begin() as connection:
        await connection.run_sync(downgrade)
    assert await read("computation") == [{"law": "2014", "amount_vnd": 1000, "explanation": lines}]
    await migrate.upgrade(db)
    assert await read("computation, explanation") == [{"law": "2014", "amount_vnd": 1000}, lines]


async def test_signed_payloads_are_compressed_with_lz4_on_postgresql(db):
    """0007 has PostgreSQL compress envelopes and receipts with lz4 (where the server has it); its downgrade puts
    back the default, pglz. SQLite has nothing to change."""
    if db.backend != "postgresql":
        assert (await migrate.status(db)).ok
        return

    async def methods() -> set[str]:
        async with db.engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT attname, attcompression::text FROM pg_attribute"
                    " WHERE attrelid = 'document_submissions'::regclass AND attname IN ('payload', 'receipt')"
                )
            )
            return {f"{name}:{method}" for name, method in rows}

    def downgrade(connection: Connection) -> None:
        config = migrate.alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")

    assert await methods() == {"payload:l", "receipt:l"}
    async with db.engine.begin() as connection:
        await connection.run_sync(downgrade)
    assert await methods() == {"payload:p", "receipt:p"}
    await migrate.upgrade(db)
    assert await methods() == {"payload:l", "receipt:l"}


async def test_case_events_leave_room_on_their_page_for_their_update(db):
    """0015 gives child-card case events fillfactor 50 on PostgreSQL: their one update (the acknowledgement) stays on
    the page, a HOT update."""
    if db.backend != "postgresql":
        return
    async with db.engine.connect() as connection:
        options = await connection.scalar(
            text("SELECT reloptions FROM pg_class WHERE relname = 'child_card_case_events'")
        )
    assert options == ["fillfactor=50"]
