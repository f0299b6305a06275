"""Child cards: cases, registrations, cards, history, reviews, BHXH code counters; person name keys and mothers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 22:35:01.400459
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.infra.text import fold

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigIntKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "bhxh_code_counters",
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("next_serial", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("province_code", name=op.f("pk_bhxh_code_counters")),
    )
    op.create_table(
        "child_card_cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("registry_office_code", sa.String(length=5), nullable=False),
        sa.Column("book_number", sa.String(length=50), nullable=False),
        sa.Column("record_number", sa.String(length=50), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("child_name", sa.String(length=200), nullable=False),
        sa.Column("child_name_key", sa.String(length=200), nullable=False),
        sa.Column("facility_code", sa.String(length=5), nullable=False),
        sa.Column("child_personal_id", sa.String(length=12), nullable=True),
        sa.Column("population_check", sa.String(length=16), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_child_card_cases_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_card_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_child_card_cases_reference")),
        sa.UniqueConstraint(
            "registry_office_code",
            "book_number",
            "record_number",
            name=op.f("uq_child_card_cases_registry_office_code"),
        ),
    )
    op.create_index("ix_child_card_cases_child_personal_id", "child_card_cases", ["child_personal_id"])
    op.create_index("ix_child_card_cases_office_received", "child_card_cases", ["registry_office_code", "received_at"])
    op.create_index("ix_child_card_cases_state_province", "child_card_cases", ["state", "province_code", "received_at"])

    op.create_table(
        "birth_registrations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["child_card_cases.id"], name=op.f("fk_birth_registrations_case_id_child_card_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_birth_registrations")),
        sa.UniqueConstraint("case_id", "version", name=op.f("uq_birth_registrations_case_id")),
    )
    op.create_table(
        "child_card_case_events",
        sa.Column("id", BigIntKey, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["child_card_cases.id"], name=op.f("fk_child_card_case_events_case_id_child_card_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_card_case_events")),
    )
    op.create_index("ix_child_card_case_events_case_id", "child_card_case_events", ["case_id"])

    op.create_table(
        "child_card_reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("candidate_person_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_name", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_person_id"], ["persons.id"], name=op.f("fk_child_card_reviews_candidate_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["child_card_cases.id"], name=op.f("fk_child_card_reviews_case_id_child_card_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_card_reviews")),
    )
    op.create_index("ix_child_card_reviews_case_id", "child_card_reviews", ["case_id"])

    op.create_table(
        "child_cards",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("card_number", sa.String(length=15), nullable=False),
        sa.Column("bhxh_code", sa.String(length=10), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("facility_code", sa.String(length=5), nullable=False),
        sa.Column("guardian_role", sa.String(length=16), nullable=False),
        sa.Column("guardian_name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("delivery_method", sa.String(length=16), nullable=False),
        sa.Column("delivery_address", sa.String(length=500), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["child_card_cases.id"], name=op.f("fk_child_cards_case_id_child_card_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_cards")),
        sa.UniqueConstraint("case_id", "version", name=op.f("uq_child_cards_case_id")),
    )
    op.create_index("ix_child_cards_card_number", "child_cards", ["card_number"])

    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("mother_id", sa.Uuid(), nullable=True))
        batch_op.create_index("ix_persons_name_key_date_of_birth", ["name_key", "date_of_birth"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_persons_mother_id_persons"), "persons", ["mother_id"], ["id"])

    # People already on file get their folded name, the key the child-card matching looks people up by.
    connection = op.get_bind()
    for person_id, full_name in connection.execute(sa.text("SELECT id, full_name FROM persons")).all():
        connection.execute(
            sa.text("UPDATE persons SET name_key = :key WHERE id = :id"), {"key": fold(full_name), "id": person_id}
        )


def downgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_persons_mother_id_persons"), type_="foreignkey")
        batch_op.drop_index("ix_persons_name_key_date_of_birth")
        batch_op.drop_column("mother_id")
        batch_op.drop_column("name_key")

    op.drop_table("child_cards")

    op.drop_table("child_card_reviews")

    op.drop_table("child_card_case_events")
    op.drop_table("birth_registrations")

    op.drop_table("child_card_cases")
    op.drop_table("bhxh_code_counters")
