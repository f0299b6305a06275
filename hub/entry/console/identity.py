"""How a person proves who they are to the console: the seam where a government OpenID Connect provider can replace
passwords.

A `SignInMethod` turns the sign-in request into an `Officer` row (or None). The console then opens the same
session whatever the method (`hub.clients.officers.open_session`), so roles, jurisdiction, the lock and the audit
do not change. `PasswordSignIn` is the one in use. An OIDC method would show a "sign in with VNeID" button
(`form_fields` empty), redirect to the provider's authorization endpoint with a state and nonce, and on the callback
verify the ID token (issuer, audience, nonce, signature against the provider's JWKS) and look the officer up by the
token's `sub` or username claim (officers created with no password: `create_officer(..., password=None)`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from hub.clients.models import Officer
from hub.clients.officers import verify_password


class SignInMethod(Protocol):
    """One way of identifying an officer at sign-in."""

    form_fields: tuple[str, ...]

    async def identify(self, session: AsyncSession, *, now: dt.datetime, form: Mapping[str, str]) -> Officer | None:
        """The officer the submitted form proves, or None; audit refusals in `session` (it is committed)."""
        ...


class PasswordSignIn:
    """Username and password, checked against the argon2 hash; a wrong password counts towards the lock."""

    form_fields: tuple[str, ...] = ("username", "password")

    async def identify(self, session: AsyncSession, *, now: dt.datetime, form: Mapping[str, str]) -> Officer | None:
        return await verify_password(
            session, now=now, username=form.get("username", ""), password=form.get("password", "")
        )
