"""Benefit rules on both backends (issue 19 items 4–7): the salary month of a sickness benefit, long-term diseases,
child care per child and from the child's own certificate, convalescence checked against the evidence."""

from __future__ import annotations

import datetime as dt

import pytest

from devkit.qd4750_samples import SICK_LEAVE, visit_of
from hub.claims.rules import Month
from hub.contributions.records import ContributionPeriod, ContributionRecord, ContributionSource, EmployerInfo
from hub.contributions.service import store_contributions
from hub.documents.qd4750 import table_file
from hub.persons.models import Gender
from tests.helpers import graphql_data, wait_until
from tests.integration.documents_kit import documents_world, replaced, signed_envelope, stop, worker_for
from tests.integration.test_claims import CLAIMS, FILE, claims_when
from tests.integration.test_documents import submit

EMPLOYER = EmployerInfo("DN0012345", "Công ty TNHH Dệt may Hòa Khánh", "48")
EMPLOYEE_ID = "048085000321"  # SICK_LEAVE's patient, Lê Văn Tâm
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
                    "Lê Văn Tâm",
                    Gender.MALE,
                    dt.date(1985, 6, 1),
                    Month(2023, 1),
                    Month(2025, 12),
                    personal_id_number=EMPLOYEE_ID,
                    bhxh_code=SICK_LEAVE.ma_bhxh,
                ),
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


DECLARE = """mutation($reference: String!, $icd10: String!) {
  declareLongTermDisease(reference: $reference, icd10: $icd10) { claim { reference } errors { code } } }"""


def certificate(number: int, start: dt.date, days: int, diagnosis: str, main_disease: str | None = None):
    """A visit and its sick-leave certificate (old form: issued before 1/7/2025) for Lê Văn Tâm."""
    episode = f"48001.2025.{number:06d}"
    visit = replaced(visit_of(episode, "Lê Văn Tâm", EMPLOYEE_ID, 1), ma_benh_chinh=main_disease)
    leave = replaced(
        SICK_LEAVE,
        ma_lk=episode,
        so_seri=f"48001-2025-{number:07d}",
        so_ct=f"CT07/2025/{number:06d}",
        chan_doan_rv=diagnosis,
        so_ngay_nghi=days,
        tu_ngay=start,
        den_ngay=start + dt.timedelta(days=days - 1),
        ngay_ct=start,
    )
    return [table_file(visit), table_file(leave)]


async def test_two_certificates_for_lung_cancer_are_paid_as_a_long_term_disease(hub, office):
    """Item 5: the diagnosis on the certificate (CHAN_DOAN_RV) or on its episode's XML1 (MA_BENH_CHINH) names a
    disease of TT 25/2025 Appendix I; under the 2014 law (leaves starting before 1/7/2025) the first 180 days a year,
    weekends included, are paid at 75%: neither leave stops at the 30-day maximum of ordinary sickness."""
    client, _ = hub
    tokens = office
    first = certificate(901, dt.date(2025, 1, 6), 30, "C34.1 - U ác của phế quản hoặc phổi, thùy trên")
    second = certificate(902, dt.date(2025, 2, 5), 30, "Ung thư phổi, điều trị hóa chất", main_disease="C34.1")
    await submit(client, tokens["bv-48001"], signed_envelope([first, second]))
    claims = await claims_when(client, tokens["processor-48"], 2, states=["COMPUTED"], kinds=["SICKNESS"])
    daily = SALARY * 75 // 100 // 24  # 250,000
    for claim in claims:
        assert claim["details"]["long_term_disease"] and claim["details"]["diagnosis"] == "C34.1"
        assert claim["eligible"] and claim["computation"]["paidDays"] == "30"
        assert claim["amountVnd"] == 30 * daily
        texts = [line["textEn"] for line in claim["computation"]["explanation"]]
        assert any("long-term disease list" in text and "[to confirm" in text for text in texts)
        assert any("First period of at most 180 days" in text for text in texts)


async def test_a_processor_declares_a_long_term_disease_and_the_days_beyond_the_maximum_are_paid(hub, office):
    """Item 5: a processor declares the disease; under the 2024 law the yearly maximum (30 working days under 15
    years of contributions) is paid at 75% and the days beyond it at 50%."""
    client, _ = hub
    tokens = office
    processor = tokens["processor-48"]
    november = {"start": "2025-11-03", "end": "2025-11-28"}  # 20 working days
    december = {"start": "2025-12-01", "end": "2025-12-31"}  # 23 working days
    await file(client, processor, {"kind": "SICKNESS", "personalId": OFF_IN_OCTOBER, "leave": november})
    await claims_when(client, processor, 1, states=["COMPUTED"])
    later = await file(client, processor, {"kind": "SICKNESS", "personalId": OFF_IN_OCTOBER, "leave": december})
    claims = await claims_when(client, processor, 2, states=["COMPUTED"])
    (before,) = [c for c in claims if c["reference"] == later["reference"]]
    assert before["computation"]["paidDays"] == "10"  # ordinary sickness: the 30-day maximum
    refused = await graphql_data(
        client, DECLARE, {"reference": later["reference"], "icd10": "not a code"}, token=processor
    )
    assert refused["declareLongTermDisease"]["errors"] == [{"code": "DETAILS_INVALID"}]
    declared = await graphql_data(client, DECLARE, {"reference": later["reference"], "icd10": "C34.1"}, token=processor)
    assert declared["declareLongTermDisease"]["errors"] == []

    async def recomputed() -> dict:
        data = await graphql_data(client, CLAIMS, {"filter": {"states": ["COMPUTED"]}}, token=processor)
        (claim,) = [e["node"] for e in data["claims"]["edges"] if e["node"]["reference"] == later["reference"]]
        return claim

    await wait_until(lambda: _paid(recomputed, "23"))
    claim = await recomputed()
    # 10 days × 250,000 + 13 days × 8,000,000 × 50% ÷ 24
    assert claim["amountVnd"] == 2_500_000 + round(13 * 8_000_000 * 0.5 / 24)
    assert claim["details"]["long_term_declared"] and claim["details"]["diagnosis"] == "C34.1"
    texts = [line["textEn"] for line in claim["computation"]["explanation"]]
    assert any("declared by a processor (ICD-10 C34.1)" in text for text in texts)
    assert any("Then 50%" in text and "13 days" in text for text in texts)


async def _paid(read, days: str) -> bool:
    return (await read())["computation"]["paidDays"] == days
