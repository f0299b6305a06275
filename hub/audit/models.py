"""Audit tables: the entries, their links in the chain, the entries waiting for one, and the head of the chain.

Every table here is insert-only but the queue and the head. A request appends an entry with its content and the
hash of that content (`body_hash`), and its id to the queue of entries waiting for the sequencer (`audit_pending`),
in the same statement (PostgreSQL) or transaction; nothing else, so appenders never wait on one another. The
sequencer later chains each committed entry: it inserts the entry's link (`audit_chain`: its seq, the previous hash
and its hash), deletes it from the queue and advances the head, in batches (hub.audit.sequencer, which says why a
queue). An entry is never updated: before migration 0015 its link was written into its own row, an UPDATE that
touched every index of the log."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hub.infra.db import Base, BigIntKey, UTCDateTime

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    """One audited operation, never changed once written. No foreign keys: the log outlives what it mentions.

    `id` numbers entries as they are recorded (not the chain's order: a lower id may commit later); the entry's
    place in the chain is its AuditLink, which it has once the sequencer reaches it."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
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

    __table_args__ = (
        Index("ix_audit_log_person_id_id", "person_id", "id"),
        Index("ix_audit_log_client_id_id", "client_id", "id"),
    )


class AuditLink(Base):
    """An entry's place in the chain: its seq, the hash of the entry before and its own hash, over both and the
    entry's id and content hash (hub.audit.service.link_hash). Written once, by the sequencer only."""

    __tablename__ = "audit_chain"

    seq: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=False)
    entry_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditPending(Base):
    """The sequencer's queue: the id of each entry recorded and not yet chained, a few seconds' worth. Inserted with
    the entry, in its statement; deleted by the sequencer in the transaction that chains the entry."""

    __tablename__ = "audit_pending"

    entry_id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=False)


class AuditHead(Base):
    """The single row holding the last sequence number and hash; only the sequencer locks and moves it."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
