"""Audit tables: the entries, and the head of the chain that every append locks and moves."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hub.infra.db import Base, BigIntKey, UTCDateTime

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    """One audited operation. No foreign keys: the log outlives what it mentions."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    client_name: Mapped[str | None] = mapped_column(String(200))
    operation: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    purpose: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_log_person_id_seq", "person_id", "seq"),
        Index("ix_audit_log_client_id_seq", "client_id", "seq"),
    )


class AuditHead(Base):
    """The single row holding the last sequence number and hash; updating it serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
