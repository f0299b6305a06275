"""The client table: one row per system or person allowed to call the hub."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hub.clients.permissions import ClientKind, Jurisdiction, JurisdictionLevel, Principal, Role
from hub.infra.db import Base, UTCDateTime


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    roles: Mapped[list[str]] = mapped_column(JSON)
    jurisdiction_level: Mapped[str] = mapped_column(String(16))
    jurisdiction_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Tokens issued before this instant are refused: reissuing or revoking moves it forward.
    tokens_valid_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def jurisdiction(self) -> Jurisdiction:
        return Jurisdiction(JurisdictionLevel(self.jurisdiction_level), self.jurisdiction_code)

    def principal(self) -> Principal:
        return Principal(
            client_id=self.id,
            name=self.name,
            kind=ClientKind(self.kind),
            roles=frozenset(Role(r) for r in self.roles),
            jurisdiction=self.jurisdiction,
        )
