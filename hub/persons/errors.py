"""Person error codes (business outcomes of correcting a person's record)."""

from __future__ import annotations

import enum


class PersonErrorCode(enum.StrEnum):
    INVALID_LOCATION = "INVALID_LOCATION"
    ADDRESS_REQUIRED = "ADDRESS_REQUIRED"
    ID_NUMBER_INVALID = "ID_NUMBER_INVALID"
    ID_NUMBER_TAKEN = "ID_NUMBER_TAKEN"
