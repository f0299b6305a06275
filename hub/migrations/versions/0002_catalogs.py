"""Catalogs: health-care facilities, requests for missing ones, BHXH units and the communes they serve

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:00:39.341144
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    op.create_table(
        "bhxh_units",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_bhxh_units")),
    )
    op.create_table(
        "facility_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("requested_by_name", sa.String(length=200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_name", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facility_requests")),
    )
    op.create_index("ix_facility_requests_state_province", "facility_requests", ["state", "province_code"])
    # One pending request per facility code, even when two registry offices ask at the same moment.
    op.create_index(
        "uq_facility_requests_pending_code",
        "facility_requests",
        ["code"],
        unique=True,
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )

    op.create_table(
        "health_facilities",
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("search_key", sa.String(length=300), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("accepts_child_primary_care", sa.Boolean(), nullable=False),
        sa.Column("contract_from", sa.Date(), nullable=True),
        sa.Column("contract_to", sa.Date(), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_health_facilities")),
    )
    op.create_index("ix_health_facilities_province_code", "health_facilities", ["province_code", "code"])

    op.create_table(
        "bhxh_unit_communes",
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("unit_code", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_code"],
            ["bhxh_units.code"],
            name=op.f("fk_bhxh_unit_communes_unit_code_bhxh_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("commune_code", name=op.f("pk_bhxh_unit_communes")),
    )
    op.create_index("ix_bhxh_unit_communes_unit_code", "bhxh_unit_communes", ["unit_code"])


def downgrade() -> None:
    op.drop_table("bhxh_unit_communes")
    op.drop_table("health_facilities")
    op.drop_table("facility_requests")
    op.drop_table("bhxh_units")
