"""Documents: the child a newborn's documents are about (a birth certificate, and the documents carrying its
temporary card code), once the child is registered

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 12:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("child_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_documents_child_id_persons"), "persons", ["child_id"], ["id"])
        batch_op.create_index("ix_documents_child_id", ["child_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_child_id")
        batch_op.drop_constraint(op.f("fk_documents_child_id_persons"), type_="foreignkey")
        batch_op.drop_column("child_id")
