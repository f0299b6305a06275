"""The login of hospitals' existing software on the gateway-compatible endpoints (BHXH's `api/token/take`).

A facility's software sends a username and a password (often already a hash of the real one); the hub keeps only an
argon2 hash of what is sent. A token it takes carries a proof bound to its `id_token`: sha256(id_token + password as
sent). An upload presents `accessToken`, `tokenId` and `passwordHash` (the password as sent); the proof is
recomputed, so the password is checked once per token with the slow hash and cheaply on every upload. The access
token has the gateway's own audience: GraphQL refuses it, so it is worth nothing without the other two.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.clients.errors import ClientErrorCode
from hub.clients.models import Client
from hub.clients.permissions import ClientKind, Principal, Role
from hub.clients.service import principal_for
from hub.clients.tokens import TokenKind, TokenSigner
from hub.documents.models import GatewayAccount
from hub.infra.errors import BusinessError, Unauthenticated

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A throwaway hash to verify against when the username is unknown, so that the answer takes as long either way;
    made on first use, not at import (it cost every process start 0.1–0.4 s)."""
    return _hasher.hash(secrets.token_hex(16))


MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class GatewayToken:
    access_token: str
    id_token: str
    username: str
    expires_at: dt.datetime


def proof(id_token: str, password: str) -> str:
    return hashlib.sha256(f"{id_token}\n{password}".encode()).hexdigest()


async def add_account(
    session: AsyncSession, *, now: dt.datetime, actor: Principal | None, client_name: str, username: str, password: str
) -> GatewayAccount:
    """Let a hospital client log in on the gateway endpoints as `username` with `password`, as its software sends it."""
    if actor is not None:
        actor.require(Role.CLIENT_MANAGE)
    client = await session.scalar(select(Client).where(Client.name == client_name))
    if client is None or client.kind != ClientKind.HOSPITAL:
        raise BusinessError(
            ClientErrorCode.UNKNOWN_CLIENT,
            f"No hospital client named {client_name!r}.",
            f"Không có ứng dụng của cơ sở khám chữa bệnh tên {client_name!r}.",
            field="client",
        )
    if len(password) < MIN_PASSWORD_LENGTH or not username.strip():
        raise BusinessError(
            ClientErrorCode.PASSWORD_TOO_SHORT,
            f"A username and a password of at least {MIN_PASSWORD_LENGTH} characters are required.",
            f"Cần tên đăng nhập và mật khẩu từ {MIN_PASSWORD_LENGTH} ký tự.",
            field="password",
        )
    if await session.scalar(select(GatewayAccount.id).where(GatewayAccount.username == username.strip())):
        raise BusinessError(
            ClientErrorCode.NAME_TAKEN,
            f"The username {username!r} is taken.",
            f"Tên đăng nhập {username!r} đã được dùng.",
            field="username",
        )
    hashed = await asyncio.to_thread(_hasher.hash, password)
    account = GatewayAccount(
        id=uuid.uuid4(),
        username=username.strip(),
        client_id=client.id,
        password_hash=hashed,
        created_at=now,
        tokens_valid_after=now.replace(microsecond=0),
    )
    session.add(account)
    await session.flush()
    await record(
        session,
        now=now,
        actor=actor,
        events=[
            AuditEvent(
                "gateway.account_add", Purpose.ADMINISTRATION, details={"client": client_name, "username": username}
            )
        ],
    )
    return account


async def take_token(
    session: AsyncSession, signer: TokenSigner, *, now: dt.datetime, username: str, password: str, ttl: dt.timedelta
) -> GatewayToken:
    """A token for the account if the password matches; Unauthenticated (saying nothing more) otherwise."""
    account = await session.scalar(select(GatewayAccount).where(GatewayAccount.username == username.strip()))
    try:
        known = account.password_hash if account else await asyncio.to_thread(_dummy_hash)
        await asyncio.to_thread(_hasher.verify, known, password)
    except (VerificationError, InvalidHashError):
        raise Unauthenticated("Wrong username or password.") from None
    if account is None:
        raise Unauthenticated("Wrong username or password.")
    client = await session.get(Client, account.client_id)
    if client is None or client.revoked_at is not None:
        raise Unauthenticated("Wrong username or password.")
    id_token = secrets.token_urlsafe(24)
    access_token = signer.issue(client.id, now=now, ttl=ttl, kind=TokenKind.GATEWAY, binding=proof(id_token, password))
    return GatewayToken(access_token, id_token, account.username, now + ttl)


async def gateway_principal(
    session: AsyncSession,
    signer: TokenSigner,
    *,
    now: dt.datetime,
    username: str,
    access_token: str,
    token_id: str,
    password_hash: str,
) -> Principal:
    """The facility client an upload comes from, if its three headers and username belong together."""
    claims = signer.verify(access_token, now=now, kind=TokenKind.GATEWAY)
    if claims.binding is None or not hmac.compare_digest(claims.binding, proof(token_id, password_hash)):
        raise Unauthenticated("Invalid token.")
    principal = await principal_for(session, claims)
    account = await session.scalar(select(GatewayAccount).where(GatewayAccount.username == username.strip()))
    if account is None or account.client_id != principal.client_id or claims.issued_at < account.tokens_valid_after:
        raise Unauthenticated("Invalid token.")
    return principal
