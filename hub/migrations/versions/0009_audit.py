"""Audit: entries are appended without a place in the chain, which the sequencer gives them later

`audit_log.seq` becomes `id` (the entry's number, in recording order, from a sequence) and a new nullable `seq`
holds the entry's place in the chain, with `prev_hash` and `hash`, set once by the sequencer. `body_hash` is the
hash of the entry's content, taken when it is recorded. The entries recorded before keep their seq (= id) and
hashes; their `body_hash` is null. The append-only triggers now let exactly one update through: an unsequenced
entry given its seq, previous hash and hash, its content unchanged.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 07:30:00.000000
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

CONTENT = ("id", "occurred_at", "client_id", "client_name", "operation", "person_id", "purpose", "body_hash")
REFUSED = "audit_log is append-only: an entry is only ever given its place in the chain, once"

POSTGRESQL = [
    "DROP TRIGGER audit_log_append_only ON audit_log",
    "ALTER TABLE audit_log RENAME COLUMN seq TO id",
    "ALTER INDEX ix_audit_log_person_id_seq RENAME TO ix_audit_log_person_id_id",
    "ALTER INDEX ix_audit_log_client_id_seq RENAME TO ix_audit_log_client_id_id",
    """ALTER TABLE audit_log ADD COLUMN seq BIGINT, ADD COLUMN body_hash VARCHAR(64),
       ALTER COLUMN prev_hash DROP NOT NULL, ALTER COLUMN hash DROP NOT NULL""",
    "UPDATE audit_log SET seq = id",
    "ALTER TABLE audit_log ADD CONSTRAINT uq_audit_log_seq UNIQUE (seq)",
    "CREATE SEQUENCE audit_log_id_seq OWNED BY audit_log.id",
    "SELECT setval('audit_log_id_seq', (SELECT coalesce(max(id), 0) + 1 FROM audit_log), false)",
    "ALTER TABLE audit_log ALTER COLUMN id SET DEFAULT nextval('audit_log_id_seq')",
    "CREATE INDEX ix_audit_log_unsequenced ON audit_log (id) WHERE seq IS NULL",
    """CREATE TRIGGER audit_log_append_only BEFORE DELETE OR TRUNCATE ON audit_log
       FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
    f"""CREATE FUNCTION audit_log_sequenced_once() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF OLD.seq IS NULL AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
            AND ({", ".join(f"NEW.{c}" for c in CONTENT)}, NEW.details::text)
                IS NOT DISTINCT FROM ({", ".join(f"OLD.{c}" for c in CONTENT)}, OLD.details::text)
         THEN RETURN NEW; END IF;
         RAISE EXCEPTION '{REFUSED}';
       END $$""",
    """CREATE TRIGGER audit_log_sequenced_once BEFORE UPDATE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_sequenced_once()""",
]
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       WHEN OLD.seq IS NOT NULL OR NEW.seq IS NULL OR NEW.prev_hash IS NULL OR NEW.hash IS NULL
         OR {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in (*CONTENT, "details"))}
       BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL:
            op.execute(statement)
        return
    # SQLite changes a primary key by copying the table.
    op.execute("DROP TRIGGER audit_log_no_update")
    op.execute("DROP TRIGGER audit_log_no_delete")
    op.drop_index("ix_audit_log_person_id_seq", table_name="audit_log")
    op.drop_index("ix_audit_log_client_id_seq", table_name="audit_log")
    op.rename_table("audit_log", "audit_log_0008")
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("client_name", sa.String(length=200), nullable=True),
        sa.Column("operation", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_log_seq")),
    )
    copied = "occurred_at, client_id, client_name, operation, person_id, purpose, details, prev_hash, hash"
    op.execute(f"INSERT INTO audit_log (id, seq, {copied}) SELECT seq, seq, {copied} FROM audit_log_0008")
    op.drop_table("audit_log_0008")
    _sqlite_indexes()
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)


def _sequence_pending(bind: sa.Connection) -> None:
    head = bind.execute(sa.text("SELECT seq, hash FROM audit_head WHERE id = 1")).one()
    seq, prev_hash = head.seq, head.hash
    pending = bind.execute(sa.text("SELECT id, body_hash FROM audit_log WHERE seq IS NULL ORDER BY id")).all()
    for entry_id, body_hash in pending:
        seq += 1
        digest = hashlib.sha256(f"{prev_hash}\n{seq}\n{entry_id}\n{body_hash}".encode()).hexdigest()
        bind.execute(
            sa.text("UPDATE audit_log SET seq = :seq, prev_hash = :prev, hash = :hash WHERE id = :id"),
            {"seq": seq, "prev": prev_hash, "hash": digest, "id": entry_id},
        )
        prev_hash = digest
    bind.execute(
        sa.text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"), {"seq": seq, "hash": prev_hash}
    )


def _sqlite_indexes() -> None:
    op.create_index("ix_audit_log_person_id_id", "audit_log", ["person_id", "id"])
    op.create_index("ix_audit_log_client_id_id", "audit_log", ["client_id", "id"])
    op.create_index("ix_audit_log_unsequenced", "audit_log", ["id"], sqlite_where=sa.text("seq IS NULL"))


def downgrade() -> None:
    """Back to one seq per entry. Entries not yet sequenced are chained first, as the sequencer would
    (hub.audit.sequencer); the entries chained by the sequencer keep their hashes, which the code before 0009 does not
    check."""
    bind = op.get_bind()
    _sequence_pending(bind)
    if bind.dialect.name == "postgresql":
        for statement in [
            "DROP TRIGGER audit_log_sequenced_once ON audit_log",
            "DROP FUNCTION audit_log_sequenced_once",
            "DROP TRIGGER audit_log_append_only ON audit_log",
            "DROP INDEX ix_audit_log_unsequenced",
            "ALTER TABLE audit_log DROP CONSTRAINT uq_audit_log_seq",
            "ALTER TABLE audit_log ALTER COLUMN id DROP DEFAULT",
            "DROP SEQUENCE audit_log_id_seq",
            "ALTER TABLE audit_log DROP CONSTRAINT pk_audit_log",
            "ALTER TABLE audit_log DROP COLUMN id, DROP COLUMN body_hash",  # and the indexes on id
            "ALTER TABLE audit_log ALTER COLUMN seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL,"
            " ALTER COLUMN hash SET NOT NULL",
            "ALTER TABLE audit_log ADD CONSTRAINT pk_audit_log PRIMARY KEY (seq)",
            "CREATE INDEX ix_audit_log_client_id_seq ON audit_log (client_id, seq)",
            "CREATE INDEX ix_audit_log_person_id_seq ON audit_log (person_id, seq)",
            """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
               FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
        ]:
            op.execute(statement)
        return
    op.execute("DROP TRIGGER audit_log_no_update")
    op.execute("DROP TRIGGER audit_log_no_delete")
    for index in ("ix_audit_log_person_id_id", "ix_audit_log_client_id_id", "ix_audit_log_unsequenced"):
        op.drop_index(index, table_name="audit_log")
    op.rename_table("audit_log", "audit_log_0009")
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("client_name", sa.String(length=200), nullable=True),
        sa.Column("operation", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    copied = "seq, occurred_at, client_id, client_name, operation, person_id, purpose, details, prev_hash, hash"
    op.execute(f"INSERT INTO audit_log ({copied}) SELECT {copied} FROM audit_log_0009")
    op.drop_table("audit_log_0009")
    op.create_index("ix_audit_log_client_id_seq", "audit_log", ["client_id", "seq"])
    op.create_index("ix_audit_log_person_id_seq", "audit_log", ["person_id", "seq"])
    op.execute(
        """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"""
    )
    op.execute(
        """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"""
    )
