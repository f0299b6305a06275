"""Claims: the processors' queue (the person's name folded for search, the processor working a claim, indexes by
due date); claims routed to their employer's province

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 07:40:00.000000
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None
WAITING_STATES = sa.text("state IN ('evidence_pending', 'computed')")
BACKFILL_BATCH = 5_000


def _name_key(name: str) -> str:
    """hub.claims.search.name_key as of this revision."""
    decomposed = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"[^0-9a-z]+", " ", plain).strip()


def upgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("assigned_to", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    # Issue 19 item 8: a claim belongs to the BHXH office of its employer's contributions, not the person's home
    # province (hub.claims.routing). Not undone by the downgrade: the home provinces are not kept.
    connection.execute(
        sa.text(
            "UPDATE claims SET province_code = (SELECT employers.province_code FROM employers "
            "WHERE employers.id = claims.employer_id) WHERE employer_id IS NOT NULL"
        )
    )
    claims = sa.table(
        "claims", sa.column("id", sa.Uuid()), sa.column("person_id", sa.Uuid()), sa.column("name_key", sa.String())
    )
    persons = sa.table("persons", sa.column("id", sa.Uuid()), sa.column("full_name", sa.String()))
    names = connection.execute(
        sa.select(claims.c.id, persons.c.full_name).join(persons, persons.c.id == claims.c.person_id)
    ).all()
    update = claims.update().where(claims.c.id == sa.bindparam("claim_id")).values(name_key=sa.bindparam("key"))
    for start in range(0, len(names), BACKFILL_BATCH):
        rows = [{"claim_id": i, "key": _name_key(name)} for i, name in names[start : start + BACKFILL_BATCH]]
        connection.execute(update, rows)
    with op.batch_alter_table("claims", schema=None) as batch_op:
        for name, columns in (
            ("ix_claims_waiting_province_code_due_on", ["province_code", "due_on", "id"]),
            ("ix_claims_waiting_due_on", ["due_on", "id"]),
        ):
            batch_op.create_index(
                name, columns, unique=False, postgresql_where=WAITING_STATES, sqlite_where=WAITING_STATES
            )
        pattern_ops = {"name_key": "text_pattern_ops"}  # LIKE 'prefix%' whatever the collation
        for name, columns in (
            ("ix_claims_waiting_province_code_name_key", ["province_code", "name_key"]),
            ("ix_claims_waiting_name_key", ["name_key"]),
        ):
            batch_op.create_index(
                name,
                columns,
                unique=False,
                postgresql_ops=pattern_ops,
                postgresql_where=WAITING_STATES,
                sqlite_where=WAITING_STATES,
            )
        batch_op.create_index("ix_claims_name_key", ["name_key"], unique=False, postgresql_ops=pattern_ops)
        batch_op.create_index("ix_claims_assigned_to", ["assigned_to"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        for name in (
            "ix_claims_assigned_to",
            "ix_claims_name_key",
            "ix_claims_waiting_name_key",
            "ix_claims_waiting_province_code_name_key",
            "ix_claims_waiting_due_on",
            "ix_claims_waiting_province_code_due_on",
        ):
            batch_op.drop_index(name)
        batch_op.drop_column("assigned_at")
        batch_op.drop_column("assigned_to")
        batch_op.drop_column("name_key")
