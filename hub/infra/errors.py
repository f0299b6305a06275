"""The hub's exception tree; every message here is safe to show to the client that caused it.

HubError
├── Unauthenticated   no valid credentials were presented
├── Forbidden         the caller may not do this, or the record is outside its jurisdiction
├── InvalidRequest    the request itself is malformed
└── BusinessError     an expected outcome (a name taken, a record rejected): returned in payloads, with a
                      code from the domain's enum and messages in Vietnamese and English
"""

from __future__ import annotations

import enum


class HubError(Exception):
    """Base of every error the hub raises on purpose."""

    code = "INTERNAL"


class Unauthenticated(HubError):
    """No valid credentials were presented (missing, malformed, expired or revoked token)."""

    code = "UNAUTHENTICATED"

    def __init__(self, message: str = "Authentication required.") -> None:
        super().__init__(message)


class Forbidden(HubError):
    """The caller's roles or jurisdiction do not allow this; deliberately says nothing about what exists."""

    code = "FORBIDDEN"

    def __init__(self) -> None:
        super().__init__("Not permitted.")


class InvalidRequest(HubError):
    """The request cannot be understood (a malformed identifier or argument)."""

    code = "INVALID_REQUEST"


class BusinessError(HubError):
    """An expected outcome the caller must act on; resolvers put it in the mutation payload."""

    def __init__(self, code: enum.StrEnum, message: str, message_vi: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code.value
        self.reason = code
        self.message = message
        self.message_vi = message_vi
        self.field = field


class BusinessErrors(HubError):
    """Every reason a record is refused, found in one pass."""

    code = "REJECTED"

    def __init__(self, errors: list[BusinessError]) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = errors


Templates = dict[enum.StrEnum, tuple[str, str]]


def business_error(
    reason: enum.StrEnum, templates: Templates, /, *, field: str | None = None, **values: object
) -> BusinessError:
    """A BusinessError whose English and Vietnamese messages come from `templates[reason]`, filled with `values`."""
    english, vietnamese = templates[reason]
    return BusinessError(reason, english.format(**values), vietnamese.format(**values), field=field)
