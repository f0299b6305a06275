"""Benefit rules on both backends (issue 19 items 4–7): the salary month of a sickness benefit, long-term diseases,
child care per child and from the child's own certificate, convalescence checked against the evidence."""

from __future__ import annotations

import datetime as dt

import pytest

from devkit.qd4750_samples import FACILITY, MOTHER, SICK_LEAVE, TWIN_A, visit_of
from hub.claims.rules import Month
from hub.clients.permissions import ClientKind
from hub.contributions.records import ContributionPeriod, ContributionRecord, ContributionSource, EmployerInfo
from hub.contributions.service import store_contributions
from hub.documents.qd4750 import build_envelope, table_file
from hub.documents.qd4750.values import BirthTime
from hub.persons.id_numbers import compose_personal_id
from hub.persons.models import Gender
from signing.sign import sign_enveloped
from tests.helpers import graphql_data, make_client, wait_until
from tests.integration.documents_kit import (
    documents_world,
    facility_identity,
    replaced,
    signed_envelope,
    stop,
    worker_for,
)
from tests.integration.test_childcards import birth, case_when
from tests.integration.test_childcards import submit as register
from tests.integration.test_claims import CLAIM, CLAIMS, FILE, claims_when
from tests.integration.test_documents import submit

EMPLOYER = EmployerInfo("DN0012345", "Công ty TNHH Dệt may Hòa Khánh", "48")
EMPLOYEE_ID = "048085000321"  # SICK_LEAVE's patient, Lê Văn Tâm
OFF_IN_OCTOBER = "048186000777"
LAN_ID = "048192001234"  # MOTHER, TWIN_A's mother
MOTHER_ID, FATHER_ID = "048194000123", "048092000456"  # the twins' parents (tests.integration.test_childcards)
TWINS_BORN = dt.date(2025, 10, 1)  # paid until 09/2025: off sick all of October, nothing paid for it
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
                    "Trần Thị Mai",
                    Gender.FEMALE,
                    dt.date(1994, 2, 1),
                    Month(2023, 1),
                    Month(2026, 10),
                    personal_id_number=MOTHER_ID,
                ),
                worker(
                    "Nguyễn Văn Nam",
                    Gender.MALE,
                    dt.date(1992, 5, 5),
                    Month(2023, 1),
                    Month(2026, 10),
                    personal_id_number=FATHER_ID,
                ),
                worker(
                    "Nguyễn Thị Lan",
                    Gender.FEMALE,
                    dt.date(1992, 3, 14),
                    Month(2023, 1),
                    Month(2025, 12),
                    personal_id_number=LAN_ID,
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
    _, tokens["registry"] = await make_client(
        state.services.db, signer, clock, "ubnd-hai-chau", ClientKind.CIVIL_REGISTRY, "commune:20242"
    )
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


TWIN_IDS = (compose_personal_id("48", Gender.MALE, 2025, 7101), compose_personal_id("48", Gender.MALE, 2025, 7102))


async def twins(client, tokens) -> list[dict]:
    """Twin boys registered by the civil registry, each given a card through the child-card flow (the mother and
    the father are known by their ID numbers)."""
    records = [
        birth(
            recordNumber=str(40 + index),
            registeredOn="2025-10-10",
            **{
                "child.fullName": name,
                "child.dateOfBirth": TWINS_BORN.isoformat(),
                "child.personalIdNumber": number,
            },
        )
        for index, (name, number) in enumerate(zip(("Nguyễn Minh An", "Nguyễn Minh Khang"), TWIN_IDS, strict=True))
    ]
    answer = await register(client, {"ubnd-hai-chau": tokens["registry"]}, *records)
    assert answer["accepted"] == 2, answer
    cards = []
    for result in answer["results"]:
        case = await case_when(client, {"ubnd-hai-chau": tokens["registry"]}, result["caseReference"], "CARD_ISSUED")
        cards.append(case["card"])
    return cards


async def test_twins_each_have_their_own_child_care_limit(hub, office):
    """Item 6: the limit (20 working days a year under 3) is per child; twins share a birth date, not a limit."""
    client, _ = hub
    tokens = office
    processor = tokens["processor-48"]
    first, _ = await twins(client, tokens)

    def care(child: str, start: str, end: str) -> dict[str, object]:
        return {"kind": "CHILD_CARE", "personalId": MOTHER_ID, "child": child, "leave": {"start": start, "end": end}}

    one = await file(client, processor, care(first["cardNumber"], "2026-03-02", "2026-03-20"))  # 15 working days
    await claims_when(client, processor, 1, states=["COMPUTED"], kinds=["CHILD_CARE"])
    other = await file(client, processor, care(TWIN_IDS[1], "2026-05-11", "2026-05-29"))  # 15, the other twin
    claims = await claims_when(client, processor, 2, states=["COMPUTED"], kinds=["CHILD_CARE"])
    paid = {claim["reference"]: claim["computation"]["paidDays"] for claim in claims}
    assert paid == {one["reference"]: "15", other["reference"]: "15"}
    # The same twin again: 5 days left of his 20
    again = await file(client, processor, care(TWIN_IDS[0], "2026-06-01", "2026-06-12"))
    claims = await claims_when(client, processor, 3, states=["COMPUTED"], kinds=["CHILD_CARE"])
    assert {c["reference"]: c["computation"]["paidDays"] for c in claims}[again["reference"]] == "5"
    # A child who is not hers, or one nobody knows, is refused
    for person, child in ((OFF_IN_OCTOBER, TWIN_IDS[0]), (MOTHER_ID, "048225009999")):
        filing = {**care(child, "2026-07-06", "2026-07-07"), "personalId": person}
        answer = await graphql_data(client, FILE, {"input": filing}, token=processor)
        assert answer["fileClaim"]["errors"] == [{"code": "CHILD_NOT_FOUND"}]


async def test_a_child_named_by_birth_date_alone_shares_the_limit_of_the_children_born_that_day(hub, office):
    """Item 6: a filing giving only `childBorn` cannot be told from a filing naming the child: its days count against
    every child of that birth date, and theirs against it, so no child's 20 days are paid twice (twins' own
    limits stay apart)."""
    client, _ = hub
    tokens = office
    processor = tokens["processor-48"]
    await twins(client, tokens)

    def care(start: str, end: str, **child: str) -> dict[str, object]:
        leave = {"start": start, "end": end}
        return {"kind": "CHILD_CARE", "personalId": MOTHER_ID, "leave": leave, **child}

    named = await file(client, processor, care("2026-03-02", "2026-03-20", child=TWIN_IDS[0]))  # 15 working days
    await claims_when(client, processor, 1, states=["COMPUTED"], kinds=["CHILD_CARE"])
    unnamed = await file(client, processor, care("2026-05-11", "2026-05-22", childBorn=TWINS_BORN.isoformat()))  # 10
    await claims_when(client, processor, 2, states=["COMPUTED"], kinds=["CHILD_CARE"])
    other = await file(client, processor, care("2026-06-01", "2026-06-19", child=TWIN_IDS[1]))  # 15
    claims = await claims_when(client, processor, 3, states=["COMPUTED"], kinds=["CHILD_CARE"])
    paid = {claim["reference"]: claim["computation"]["paidDays"] for claim in claims}
    # The first twin's 15 leave 5 for a claim that may be his; the second twin's limit had only those 5 taken
    assert [paid[c["reference"]] for c in (named, unnamed, other)] == ["15", "5", "15"]


def envelope_sent(sent: dt.date, hoso: list) -> bytes:
    return sign_enveloped(build_envelope(FACILITY, sent, hoso), facility_identity(FACILITY))


def child_certificate(card: dict, number: str, day: dt.date, days: int, mother: str | None, father: str | None):
    """A sick child's visit (XML1) and sick-leave certificate (XML11), naming the child by card and the parents."""
    episode = f"48001.2026.{number}"
    visit = replaced(
        visit_of(episode, "Nguyễn Minh An", TWIN_IDS[0], 1),
        ma_bn=f"BN{number}",
        ngay_sinh=BirthTime(TWINS_BORN.year, TWINS_BORN.month, TWINS_BORN.day),
        ma_the_bhyt=card["cardNumber"],
        gt_the_tu=card["validFrom"].replace("-", ""),
        gt_the_den=card["validTo"].replace("-", ""),
        ma_nghe_nghiep=None,
        chan_doan_vao="Sốt, ho",
        chan_doan_rv="J18.9 - Viêm phổi",
        ma_benh_chinh="J18.9",
        ma_benh_kt=None,
        ma_pttt_qt=None,
        ngay_vao=dt.datetime(day.year, day.month, day.day, 8, 0),
        ngay_vao_noi_tru=None,
        ngay_ra=dt.datetime(day.year, day.month, day.day, 10, 0),
        so_ngay_dtri=1,
        nam_qt=day.year,
        thang_qt=day.month,
        ma_loai_kcb="01",
        can_nang=None,
        can_nang_con=None,
        ma_hsba=None,
    )
    leave = replaced(
        SICK_LEAVE,
        ma_lk=episode,
        so_seri=f"48001-2026-{number}",
        so_ct=f"CT07/2026/{number}",
        ma_bhxh=card["bhxhCode"],
        ma_the_bhyt=card["cardNumber"],
        don_vi=None,
        chan_doan_rv="J18.9 - Viêm phổi",
        so_ngay_nghi=days,
        tu_ngay=day,
        den_ngay=day + dt.timedelta(days=days - 1),
        ngay_ct=day,
        ho_ten_me=mother,
        ho_ten_cha=father,
    )
    return [table_file(visit), table_file(leave)]


async def test_a_sick_childs_certificate_opens_the_child_care_claim_of_each_insured_parent(hub, office):
    """Item 6: the child's own XML11 (its TE1 card, HO_TEN_ME/HO_TEN_CHA) opens the parents' child-care claims,
    the parents known from the child-card flow; a parent the certificate names differently is left out."""
    client, _ = hub
    tokens = office
    processor = tokens["processor-48"]
    card, _ = await twins(client, tokens)
    both = child_certificate(card, "000501", dt.date(2026, 3, 2), 5, "Trần Thị Mai", "Nguyễn Văn Nam")
    await submit(client, tokens["bv-48001"], envelope_sent(dt.date(2026, 3, 3), [both]))
    claims = await claims_when(client, processor, 2, states=["COMPUTED"], kinds=["CHILD_CARE"])
    assert sorted(claim["personName"] for claim in claims) == ["Nguyễn Văn Nam", "Trần Thị Mai"]
    for claim in claims:
        assert claim["eligible"] and claim["computation"]["paidDays"] == "5"
        assert claim["details"]["child_born"] == TWINS_BORN.isoformat() and claim["details"]["certificate"]
    # Another certificate naming a different father: only the mother's claim opens
    other = child_certificate(card, "000502", dt.date(2026, 4, 6), 3, "Tran Thi Mai", "Lê Văn Khác")
    await submit(client, tokens["bv-48001"], envelope_sent(dt.date(2026, 4, 7), [other]))
    claims = await claims_when(client, processor, 3, states=["COMPUTED"], kinds=["CHILD_CARE"])
    april = [claim for claim in claims if claim["computation"]["paidDays"] == "3"]
    assert [claim["personName"] for claim in april] == ["Trần Thị Mai"]


def convalescence(person: str, cause: str, returned: str, start: str, days: int) -> dict[str, object]:
    return {
        "kind": "CONVALESCENCE",
        "personalId": person,
        "cause": cause,
        "returnedToWork": returned,
        "leave": {"start": start, "end": start},
        "days": days,
    }


async def test_a_multiple_birth_convalescence_for_a_single_birth_is_computed_on_the_birth_certificate(hub, office):
    """Item 7: the mother's XML9 shows one child born without surgery: a "multiple birth" convalescence (10 days) is
    computed as any other birth (5 days), with the reason and the evidence in its explanation."""
    client, _ = hub
    tokens = office
    processor = tokens["processor-48"]
    single = replaced(TWIN_A, so_con=1, so_con_song=1, sinhcon_phauthuat=False, ghi_chu=None)
    await submit(client, tokens["bv-48001"], signed_envelope([[table_file(MOTHER), table_file(single)]]))
    await claims_when(client, processor, 1, kinds=["MATERNITY"], states=["COMPUTED"])
    filed = await file(
        client, processor, convalescence(LAN_ID, "MATERNITY_MULTIPLE_BIRTH", "2025-09-02", "2025-09-03", 10)
    )
    (claim,) = await claims_when(client, processor, 1, kinds=["CONVALESCENCE"], states=["COMPUTED"])
    assert claim["reference"] == filed["reference"]
    assert claim["eligible"] and claim["computation"]["paidDays"] == "5"
    assert claim["amountVnd"] == 5 * 702_000  # 30% of the 2,340,000 reference level
    detail = await graphql_data(client, REASONS, {"reference": claim["reference"]}, token=processor)
    reasons = detail["claim"]["claim"]["computation"]["reasons"]
    assert [r["code"] for r in reasons] == ["CAUSE_NOT_SUPPORTED_BY_EVIDENCE", "DAYS_BEYOND_YEARLY_LIMIT"]
    assert "birth certificate (XML9) of 2025-03-02 shows 1 child(ren) born without surgery" in reasons[0]["messageEn"]
    texts = [line["textEn"] for line in claim["computation"]["explanation"]]
    assert any("computed as maternity_other" in text for text in texts)


async def test_a_long_term_convalescence_needs_a_long_term_sickness_claim(hub, office):
    """Item 7: after sickness, the cause is checked against the sickness claims: 30 days of ordinary sickness give
    convalescence for other sickness (5 days), not for a long-term disease (10)."""
    client, _ = hub
    tokens = office
    processor = tokens["processor-48"]
    for start, end in (("2025-11-03", "2025-11-28"), ("2025-12-01", "2025-12-12")):  # 20 + 10 working days
        await file(
            client, processor, {"kind": "SICKNESS", "personalId": OFF_IN_OCTOBER, "leave": {"start": start, "end": end}}
        )
    await claims_when(client, processor, 2, kinds=["SICKNESS"], states=["COMPUTED"])
    await file(client, processor, convalescence(OFF_IN_OCTOBER, "SICKNESS_LONG_TERM", "2025-12-15", "2025-12-16", 10))
    (claim,) = await claims_when(client, processor, 1, kinds=["CONVALESCENCE"], states=["COMPUTED"])
    assert claim["eligible"] and claim["computation"]["paidDays"] == "5"
    texts = [line["textEn"] for line in claim["computation"]["explanation"]]
    assert any("no sickness claim of 2024–2025 is for a long-term disease" in text for text in texts)


async def test_a_maternity_convalescence_without_any_birth_waits_for_the_certificate(hub, office):
    """Item 7: a convalescence after a birth the hub knows nothing of is not paid on the word of the filing."""
    client, _ = hub
    tokens = office
    processor = tokens["processor-48"]
    filed = await file(
        client, processor, convalescence(OFF_IN_OCTOBER, "MATERNITY_CAESAREAN", "2025-09-02", "2025-09-03", 7)
    )

    async def waits() -> bool:
        data = await graphql_data(client, CLAIM, {"reference": filed["reference"]}, token=processor)
        return any(entry["details"].get("what") == "evidence_pending" for entry in data["claim"]["history"])

    await wait_until(waits)  # the computation ran, and found no birth to check the cause against
    data = await graphql_data(client, CLAIM, {"reference": filed["reference"]}, token=processor)
    assert data["claim"]["claim"]["state"] == "EVIDENCE_PENDING" and data["claim"]["claim"]["amountVnd"] is None
    (pending,) = [e for e in data["claim"]["history"] if e["details"].get("what") == "evidence_pending"]
    assert "birth certificate (XML9)" in pending["details"]["missing"]


async def test_a_waiting_maternity_convalescence_is_computed_when_the_birth_certificate_arrives(hub, office):
    """Item 7: the convalescence filed before the hospital's XML9 waits for it, then is computed on what it says."""
    client, _ = hub
    tokens = office
    processor = tokens["processor-48"]
    filed = await file(
        client, processor, convalescence(LAN_ID, "MATERNITY_MULTIPLE_BIRTH", "2025-09-02", "2025-09-03", 10)
    )

    async def waits() -> bool:
        data = await graphql_data(client, CLAIM, {"reference": filed["reference"]}, token=processor)
        return any(entry["details"].get("what") == "evidence_pending" for entry in data["claim"]["history"])

    await wait_until(waits)
    caesarean = replaced(TWIN_A, so_con=1, so_con_song=1)  # one child, by caesarean
    await submit(client, tokens["bv-48001"], signed_envelope([[table_file(MOTHER), table_file(caesarean)]]))
    (claim,) = await claims_when(client, processor, 1, kinds=["CONVALESCENCE"], states=["COMPUTED"])
    assert claim["reference"] == filed["reference"] and claim["computation"]["paidDays"] == "7"


REASONS = """query($reference: String!) { claim(reference: $reference) {
  claim { computation { reasons { code messageEn } } } } }"""
