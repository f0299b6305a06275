"""Audit tables: the entries, and the head of the chain, which only the sequencer moves.

A request appends an entry with its content and the hash of that content (`body_hash`), and nothing else: no
place in the chain yet, so appenders never wait on one another. The sequencer later gives each committed entry its
`seq`, `prev_hash` and `hash`, in batches, and advances the head (hub.audit.sequencer)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.infra.db import Base, BigIntKey, UTCDateTime

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    """One audited operation. No foreign keys: the log outlives what it mentions.

    `id` numbers entries as they are recorded (not the chain's order: a lower id may commit later); `seq` is the
    entry's place in the chain, None until the sequencer reaches it."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    client_name: Mapped[str | None] = mapped_column(String(200))
    operation: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    purpose: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    # SHA-256 of the entry's canonical content, taken when it is recorded; None for the entries recorded before the
    # sequencer (migration 0009), whose hash covers their content directly.
    body_hash: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_log_person_id_id", "person_id", "id"),
        Index("ix_audit_log_client_id_id", "client_id", "id"),
        # The sequencer's queue: only the entries not yet chained, a few seconds' worth.
        Index("ix_audit_log_unsequenced", "id", postgresql_where=text("seq IS NULL"), sqlite_where=text("seq IS NULL")),
    )


class AuditHead(Base):
    """The single row holding the last sequence number and hash; only the sequencer locks and moves it."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
