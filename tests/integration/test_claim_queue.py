"""The processors' side of claims on both backends: a claim goes to the BHXH office of the employer's contributions
(the home province only without an employer), and the work queue shows that office's waiting work, by due date,
searchable by name, ID number, BHXH code and reference, each claim worked by the processor who took it."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.claims.rules import Month
from hub.claims.rules.inputs import ContributionKind
from hub.contributions.records import ContributionPeriod, ContributionRecord, ContributionSource
from hub.contributions.service import store_contributions
from hub.persons.id_numbers import compose_personal_id
from hub.persons.models import Gender
from tests.helpers import graphql_data
from tests.integration.documents_kit import documents_world, stop, worker_for
from tests.integration.test_claims import CLAIMS, EMPLOYER, FILE, claims_when

COMMUTER_ID = compose_personal_id("01", Gender.FEMALE, 1990, 4321)  # lives in Hà Nội, works for a Đà Nẵng employer
VOLUNTARY_ID = compose_personal_id("01", Gender.FEMALE, 1990, 4322)  # lives in Hà Nội, insured voluntarily
WORKER_ID = compose_personal_id("48", Gender.FEMALE, 1990, 4323)  # lives and works in Đà Nẵng


def person(full_name: str, personal_id: str, province: str, commune: str, *, employer: bool) -> ContributionRecord:
    kind = ContributionKind.COMPULSORY if employer else ContributionKind.VOLUNTARY
    period = ContributionPeriod(
        Month(2023, 1), Month(2025, 12), 9_000_000, kind=kind, employer=EMPLOYER if employer else None
    )
    return ContributionRecord(
        full_name,
        Gender.FEMALE,
        dt.date(1990, 1, 1),
        province,
        commune,
        periods=(period,),
        personal_id_number=personal_id,
    )


@pytest.fixture
async def offices(hub, settings, signer, clock, backend):
    _, state = hub
    tokens, _ = await documents_world(hub, signer, clock, backend)
    async with state.services.db.transaction() as session:
        report = await store_contributions(
            session,
            [
                person("Phạm Thu Hà", COMMUTER_ID, "01", "00004", employer=True),
                person("Đỗ Thị Vân", VOLUNTARY_ID, "01", "00004", employer=False),
                person("Đặng Thị Đào", WORKER_ID, "48", "20194", employer=True),
            ],
            now=clock.now(),
            actor=None,
            source=ContributionSource.IMPORT,
        )
    assert not report.rejected
    worker = worker_for(settings, clock, backend)
    yield tokens
    await stop(worker)


def sick_leave(personal_id: str, start: str = "2025-03-03", end: str = "2025-03-07") -> dict[str, object]:
    return {"kind": "SICKNESS", "personalId": personal_id, "leave": {"start": start, "end": end}}


async def file(client, token: str, filing: dict[str, object]) -> dict:
    return (await graphql_data(client, FILE, {"input": filing}, token=token))["fileClaim"]


async def test_a_claim_goes_to_the_office_of_the_employers_contributions(hub, offices):
    client, _ = hub
    tokens = offices
    # Given someone living in Hà Nội whose employer pays its contributions in Đà Nẵng
    # When her leave is filed, it is Đà Nẵng's to settle, not her home province's
    refused = await file(client, tokens["processor-01"], sick_leave(COMMUTER_ID))
    assert refused["errors"] == [{"code": "NOT_PERMITTED"}]
    filed = await file(client, tokens["processor-48"], sick_leave(COMMUTER_ID))
    assert filed["errors"] == []
    await claims_when(client, tokens["processor-48"], 1)
    home = await graphql_data(client, CLAIMS, {}, token=tokens["processor-01"])
    assert home["claims"]["totalCount"] == 0
    # Someone insured without an employer files with her home province
    assert (await file(client, tokens["processor-48"], sick_leave(VOLUNTARY_ID)))["errors"] == [
        {"code": "NOT_PERMITTED"}
    ]
    assert (await file(client, tokens["processor-01"], sick_leave(VOLUNTARY_ID)))["errors"] == []
    (voluntary,) = await claims_when(client, tokens["processor-01"], 1)
    assert voluntary["personName"] == "Đỗ Thị Vân"
