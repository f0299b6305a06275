"""Bearer tokens: HS256-signed JWTs naming a client, with an expiry; secrets can be rotated."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import jwt

from hub.errors import Unauthenticated

ISSUER = "bhxh-hub"
AUDIENCE = "bhxh-hub"
ALGORITHM = "HS256"
CLOCK_SKEW = dt.timedelta(seconds=60)  # tolerated between the issuing and the verifying process


@dataclass(frozen=True)
class TokenClaims:
    client_id: uuid.UUID
    issued_at: dt.datetime
    expires_at: dt.datetime
    binding: str | None = None
    """A gateway token's proof value (see hub.documents.gateway); None for ordinary tokens."""


class TokenSigner:
    """Issues tokens with the current secret; accepts tokens signed with the current or a previous one."""

    def __init__(self, secret: str, previous_secrets: tuple[str, ...] = ()) -> None:
        self._secret = secret
        self._accepted = (secret, *previous_secrets)

    def issue(self, client_id: uuid.UUID, *, now: dt.datetime, ttl: dt.timedelta, binding: str | None = None) -> str:
        claims: dict[str, object] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(client_id),
            # Whole seconds are what JWT carries; the revocation check compares at that precision.
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        if binding is not None:
            claims["pwb"] = binding
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str, *, now: dt.datetime) -> TokenClaims:
        """Return the claims of a valid token; raise Unauthenticated for anything else."""
        for secret in self._accepted:
            try:
                claims = jwt.decode(
                    token,
                    secret,
                    algorithms=[ALGORITHM],
                    audience=AUDIENCE,
                    issuer=ISSUER,
                    # Time is checked below against the injectable clock, not the wall clock.
                    options={"require": ["exp", "iat", "sub"], "verify_exp": False, "verify_iat": False},
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError:
                raise Unauthenticated("Invalid token.") from None
            break
        else:
            raise Unauthenticated("Invalid token.")
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
        binding = claims.get("pwb")
        return TokenClaims(client_id, issued_at, expires_at, binding if isinstance(binding, str) else None)
