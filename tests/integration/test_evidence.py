"""Civil-status extracts and population checks fetched through GraphQL from their simulators (real HTTP services),
verified against the certificates they publish, and stored like hospitals' documents, on both backends."""

from __future__ import annotations

import dataclasses
import datetime as dt

import httpx
import pytest
from sqlalchemy import select

from connectors.signed import SignedXmlClient
from connectors.simulators.civil_status import BirthRegistration, CivilStatusRegister, create_civil_status_simulator
from connectors.simulators.kit import SimulatedSigners
from connectors.simulators.population import RegisteredPerson
from connectors.simulators.population_evidence import KinshipRegister, create_population_evidence_simulator
from connectors.simulators.serve import running
from hub.audit.models import AuditEntry
from hub.clients.permissions import ClientKind
from hub.documents.evidence import Child, IdentityQuery, Parent, RelationshipKind
from hub.documents.evidence_intake import BirthExtractQuery, DeathExtractQuery, RelationshipQuery, fetch, store
from hub.documents.models import Submission
from hub.entry.app import create_app
from hub.infra.errors import BusinessError
from hub.infra.settings import ConnectorSettings, Settings
from hub.persons.models import Gender
from hub.signatures.certificates import import_certificates
from signing.detached import MessageSigner
from signing.devpki import generate_identity
from signing.parties import HUB
from tests.conftest import START, hub_certificate, hub_signing_identity
from tests.helpers import graphql_data, make_client, make_person, post_graphql
from tests.integration.documents_kit import rows_left, stored_rows

TOKEN = "evidence-token"
MOTHER, FATHER, CHILD, NOBODY = "048194000123", "048092000456", "048226000777", "048299999999"
BIRTH = BirthRegistration(
    "20242",
    "01/2026",
    "16",
    dt.date(2026, 10, 5),
    Child("Nguyễn Minh An", Gender.MALE, dt.date(2026, 10, 1), "Bệnh viện Đà Nẵng", CHILD),
    Parent("Trần Thị Mai", dt.date(1994, 3, 4), MOTHER),
    Parent("Nguyễn Văn Hùng", None, FATHER),
)
EVIDENCE = """
  receipt { transactionId repeated documents { docType number version status } }
  document { docType issuer number version personId fields verification { result signer } }
  errors { code message messageVi }
"""
BIRTH_EXTRACT = f"mutation($id: String) {{ fetchBirthExtract(personalId: $id) {{ {EVIDENCE} }} }}"
RELATIONSHIP = f"""mutation($kind: RelationshipKind!, $a: String!, $b: String!) {{
  verifyFamilyRelationship(kind: $kind, firstPersonalId: $a, secondPersonalId: $b) {{ {EVIDENCE} }} }}"""
IDENTITY = f"""mutation($id: String!, $name: String!, $born: Date!) {{
  verifyCitizenIdentity(personalId: $id, fullName: $name, dateOfBirth: $born) {{ {EVIDENCE} }} }}"""


def connected_to(settings: Settings, civil_url: str, population_url: str) -> Settings:
    """`settings` with the civil-status and population simulators as the hub's evidence sources."""
    connectors = ConnectorSettings(
        population_url=population_url,
        population_token=TOKEN,
        civil_status_url=civil_url,
        civil_status_token=TOKEN,
    )
    return dataclasses.replace(settings, connectors=connectors)


@pytest.fixture(scope="module")
def systems():
    """The civil-status software and the population database, signing with one identity per party."""
    signers = SimulatedSigners()
    civil, people = CivilStatusRegister(), KinshipRegister()
    hub = hub_certificate()  # they take only what the hub signed
    civil_app = create_civil_status_simulator(register=civil, signers=signers, token=TOKEN, hub_certificate=hub)
    population_app = create_population_evidence_simulator(
        register=people, signers=signers, token=TOKEN, hub_certificate=hub
    )
    with running(civil_app) as civil_url, running(population_app) as population_url:
        yield civil_url, civil, population_url, people


async def trust_simulators(db, operator, clock, *urls: str) -> None:
    """Trust the certificates the simulators at `urls` publish, as an operator would (asking as the hub)."""
    for url in urls:
        async with SignedXmlClient(url, token=TOKEN, signer=MessageSigner(hub_signing_identity())) as system:
            published = await system.certificates()
        for certificate in published:
            async with db.transaction() as session:
                await import_certificates(
                    session, now=clock.now(), actor=operator, party=certificate.party, data=certificate.pem
                )


@pytest.fixture
async def evidence(systems, settings, clock, signer):
    civil_url, civil, population_url, people = systems
    civil.clear()
    civil.add_births([BIRTH])
    people.clear()
    people.add_many(
        [
            RegisteredPerson("Trần Thị Mai", dt.date(1994, 3, 4), Gender.FEMALE, MOTHER),
            RegisteredPerson("Nguyễn Minh An", dt.date(2026, 10, 1), Gender.MALE, CHILD, MOTHER),
        ]
    )
    app = create_app(connected_to(settings, civil_url, population_url), clock=clock)
    async with app.router.lifespan_context(app):
        state = app.state.hub
        db = state.services.db
        operator, _ = await make_client(db, signer, clock, "operator", ClientKind.OPERATOR, "national")
        _, processor = await make_client(db, signer, clock, "processor", ClientKind.CLAIM_PROCESSOR, "province:48")
        _, hospital = await make_client(db, signer, clock, "bv", ClientKind.HOSPITAL, "facility:48001")
        _, hanoi = await make_client(db, signer, clock, "processor-01", ClientKind.CLAIM_PROCESSOR, "province:01")
        _, national = await make_client(db, signer, clock, "processor-vn", ClientKind.CLAIM_PROCESSOR, "national")
        await trust_simulators(db, operator, clock, civil_url, population_url)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client:
            tokens = {"processor": processor, "hospital": hospital, "hanoi": hanoi, "national": national}
            yield client, state, tokens, civil


async def test_a_birth_extract_is_stored_verbatim_linked_and_versioned_when_corrected(evidence, clock):
    client, state, tokens, civil = evidence
    child = await make_person(
        state.services.db, clock, commune="20242", province="48", name="Nguyễn Minh An", personal_id_number=CHILD
    )
    first = (await graphql_data(client, BIRTH_EXTRACT, {"id": CHILD}, token=tokens["processor"]))["fetchBirthExtract"]
    assert first["errors"] == []
    document = first["document"]
    assert document["issuer"] == "civil-registry:20242" and document["docType"] == "birth_extract"
    assert document["verification"] == {"result": "valid", "signer": "civil-registry:20242"}
    assert document["fields"]["NGUOI_DUOC_KHAI_SINH/HO_TEN"] == "Nguyễn Minh An"
    assert document["fields"]["ME/SO_DINH_DANH"] == MOTHER
    assert document["personId"] == str(child.id)
    # The same record again: the same signed bytes, the first receipt
    again = (await graphql_data(client, BIRTH_EXTRACT, {"id": CHILD}, token=tokens["processor"]))["fetchBirthExtract"]
    assert again["receipt"]["repeated"] and again["receipt"]["transactionId"] == first["receipt"]["transactionId"]
    # Corrected at the registry: a new version of the same extract supersedes the first
    civil.correct_birth(
        ("20242", "01/2026", "16"),
        dt.date(2026, 10, 20),
        child=dataclasses.replace(BIRTH.child, full_name="Nguyễn Minh Anh"),
    )
    corrected = (await graphql_data(client, BIRTH_EXTRACT, {"id": CHILD}, token=tokens["processor"]))[
        "fetchBirthExtract"
    ]
    assert corrected["receipt"]["documents"][0]["status"] == "NEW_VERSION"
    assert corrected["document"]["version"] == 2
    assert corrected["document"]["fields"]["TINH_TRANG"] == "corrected"
    async with state.services.db.sessions() as session:
        payloads = (await session.scalars(select(Submission.payload).order_by(Submission.received_at))).all()
    assert len(payloads) == 2 and all(b"<CHUKYDONVI>" in p and b"Signature" in p for p in payloads)


async def test_population_checks_are_signed_evidence(evidence):
    client, _, tokens, _ = evidence
    mother = await graphql_data(
        client, RELATIONSHIP, {"kind": "MOTHER_CHILD", "a": MOTHER, "b": CHILD}, token=tokens["processor"]
    )
    assert mother["verifyFamilyRelationship"]["errors"] == []
    document = mother["verifyFamilyRelationship"]["document"]
    assert document["issuer"] == "population-database" and document["docType"] == "relationship_check"
    assert document["fields"]["KET_QUA"] == "confirmed"
    identity = await graphql_data(
        client, IDENTITY, {"id": MOTHER, "name": "Trần Thị Mai", "born": "1994-03-05"}, token=tokens["processor"]
    )
    fields = identity["verifyCitizenIdentity"]["document"]["fields"]
    assert fields["KET_QUA"] == "mismatch" and fields["SAI_LECH/TRUONG"] == "NGAY_SINH"


async def test_evidence_that_cannot_be_had_is_refused_and_leaves_nothing(evidence):
    client, state, tokens, _ = evidence
    missing = await graphql_data(client, BIRTH_EXTRACT, {"id": NOBODY}, token=tokens["processor"])
    assert [e["code"] for e in missing["fetchBirthExtract"]["errors"]] == ["EVIDENCE_NOT_FOUND"]
    malformed = await graphql_data(client, BIRTH_EXTRACT, {"id": "12"}, token=tokens["processor"])
    assert [e["code"] for e in malformed["fetchBirthExtract"]["errors"]] == ["EVIDENCE_QUERY_INVALID"]
    forbidden = (await post_graphql(client, BIRTH_EXTRACT, {"id": CHILD}, token=tokens["hospital"])).json()
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await rows_left(state) == {}


async def test_evidence_is_fetched_only_about_people_within_reach(evidence, clock):
    client, state, tokens, _ = evidence
    await make_person(
        state.services.db, clock, commune="20242", province="48", name="Trần Thị Mai", personal_id_number=MOTHER
    )
    # Given Đà Nẵng's people (a child born there, unknown to the hub; a mother living there): Hà Nội's processor is
    # refused every question about them before the other system is asked, and nothing is stored
    relationship = {"kind": "MOTHER_CHILD", "a": MOTHER, "b": CHILD}
    identity = {"id": MOTHER, "name": "Trần Thị Mai", "born": "1994-03-04"}
    for query, variables in ((BIRTH_EXTRACT, {"id": CHILD}), (RELATIONSHIP, relationship), (IDENTITY, identity)):
        refused = (await post_graphql(client, query, variables, token=tokens["hanoi"])).json()
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN" and refused["data"] is None
    assert await rows_left(state) == {}
    async with state.services.db.sessions() as session:
        attempts = (await session.scalars(select(AuditEntry).where(AuditEntry.operation == "access.refused"))).all()
    assert [a.details["operation"] for a in attempts] == [
        "fetchBirthExtract",
        "verifyFamilyRelationship",
        "verifyCitizenIdentity",
    ]
    assert attempts[2].person_id is not None  # on the mother's trail
    # Đà Nẵng's processor and a national one are answered, the second with the evidence the first fetched
    for token in (tokens["processor"], tokens["national"]):
        answer = (await graphql_data(client, BIRTH_EXTRACT, {"id": CHILD}, token=token))["fetchBirthExtract"]
        assert answer["errors"] == [] and answer["document"]["fields"]["ME/SO_DINH_DANH"] == MOTHER


async def test_a_signed_answer_to_another_question_is_refused_and_leaves_nothing(evidence, clock):
    """Well signed, but not about what was asked (another child, another relationship, other particulars, another
    kind of record): refused with EVIDENCE_MISMATCH, also when those bytes were stored before for their own question."""
    _, state, _, _ = evidence
    services = state.services
    by_child = BirthExtractQuery(personal_id=CHILD)
    mother = RelationshipQuery(RelationshipKind.MOTHER_CHILD, MOTHER, CHILD)
    identity = IdentityQuery(MOTHER, "Trần Thị Mai", dt.date(1994, 3, 4))
    extract, kinship, particulars = [await fetch(services.connectors, q) for q in (by_child, mother, identity)]
    for answer, asked in (
        (extract, BirthExtractQuery(personal_id=MOTHER)),
        (extract, BirthExtractQuery(office="20242", book="01/2026", number="17")),
        (extract, DeathExtractQuery(CHILD)),
        (kinship, RelationshipQuery(RelationshipKind.FATHER_CHILD, MOTHER, CHILD)),
        (kinship, RelationshipQuery(RelationshipKind.MOTHER_CHILD, MOTHER, NOBODY)),
        (particulars, IdentityQuery(MOTHER, "Trần Thị Mai", dt.date(1994, 3, 5))),
        (particulars, IdentityQuery(MOTHER, "Trần Thị Mai", dt.date(1994, 3, 4), Gender.FEMALE)),
        (particulars, mother),
    ):
        with pytest.raises(BusinessError) as refused:
            async with services.db.transaction() as session:
                await store(session, services.intake, asked, answer, now=clock.now(), actor=None)
        assert refused.value.code == "EVIDENCE_MISMATCH", asked
    assert await rows_left(state) == {}
    # The same answers for their own questions are stored; the name compares whatever its case and spacing
    renamed = IdentityQuery(MOTHER, "trần  THỊ mai", dt.date(1994, 3, 4))
    by_record = BirthExtractQuery(office="20242", book="01/2026", number="16")
    for answer, asked in ((extract, by_child), (extract, by_record), (kinship, mother), (particulars, renamed)):
        async with services.db.transaction() as session:
            await store(session, services.intake, asked, answer, now=clock.now(), actor=None)
    assert await stored_rows(state) == (3, 3)
    with pytest.raises(BusinessError) as refused:  # stored before, for its own question
        async with services.db.transaction() as session:
            await store(
                session, services.intake, BirthExtractQuery(personal_id=MOTHER), extract, now=clock.now(), actor=None
            )
    assert refused.value.code == "EVIDENCE_MISMATCH"


async def test_a_system_that_does_not_take_the_hubs_signature_answers_nothing(settings, clock, signer):
    """The civil-status software expecting another signer than the hub refuses its calls; the hub stores nothing."""
    civil = CivilStatusRegister()
    civil.add_births([BIRTH])
    stranger = generate_identity(HUB, not_before=START - dt.timedelta(days=1), not_after=START + dt.timedelta(days=9))
    app = create_civil_status_simulator(register=civil, token=TOKEN, hub_certificate=stranger.certificate)
    with running(app) as url:
        connected = ConnectorSettings(civil_status_url=url, civil_status_token=TOKEN)
        hub = create_app(dataclasses.replace(settings, connectors=connected), clock=clock)
        async with hub.router.lifespan_context(hub):
            state = hub.state.hub
            _, processor = await make_client(
                state.services.db, signer, clock, "processor", ClientKind.CLAIM_PROCESSOR, "province:48"
            )
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hub), base_url="http://hub") as client:
                answer = await graphql_data(client, BIRTH_EXTRACT, {"id": CHILD}, token=processor)
            [error] = answer["fetchBirthExtract"]["errors"]
            assert error["code"] == "EVIDENCE_UNREADABLE" and "hub signature" in error["message"]
            assert await rows_left(state) == {}


async def test_an_unconnected_system_and_an_untrusted_signer_are_refused(settings, clock, signer, systems):
    civil_url, civil, _, _ = systems
    civil.clear()
    civil.add_births([BIRTH])
    for connected, code in (
        (ConnectorSettings(), "CONNECTOR_UNAVAILABLE"),
        (ConnectorSettings(civil_status_url=civil_url, civil_status_token=TOKEN), "CERTIFICATE_UNKNOWN"),
    ):
        app = create_app(dataclasses.replace(settings, connectors=connected), clock=clock)
        async with app.router.lifespan_context(app):
            state = app.state.hub
            _, processor = await make_client(
                state.services.db, signer, clock, f"p-{code}", ClientKind.CLAIM_PROCESSOR, "province:48"
            )
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
                answer = await graphql_data(client, BIRTH_EXTRACT, {"id": CHILD}, token=processor)
            assert [e["code"] for e in answer["fetchBirthExtract"]["errors"]] == [code]
            assert await rows_left(state) == {}
