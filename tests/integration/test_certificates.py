"""The operator manages the certificates the hub trusts through GraphQL, on both backends: list, import (again:
nothing changes), retire; nobody else may; a retired certificate verifies no new envelope."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from devkit.qd4750_samples import FACILITY
from hub.audit.models import AuditEntry
from hub.clients.permissions import ClientKind
from signing.devpki import certificates_pem
from tests.conftest import START
from tests.helpers import graphql_data, make_client, post_graphql
from tests.integration.documents_kit import documents_world, facility_identity, rows_left, signed_envelope
from tests.integration.test_documents import submit

CERTIFICATE = "party fingerprint serial notBefore notAfter addedBy retiredAt retiredReason"
LIST = f"""query($party: String, $retired: Boolean!) {{
  certificates(party: $party, includeRetired: $retired) {{ {CERTIFICATE} }}
}}"""
IMPORT = f"""mutation($party: String!, $pem: String!) {{
  importCertificate(party: $party, pem: $pem) {{ certificates {{ {CERTIFICATE} }} errors {{ code field }} }}
}}"""
RETIRE = f"""mutation($fingerprint: String!, $reason: String!) {{
  retireCertificate(fingerprint: $fingerprint, reason: $reason) {{ certificate {{ {CERTIFICATE} }} errors {{ code }} }}
}}"""
PARTY = f"facility:{FACILITY}"


@pytest.fixture
async def world(hub, signer, clock, backend):
    tokens, _ = await documents_world(hub, signer, clock, backend)
    return tokens


async def listed(client, token: str, *, retired: bool = False) -> list[dict]:
    return (await graphql_data(client, LIST, {"party": PARTY, "retired": retired}, token=token))["certificates"]


async def test_the_operator_imports_lists_and_retires_certificates(hub, world):
    client, state = hub
    operator = world["operator"]
    [first] = await listed(client, operator)
    assert first["party"] == PARTY and first["addedBy"] == "operator" and first["retiredAt"] is None
    # A renewed certificate: trusted once, however often imported
    renewed = facility_identity(FACILITY, start=START - dt.timedelta(days=30), years=3)
    pem = certificates_pem(renewed).decode()
    imported = (await graphql_data(client, IMPORT, {"party": PARTY, "pem": pem}, token=operator))["importCertificate"]
    assert imported["errors"] == [] and len(imported["certificates"]) == 1
    fingerprint = imported["certificates"][0]["fingerprint"]
    again = (await graphql_data(client, IMPORT, {"party": PARTY, "pem": pem}, token=operator))["importCertificate"]
    assert [c["fingerprint"] for c in again["certificates"]] == [fingerprint]
    assert {c["fingerprint"] for c in await listed(client, operator)} == {first["fingerprint"], fingerprint}
    accepted = await submit(client, world["bv-48001"], signed_envelope(identity=renewed))
    assert accepted["errors"] == [] and accepted["receipt"] is not None
    # Retired: kept on record, trusted for nothing new
    unexplained = await graphql_data(client, RETIRE, {"fingerprint": fingerprint, "reason": " "}, token=operator)
    assert [e["code"] for e in unexplained["retireCertificate"]["errors"]] == ["REASON_REQUIRED"]
    retired = await graphql_data(client, RETIRE, {"fingerprint": fingerprint, "reason": "key lost"}, token=operator)
    assert retired["retireCertificate"]["certificate"]["retiredReason"] == "key lost"
    assert [c["fingerprint"] for c in await listed(client, operator)] == [first["fingerprint"]]
    assert len(await listed(client, operator, retired=True)) == 2
    other_bytes = signed_envelope(identity=renewed, hoso=[])  # the same bytes again would get their first receipt
    refused = await submit(client, world["bv-48001"], other_bytes)
    assert [e["code"] for e in refused["errors"]] == ["CERTIFICATE_UNKNOWN"]
    assert (await rows_left(state))["submissions"] == 1


@pytest.mark.parametrize(
    ("party", "pem", "code"),
    [
        (PARTY, "not a certificate", "CERTIFICATE_UNREADABLE"),
        (PARTY, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "CERTIFICATE_UNREADABLE"),
        ("hospital 48001", None, "PARTY_INVALID"),
        ("facility:48999", None, "FACILITY_UNKNOWN"),
        ("facility:48002", None, "CERTIFICATE_OF_ANOTHER_PARTY"),
    ],
)
async def test_a_certificate_that_cannot_be_trusted_as_asked_is_refused(hub, world, party, pem, code):
    client, _ = hub
    pem = pem or certificates_pem(facility_identity(FACILITY)).decode()  # 48001's, already trusted for 48001
    answer = await graphql_data(client, IMPORT, {"party": party, "pem": pem}, token=world["operator"])
    assert [e["code"] for e in answer["importCertificate"]["errors"]] == [code]
    assert len(await listed(client, world["operator"], retired=True)) == 1


async def test_only_the_operator_manages_certificates(hub, world):
    client, _ = hub
    pem = certificates_pem(facility_identity(FACILITY)).decode()
    for token in (world["bv-48001"], world["processor-48"]):
        for query, variables in (
            (LIST, {"party": PARTY, "retired": False}),
            (IMPORT, {"party": PARTY, "pem": pem}),
            (RETIRE, {"fingerprint": "00" * 32, "reason": "x"}),
        ):
            answer = (await post_graphql(client, query, variables, token=token)).json()
            assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN", query
    missing = await graphql_data(client, RETIRE, {"fingerprint": "00" * 32, "reason": "x"}, token=world["operator"])
    assert [e["code"] for e in missing["retireCertificate"]["errors"]] == ["CERTIFICATE_NOT_FOUND"]


async def test_a_province_operator_manages_only_its_own_province_parties(hub, world, signer, clock):
    client, state = hub
    db = state.services.db
    _, own = await make_client(db, signer, clock, "operator-48", ClientKind.OPERATOR, "province:48")
    _, other = await make_client(db, signer, clock, "operator-01", ClientKind.OPERATOR, "province:01")
    renewed = certificates_pem(facility_identity(FACILITY, start=START - dt.timedelta(days=30), years=3)).decode()
    [trusted] = await listed(client, world["operator"])
    # Given Đà Nẵng's facility 48001: Hà Nội's operator neither sees, imports for, nor retires its certificates
    assert await listed(client, other) == []
    for party in (PARTY, "population-database", "civil-registry:20242"):
        refused = (await post_graphql(client, IMPORT, {"party": party, "pem": renewed}, token=other)).json()
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", party
    retire = {"fingerprint": trusted["fingerprint"], "reason": "key lost"}
    unknown = (await graphql_data(client, RETIRE, retire, token=other))["retireCertificate"]
    assert [e["code"] for e in unknown["errors"]] == ["CERTIFICATE_NOT_FOUND"]
    assert [c["retiredAt"] for c in await listed(client, world["operator"])] == [None]
    # Each attempt is audited, naming the party or certificate
    async with db.sessions() as session:
        refusals = (await session.scalars(select(AuditEntry).where(AuditEntry.operation == "access.refused"))).all()
    assert [(e.client_name, e.details["operation"]) for e in refusals] == [
        ("operator-01", "importCertificate"),
        ("operator-01", "importCertificate"),
        ("operator-01", "importCertificate"),
        ("operator-01", "retireCertificate"),
    ]
    assert refusals[0].details["record"] == f"certificate:{PARTY}"
    assert refusals[3].details["arguments"]["fingerprint"] == trusted["fingerprint"]
    # Đà Nẵng's own operator does all of it; the population database stays national
    assert [c["fingerprint"] for c in await listed(client, own)] == [trusted["fingerprint"]]
    imported = (await graphql_data(client, IMPORT, {"party": PARTY, "pem": renewed}, token=own))["importCertificate"]
    assert imported["errors"] == [] and len(imported["certificates"]) == 1
    national = (await post_graphql(client, IMPORT, {"party": "population-database", "pem": renewed}, token=own)).json()
    assert national["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    retired = (await graphql_data(client, RETIRE, retire, token=own))["retireCertificate"]
    assert retired["errors"] == [] and retired["certificate"]["retiredReason"] == "key lost"
