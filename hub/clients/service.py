"""Register clients, issue and revoke their tokens, and turn a presented token into a Principal."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import orjson
from sqlalchemy import Text, bindparam, cast, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.catalogs.adminunits import Era, UnitLevel, admin_catalog
from hub.catalogs.places import current_province
from hub.clients.errors import ClientErrorCode
from hub.clients.models import Client, principal_of
from hub.clients.permissions import (
    DEFAULT_ROLES,
    ClientKind,
    Jurisdiction,
    JurisdictionLevel,
    Principal,
    Role,
    validate_grant,
)
from hub.clients.tokens import TokenClaims, TokenKind, TokenSigner
from hub.infra.db import fetch_on_driver
from hub.infra.errors import BusinessError, Forbidden, Unauthenticated
from hub.infra.ids import new_id


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
    if ttl <= dt.timedelta(0):
        raise BusinessError(
            ClientErrorCode.INVALID_TTL,
            "A token must live at least a day.",
            "Thời hạn token phải từ một ngày.",
            field="tokenTtlDays",
        )
    _require_known(jurisdiction)
    _require_within(actor, jurisdiction)
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
        id=new_id(),
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
    client = await _by_name(session, name, actor)
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
    client = await _by_name(session, name, actor)
    if client.revoked_at is None:
        client.revoked_at = now
        await record(session, now=now, actor=actor, events=[_admin_event("client.revoke", name)])
    return client


async def list_clients(session: AsyncSession, actor: Principal | None) -> list[Client]:
    """The clients whose jurisdiction lies within the actor's."""
    clients = (await session.scalars(select(Client).order_by(Client.name))).all()
    return [c for c in clients if actor is None or within(c.jurisdiction, actor.jurisdiction)]


# Asked on every request, on the driver (hub.infra.db.fetch_on_driver: Core's execution was a third of the read's
# CPU): built once. The roles come as their JSON text, which the driver gives as it is (the cache key of the
# principal below; parsed only to build one).
_CLIENT_BY_ID = select(
    Client.id,
    Client.name,
    Client.kind,
    cast(Client.roles, Text),
    Client.jurisdiction_level,
    Client.jurisdiction_code,
    Client.tokens_valid_after,
    Client.revoked_at,
).where(Client.id == bindparam("client_id"))
PRINCIPALS_KEPT = 1024
_principals: dict[tuple[uuid.UUID, str, str, str, str, str | None], Principal] = {}


async def authenticate(
    session: AsyncSession | AsyncConnection, signer: TokenSigner, token: str, *, now: dt.datetime
) -> Principal:
    """The principal a client's bearer token stands for; Unauthenticated if the token or its client is not valid
    now, or if it is a gateway token (those are accepted on the gateway endpoints only)."""
    return await principal_for(session, signer.verify(token, now=now, kind=TokenKind.CLIENT))


async def principal_for(session: AsyncSession | AsyncConnection, claims: TokenClaims) -> Principal:
    """The principal of verified token claims; Unauthenticated if its client is revoked or the token superseded.
    The client is read on every call: a revocation or a change of roles holds from the next request."""
    connection = session if isinstance(session, AsyncConnection) else await session.connection()
    rows = await fetch_on_driver(connection, _CLIENT_BY_ID, {"client_id": claims.client_id})
    if not rows:
        raise Unauthenticated("Invalid token.")
    client_id, name, kind, roles, level, code, tokens_valid_after, revoked_at = rows[0]
    if revoked_at is not None or claims.issued_at < tokens_valid_after:
        raise Unauthenticated("Invalid token.")
    # The same row gives the same (immutable) principal: built once, not for every request.
    key = (client_id, name, kind, roles, level, code)
    principal = _principals.get(key)
    if principal is None:
        if len(_principals) >= PRINCIPALS_KEPT:
            _principals.clear()
        identity = uuid.UUID(str(client_id))  # the driver's own UUID type on PostgreSQL
        principal = _principals[key] = principal_of(identity, name, kind, tuple(orjson.loads(roles)), level, code)
    return principal


async def _by_name(session: AsyncSession, name: str, actor: Principal | None) -> Client:
    client = await session.scalar(select(Client).where(Client.name == name))
    # A client outside the actor's jurisdiction is answered like one that does not exist.
    if client is None or (actor is not None and not within(client.jurisdiction, actor.jurisdiction)):
        raise BusinessError(
            ClientErrorCode.UNKNOWN_CLIENT,
            f"No client named {name!r}.",
            f"Không có ứng dụng tên {name!r}.",
            field="name",
        )
    return client


def province_of(jurisdiction: Jurisdiction) -> str | None:
    """The current province a jurisdiction lies in (None: national, or a code no catalog knows)."""
    catalog = admin_catalog()
    match jurisdiction.level:
        case JurisdictionLevel.NATIONAL:
            return None
        case JurisdictionLevel.PROVINCE:
            return jurisdiction.code
        case JurisdictionLevel.COMMUNE:
            commune = catalog.get(UnitLevel.COMMUNE, str(jurisdiction.code), Era.CURRENT)
            return commune.province_code if commune else None
        case JurisdictionLevel.FACILITY:
            return current_province(str(jurisdiction.code)[:2])  # a facility code starts with its (former) province
        case JurisdictionLevel.EMPLOYER | JurisdictionLevel.PERSON:
            return None  # an employer or a person is not bound to one province's operator


def within(inner: Jurisdiction, outer: Jurisdiction) -> bool:
    """Whether every record `inner` covers is also covered by `outer`."""
    if outer.level is JurisdictionLevel.NATIONAL:
        return True
    if outer.level is JurisdictionLevel.PROVINCE:
        return inner.level is not JurisdictionLevel.NATIONAL and province_of(inner) == outer.code
    return inner == outer


def _require_within(actor: Principal | None, target: Jurisdiction) -> None:
    # An operator grants only inside its own jurisdiction: a province operator cannot mint a national client.
    if actor is not None and not within(target, actor.jurisdiction):
        raise Forbidden()


def _require_known(jurisdiction: Jurisdiction) -> None:
    level = {JurisdictionLevel.PROVINCE: UnitLevel.PROVINCE, JurisdictionLevel.COMMUNE: UnitLevel.COMMUNE}.get(
        jurisdiction.level
    )
    if level is not None and admin_catalog().get(level, str(jurisdiction.code), Era.CURRENT) is None:
        raise BusinessError(
            ClientErrorCode.UNKNOWN_JURISDICTION,
            f"There is no current {jurisdiction.level.value} with code {jurisdiction.code}.",
            f"Không có đơn vị hành chính hiện hành mã {jurisdiction.code}.",
            field="jurisdiction",
        )


def _admin_event(operation: str, name: str) -> AuditEvent:
    return AuditEvent(operation, Purpose.ADMINISTRATION, details={"client": name})


def _whole_second(moment: dt.datetime) -> dt.datetime:
    # Tokens carry `iat` in whole seconds; a token issued in the same second as a reissue must still pass.
    return moment.replace(microsecond=0)
