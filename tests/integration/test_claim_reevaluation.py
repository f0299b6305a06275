"""Claims look again when the evidence they wait for arrives, in whatever order it comes (issue 19, item 3), on both
backends: the father's paternity claim opens when the civil registration comes after the hospital's birth
certificate, and a sick-leave certificate of someone not yet known as insured opens its claim once their
contributions arrive."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from devkit.qd4750_samples import MOTHER, SICK_LEAVE, TWIN_A, TWIN_B
from hub.childcards.intake import submit_registrations
from hub.childcards.models import DeliveryMethod
from hub.childcards.records import BirthRecord, ChildDetails, PersonDetails
from hub.claims.rules import Month
from hub.clients.permissions import ClientKind
from hub.contributions.records import ContributionPeriod, ContributionRecord, ContributionSource
from hub.contributions.service import store_contributions
from hub.documents.qd4750 import table_file
from hub.jobs.models import JobState, OutboxJob
from hub.persons.models import Gender
from tests.helpers import graphql_data, make_client, wait_until
from tests.integration.documents_kit import documents_world, signed_envelope, stop, worker_for
from tests.integration.test_claim_evidence import BIRTH, BORN, CHILD_ID, FATHER_ID, MOTHER_ID, connected_parents
from tests.integration.test_claims import CLAIM, EMPLOYEE_ID, EMPLOYER, SICK_VISIT, claims_when
from tests.integration.test_documents import submit
from tests.integration.test_evidence import connected_to, systems, trust_simulators  # noqa: F401  (the simulators, shared per module)


async def jobs_done(db) -> bool:
    async with db.sessions() as session:
        pending = await session.scalar(
            select(func.count()).select_from(OutboxJob).where(OutboxJob.state == JobState.PENDING.value)
        )
    return pending == 0


@pytest.fixture
async def parents(systems, settings, clock, signer, backend):  # noqa: F811
    """The insured parents, the hub connected to the registry and the population database; the child not yet
    registered with the hub."""
    async with connected_parents(systems, settings, clock, signer, backend) as world:
        yield world


def registration() -> BirthRecord:
    """The civil registry's record of the birth the simulator holds (BIRTH), as the child-card flow receives it."""
    return BirthRecord(
        BIRTH.office_code,
        BIRTH.book_number,
        BIRTH.record_number,
        BIRTH.registered_on,
        ChildDetails("Trần Minh Khôi", Gender.MALE, BORN, "01", personal_id_number=CHILD_ID),
        PersonDetails("Trần Văn Hùng", address="12 Bạch Đằng, Hải Châu"),
        "48001",
        DeliveryMethod.AT_OFFICE,
        mother=PersonDetails("Nguyễn Thị Lan", dt.date(1992, 3, 14), MOTHER_ID, "12 Bạch Đằng, Hải Châu"),
        father=PersonDetails("Trần Văn Hùng", dt.date(1992, 5, 6), FATHER_ID, "12 Bạch Đằng, Hải Châu"),
    )


async def test_the_fathers_claim_opens_when_the_registration_comes_after_the_birth_certificate(parents, signer, clock):
    client, tokens, db = parents
    processor = tokens["processor-48"]
    # Given the hospital's birth certificate, before the birth is registered: the mother's claim opens, and the
    # registry cannot be asked yet about a child the hub does not know
    await submit(client, tokens["bv-48001"], signed_envelope([[table_file(MOTHER), table_file(TWIN_A, TWIN_B)]]))
    (maternity,) = await claims_when(client, processor, 1, kinds=["MATERNITY"], states=["COMPUTED"])
    await wait_until(lambda: jobs_done(db))
    assert (await graphql_data(client, CLAIMS_OF_KIND, {"kinds": ["PATERNITY"]}, token=processor))["claims"][
        "totalCount"
    ] == 0
    # When the civil registry registers the birth (the child-card flow accepts it)
    registry, _ = await make_client(db, signer, clock, "ubnd-20194", ClientKind.CIVIL_REGISTRY, "commune:20194")
    async with db.transaction() as session:
        (outcome,) = await submit_registrations(session, now=clock.now(), actor=registry, records=[registration()])
    assert outcome.accepted, outcome.errors
    # Then the birth extract is fetched after all, and the insured father's paternity claim opens
    (paternity,) = await claims_when(client, processor, 1, kinds=["PATERNITY"], states=["EVIDENCE_PENDING"])
    assert paternity["personName"] == "Trần Văn Hùng"
    detail = await graphql_data(client, CLAIM, {"reference": maternity["reference"]}, token=processor)
    assert {d["docType"] for d in detail["claim"]["evidence"]} == {"XML9", "birth_extract"}


CLAIMS_OF_KIND = """query($kinds: [ClaimKind!]) { claims(filter: {kinds: $kinds, states: [EVIDENCE_PENDING, COMPUTED]})
  { totalCount } }"""


async def test_a_certificate_opens_its_claim_when_the_contributions_arrive(hub, settings, signer, clock, backend):
    client, state = hub
    db = state.services.db
    tokens, _ = await documents_world(hub, signer, clock, backend)
    worker = worker_for(settings, clock, backend)
    try:
        # Given an employee whose contributions the hub has only up to 2023
        old = ContributionPeriod(Month(2022, 1), Month(2023, 12), 8_000_000, employer=EMPLOYER)
        employee = ContributionRecord(
            "Lê Văn Tâm",
            Gender.MALE,
            dt.date(1985, 6, 1),
            "48",
            "20194",
            "Đà Nẵng",
            periods=(old,),
            personal_id_number=EMPLOYEE_ID,
            bhxh_code=SICK_LEAVE.ma_bhxh,
        )
        async with db.transaction() as session:
            await store_contributions(
                session, [employee], now=clock.now(), actor=None, source=ContributionSource.IMPORT
            )
        # When her sick-leave certificate of March 2025 arrives: not known as insured, no claim opens by itself
        await submit(client, tokens["bv-48001"], signed_envelope([[table_file(SICK_VISIT), table_file(SICK_LEAVE)]]))
        await wait_until(lambda: jobs_done(db))
        empty = await graphql_data(client, CLAIMS_OF_KIND, {"kinds": ["SICKNESS"]}, token=tokens["processor-48"])
        assert empty["claims"]["totalCount"] == 0
        # Then the contribution system's sync brings 2024 and 2025: the certificate opens its claim, computed
        recent = ContributionPeriod(Month(2024, 1), Month(2025, 12), 9_000_000, employer=EMPLOYER)
        async with db.transaction() as session:
            await store_contributions(
                session,
                [employee.__class__(**{**employee.__dict__, "periods": (old, recent)})],
                now=clock.now(),
                actor=None,
                source=ContributionSource.IMPORT,
            )
        (claim,) = await claims_when(client, tokens["processor-48"], 1, kinds=["SICKNESS"], states=["COMPUTED"])
        assert claim["eligible"] and claim["amountVnd"] > 0
    finally:
        await stop(worker)
