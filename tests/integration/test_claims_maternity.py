"""Maternity claims opened by the hospital's birth certificate (XML9) under the 2026 rules, on both backends: a second
child born from 1/7/2026 (`LAN_SINH`, `SO_CON_SONG`) gets 7 months of leave."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from devkit.qd4750_samples import FACILITY, SECOND_CHILD, SECOND_CHILD_VISIT
from hub.claims.rules import Month
from hub.contributions.records import ContributionPeriod, ContributionRecord, ContributionSource, EmployerInfo
from hub.contributions.service import store_contributions
from hub.documents.qd4750 import build_envelope, table_file
from hub.persons.models import Gender
from signing.sign import sign_enveloped
from tests.integration.documents_kit import documents_world, facility_identity, stop, worker_for
from tests.integration.test_claims import claims_when
from tests.integration.test_documents import submit

EMPLOYER = EmployerInfo("DN0012345", "Công ty TNHH Dệt may Hòa Khánh", "48")
MOTHER_ID = SECOND_CHILD.so_cccd_nnd


def second_birth(**changes: object) -> bytes:
    """A signed dossier of a single child born on 10/8/2026 to a mother with one living child before it."""
    certificate = dataclasses.replace(SECOND_CHILD, **changes)  # type: ignore[arg-type]
    hoso = [[table_file(SECOND_CHILD_VISIT), table_file(certificate)]]
    return sign_enveloped(build_envelope(FACILITY, dt.date(2026, 8, 12), hoso), facility_identity(FACILITY))


@pytest.fixture
async def office(hub, settings, signer, clock, backend):
    _, state = hub
    tokens, _ = await documents_world(hub, signer, clock, backend)
    period = ContributionPeriod(Month(2025, 1), Month(2026, 7), 10_000_000, employer=EMPLOYER)
    mother = ContributionRecord(
        "Phạm Thị Hoa",
        Gender.FEMALE,
        dt.date(1995, 5, 20),
        "48",
        "20194",
        "Đà Nẵng",
        periods=(period,),
        personal_id_number=MOTHER_ID,
    )
    async with state.services.db.transaction() as session:
        report = await store_contributions(
            session, [mother], now=clock.now(), actor=None, source=ContributionSource.IMPORT
        )
    assert not report.rejected
    worker = worker_for(settings, clock, backend)
    yield tokens
    await stop(worker)


async def test_a_second_child_from_the_birth_certificate_gets_seven_months(hub, office):
    """10,000,000 × 7 months + 2 × 2,530,000 (reference level of 8/2026) = 75,060,000."""
    client, _ = hub
    assert (await submit(client, office["bv-48001"], second_birth()))["receipt"]
    [claim] = await claims_when(client, office["processor-48"], 1, states=["COMPUTED"])
    assert claim["kind"] == "MATERNITY" and claim["details"]["living_children_before"] == 1
    assert claim["eligible"] and claim["computation"]["leaveMonths"] == 7
    assert claim["amountVnd"] == 75_060_000
    sources = [line["source"] for line in claim["computation"]["explanation"]]
    assert any("Luật Dân số 113/2025/QH15" in source for source in sources)


async def test_a_first_child_in_august_2026_keeps_six_months(hub, office):
    """LAN_SINH 1: no living child before → 10,000,000 × 6 + 5,060,000 = 65,060,000."""
    client, _ = hub
    assert (await submit(client, office["bv-48001"], second_birth(lan_sinh=1, so_con_song=1)))["receipt"]
    [claim] = await claims_when(client, office["processor-48"], 1, states=["COMPUTED"])
    assert claim["details"]["living_children_before"] == 0
    assert claim["computation"]["leaveMonths"] == 6 and claim["amountVnd"] == 65_060_000
