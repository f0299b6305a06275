"""Names of the parties that sign documents or hold certificates: `facility:48001`, `civil-registry:…`, `hub`."""

from __future__ import annotations

import re

HUB = "hub"
"""The hub itself (BHXH's end of the exchanges)."""

POPULATION_DATABASE = "population-database"
"""The national population database (Cơ sở dữ liệu quốc gia về dân cư)."""

# A kind (lower-case word) optionally followed by ":" and an identifier (a facility code, an office code).
_PARTY = re.compile(r"[a-z][a-z0-9-]*(:[A-Za-z0-9._-]+)?")


def facility(code: str) -> str:
    """The party name of a health facility (cơ sở khám chữa bệnh) by its 5-character code: `facility:48001`."""
    return validate_party(f"facility:{code}")


def civil_registry(office: str) -> str:
    """The party name of a civil registry office (cơ quan đăng ký hộ tịch) by its code: `civil-registry:00001`."""
    return validate_party(f"civil-registry:{office}")


def validate_party(party: str) -> str:
    """`party` unchanged if it is a well-formed party name, else ValueError (a caller's bug, not bad input)."""
    if not _PARTY.fullmatch(party):
        raise ValueError(f"{party!r} is not a party name (expected e.g. 'hub' or 'facility:48001')")
    return party


def file_stem(party: str) -> str:
    """A file-name-safe form of a party name: `facility:48001` → `facility-48001`."""
    return validate_party(party).replace(":", "-")
