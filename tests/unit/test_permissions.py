import uuid

import pytest

from hub.clients.permissions import (
    ClientKind,
    Jurisdiction,
    JurisdictionLevel,
    Location,
    Principal,
    Role,
    validate_grant,
)
from hub.infra.errors import Forbidden


def principal(kind: ClientKind, roles: set[Role], jurisdiction: str) -> Principal:
    return Principal(uuid.uuid4(), "c", kind, frozenset(roles), Jurisdiction.parse(jurisdiction))


@pytest.mark.parametrize(
    ("text", "level", "code"),
    [
        ("national", JurisdictionLevel.NATIONAL, None),
        ("province:48", JurisdictionLevel.PROVINCE, "48"),
        ("commune:20242", JurisdictionLevel.COMMUNE, "20242"),
        ("facility:48001", JurisdictionLevel.FACILITY, "48001"),
    ],
)
def test_parse_jurisdiction(text, level, code):
    parsed = Jurisdiction.parse(text)
    assert (parsed.level, parsed.code) == (level, code)
    assert str(parsed) == text


@pytest.mark.parametrize("text", ["planet", "province:4", "commune:ABCDE", "national:01", "province"])
def test_bad_jurisdictions_are_refused(text):
    with pytest.raises(ValueError):
        Jurisdiction.parse(text)


def test_covers():
    here = Location(province_code="48", commune_code="20242")
    assert Jurisdiction.parse("national").covers(here)
    assert Jurisdiction.parse("province:48").covers(here)
    assert not Jurisdiction.parse("province:01").covers(here)
    assert Jurisdiction.parse("commune:20242").covers(here)
    assert not Jurisdiction.parse("commune:20197").covers(here)
    assert not Jurisdiction.parse("facility:48001").covers(here)
    assert Jurisdiction.parse("facility:48001").covers(Location(facility_code="48001"))


def test_require_checks_role_and_jurisdiction():
    registry = principal(ClientKind.CIVIL_REGISTRY, {Role.PERSON_READ}, "commune:20242")
    registry.require(Role.PERSON_READ, Location("48", "20242"))
    with pytest.raises(Forbidden):
        registry.require(Role.PERSON_READ, Location("48", "20197"))
    with pytest.raises(Forbidden):
        registry.require(Role.CLAIM_READ)


def test_a_hospital_can_never_hold_claim_roles():
    with pytest.raises(ValueError, match="a hospital client cannot hold claim:read"):
        validate_grant(ClientKind.HOSPITAL, frozenset({Role.CLAIM_READ}), Jurisdiction.parse("facility:48001"))
    with pytest.raises(ValueError, match="cannot have a national jurisdiction"):
        validate_grant(ClientKind.HOSPITAL, frozenset({Role.DOCUMENT_SUBMIT}), Jurisdiction.parse("national"))
    validate_grant(ClientKind.HOSPITAL, frozenset({Role.DOCUMENT_SUBMIT}), Jurisdiction.parse("facility:48001"))
