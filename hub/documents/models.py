"""Signed evidence tables: submissions stored byte for byte, the documents parsed from them, who uses which
document, and the gateway accounts of hospitals' existing software."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hub.infra.db import Base, UTCDateTime
from hub.infra.ids import new_id


class SubmissionKind(enum.StrEnum):
    QD4750 = "qd4750"  # a hospital's GIAMDINHHS envelope
    BIRTH_EXTRACT = "birth_extract"  # civil registry: trích lục khai sinh
    DEATH_EXTRACT = "death_extract"  # civil registry: trích lục khai tử
    IDENTITY_CHECK = "identity_check"  # population database: a citizen's identity
    RELATIONSHIP_CHECK = "relationship_check"  # population database: mother–child, father–child, spouses


class Channel(enum.StrEnum):
    GRAPHQL = "graphql"
    GATEWAY = "gateway"  # the compatibility endpoint of BHXH's existing gateway
    CONNECTOR = "connector"  # fetched by the hub itself


class DocumentState(enum.StrEnum):
    CURRENT = "current"
    SUPERSEDED = "superseded"  # a later version with the same issuer, type and number replaced it
    REVOKED = "revoked"


class LinkState(enum.StrEnum):
    LINKED = "linked"
    UNMATCHED = "unmatched"  # names someone the hub does not know yet: waits for them


class Submission(Base):
    """One signed payload exactly as received, with its SHA-256, verification report and the hub's signed receipt.

    Only payloads whose signature verified are stored: a refused one leaves no row."""

    __tablename__ = "document_submissions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    transaction_id: Mapped[str] = mapped_column(String(32), unique=True)  # maGiaoDich
    kind: Mapped[str] = mapped_column(String(24))
    sender: Mapped[str] = mapped_column(String(80))  # the signing party
    channel: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    sha256: Mapped[str] = mapped_column(String(64))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    verification: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    document_count: Mapped[int] = mapped_column(Integer)
    receipt: Mapped[bytes] = mapped_column(LargeBinary)  # signed by the hub

    __table_args__ = (
        # The digest leads: it is what a repeated submission is looked up by, and it is selective from the first row.
        UniqueConstraint("sha256", "sender"),
        Index("ix_document_submissions_sender_received_at", "sender", "received_at"),
    )


class Document(Base):
    """One document read from a submission: a version of (issuer, type, number), its fields and who it is about."""

    __tablename__ = "documents"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    submission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("document_submissions.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(80))  # a party: facility:48001, civil-registry:…, …
    doc_type: Mapped[str] = mapped_column(String(24))  # XML1, XML7 …, birth_extract …
    number: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    position: Mapped[dict[str, int]] = mapped_column(JSON)  # where in the submission: hoso, file, record
    episode: Mapped[str | None] = mapped_column(String(100))  # MA_LK: the treatment episode
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("persons.id"))
    link_state: Mapped[str] = mapped_column(String(16))
    # Who the document names, as written: what linking looked for and what later arrivals are matched against.
    subject_personal_id: Mapped[str | None] = mapped_column(String(12))
    subject_bhxh_code: Mapped[str | None] = mapped_column(String(10))
    subject_card_number: Mapped[str | None] = mapped_column(String(15))
    child_card_code: Mapped[str | None] = mapped_column(String(15))  # a newborn's MA_THE_TAM
    # The newborn a birth certificate, or a document carrying its temporary card code, is about, once registered.
    child_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("persons.id"))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        # The number leads: earlier versions are looked up by number, which narrows to a row or two at once.
        UniqueConstraint("number", "issuer", "doc_type", "version"),
        Index("ix_documents_person_id", "person_id"),
        Index("ix_documents_issuer_issued_on", "issuer", "issued_on"),
        Index("ix_documents_link_state_subject_personal_id", "link_state", "subject_personal_id"),
        Index("ix_documents_subject_bhxh_code", "subject_bhxh_code"),
        Index("ix_documents_child_card_code", "child_card_code"),
        Index("ix_documents_child_id", "child_id"),
    )


class DocumentUse(Base):
    """Something that relied on a document (a claim …): told when that document is superseded or revoked."""

    __tablename__ = "document_uses"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id"), index=True)
    user_kind: Mapped[str] = mapped_column(String(32))  # e.g. "claim"
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    used_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("document_id", "user_kind", "user_id"),)


class GatewayAccount(Base):
    """A hospital's login on the gateway-compatible endpoints: what its software sends as password, argon2-hashed."""

    __tablename__ = "gateway_accounts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Tokens issued before this instant are refused (a password change moves it forward).
    tokens_valid_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
