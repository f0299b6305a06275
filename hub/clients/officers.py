"""Officers: people who sign in to the console, each bound to a client whose roles and jurisdiction they act with.

A password is kept only as an argon2 hash; an account locks after `MAX_FAILURES` wrong passwords in a row until an
operator unlocks it (`hub officer unlock`). A signed-in browser holds a random session token; the table keeps its
SHA-256. Signing in, failing to, and signing out are audited.

How a person proves who they are is one step, `verify_password` here: a government OpenID Connect provider can take
its place (the console's `SignInMethod`), after which `open_session` is the same."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.clients.errors import OfficerErrorCode
from hub.clients.models import Client, Officer, OfficerSession
from hub.clients.permissions import ClientKind, Principal, Role
from hub.clients.service import within
from hub.infra.errors import BusinessError, Forbidden
from hub.infra.ids import new_id

MAX_FAILURES = 5
MIN_PASSWORD_LENGTH = 10
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
_hasher = PasswordHasher()
# Verified against when the username is unknown, so that a wrong username costs the same time as a wrong password.
_NO_ONE = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class SignedIn:
    """A valid session: who, acting as which principal, and the session's form token."""

    username: str
    principal: Principal
    csrf_token: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class OpenedSession:
    token: str
    signed_in: SignedIn


def officer_principal(officer: Officer, client: Client) -> Principal:
    """The client's principal, named after the person: what they decide is recorded as theirs."""
    client_principal = client.principal()
    name = f"{officer.username} ({client.name})"[:200]
    return Principal(
        client_id=client.id,
        name=name,
        kind=client_principal.kind,
        roles=client_principal.roles,
        jurisdiction=client_principal.jurisdiction,
    )


async def create_officer(
    session: AsyncSession,
    *,
    now: dt.datetime,
    username: str,
    client_name: str,
    password: str | None,
    actor: Principal | None = None,
) -> Officer:
    """Add an officer bound to client `client_name`; `password` None for one who signs in through a provider.

    `actor` None: the command line; else an operator whose jurisdiction covers the client's (a client out of its
    reach and one that does not exist look the same: Forbidden)."""
    _require_operator(actor)
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        raise BusinessError(
            OfficerErrorCode.USERNAME_INVALID,
            "A username is 2 to 64 characters: lower-case letters, digits, '.', '_' or '-'.",
            "Tên đăng nhập dài 2-64 ký tự: chữ thường không dấu, chữ số, '.', '_' hoặc '-'.",
            field="username",
        )
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise BusinessError(
            OfficerErrorCode.PASSWORD_TOO_SHORT,
            f"A password has at least {MIN_PASSWORD_LENGTH} characters.",
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.",
            field="password",
        )
    client = await session.scalar(select(Client).where(Client.name == client_name))
    if actor is not None and (client is None or not within(client.jurisdiction, actor.jurisdiction)):
        raise Forbidden()
    if client is None or client.revoked_at is not None:
        raise BusinessError(
            OfficerErrorCode.UNKNOWN_CLIENT,
            f"No client named {client_name!r}.",
            f"Không có ứng dụng tên {client_name!r}.",
            field="client",
        )
    if await session.scalar(select(Officer.id).where(Officer.username == username)) is not None:
        raise BusinessError(
            OfficerErrorCode.USERNAME_TAKEN,
            f"An officer named {username!r} already exists.",
            f"Đã có cán bộ tên đăng nhập {username!r}.",
            field="username",
        )
    officer = Officer(
        id=new_id(),
        username=username,
        client_id=client.id,
        password_hash=None if password is None else _hasher.hash(password),
        failed_attempts=0,
        created_at=now,
    )
    session.add(officer)
    await record(session, now=now, actor=actor, events=[_event("officer.create", username, client=client.name)])
    return officer


def _require_operator(actor: Principal | None) -> None:
    if actor is not None and (actor.kind is not ClientKind.OPERATOR or not actor.may(Role.CLIENT_MANAGE)):
        raise Forbidden()


async def list_officers(session: AsyncSession, actor: Principal | None = None) -> list[tuple[Officer, Client]]:
    """Every officer with their client; for an actor, those whose client lies within its jurisdiction."""
    rows = await session.execute(
        select(Officer, Client).join(Client, Client.id == Officer.client_id).order_by(Officer.username)
    )
    return [
        (officer, client)
        for officer, client in rows
        if actor is None or within(client.jurisdiction, actor.jurisdiction)
    ]


async def unlock_officer(
    session: AsyncSession, *, now: dt.datetime, username: str, actor: Principal | None = None
) -> Officer:
    """Unlock an account locked by repeated failures; `actor` as for create_officer."""
    _require_operator(actor)
    officer = await session.scalar(select(Officer).where(Officer.username == username.strip().lower()))
    if actor is not None:
        client = None if officer is None else await session.get(Client, officer.client_id)
        if client is None or not within(client.jurisdiction, actor.jurisdiction):
            raise Forbidden()
    if officer is None:
        raise BusinessError(
            OfficerErrorCode.UNKNOWN_OFFICER,
            f"No officer named {username!r}.",
            f"Không có cán bộ tên đăng nhập {username!r}.",
            field="username",
        )
    officer.locked_at, officer.failed_attempts = None, 0
    await record(session, now=now, actor=actor, events=[_event("officer.unlock", officer.username)])
    return officer


async def verify_password(session: AsyncSession, *, now: dt.datetime, username: str, password: str) -> Officer | None:
    """The officer these credentials open, or None (unknown, wrong, locked, or its client revoked). A wrong password
    counts towards the lock; every outcome is audited. Commit the transaction either way."""
    username = username.strip().lower()
    officer = await session.scalar(select(Officer).where(Officer.username == username))
    stored = officer.password_hash if officer is not None and officer.password_hash else _NO_ONE
    try:
        matches = _hasher.verify(stored, password) and officer is not None and officer.password_hash is not None
    except (VerificationError, InvalidHashError):
        matches = False
    if officer is None:
        await record(session, now=now, actor=None, events=[_event("officer.sign_in_refused", username[:64])])
        return None
    if officer.locked_at is not None:
        await record(session, now=now, actor=None, events=[_event("officer.sign_in_refused", username, locked=True)])
        return None
    if not matches:
        officer.failed_attempts += 1
        locked = officer.failed_attempts >= MAX_FAILURES
        if locked:
            officer.locked_at = now
        await record(session, now=now, actor=None, events=[_event("officer.sign_in_refused", username, locked=locked)])
        return None
    if officer.password_hash is not None and _hasher.check_needs_rehash(officer.password_hash):
        officer.password_hash = _hasher.hash(password)
    return officer


async def open_session(
    session: AsyncSession, *, now: dt.datetime, officer: Officer, ttl: dt.timedelta
) -> OpenedSession | None:
    """Sign `officer` in (already identified, by password or a provider): None if their client is revoked."""
    client = await session.get(Client, officer.client_id)
    if client is None or client.revoked_at is not None or officer.locked_at is not None:
        return None
    officer.failed_attempts, officer.last_sign_in_at = 0, now
    await purge_sessions(session, now=now)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    row = OfficerSession(
        token_hash=_digest(token), officer_id=officer.id, csrf_token=csrf, created_at=now, expires_at=now + ttl
    )
    session.add(row)
    principal = officer_principal(officer, client)
    await record(session, now=now, actor=principal, events=[_event("officer.sign_in", officer.username)])
    return OpenedSession(token, SignedIn(officer.username, principal, csrf, row.expires_at))


async def purge_sessions(session: AsyncSession, *, now: dt.datetime) -> int:
    """Delete every session that expired or was signed out of (anyone's): run at each sign-in, so the table holds
    about the sessions open at once. A token whose row is gone is unknown, which answers as an ended one does."""
    result = await session.execute(
        delete(OfficerSession)
        .where(or_(OfficerSession.expires_at <= now, OfficerSession.ended_at.is_not(None)))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def signed_in(session: AsyncSession, *, now: dt.datetime, token: str) -> SignedIn | None:
    """Who a session token stands for now; None if unknown, ended, expired, locked or its client revoked."""
    row = await session.execute(
        select(OfficerSession, Officer, Client)
        .join(Officer, Officer.id == OfficerSession.officer_id)
        .join(Client, Client.id == Officer.client_id)
        .where(OfficerSession.token_hash == _digest(token))
    )
    found = row.one_or_none()
    if found is None:
        return None
    browser, officer, client = found
    if browser.ended_at is not None or browser.expires_at <= now or officer.locked_at or client.revoked_at:
        return None
    return SignedIn(officer.username, officer_principal(officer, client), browser.csrf_token, browser.expires_at)


async def end_session(session: AsyncSession, *, now: dt.datetime, token: str) -> None:
    """Sign out: the token stops working at once (audited)."""
    found = await signed_in(session, now=now, token=token)
    browser = await session.get(OfficerSession, _digest(token))
    if found is None or browser is None:
        return
    browser.ended_at = now
    await record(session, now=now, actor=found.principal, events=[_event("officer.sign_out", found.username)])


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _event(operation: str, username: str, **details: str | bool) -> AuditEvent:
    return AuditEvent(operation, Purpose.ACCESS_CONTROL, details={"officer": username, **details})
