"""Register clients, issue and revoke their tokens, and turn a presented token into a Principal."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.clients.models import Client
from hub.clients.permissions import DEFAULT_ROLES, ClientKind, Jurisdiction, Principal, Role, validate_grant
from hub.clients.tokens import TokenSigner
from hub.errors import BusinessError, Unauthenticated


class ClientErrorCode(enum.StrEnum):
    NAME_REQUIRED = "NAME_REQUIRED"
    NAME_TAKEN = "NAME_TAKEN"
    GRANT_NOT_ALLOWED = "GRANT_NOT_ALLOWED"
    UNKNOWN_CLIENT = "UNKNOWN_CLIENT"
    CLIENT_REVOKED = "CLIENT_REVOKED"


@dataclass(frozen=True)
class IssuedToken:
    client: Client
    token: str
    expires_at: dt.datetime


async def create_client(
    session: AsyncSession,
    signer: TokenSigner,
    *,
    now: dt.datetime,
    actor: Principal | None,
    name: str,
    kind: ClientKind,
    jurisdiction: Jurisdiction,
    roles: frozenset[Role] | None = None,
    ttl: dt.timedelta,
) -> IssuedToken:
    """Register a client and issue its first token; roles default to those of its kind."""
    name = name.strip()
    if not name:
        raise BusinessError(
            ClientErrorCode.NAME_REQUIRED, "A client needs a name.", "Cần nhập tên ứng dụng.", field="name"
        )
    granted = DEFAULT_ROLES[kind] if roles is None else roles
    try:
        validate_grant(kind, granted, jurisdiction)
    except ValueError as exc:
        raise BusinessError(
            ClientErrorCode.GRANT_NOT_ALLOWED, str(exc), f"Không được cấp quyền này: {exc}", field="roles"
        ) from None
    if await session.scalar(select(Client.id).where(Client.name == name)) is not None:
        raise BusinessError(
            ClientErrorCode.NAME_TAKEN,
            f"A client named {name!r} already exists.",
            f"Đã có ứng dụng tên {name!r}.",
            field="name",
        )
    client = Client(
        id=uuid.uuid4(),
        name=name,
        kind=kind.value,
        roles=sorted(r.value for r in granted),
        jurisdiction_level=jurisdiction.level.value,
        jurisdiction_code=jurisdiction.code,
        created_at=now,
        tokens_valid_after=_whole_second(now),
        revoked_at=None,
    )
    session.add(client)
    await record(
        session,
        now=now,
        actor=actor,
        events=[
            AuditEvent(
                "client.create",
                Purpose.ADMINISTRATION,
                details={"client": name, "kind": kind.value, "jurisdiction": str(jurisdiction)},
            )
        ],
    )
    return IssuedToken(client, signer.issue(client.id, now=now, ttl=ttl), now + ttl)


async def reissue_token(
    session: AsyncSession,
    signer: TokenSigner,
    *,
    now: dt.datetime,
    actor: Principal | None,
    name: str,
    ttl: dt.timedelta,
) -> IssuedToken:
    """Issue a new token for a client; every token issued before it stops working."""
    client = await _by_name(session, name)
    if client.revoked_at is not None:
        raise BusinessError(
            ClientErrorCode.CLIENT_REVOKED,
            f"Client {name!r} is revoked.",
            f"Ứng dụng {name!r} đã bị thu hồi.",
        )
    client.tokens_valid_after = _whole_second(now)
    await record(session, now=now, actor=actor, events=[_admin_event("client.token_reissue", name)])
    return IssuedToken(client, signer.issue(client.id, now=now, ttl=ttl), now + ttl)


async def revoke_client(session: AsyncSession, *, now: dt.datetime, actor: Principal | None, name: str) -> Client:
    client = await _by_name(session, name)
    if client.revoked_at is None:
        client.revoked_at = now
        await record(session, now=now, actor=actor, events=[_admin_event("client.revoke", name)])
    return client


async def list_clients(session: AsyncSession) -> list[Client]:
    return list((await session.scalars(select(Client).order_by(Client.name))).all())


async def authenticate(session: AsyncSession, signer: TokenSigner, token: str, *, now: dt.datetime) -> Principal:
    """The principal a bearer token stands for; Unauthenticated if the token or its client is not valid now."""
    claims = signer.verify(token, now=now)
    client = await session.get(Client, claims.client_id)
    if client is None or client.revoked_at is not None or claims.issued_at < client.tokens_valid_after:
        raise Unauthenticated("Invalid token.")
    return client.principal()


async def _by_name(session: AsyncSession, name: str) -> Client:
    client = await session.scalar(select(Client).where(Client.name == name))
    if client is None:
        raise BusinessError(
            ClientErrorCode.UNKNOWN_CLIENT,
            f"No client named {name!r}.",
            f"Không có ứng dụng tên {name!r}.",
            field="name",
        )
    return client


def _admin_event(operation: str, name: str) -> AuditEvent:
    return AuditEvent(operation, Purpose.ADMINISTRATION, details={"client": name})


def _whole_second(moment: dt.datetime) -> dt.datetime:
    # Tokens carry `iat` in whole seconds; a token issued in the same second as a reissue must still pass.
    return moment.replace(microsecond=0)
