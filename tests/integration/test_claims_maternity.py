"""Maternity claims opened by the hospital's birth certificate (XML9) under the 2026 rules, on both backends: a second
child born from 1/7/2026 (`LAN_SINH`, `SO_CON_SONG`) gets 7 months of leave."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from devkit.qd4750_samples import (
    FACILITY,
    PREGNANCY_REST,
    SECOND_CHILD,
    SECOND_CHILD_VISIT,
    SICK_LEAVE,
    TERMINATION,
    visit_of,
)
from hub.claims.rules import Month
from hub.contributions.records import ContributionPeriod, ContributionRecord, ContributionSource, EmployerInfo
from hub.contributions.service import store_contributions
from hub.documents.qd4750 import build_envelope, table_file
from hub.persons.models import Gender
from signing.sign import sign_enveloped
from tests.helpers import graphql_data, wait_until
from tests.integration.documents_kit import documents_world, facility_identity, stop, worker_for
from tests.integration.test_claims import FILE, claims_when
from tests.integration.test_documents import submit

EMPLOYER = EmployerInfo("DN0012345", "Công ty TNHH Dệt may Hòa Khánh", "48")
MOTHER_ID = SECOND_CHILD.so_cccd_nnd


def second_birth(**changes: object) -> bytes:
    """A signed dossier of a single child born on 10/8/2026 to a mother with one living child before it."""
    certificate = dataclasses.replace(SECOND_CHILD, **changes)  # type: ignore[arg-type]
    hoso = [[table_file(SECOND_CHILD_VISIT), table_file(certificate)]]
    return sign_enveloped(build_envelope(FACILITY, dt.date(2026, 8, 12), hoso), facility_identity(FACILITY))


RESTED_ID = "048195000456"  # Võ Thị Hạnh, of the corpus's pregnancy-rest certificate
RESTED_VISIT = dataclasses.replace(
    SECOND_CHILD_VISIT, ma_lk="48001.2026.000811", ho_ten="Võ Thị Hạnh", so_cccd=RESTED_ID
)
RESTED_BIRTH = dataclasses.replace(
    SECOND_CHILD,
    ma_lk=RESTED_VISIT.ma_lk,
    ho_ten_nnd="Võ Thị Hạnh",
    so_cccd_nnd=RESTED_ID,
    ma_the_nnd=None,
    so="00811.GCS.48001.26",
)
REST = dataclasses.replace(
    PREGNANCY_REST,
    ma_lk="48001.2026.000505",
    so_seri="DT-2026-000505",
    tu_ngay=dt.date(2026, 5, 4),
    den_ngay=dt.date(2026, 5, 17),
    ngay_ct=dt.date(2026, 5, 4),
)


LOST_ID = "048196000789"  # Đỗ Thị Mai, of the corpus's discharge paper after a pregnancy ended
LOSS = dataclasses.replace(
    TERMINATION,
    ma_lk="48001.2026.000306",
    so_luu_tru="LT-2026-0306",
    ngay_vao=dt.datetime(2026, 3, 6, 7, 30),
    ngay_ra=dt.datetime(2026, 3, 8, 16, 0),
    thoigian_dinhchi=dt.datetime(2026, 3, 6, 10, 20),
    ngay_ct=dt.date(2026, 3, 8),
    ngoaitru_tungay=dt.date(2026, 3, 9),
    ngoaitru_denngay=dt.date(2026, 3, 18),
)


def signed(hoso: list) -> bytes:
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
    # 10 months in 2024, then 5/2026–7/2026: 3 of the 12 months before a birth on 10/8/2026, 13 in all
    rested = ContributionRecord(
        "Võ Thị Hạnh",
        Gender.FEMALE,
        dt.date(1995, 5, 20),
        "48",
        "20194",
        "Đà Nẵng",
        periods=(
            ContributionPeriod(Month(2024, 1), Month(2024, 10), 10_000_000, employer=EMPLOYER),
            ContributionPeriod(Month(2026, 5), Month(2026, 7), 10_000_000, employer=EMPLOYER),
        ),
        personal_id_number=RESTED_ID,
    )
    lost = dataclasses.replace(
        mother, full_name="Đỗ Thị Mai", date_of_birth=dt.date(1996, 8, 2), personal_id_number=LOST_ID
    )
    async with state.services.db.transaction() as session:
        report = await store_contributions(
            session, [mother, rested, lost], now=clock.now(), actor=None, source=ContributionSource.IMPORT
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
    # The hub is not connected to the population database here: the certificate's count, and the line saying so
    assert claim["details"]["register_check"] is None
    assert any(
        "was not asked (not connected)" in line["textEn"] and "theo giấy chứng sinh" in line["textVi"]
        for line in claim["computation"]["explanation"]
    )


async def test_a_first_child_in_august_2026_keeps_six_months(hub, office):
    """LAN_SINH 1: no living child before → 10,000,000 × 6 + 5,060,000 = 65,060,000."""
    client, _ = hub
    assert (await submit(client, office["bv-48001"], second_birth(lan_sinh=1, so_con_song=1)))["receipt"]
    [claim] = await claims_when(client, office["processor-48"], 1, states=["COMPUTED"])
    assert claim["details"]["living_children_before"] == 0
    assert claim["computation"]["leaveMonths"] == 6 and claim["amountVnd"] == 65_060_000


async def test_a_pregnancy_rest_certificate_makes_three_months_of_twelve_enough(hub, office):
    """Born 10/8/2026, window 8/2025–7/2026 holds 3 months (5–7/2026), 13 paid in all; the mother's XML10 of May
    2026 says a doctor ordered rest (Art 50): eligible. Second child → 7 months; average of 5–7/2026 and 8–10/2024
    = 10,000,000 × 7 = 70,000,000 + 5,060,000 = 75,060,000. Without the certificate: not eligible."""
    client, _ = hub
    assert (await submit(client, office["bv-48001"], signed([[table_file(RESTED_VISIT), table_file(RESTED_BIRTH)]])))[
        "receipt"
    ]
    [refused] = await claims_when(client, office["processor-48"], 1, states=["COMPUTED"])
    assert not refused["eligible"]
    rest_visit = visit_of(REST.ma_lk, "Võ Thị Hạnh", RESTED_ID)
    assert (await submit(client, office["bv-48001"], signed([[table_file(rest_visit), table_file(REST)]])))["receipt"]
    # A filing for the same birth recomputes the claim, which now finds the certificate
    filing = {"kind": "MATERNITY", "personalId": RESTED_ID, "born": "2026-08-10"}
    filed = await graphql_data(client, FILE, {"input": filing}, token=office["processor-48"])
    assert filed["fileClaim"]["claim"]["reference"] == refused["reference"]
    found: list[dict] = []

    async def recomputed() -> bool:
        found[:] = await claims_when(client, office["processor-48"], 1, states=["COMPUTED"])
        return bool(found[0]["eligible"])

    await wait_until(recomputed)
    claim = found[0]
    assert claim["amountVnd"] == 75_060_000
    assert any("Điều 50" in line["source"] for line in claim["computation"]["explanation"])


async def test_a_pregnancy_rest_certificate_arriving_late_makes_the_refused_claim_eligible(hub, office):
    """The birth certificate first: born 10/8/2026, the window 8/2025–7/2026 holds 3 compulsory months (5–7/2026),
    fewer than 6: not eligible. The XML10 of 4/5/2026 arrives after it, with no filing: the claim is computed again
    by itself (Art 50, 3 of 12 months with 13 ≥ 12 paid in all): second child → 7 months × 10,000,000 = 70,000,000
    + 2 × 2,530,000 = 75,060,000."""
    client, _ = hub
    birth = signed([[table_file(RESTED_VISIT), table_file(RESTED_BIRTH)]])
    assert (await submit(client, office["bv-48001"], birth))["receipt"]
    [refused] = await claims_when(client, office["processor-48"], 1, states=["COMPUTED"])
    assert refused["eligible"] is False and refused["amountVnd"] == 0
    rest_visit = visit_of(REST.ma_lk, "Võ Thị Hạnh", RESTED_ID)
    assert (await submit(client, office["bv-48001"], signed([[table_file(rest_visit), table_file(REST)]])))["receipt"]
    found: list[dict] = []

    async def recomputed() -> bool:
        found[:] = await claims_when(client, office["processor-48"], 1, states=["COMPUTED"])
        return bool(found[0]["eligible"])

    await wait_until(recomputed)
    [claim] = found
    assert claim["reference"] == refused["reference"]
    assert claim["amountVnd"] == 75_060_000 and claim["computation"]["leaveMonths"] == 7
    assert any("Điều 50" in line["source"] for line in claim["computation"]["explanation"])


async def test_a_discharge_paper_after_a_pregnancy_ended_opens_a_pregnancy_loss_claim(hub, office):
    """XML7 with MA_DINH_CHI_THAI 1, TUOI_THAI 14, ended on 6/3/2026 (2024 law): 13 ≤ 14 < 22 weeks → 40 days,
    6/3–14/4/2026; average 9/2025–2/2026 = 10,000,000 ÷ 30 × 40 = 13,333,333.33 → 13,333,333 (Art 52)."""
    client, _ = hub
    visit = visit_of(LOSS.ma_lk, "Đỗ Thị Mai", LOST_ID)
    assert (await submit(client, office["bv-48001"], signed([[table_file(visit), table_file(LOSS)]])))["receipt"]
    [claim] = await claims_when(client, office["processor-48"], 1, states=["COMPUTED"])
    assert claim["kind"] == "PREGNANCY_LOSS" and claim["details"]["weeks"] == 14
    assert claim["eligible"] and claim["computation"]["paidDays"] == "40" and claim["amountVnd"] == 13_333_333
    assert any("Điều 52" in line["source"] for line in claim["computation"]["explanation"])
    # The sick-leave certificate of the same loss is the same days: refused as overlapping, no second claim
    certificate = dataclasses.replace(
        SICK_LEAVE,
        ma_lk="48001.2026.000307",
        so_seri="48001-2026-0000307",
        ma_bhxh="4801236789",
        ma_the_bhyt="DN4484801236789",
        tu_ngay=dt.date(2026, 3, 9),
        den_ngay=dt.date(2026, 4, 7),
        so_ngay_nghi=30,
        ngay_ct=dt.date(2026, 3, 9),
        ma_dinh_chi_thai=True,
        tuoi_thai=14,
        nguyennhan_dinhchi="Thai lưu",
    )
    outpatient = dataclasses.replace(
        visit_of(certificate.ma_lk, "Đỗ Thị Mai", LOST_ID),
        ngay_vao=dt.datetime(2026, 3, 9, 8, 0),
        ngay_vao_noi_tru=None,
        ngay_ra=dt.datetime(2026, 3, 9, 10, 0),
        so_ngay_dtri=1,
        nam_qt=2026,
        thang_qt=3,
        ma_loai_kcb="01",
    )
    second = [[table_file(outpatient), table_file(certificate)]]
    sent = await submit(client, office["bv-48001"], signed(second))
    assert sent["receipt"], sent["errors"]
    claims = await claims_when(client, office["processor-48"], 1, states=["COMPUTED"])
    assert claims[0]["reference"] == claim["reference"]


async def test_prenatal_visits_filed_by_the_employer_count_five_a_pregnancy(hub, office):
    """10,000,000 ÷ 24 = 416,666.67 a day. First filing: visits of 1, 2 and 3 days (2 paid) → 5 days = 2,083,333.
    Second filing, three visits more in the same pregnancy: 3 already paid, so 2 visits of 1 day → 833,333."""
    client, _ = hub
    token = office["processor-48"]
    visits = [
        {"day": "2026-03-02", "days": 1},
        {"day": "2026-04-06", "days": 2},
        {"day": "2026-05-04", "days": 3},
    ]
    filing = {"kind": "PRENATAL_VISIT", "personalId": MOTHER_ID, "visits": visits}
    filed = await graphql_data(client, FILE, {"input": filing}, token=token)
    assert filed["fileClaim"]["errors"] == []
    [first] = await claims_when(client, token, 1, states=["COMPUTED"])
    assert first["kind"] == "PRENATAL_VISIT" and first["amountVnd"] == 2_083_333
    assert first["computation"]["paidDays"] == "5"
    later = [{"day": "2026-06-01"}, {"day": "2026-06-15"}, {"day": "2026-07-06"}]
    filed = await graphql_data(client, FILE, {"input": {**filing, "visits": later}}, token=token)
    assert filed["fileClaim"]["errors"] == []
    claims = await claims_when(client, token, 2, states=["COMPUTED"])
    second = next(claim for claim in claims if claim["reference"] != first["reference"])
    assert second["amountVnd"] == 833_333 and second["computation"]["paidDays"] == "2"
