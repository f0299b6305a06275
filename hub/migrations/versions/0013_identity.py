"""Identity history: every personal ID number a person held, cancelled ones with day and reason (NĐ 70/2024 Art 11)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 08:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_identity_numbers",
        sa.Column("number", sa.String(length=12), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("cancelled_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_person_identity_numbers_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_person_identity_numbers")),
    )
    op.create_index("ix_person_identity_numbers_person_id", "person_identity_numbers", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_person_identity_numbers_person_id", table_name="person_identity_numbers")
    op.drop_table("person_identity_numbers")
