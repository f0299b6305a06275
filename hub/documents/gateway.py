"""The login of hospitals' existing software on the gateway-compatible endpoints (BHXH's `api/token/take`).

BHXH's guide has the software send the MD5 of the password in uppercase hex, at login (`password`) and on every
upload (`passwordHash`). The hub reads whatever is sent in that one form (`sent_form`: an MD5 in either case is
uppercased, anything else is taken as the password itself and hashed so) and keeps only an argon2 hash of it: no
weaker hash than before is stored, and the password, its MD5 in upper or lower case all log in.

A token it takes carries a proof bound to its `id_token`: sha256(id_token + the sent form). An upload presents
`accessToken`, `tokenId` and `passwordHash`; the proof is recomputed, so the password is checked once per token with
the slow hash and cheaply on every upload. The access token has the gateway's own audience: GraphQL refuses it, so
it is worth nothing without the other two.

Accounts added before the sent form kept the argon2 hash of the password exactly as given (the same, when that was
the uppercase MD5). Such a hash still admits that exact string, once the sent form has not matched, and is replaced
by the hash of the sent form at that login.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import hmac
import re
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
from hub.infra.db import Database
from hub.infra.errors import BusinessError, Unauthenticated
from hub.infra.ids import new_id

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A throwaway hash to verify against when the username is unknown, so that the answer takes as long either way;
    made on first use, not at import (it cost every process start 0.1–0.4 s)."""
    return _hasher.hash(secrets.token_hex(16))


MIN_PASSWORD_LENGTH = 8
_MD5_HEX = re.compile(r"[0-9A-Fa-f]{32}")


@dataclass(frozen=True)
class GatewayToken:
    access_token: str
    id_token: str
    username: str
    expires_at: dt.datetime


def proof(id_token: str, password: str) -> str:
    """What a token is bound to: its id token and the password in its sent form."""
    return hashlib.sha256(f"{id_token}\n{sent_form(password)}".encode()).hexdigest()


def sent_form(password: str) -> str:
    """The password as BHXH's guide has the software send it, the MD5 in uppercase hex: an MD5 in hex is uppercased,
    anything else is taken as the password itself (MD5 here is the gateway's encoding, not the stored hash)."""
    if _MD5_HEX.fullmatch(password):
        return password.upper()
    return hashlib.md5(password.encode(), usedforsecurity=False).hexdigest().upper()


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
    hashed = await asyncio.to_thread(_hasher.hash, sent_form(password))
    account = GatewayAccount(
        id=new_id(),
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
    db: Database, signer: TokenSigner, *, now: dt.datetime, username: str, password: str, ttl: dt.timedelta
) -> GatewayToken:
    """A token for the account if the password matches; Unauthenticated (saying nothing more) otherwise.

    No connection is held while the slow hash is checked. An unknown username is checked against a dummy hash as
    many times as a known one would be, so that the answer takes as long either way."""
    async with db.sessions() as session:
        account = await session.scalar(select(GatewayAccount).where(GatewayAccount.username == username.strip()))
        client = await session.get(Client, account.client_id) if account else None
    stored = account.password_hash if account else await asyncio.to_thread(_dummy_hash)
    matched = await asyncio.to_thread(_matching, stored, password)
    if account is None or matched is None or client is None or client.revoked_at is not None:
        raise Unauthenticated("Wrong username or password.")
    if matched != sent_form(password) or _hasher.check_needs_rehash(stored):
        await _rehash(db, account.id, stored, sent_form(password))
    id_token = secrets.token_urlsafe(24)
    access_token = signer.issue(client.id, now=now, ttl=ttl, kind=TokenKind.GATEWAY, binding=proof(id_token, password))
    return GatewayToken(access_token, id_token, account.username, now + ttl)


def _matching(stored: str, password: str) -> str | None:
    """The form of `password` that `stored` is the hash of: its sent form, or (an account added before the sent
    form) the password exactly as sent; None if neither."""
    for candidate in dict.fromkeys((sent_form(password), password)):
        try:
            _hasher.verify(stored, candidate)
        except (VerificationError, InvalidHashError):
            continue
        return candidate
    return None


async def _rehash(db: Database, account_id: uuid.UUID, stored: str, sent: str) -> None:
    """Keep the argon2 hash of the sent form (with today's parameters) in place of `stored`, unless it changed."""
    hashed = await asyncio.to_thread(_hasher.hash, sent)
    async with db.transaction() as session:
        account = await session.get(GatewayAccount, account_id)
        if account is not None and account.password_hash == stored:
            account.password_hash = hashed


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
