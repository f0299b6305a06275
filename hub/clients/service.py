"""Register clients, issue and revoke their tokens, and turn a presented token into a Principal."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.catalogs.adminunits import Era, UnitLevel, admin_catalog
from hub.catalogs.places import current_province
from hub.clients.errors import ClientErrorCode
from hub.clients.models import Client
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
from hub.infra.errors import BusinessError, Forbidden, Unauthenticated


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
    client = await _by_name(session, name, actor)
    if client.revoked_at is not None:
        raise BusinessError(
            ClientErrorCode.CLIENT_REVOKED,
            f"Client {name!r} is revoked.",
            f"Ứng dụng {name!r} đã bị thu hồi.",
        )
    client.tokens_valid_after = _whole_second(now)
    PrincipalCache.forget_all()
    await record(session, now=now, actor=actor, events=[_admin_event("client.token_reissue", name)])
    return IssuedToken(client, signer.issue(client.id, now=now, ttl=ttl), now + ttl)


async def revoke_client(session: AsyncSession, *, now: dt.datetime, actor: Principal | None, name: str) -> Client:
    client = await _by_name(session, name, actor)
    if client.revoked_at is None:
        client.revoked_at = now
        PrincipalCache.forget_all()
        await record(session, now=now, actor=actor, events=[_admin_event("client.revoke", name)])
    return client


async def list_clients(session: AsyncSession, actor: Principal | None) -> list[Client]:
    """The clients whose jurisdiction lies within the actor's."""
    clients = (await session.scalars(select(Client).order_by(Client.name))).all()
    return [c for c in clients if actor is None or within(c.jurisdiction, actor.jurisdiction)]


# Asked on every request: built once, as SQLAlchemy works out the cache key of every new statement object.
_CLIENT_BY_ID = select(Client).where(Client.id == bindparam("client_id"))


async def authenticate(session: AsyncSession, signer: TokenSigner, token: str, *, now: dt.datetime) -> Principal:
    """The principal a client's bearer token stands for; Unauthenticated if the token or its client is not valid
    now, or if it is a gateway token (those are accepted on the gateway endpoints only)."""
    return await principal_for(session, signer.verify(token, now=now, kind=TokenKind.CLIENT))


class PrincipalCache:
    """The principals of client tokens this process verified in the last `seconds`, so that a sender's every call
    does not check its token's signature and read its client again (0.5 ms of an envelope's CPU in bench.documents).

    An entry serves for `seconds` at most (how long a client revoked, or its tokens reissued, by another process
    may still be served here), never once its token has expired by the hub's clock, and none outlives a revocation
    or reissue made in this process. At most `size` tokens are kept, the least recently used dropped first."""

    _generation = 0  # bumped by every revocation or reissue in this process: every cache forgets

    def __init__(self, seconds: float = 5.0, size: int = 4096) -> None:
        self.seconds = seconds
        self.size = size
        self._entries: OrderedDict[str, tuple[Principal, dt.datetime, float, int]] = OrderedDict()

    @classmethod
    def forget_all(cls) -> None:
        cls._generation += 1

    def get(self, token: str, *, now: dt.datetime) -> Principal | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        principal, expires_at, until, generation = entry
        if expires_at <= now or time.monotonic() >= until or generation != PrincipalCache._generation:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return principal

    def put(self, token: str, principal: Principal, *, expires_at: dt.datetime, generation: int) -> None:
        """Keep `principal` for `token`, found while the generation was `generation` (read before the lookup)."""
        if self.seconds <= 0:
            return
        self._entries[token] = (principal, expires_at, time.monotonic() + self.seconds, generation)
        self._entries.move_to_end(token)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


async def authenticate_cached(
    sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    signer: TokenSigner,
    cache: PrincipalCache,
    token: str,
    *,
    now: dt.datetime,
) -> Principal:
    """`authenticate`, answered from `cache` when this process verified the same token within its seconds."""
    principal = cache.get(token, now=now)
    if principal is not None:
        return principal
    generation = PrincipalCache._generation
    claims = signer.verify(token, now=now, kind=TokenKind.CLIENT)
    async with sessions() as session:
        principal = await principal_for(session, claims)
    cache.put(token, principal, expires_at=claims.expires_at, generation=generation)
    return principal


async def principal_for(session: AsyncSession, claims: TokenClaims) -> Principal:
    """The principal of verified token claims; Unauthenticated if its client is revoked or the token superseded."""
    client = (await session.scalars(_CLIENT_BY_ID, {"client_id": claims.client_id})).one_or_none()
    if client is None or client.revoked_at is not None or claims.issued_at < client.tokens_valid_after:
        raise Unauthenticated("Invalid token.")
    return client.principal()


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
