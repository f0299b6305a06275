"""Claims: employers, monthly contributions, claims with computation and history, payment orders

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 19:51:52.318904
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None
WAITING_STATES = sa.text("state IN ('evidence_pending', 'computed')")


def upgrade() -> None:
    op.create_table(
        "employers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("tax_code", sa.String(length=14), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employers")),
        sa.UniqueConstraint("code", name=op.f("uq_employers_code")),
    )
    op.create_table(
        "claims",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("event_key", sa.String(length=160), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=True),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=True),
        sa.Column("computation", sa.JSON(), nullable=True),
        sa.Column("computed_version", sa.Integer(), nullable=False),
        sa.Column("approved_amount_vnd", sa.BigInteger(), nullable=True),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("decision_reason", sa.String(length=1000), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("needs_confirmation", sa.Boolean(), nullable=False),
        sa.Column("withdrawn_evidence", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["employer_id"], ["employers.id"], name=op.f("fk_claims_employer_id_employers")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_claims_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint("person_id", "kind", "event_key", name=op.f("uq_claims_person_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_claims_reference")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index("ix_claims_employer_id", ["employer_id"], unique=False)
        batch_op.create_index(
            "ix_claims_province_code_state_created_at", ["province_code", "state", "created_at"], unique=False
        )
        batch_op.create_index("ix_claims_state_due_on", ["state", "due_on"], unique=False)
        batch_op.create_index(
            "ix_claims_province_code_state_due_on", ["province_code", "state", "due_on"], unique=False
        )
        batch_op.create_index("ix_claims_state_created_at", ["state", "created_at"], unique=False)
        for name, columns in (
            ("ix_claims_waiting_province_code_created_at", ["province_code", "created_at", "id"]),
            ("ix_claims_waiting_created_at", ["created_at", "id"]),
        ):
            batch_op.create_index(
                name, columns, unique=False, postgresql_where=WAITING_STATES, sqlite_where=WAITING_STATES
            )

    op.create_table(
        "contribution_months",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=True),
        sa.Column("salary_vnd", sa.BigInteger(), nullable=False),
        sa.Column("work_type", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_contribution_months_employer_id_employers")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_contribution_months_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contribution_months")),
        sa.UniqueConstraint("person_id", "month", name=op.f("uq_contribution_months_person_id")),
    )
    with op.batch_alter_table("contribution_months", schema=None) as batch_op:
        batch_op.create_index("ix_contribution_months_employer_id_month", ["employer_id", "month"], unique=False)

    op.create_table(
        "claim_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_claim_events_claim_id_claims")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_events")),
    )
    with op.batch_alter_table("claim_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_events_claim_id"), ["claim_id"], unique=False)

    op.create_table(
        "payment_orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_payment_orders_claim_id_claims")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_orders")),
    )
    with op.batch_alter_table("payment_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_orders_claim_id"), ["claim_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payment_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_orders_claim_id"))

    op.drop_table("payment_orders")
    with op.batch_alter_table("claim_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_events_claim_id"))

    op.drop_table("claim_events")
    with op.batch_alter_table("contribution_months", schema=None) as batch_op:
        batch_op.drop_index("ix_contribution_months_employer_id_month")

    op.drop_table("contribution_months")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index("ix_claims_waiting_created_at")
        batch_op.drop_index("ix_claims_waiting_province_code_created_at")
        batch_op.drop_index("ix_claims_state_created_at")
        batch_op.drop_index("ix_claims_province_code_state_due_on")
        batch_op.drop_index("ix_claims_state_due_on")
        batch_op.drop_index("ix_claims_province_code_state_created_at")
        batch_op.drop_index("ix_claims_employer_id")

    op.drop_table("claims")
    op.drop_table("employers")
