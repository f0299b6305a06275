"""Audit: the chain moves to a table of its own, and the entries are never updated; fillfactor for updated tables

Each entry's link (`seq`, `prev_hash`, `hash`) moves from its `audit_log` row into `audit_chain`, written by the
sequencer only; the entries not yet chained go to the sequencer's queue, `audit_pending`, which replaces the partial
index on `seq IS NULL`. `audit_log` then refuses every UPDATE again, and `audit_chain` every UPDATE and DELETE. The
entries recorded before 0009 keep their seq and hashes (now their link) and their null `body_hash`.

On PostgreSQL, `child_card_case_events` gets fillfactor 50: half of each page is left for the new version of its rows.
Each event is updated once, when the registry acknowledges it, and no indexed column changes, so with room on its
page the update is HOT (no new index entries). In the child-cards bench 4 % of those updates were HOT at the default
fillfactor (100), 54 % at 70. The other tables updated there change an indexed column (a case's `state`, a person's
`personal_id_number`) or are seldom updated (outbox jobs, batched). It applies to the pages written from now on.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

FILLFACTOR = {"child_card_case_events": 50}
APPEND_ONLY_CHAIN = {
    "postgresql": [
        """CREATE FUNCTION audit_chain_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'audit_chain is append-only'; END $$""",
        """CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_chain
           FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_append_only()""",
    ],
    "sqlite": [
        f"""CREATE TRIGGER audit_chain_no_{verb.lower()} BEFORE {verb} ON audit_chain
            BEGIN SELECT RAISE(ABORT, 'audit_chain is append-only'); END"""
        for verb in ("UPDATE", "DELETE")
    ],
}
LOG_APPEND_ONLY = {
    "postgresql": [
        """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
           FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"""
    ],
    "sqlite": [
        f"""CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"""
        for verb in ("UPDATE", "DELETE")
    ],
}
SEQUENCED_ONCE = "audit_log is append-only: an entry is only ever given its place in the chain, once"
CONTENT = "occurred_at, client_id, client_name, operation, person_id, purpose, details, body_hash"


def _log_columns() -> list[sa.schema.SchemaItem]:
    """audit_log's columns from 0009 on, without the link's (on SQLite, a table is copied to drop a column)."""
    return [
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("client_name", sa.String(length=200), nullable=True),
        sa.Column("operation", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "audit_chain",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_chain")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_audit_chain_entry_id")),
    )
    op.create_table(
        "audit_pending",
        sa.Column(
            "entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_audit_pending")),
    )
    op.execute(
        "INSERT INTO audit_chain (seq, entry_id, prev_hash, hash)"
        " SELECT seq, id, prev_hash, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq"
    )
    op.execute("INSERT INTO audit_pending (entry_id) SELECT id FROM audit_log WHERE seq IS NULL")
    if dialect == "postgresql":
        for statement in [
            "DROP TRIGGER audit_log_sequenced_once ON audit_log",
            "DROP FUNCTION audit_log_sequenced_once",
            "DROP TRIGGER audit_log_append_only ON audit_log",
            "DROP INDEX ix_audit_log_unsequenced",
            "ALTER TABLE audit_log DROP CONSTRAINT uq_audit_log_seq",
            "ALTER TABLE audit_log DROP COLUMN seq, DROP COLUMN prev_hash, DROP COLUMN hash",
            *(f"ALTER TABLE {table} SET (fillfactor = {percent})" for table, percent in FILLFACTOR.items()),
        ]:
            op.execute(statement)
    else:  # SQLite drops an indexed or constrained column by copying the table
        for trigger in ("audit_log_no_update", "audit_log_no_delete"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.drop_index("ix_audit_log_unsequenced", table_name="audit_log")
        _copy_log(_log_columns(), f"id, {CONTENT}", f"id, {CONTENT}")
    for statement in [*LOG_APPEND_ONLY[dialect], *APPEND_ONLY_CHAIN[dialect]]:
        op.execute(statement)


def _copy_log(columns: list[sa.schema.SchemaItem], into: str, select: str) -> None:
    """SQLite: audit_log rebuilt with `columns`, its rows copied (`into` the columns written, from `select` over
    the old table, `audit_log_old`, joined to its links as `link`), and its indexes made again."""
    for index in ("ix_audit_log_person_id_id", "ix_audit_log_client_id_id"):
        op.drop_index(index, table_name="audit_log")
    op.rename_table("audit_log", "audit_log_old")
    op.create_table("audit_log", *columns)
    op.execute(
        f"INSERT INTO audit_log ({into}) SELECT {select} FROM audit_log_old"
        " LEFT JOIN audit_chain AS link ON link.entry_id = audit_log_old.id"
    )
    op.drop_table("audit_log_old")
    op.create_index("ix_audit_log_person_id_id", "audit_log", ["person_id", "id"])
    op.create_index("ix_audit_log_client_id_id", "audit_log", ["client_id", "id"])


def downgrade() -> None:
    """Each link back into its entry's row, as 0009 left them; the queued entries stay unsequenced there."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in [
            "DROP TRIGGER audit_log_append_only ON audit_log",
            *(f"ALTER TABLE {table} RESET (fillfactor)" for table in FILLFACTOR),
            "ALTER TABLE audit_log ADD COLUMN seq BIGINT, ADD COLUMN prev_hash VARCHAR(64),"
            " ADD COLUMN hash VARCHAR(64)",
            """UPDATE audit_log SET seq = link.seq, prev_hash = link.prev_hash, hash = link.hash
               FROM audit_chain AS link WHERE link.entry_id = audit_log.id""",
            "ALTER TABLE audit_log ADD CONSTRAINT uq_audit_log_seq UNIQUE (seq)",
            "CREATE INDEX ix_audit_log_unsequenced ON audit_log (id) WHERE seq IS NULL",
            """CREATE TRIGGER audit_log_append_only BEFORE DELETE OR TRUNCATE ON audit_log
               FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
            # 0009's trigger letting an unsequenced entry be given its link once
            f"""CREATE FUNCTION audit_log_sequenced_once() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN
                 IF OLD.seq IS NULL AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
                    AND (NEW.id, NEW.occurred_at, NEW.client_id, NEW.client_name, NEW.operation, NEW.person_id,
                         NEW.purpose, NEW.body_hash, NEW.details::text)
                        IS NOT DISTINCT FROM (OLD.id, OLD.occurred_at, OLD.client_id, OLD.client_name, OLD.operation,
                         OLD.person_id, OLD.purpose, OLD.body_hash, OLD.details::text)
                 THEN RETURN NEW; END IF;
                 RAISE EXCEPTION '{SEQUENCED_ONCE}';
               END $$""",
            """CREATE TRIGGER audit_log_sequenced_once BEFORE UPDATE ON audit_log
               FOR EACH ROW EXECUTE FUNCTION audit_log_sequenced_once()""",
            "DROP TABLE audit_chain",
            "DROP FUNCTION audit_chain_append_only",
            "DROP TABLE audit_pending",
        ]:
            op.execute(statement)
        return
    for trigger in ("audit_log_no_update", "audit_log_no_delete"):
        op.execute(f"DROP TRIGGER {trigger}")
    columns = _log_columns()
    columns[1:1] = [sa.Column("seq", sa.BigInteger(), nullable=True)]
    columns[-1:-1] = [sa.Column("prev_hash", sa.String(length=64)), sa.Column("hash", sa.String(length=64))]
    columns.append(sa.UniqueConstraint("seq", name=op.f("uq_audit_log_seq")))
    _copy_log(
        columns,
        f"id, {CONTENT}, seq, prev_hash, hash",
        f"id, {CONTENT}, link.seq, link.prev_hash, link.hash",
    )
    op.create_index("ix_audit_log_unsequenced", "audit_log", ["id"], sqlite_where=sa.text("seq IS NULL"))
    op.execute(
        f"""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
           WHEN OLD.seq IS NOT NULL OR NEW.seq IS NULL OR NEW.prev_hash IS NULL OR NEW.hash IS NULL
             OR NEW.id IS NOT OLD.id OR NEW.occurred_at IS NOT OLD.occurred_at OR NEW.client_id IS NOT OLD.client_id
             OR NEW.client_name IS NOT OLD.client_name OR NEW.operation IS NOT OLD.operation
             OR NEW.person_id IS NOT OLD.person_id OR NEW.purpose IS NOT OLD.purpose
             OR NEW.body_hash IS NOT OLD.body_hash OR NEW.details IS NOT OLD.details
           BEGIN SELECT RAISE(ABORT, '{SEQUENCED_ONCE}'); END"""
    )
    op.execute(LOG_APPEND_ONLY["sqlite"][1])
    op.drop_table("audit_chain")
    op.drop_table("audit_pending")
