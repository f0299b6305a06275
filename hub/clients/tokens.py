"""Bearer tokens: HS256-signed JWTs naming a client, with an expiry and an audience; secrets can be rotated."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from hub.infra.errors import Unauthenticated

ISSUER = "bhxh-hub"
ALGORITHM = "HS256"
CLOCK_SKEW = dt.timedelta(seconds=60)  # tolerated between the issuing and the verifying process
BINDING_CLAIM = "pwb"
VERIFIED_KEPT = 4096  # tokens whose signature a process remembers as checked


class TokenKind(enum.StrEnum):
    """Where a token is accepted; the value is its audience (`aud`), so one kind is refused where another is asked."""

    CLIENT = "bhxh-hub"
    """A client's bearer token for GraphQL (`hub client create`, `createClient`, reissues)."""
    GATEWAY = "bhxh-hub/gateway"
    """An access token from `api/token/take`: valid on the gateway endpoints only, with its id token and password."""


@dataclass(frozen=True)
class TokenClaims:
    client_id: uuid.UUID
    issued_at: dt.datetime
    expires_at: dt.datetime
    binding: str | None = None
    """A gateway token's proof value (see hub.documents.gateway); None for client tokens."""


class TokenSigner:
    """Issues tokens with the current secret; accepts tokens signed with the current or a previous one."""

    def __init__(self, secret: str, previous_secrets: tuple[str, ...] = ()) -> None:
        self._secret = secret
        self._accepted = (secret, *previous_secrets)
        self._verified: dict[tuple[str, TokenKind], dict[str, Any]] = {}

    def issue(
        self,
        client_id: uuid.UUID,
        *,
        now: dt.datetime,
        ttl: dt.timedelta,
        kind: TokenKind = TokenKind.CLIENT,
        binding: str | None = None,
    ) -> str:
        """A token of `kind` for the client; a gateway token carries its proof `binding`, a client token none."""
        if (kind is TokenKind.GATEWAY) != (binding is not None):
            raise ValueError("a gateway token needs a binding, and only a gateway token has one")
        claims: dict[str, object] = {
            "iss": ISSUER,
            "aud": kind.value,
            "sub": str(client_id),
            # Whole seconds are what JWT carries; the revocation check compares at that precision.
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        if binding is not None:
            claims[BINDING_CLAIM] = binding
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str, *, now: dt.datetime, kind: TokenKind = TokenKind.CLIENT) -> TokenClaims:
        """Return the claims of a valid token of `kind`; raise Unauthenticated for anything else."""
        claims = self._decoded(token, kind)
        expires_at = dt.datetime.fromtimestamp(claims["exp"], dt.UTC)
        issued_at = dt.datetime.fromtimestamp(claims["iat"], dt.UTC)
        if expires_at <= now:
            raise Unauthenticated("Token expired.")
        if issued_at > now + CLOCK_SKEW:
            raise Unauthenticated("Invalid token.")
        try:
            client_id = uuid.UUID(claims["sub"])
        except ValueError:
            raise Unauthenticated("Invalid token.") from None
        binding = claims.get(BINDING_CLAIM)
        if kind is TokenKind.CLIENT and binding is not None:
            # A gateway token issued before gateway tokens had their own audience: it still needs its proof.
            raise Unauthenticated("Invalid token.")
        if kind is TokenKind.GATEWAY and not isinstance(binding, str):
            raise Unauthenticated("Invalid token.")
        return TokenClaims(client_id, issued_at, expires_at, binding)

    def _decoded(self, token: str, kind: TokenKind) -> dict[str, Any]:
        """The claims of a token whose signature, audience and issuer check out, remembered: the same token comes
        with every request of a client, and its signature would be checked again for the same answer. Only what
        the token and the secrets decide is remembered; time is checked by `verify` on every call."""
        key = (token, kind)
        claims = self._verified.get(key)
        if claims is not None:
            return claims
        for secret in self._accepted:
            try:
                claims = jwt.decode(
                    token,
                    secret,
                    algorithms=[ALGORITHM],
                    audience=kind.value,
                    issuer=ISSUER,
                    # Time is checked by `verify` against the injectable clock, not the wall clock.
                    options={"require": ["exp", "iat", "sub"], "verify_exp": False, "verify_iat": False},
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError:
                raise Unauthenticated("Invalid token.") from None
            break
        else:
            raise Unauthenticated("Invalid token.")
        if len(self._verified) >= VERIFIED_KEPT:
            self._verified.clear()  # forgotten all at once: each is verified again on its next use
        self._verified[key] = claims
        return claims
