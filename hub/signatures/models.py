"""The table of the certificates the hub trusts."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hub.infra.db import Base, UTCDateTime
from hub.infra.ids import new_id


class TrustedCertificateRow(Base):
    """A certificate the operator trusts for one party (a facility, a registry office, the population database)."""

    __tablename__ = "certificates"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    party: Mapped[str] = mapped_column(String(80), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the DER, lower-case hex
    subject: Mapped[str] = mapped_column(String(1000))
    serial: Mapped[str] = mapped_column(String(64))  # lower-case hex
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    der: Mapped[bytes] = mapped_column(LargeBinary)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    added_by: Mapped[str] = mapped_column(String(200))
    # A retired certificate is no longer trusted for new signatures; what it verified before stays verified.
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    retired_reason: Mapped[str | None] = mapped_column(String(500))
