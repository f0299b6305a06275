"""Benefit rules on both backends (issue 19 items 4–7): the salary month of a sickness benefit, long-term diseases,
child care per child and from the child's own certificate, convalescence checked against the evidence."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.claims.rules import Month
from hub.contributions.records import ContributionPeriod, ContributionRecord, ContributionSource, EmployerInfo
from hub.contributions.service import store_contributions
from hub.persons.models import Gender
from tests.helpers import graphql_data
from tests.integration.documents_kit import documents_world, stop, worker_for
from tests.integration.test_claims import FILE, claims_when

EMPLOYER = EmployerInfo("DN0012345", "Công ty TNHH Dệt may Hòa Khánh", "48")
OFF_IN_OCTOBER = "048186000777"  # paid until 09/2025: off sick all of October, nothing paid for it
SALARY = 8_000_000  # 75% ÷ 24 = 250,000 a day


def worker(full_name: str, gender: Gender, born: dt.date, first: Month, last: Month, **identity: str):
    period = ContributionPeriod(first, last, SALARY, employer=EMPLOYER)
    return ContributionRecord(full_name, gender, born, "48", "20194", "Đà Nẵng", periods=(period,), **identity)


@pytest.fixture
async def office(hub, settings, signer, clock, backend):
    _, state = hub
    tokens, _ = await documents_world(hub, signer, clock, backend)
    async with state.services.db.transaction() as session:
        report = await store_contributions(
            session,
            [
                worker(
                    "Phạm Thị Hoa",
                    Gender.FEMALE,
                    dt.date(1986, 2, 2),
                    Month(2023, 1),
                    Month(2025, 9),
                    personal_id_number=OFF_IN_OCTOBER,
                ),
            ],
            now=clock.now(),
            actor=None,
            source=ContributionSource.IMPORT,
        )
    assert not report.rejected
    running = worker_for(settings, clock, backend)
    yield tokens
    await stop(running)


async def file(client, token: str, filing: dict[str, object]) -> dict:
    answer = await graphql_data(client, FILE, {"input": filing}, token=token)
    assert answer["fileClaim"]["errors"] == [], answer
    return answer["fileClaim"]["claim"]


async def test_a_november_leave_after_a_month_off_sick_is_paid_on_the_latest_month_paid(hub, office):
    """Item 4: the 2024 law takes the salary of the latest month paid before the month of leave (Art 45(1))."""
    client, _ = hub
    tokens = office
    leave = {"start": "2025-11-03", "end": "2025-11-07"}
    filed = await file(
        client, tokens["processor-48"], {"kind": "SICKNESS", "personalId": OFF_IN_OCTOBER, "leave": leave}
    )
    (claim,) = await claims_when(client, tokens["processor-48"], 1, states=["COMPUTED"])
    assert claim["reference"] == filed["reference"]
    assert claim["eligible"] and claim["amountVnd"] == 5 * 250_000
    assert claim["computation"]["law"] == "41/2024/QH15"
    assert any("09/2025" in line["textEn"] for line in claim["computation"]["explanation"])
