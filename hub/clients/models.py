"""The client table: one row per system or person allowed to call the hub."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hub.clients.permissions import ClientKind, Jurisdiction, JurisdictionLevel, Principal, Role
from hub.infra.db import Base, UTCDateTime
from hub.infra.ids import new_id


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
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
        return principal_of(
            self.id, self.name, self.kind, tuple(self.roles), self.jurisdiction_level, self.jurisdiction_code
        )


def principal_of(
    client_id: uuid.UUID, name: str, kind: str, roles: tuple[str, ...], level: str, code: str | None
) -> Principal:
    """The principal of a client's columns as stored."""
    return Principal(
        client_id=client_id,
        name=name,
        kind=ClientKind(kind),
        roles=frozenset(Role(r) for r in roles),
        jurisdiction=Jurisdiction(JurisdictionLevel(level), code),
    )


class Officer(Base):
    """A person who signs in to the console: a username and an argon2 hash of their password, acting with the roles
    and jurisdiction of the client they are bound to."""

    __tablename__ = "officers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), index=True)
    # None for an officer who signs in through an identity provider only (hub/clients/officers.py).
    password_hash: Mapped[str | None] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class OfficerSession(Base):
    """A signed-in browser: the cookie carries a random token, this row only its SHA-256 (a stolen copy of the
    table opens nothing), with the form token (CSRF) of the session."""

    __tablename__ = "officer_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    officer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("officers.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
