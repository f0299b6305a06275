"""A birth certificate whose mother is insured: the maternity claim opens, the worker fetches the civil-status birth
extract (signed by the registry office) and attaches it, the population database confirms the insured father, and his
paternity claim opens, waiting for the leave periods his employer files; then it is computed. Both backends."""

from __future__ import annotations

import datetime as dt
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import func, select

from connectors.population_evidence import RelationshipQuery
from connectors.simulators.civil_status import BirthRegistration
from connectors.simulators.population import RegisteredPerson
from devkit.qd4750_samples import MOTHER, TWIN_A, TWIN_B
from hub.audit.purpose import Purpose
from hub.claims.rules import Month
from hub.claims.service import COMPUTE_CLAIMS
from hub.contributions.records import ContributionPeriod, ContributionRecord, ContributionSource
from hub.contributions.service import store_contributions
from hub.documents.evidence import Child, Parent, RelationshipKind
from hub.documents.qd4750 import table_file
from hub.documents.uses import ANNOUNCE_DOCUMENTS
from hub.entry.app import create_app
from hub.jobs.models import JobState, OutboxJob
from hub.persons.models import Gender, Person
from hub.persons.service import NewPerson, create_person
from tests.helpers import graphql_data, wait_until
from tests.integration.documents_kit import documents_world, signed_envelope, stop, worker_for
from tests.integration.test_assessment_councils import enrol_council
from tests.integration.test_claims import CLAIM, EMPLOYER, FILE, claims_when, insured
from tests.integration.test_documents import submit
from tests.integration.test_evidence import TOKEN, connected_to, systems, trust_simulators  # noqa: F401  (the simulators, shared per module)

MOTHER_ID, FATHER_ID, CHILD_ID = "048192001234", "048092000456", "048225000777"
BORN = dt.date(2025, 3, 2)
FETCH_EXTRACT = (
    """mutation($id: String) { fetchBirthExtract(personalId: $id) { document { fields } errors { code } } }"""
)
BIRTH = BirthRegistration(
    "20194",
    "01/2025",
    "42",
    dt.date(2025, 3, 9),
    Child("Trần Minh Khôi", Gender.MALE, BORN, "Bệnh viện Phụ sản - Nhi Đà Nẵng", CHILD_ID),
    Parent("Nguyễn Thị Lan", dt.date(1992, 3, 14), MOTHER_ID),
    Parent("Trần Văn Hùng", dt.date(1992, 5, 6), FATHER_ID),
)


def _mother() -> ContributionRecord:
    return insured("Nguyễn Thị Lan", Gender.FEMALE, dt.date(1992, 3, 14), personal_id_number=MOTHER_ID)


@pytest.fixture
def mother_record() -> ContributionRecord:
    return _mother()


@asynccontextmanager
async def connected_parents(systems, settings, clock, signer, backend, mother_record=None, council=False):  # noqa: F811
    """The insured mother (`mother_record`, by default insured all along) and father, the hub connected to the
    registry and the population database (which know the birth and the father), a worker beside it on PostgreSQL;
    the child not known to the hub yet. `council`: the Đà Nẵng assessment council enrolled too (token `gdyk-48`)."""
    civil_url, civil, population_url, people = systems
    civil.clear()
    civil.add_births([BIRTH])
    people.clear()
    people.add_many(
        [
            RegisteredPerson("Nguyễn Thị Lan", dt.date(1992, 3, 14), Gender.FEMALE, MOTHER_ID),
            RegisteredPerson("Trần Văn Hùng", dt.date(1992, 5, 6), Gender.MALE, FATHER_ID),
            RegisteredPerson("Trần Minh Khôi", BORN, Gender.MALE, CHILD_ID, MOTHER_ID),
        ]
    )
    people.add_relationships([RelationshipQuery(RelationshipKind.FATHER_CHILD, FATHER_ID, CHILD_ID)])
    connected = connected_to(settings, civil_url, population_url)
    app = create_app(connected, clock=clock)
    async with app.router.lifespan_context(app):
        state = app.state.hub
        db = state.services.db
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client:
            tokens, principals = await documents_world((client, state), signer, clock, backend)
            await trust_simulators(db, principals["operator"], clock, civil_url, population_url)
            if council:
                tokens["gdyk-48"] = await enrol_council(db, signer, clock, principals["operator"])
            async with db.transaction() as session:
                await store_contributions(
                    session,
                    [
                        mother_record or _mother(),
                        insured("Trần Văn Hùng", Gender.MALE, dt.date(1992, 5, 6), personal_id_number=FATHER_ID),
                    ],
                    now=clock.now(),
                    actor=None,
                    source=ContributionSource.IMPORT,
                )
            worker = worker_for(connected, clock, backend)
            try:
                yield client, tokens, db
            finally:
                await stop(worker)


@pytest.fixture
async def family(systems, settings, clock, signer, backend, mother_record):  # noqa: F811
    async with connected_parents(systems, settings, clock, signer, backend, mother_record) as (client, tokens, db):
        await _child(db, clock)
        yield client, tokens, db


async def _child(db, clock) -> None:
    """The twin with an ID number, as the child-card flow would have created him: the mother's child."""
    async with db.transaction() as session:
        mother_id = await session.scalar(select(Person.id).where(Person.personal_id_number == MOTHER_ID))
        await create_person(
            session,
            now=clock.now(),
            actor=None,
            purpose=Purpose.SYSTEM,
            new=NewPerson(
                "Trần Minh Khôi",
                Gender.MALE,
                BORN,
                "48",
                "20194",
                "Hải Châu",
                personal_id_number=CHILD_ID,
                mother_id=mother_id,
            ),
        )


async def computations_done(db) -> bool:
    """No computation is waiting, nor an announcement of documents (left to the relay) that may ask for one."""
    async with db.sessions() as session:
        pending = await session.scalar(
            select(func.count())
            .select_from(OutboxJob)
            .where(
                OutboxJob.kind.in_([COMPUTE_CLAIMS.name, ANNOUNCE_DOCUMENTS.name]),
                OutboxJob.state == JobState.PENDING.value,
            )
        )
    return pending == 0


async def test_the_birth_extract_is_attached_and_the_insured_father_gets_his_claim(family):
    client, tokens, _ = family
    processor = tokens["processor-48"]
    await submit(client, tokens["bv-48001"], signed_envelope([[table_file(MOTHER), table_file(TWIN_A, TWIN_B)]]))
    claims = await claims_when(client, processor, 2, states=["COMPUTED", "EVIDENCE_PENDING"])
    by_kind = {claim["kind"]: claim for claim in claims}
    assert by_kind["PATERNITY"]["personName"] == "Trần Văn Hùng"
    assert by_kind["PATERNITY"]["state"] == "EVIDENCE_PENDING"  # his leave periods are not known yet
    assert by_kind["PATERNITY"]["details"]["children"] == 2 and by_kind["PATERNITY"]["details"]["caesarean"]
    maternity = await graphql_data(client, CLAIM, {"reference": by_kind["MATERNITY"]["reference"]}, token=processor)
    assert {d["docType"] for d in maternity["claim"]["evidence"]} == {"XML9", "birth_extract"}
    paternity = await graphql_data(client, CLAIM, {"reference": by_kind["PATERNITY"]["reference"]}, token=processor)
    assert {d["docType"] for d in paternity["claim"]["evidence"]} == {"birth_extract", "relationship_check"}
    # His employer files the leave: the same claim is computed (twins by caesarean: 14 working days)
    filing = {
        "kind": "PATERNITY",
        "personalId": FATHER_ID,
        "born": BORN.isoformat(),
        "periods": [{"start": "2025-03-03", "end": "2025-03-21"}],
    }
    filed = await graphql_data(client, FILE, {"input": filing}, token=processor)
    assert filed["fileClaim"]["claim"]["reference"] == by_kind["PATERNITY"]["reference"]
    computed = await claims_when(client, processor, 1, kinds=["PATERNITY"], states=["COMPUTED"])
    assert computed[0]["computation"]["paidDays"] == "14"


async def test_a_cancelled_registration_takes_the_evidence_away(family, systems):  # noqa: F811
    client, tokens, db = family
    _, civil, _, _ = systems
    processor = tokens["processor-48"]
    await submit(client, tokens["bv-48001"], signed_envelope([[table_file(MOTHER), table_file(TWIN_A, TWIN_B)]]))
    await claims_when(client, processor, 1, kinds=["PATERNITY"])
    civil.cancel_birth(
        (BIRTH.office_code, BIRTH.book_number, BIRTH.record_number), dt.date(2025, 4, 1), "Đăng ký trùng"
    )
    fetched = await graphql_data(client, FETCH_EXTRACT, {"id": CHILD_ID}, token=processor)
    assert fetched["fetchBirthExtract"]["document"]["fields"]["TINH_TRANG"] == "cancelled"
    (paternity,) = await claims_when(client, processor, 1, kinds=["PATERNITY"])
    history: list[str] = []

    async def revoked() -> bool:
        detail = await graphql_data(client, CLAIM, {"reference": paternity["reference"]}, token=processor)
        history[:] = [event["details"]["what"] for event in detail["claim"]["history"]]
        return "evidence_revoked" in history

    await wait_until(revoked)
    # His employer files the leave: the claim stays waiting for evidence, whatever computation was queued
    filing = {
        "kind": "PATERNITY",
        "personalId": FATHER_ID,
        "born": BORN.isoformat(),
        "periods": [{"start": "2025-03-03", "end": "2025-03-21"}],
    }
    await graphql_data(client, FILE, {"input": filing}, token=processor)
    await wait_until(lambda: computations_done(db))
    detail = await graphql_data(client, CLAIM, {"reference": paternity["reference"]}, token=processor)
    assert detail["claim"]["claim"]["state"] == "EVIDENCE_PENDING"
    assert "computed" not in [event["details"]["what"] for event in detail["claim"]["history"]]


class TestMotherNotEligible:
    """Art 58(1) [to confirm]: the mother gave birth but is not eligible; the insured father gets the lump sum."""

    @pytest.fixture
    def mother_record(self) -> ContributionRecord:
        # From 12/2024 only: born 2/3/2025 → window 3/2024–2/2025 holds 3 months < 6
        period = ContributionPeriod(Month(2024, 12), Month(2025, 12), 9_000_000, employer=EMPLOYER)
        return ContributionRecord(
            "Nguyễn Thị Lan",
            Gender.FEMALE,
            dt.date(1992, 3, 14),
            "48",
            "20194",
            "Đà Nẵng",
            periods=(period,),
            personal_id_number=MOTHER_ID,
        )

    async def test_the_father_gets_the_lump_sum(self, family):
        """Twins born 2/3/2025 (2014 law, base salary 2,340,000): 2 × 2,340,000 × 2 = 9,360,000 to the father,
        who paid 3/2024–2/2025 (12 ≥ 6)."""
        client, tokens, _ = family
        processor = tokens["processor-48"]
        await submit(client, tokens["bv-48001"], signed_envelope([[table_file(MOTHER), table_file(TWIN_A, TWIN_B)]]))
        (maternity,) = await claims_when(client, processor, 1, kinds=["MATERNITY"], states=["COMPUTED"])
        assert not maternity["eligible"]
        (lump_sum,) = await claims_when(client, processor, 1, kinds=["LUMP_SUM"], states=["COMPUTED"])
        assert lump_sum["personName"] == "Trần Văn Hùng" and lump_sum["eligible"]
        assert lump_sum["amountVnd"] == 9_360_000
