"""Signed documents: trusted certificates, submissions kept byte for byte, parsed documents with versions and links,
document uses, gateway accounts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 19:22:13.502930
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("party", sa.String(length=80), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_reason", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_certificates_fingerprint")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_party"), ["party"], unique=False)

    op.create_table(
        "document_submissions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("transaction_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("sender", sa.String(length=80), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("verification", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document_count", sa.Integer(), nullable=False),
        sa.Column("receipt", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_submissions")),
        sa.UniqueConstraint("sha256", "sender", name=op.f("uq_document_submissions_sha256")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_document_submissions_transaction_id")),
    )
    with op.batch_alter_table("document_submissions", schema=None) as batch_op:
        batch_op.create_index("ix_document_submissions_sender_received_at", ["sender", "received_at"], unique=False)

    op.create_table(
        "documents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("submission_id", sa.Uuid(), nullable=False),
        sa.Column("issuer", sa.String(length=80), nullable=False),
        sa.Column("doc_type", sa.String(length=24), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("supersedes_id", sa.Uuid(), nullable=True),
        sa.Column("position", sa.JSON(), nullable=False),
        sa.Column("episode", sa.String(length=100), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("link_state", sa.String(length=16), nullable=False),
        sa.Column("subject_personal_id", sa.String(length=12), nullable=True),
        sa.Column("subject_bhxh_code", sa.String(length=10), nullable=True),
        sa.Column("subject_card_number", sa.String(length=15), nullable=True),
        sa.Column("child_card_code", sa.String(length=15), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_documents_person_id_persons")),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["document_submissions.id"], name=op.f("fk_documents_submission_id_document_submissions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("number", "issuer", "doc_type", "version", name=op.f("uq_documents_number")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index("ix_documents_child_card_code", ["child_card_code"], unique=False)
        batch_op.create_index("ix_documents_issuer_issued_on", ["issuer", "issued_on"], unique=False)
        batch_op.create_index(
            "ix_documents_link_state_subject_personal_id", ["link_state", "subject_personal_id"], unique=False
        )
        batch_op.create_index("ix_documents_person_id", ["person_id"], unique=False)
        batch_op.create_index("ix_documents_subject_bhxh_code", ["subject_bhxh_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_submission_id"), ["submission_id"], unique=False)

    op.create_table(
        "gateway_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tokens_valid_after", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_gateway_accounts_client_id_clients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_accounts")),
        sa.UniqueConstraint("username", name=op.f("uq_gateway_accounts_username")),
    )
    op.create_table(
        "document_uses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("user_kind", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_document_uses_document_id_documents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_uses")),
        sa.UniqueConstraint("document_id", "user_kind", "user_id", name=op.f("uq_document_uses_document_id")),
    )
    with op.batch_alter_table("document_uses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_uses_document_id"), ["document_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("document_uses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_uses_document_id"))

    op.drop_table("document_uses")
    op.drop_table("gateway_accounts")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_submission_id"))
        batch_op.drop_index("ix_documents_subject_bhxh_code")
        batch_op.drop_index("ix_documents_person_id")
        batch_op.drop_index("ix_documents_link_state_subject_personal_id")
        batch_op.drop_index("ix_documents_issuer_issued_on")
        batch_op.drop_index("ix_documents_child_card_code")

    op.drop_table("documents")
    with op.batch_alter_table("document_submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_document_submissions_sender_received_at")

    op.drop_table("document_submissions")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_party"))

    op.drop_table("certificates")
