"""Client error codes (business outcomes of registering clients and managing their tokens)."""

from __future__ import annotations

import enum


class ClientErrorCode(enum.StrEnum):
    NAME_REQUIRED = "NAME_REQUIRED"
    NAME_TAKEN = "NAME_TAKEN"
    GRANT_NOT_ALLOWED = "GRANT_NOT_ALLOWED"
    UNKNOWN_CLIENT = "UNKNOWN_CLIENT"
    CLIENT_REVOKED = "CLIENT_REVOKED"
    UNKNOWN_JURISDICTION = "UNKNOWN_JURISDICTION"
    INVALID_TTL = "INVALID_TTL"
    PASSWORD_TOO_SHORT = "PASSWORD_TOO_SHORT"


class OfficerErrorCode(enum.StrEnum):
    """Outcomes of managing officers: `hub officer` and the createOfficer and unlockOfficer mutations."""

    USERNAME_INVALID = "USERNAME_INVALID"
    USERNAME_TAKEN = "USERNAME_TAKEN"
    PASSWORD_TOO_SHORT = "PASSWORD_TOO_SHORT"
    UNKNOWN_CLIENT = "UNKNOWN_CLIENT"
    UNKNOWN_OFFICER = "UNKNOWN_OFFICER"
