"""Alembic environment: runs on the connection handed over by hub.entry.migrate (async engines, both backends)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import hub.entry.tables  # noqa: F401  (registers every table on the metadata)
from hub.infra.db import Base

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `hub migrate`, which provides the database connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
