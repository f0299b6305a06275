"""Claims: the computation's explanation lines in a column of their own, read only when asked for

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 04:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The lines move out of `computation` (a JSON object) into `explanation` (a JSON list), and back on downgrade.
SPLIT = {
    "postgresql": "UPDATE claims SET explanation = computation -> 'explanation', "
    "computation = (computation::jsonb - 'explanation')::json WHERE computation -> 'explanation' IS NOT NULL",
    "sqlite": "UPDATE claims SET explanation = json_extract(computation, '$.explanation'), "
    "computation = json_remove(computation, '$.explanation') "
    "WHERE json_extract(computation, '$.explanation') IS NOT NULL",
}
JOIN = {
    "postgresql": "UPDATE claims SET computation = (computation::jsonb || "
    "jsonb_build_object('explanation', explanation::jsonb))::json WHERE explanation IS NOT NULL",
    "sqlite": "UPDATE claims SET computation = json_set(computation, '$.explanation', json(explanation)) "
    "WHERE explanation IS NOT NULL",
}


def upgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("explanation", sa.JSON(), nullable=True))
    op.execute(SPLIT[op.get_bind().dialect.name])


def downgrade() -> None:
    op.execute(JOIN[op.get_bind().dialect.name])
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("explanation")
