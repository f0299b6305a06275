"""Claims: who filed a claim by hand (BHXH's deadline is 5 working days for maternity the employee files herself)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 08:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch_op:
        batch_op.add_column(sa.Column("filed_by", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("claims") as batch_op:
        batch_op.drop_column("filed_by")
