"""The evidence connectors against their simulators over loopback: signed civil-status extracts and population checks,
each verified against the certificates the simulators publish."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from connectors import PermanentError, TransientError
from connectors.civil_status import CivilStatusClient
from connectors.population import ChildQuery, IdentityStatus, PopulationClient
from connectors.population_evidence import PopulationEvidenceClient, RelationshipQuery
from connectors.signed import SignedAnswer
from connectors.simulators.civil_status import (
    BirthRegistration,
    CivilStatusRegister,
    DeathRegistration,
    create_civil_status_simulator,
)
from connectors.simulators.kit import SimulatedSigners
from connectors.simulators.population import RegisteredPerson
from connectors.simulators.population_evidence import KinshipRegister, create_population_evidence_simulator
from connectors.simulators.serve import running
from devkit.synthetic import PopulationGenerator
from hub.documents.evidence import (
    Child,
    EvidenceRecord,
    IdentityCheck,
    IdentityField,
    IdentityQuery,
    IdentityResult,
    Parent,
    RecordState,
    RelationshipKind,
    RelationshipResult,
    parse_birth_extract,
    parse_death_extract,
    parse_evidence,
    parse_identity_check,
    parse_relationship_check,
)
from hub.infra.clock import FixedClock
from hub.persons.models import Gender
from signing.errors import CertificateUnknown, SignerUnexpected
from signing.parties import POPULATION_DATABASE, civil_registry
from signing.trust import TrustStore
from signing.verify import verify_enveloped

R = TypeVar("R", bound=EvidenceRecord)

START = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
TOKEN = "evidence-token"
MOTHER = "048194000123"
FATHER = "048092000456"
CHILD = "048226000777"
SISTER = "048324000778"
DECEASED = "048060000001"
NOBODY = "048299999999"

BIRTH = BirthRegistration(
    "20242",
    "01/2026",
    "16",
    dt.date(2026, 10, 5),
    Child("Nguyễn Minh An", Gender.MALE, dt.date(2026, 10, 1), "Bệnh viện Đà Nẵng", CHILD),
    Parent("Trần Thị Mai", dt.date(1994, 3, 4), MOTHER),
    Parent("Nguyễn Văn Hùng", None, FATHER),
)
OTHER_OFFICE_BIRTH = BirthRegistration(
    "20243",
    "01/2026",
    "1",
    dt.date(2026, 10, 7),
    Child("Nguyễn Thị Hoa", Gender.FEMALE, dt.date(2026, 10, 2), "Tại nhà", SISTER),
)
DEATH = DeathRegistration(
    "20242",
    "02/2026",
    "3",
    dt.date(2026, 10, 6),
    "Lê Văn Bình",
    DECEASED,
    dt.date(2026, 10, 4),
    "Phường Hải Châu, Thành phố Đà Nẵng",
)


@pytest.fixture(scope="module")
def evidence_clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture(scope="module")
def signers(evidence_clock) -> SimulatedSigners:
    """One identity per party for the whole module: both simulators sign with them."""
    return SimulatedSigners(clock=evidence_clock)


@pytest.fixture(scope="module")
def civil_server(evidence_clock, signers):
    register = CivilStatusRegister()
    app = create_civil_status_simulator(clock=evidence_clock, register=register, signers=signers, token=TOKEN)
    with running(app) as url:
        yield url, register


@pytest.fixture
async def civil(civil_server):
    """The registry simulator holding BIRTH, OTHER_OFFICE_BIRTH and DEATH (loaded over HTTP), and a client of it."""
    url, register = civil_server
    register.clear()
    async with httpx.AsyncClient(base_url=url) as sim:
        births = await sim.post("/sim/births", json=[BIRTH.to_json(), OTHER_OFFICE_BIRTH.to_json()])
        deaths = await sim.post("/sim/deaths", json=[DEATH.to_json()])
    assert (births.status_code, births.json()) == (201, {"loaded": 2, "total": 2})
    assert (deaths.status_code, deaths.json()) == (201, {"loaded": 1, "total": 3})
    async with CivilStatusClient(url, token=TOKEN) as client:
        yield client


@pytest.fixture(scope="module")
def population_server(evidence_clock, signers):
    register = KinshipRegister()
    app = create_population_evidence_simulator(clock=evidence_clock, register=register, signers=signers, token=TOKEN)
    with running(app) as url:
        yield url, register


@pytest.fixture
async def population(population_server):
    """The population simulator holding a mother, a father and their son, and a client of its signed checks."""
    url, register = population_server
    register.clear()
    register.add_many(
        [
            RegisteredPerson("Trần Thị Mai", dt.date(1994, 3, 4), Gender.FEMALE, MOTHER),
            RegisteredPerson("Nguyễn Văn Hùng", dt.date(1992, 5, 6), Gender.MALE, FATHER),
            RegisteredPerson("Nguyễn Minh An", dt.date(2026, 10, 1), Gender.MALE, CHILD, MOTHER),
        ]
    )
    async with PopulationEvidenceClient(url, token=TOKEN) as client:
        yield client


async def trust_store(*clients: CivilStatusClient | PopulationEvidenceClient) -> TrustStore:
    """What an operator does: import every certificate the systems publish."""
    store = TrustStore()
    for client in clients:
        for certificate in await client.certificates():
            store.add_pem(certificate.party, certificate.pem)
    return store


async def verified(answer: SignedAnswer | None, client, expected_signer: str, parse: Callable[[Any], R]) -> R:
    """The answer's record, once verified against the certificates `client`'s system publishes."""
    assert answer is not None and answer.signer == expected_signer
    checked = verify_enveloped(answer.payload, await trust_store(client), expected_signer=expected_signer, at=START)
    record = parse(checked.signed_root)
    assert parse_evidence(checked.signed_root) == record and record.issuer_party == expected_signer
    return record


# -- civil-status extracts -------------------------------------------------------------------------------------------


async def test_a_birth_extract_by_the_childs_number_verifies_and_reads_as_registered(civil):
    # When the hub asks for the extract of the child's birth registration
    answer = await civil.birth_extract_by_id(CHILD)
    # Then the office holding the record signed it, and it says what the registration says
    assert answer is not None and answer.content_type == "application/xml"
    extract = parse_birth_extract(
        verify_enveloped(
            answer.payload, await trust_store(civil), expected_signer=civil_registry("20242"), at=START
        ).signed_root
    )
    assert extract == BIRTH.extract("000001/TLKS", extract.status)
    assert extract.status.state is RecordState.VALID
    assert extract.personal_ids == (CHILD, MOTHER, FATHER)


async def test_by_record_the_same_extract_comes_back_byte_for_byte(civil):
    by_number = await civil.birth_extract_by_id(CHILD)
    by_record = await civil.birth_extract_by_record("20242", "01/2026", "16")
    assert by_record == by_number
    assert by_record is not None and by_record.sha256 == by_number.sha256


async def test_each_office_signs_its_own_records_and_publishes_its_certificate(civil):
    certificates = await civil.certificates()
    assert [certificate.party for certificate in certificates] == [civil_registry("20242"), civil_registry("20243")]
    extract = await verified(
        await civil.birth_extract_by_id(SISTER), civil, civil_registry("20243"), parse_birth_extract
    )
    assert extract.document_number == "000001/TLKS"  # numbered per office


async def test_an_extract_fails_against_another_offices_certificate(civil):
    answer = await civil.birth_extract_by_id(CHILD)
    assert answer is not None
    trusted = await trust_store(civil)
    # Verified as if another office had signed it: its signer is trusted, but not as that office
    with pytest.raises(SignerUnexpected):
        verify_enveloped(answer.payload, trusted, expected_signer=civil_registry("20243"), at=START)
    # Or with the office's party pinned to another office's certificate: not trusted at all
    other = {certificate.party: certificate.pem for certificate in await civil.certificates()}[civil_registry("20243")]
    confused = TrustStore()
    confused.add_pem(civil_registry("20242"), other)
    with pytest.raises(CertificateUnknown):
        verify_enveloped(answer.payload, confused, expected_signer=civil_registry("20242"), at=START)


async def test_a_death_extract_verifies_and_reads_as_registered(civil):
    answer = await civil.death_extract(DECEASED)
    assert answer is not None and answer.signer == civil_registry("20242")
    checked = verify_enveloped(answer.payload, await trust_store(civil), expected_signer=answer.signer, at=START)
    extract = parse_death_extract(checked.signed_root)
    assert extract == DEATH.extract("000002/TLKT", extract.status)  # the office's second extract
    assert (extract.status.state, extract.personal_ids) == (RecordState.VALID, (DECEASED,))


async def test_a_record_the_registry_does_not_hold_is_none(civil):
    assert await civil.birth_extract_by_id(NOBODY) is None
    assert await civil.birth_extract_by_record("20242", "01/2026", "17") is None
    assert await civil.death_extract(CHILD) is None


async def test_a_malformed_query_is_refused_before_or_by_the_registry(civil):
    with pytest.raises(ValueError, match="personal_id"):
        await civil.birth_extract_by_id("48226000777")
    with pytest.raises(ValueError, match="book"):
        await civil.birth_extract_by_record("20242", " ", "16")
    # What the client would not send, the registry refuses: permanently
    for params in ({"personal_id": "４8226000777"}, {"personal_id": CHILD, "office": "20242"}, {"office": "20242"}):
        with pytest.raises(PermanentError) as refused:
            await civil.fetch_signed("GET", "/v1/extracts/birth", params=params)
        assert refused.value.status == 400


async def test_a_404_that_is_not_a_missing_record_is_permanent(civil):
    with pytest.raises(PermanentError) as refused:
        await civil.fetch_signed("GET", "/v1/extracts/marriage", params={"personal_id": CHILD})
    assert refused.value.status == 404


async def test_a_wrong_token_is_refused(civil_server, civil):
    url, _ = civil_server
    async with CivilStatusClient(url, token="wrong") as intruder:
        with pytest.raises(PermanentError) as refused:
            await intruder.birth_extract_by_id(CHILD)
        assert refused.value.status == 401
        with pytest.raises(PermanentError):
            await intruder.certificates()


async def test_an_outage_is_transient(evidence_clock, signers):
    with running(create_civil_status_simulator(clock=evidence_clock, signers=signers, failure_rate=1.0)) as url:
        async with CivilStatusClient(url) as client:
            with pytest.raises(TransientError) as caught:
                await client.birth_extract_by_id(CHILD)
    assert caught.value.status == 503 and caught.value.retry_after == 1.0


async def test_a_corrected_then_cancelled_registration_shows_on_its_extract(civil_server, civil):
    url, _ = civil_server
    before = await civil.birth_extract_by_id(CHILD)
    record = {"office_code": "20242", "book_number": "01/2026", "record_number": "16"}
    corrected_child = {**BIRTH.to_json()["child"], "full_name": "Nguyễn Minh Anh"}  # type: ignore[dict-item]
    async with httpx.AsyncClient(base_url=url) as sim:
        # Given a correction of the child's name (cải chính)
        corrected = await sim.post(
            "/sim/births/correction", json={**record, "corrected_on": "2026-10-20", "child": corrected_child}
        )
        assert corrected.json() == {"extract_number": "000001/TLKS", "status": "corrected"}
        # Then the extract says corrected, with the new name, under the same number
        after = await verified(
            await civil.birth_extract_by_id(CHILD), civil, civil_registry("20242"), parse_birth_extract
        )
        assert (after.status.state, after.status.corrected_on) == (RecordState.CORRECTED, dt.date(2026, 10, 20))
        assert (after.child.full_name, after.document_number) == ("Nguyễn Minh Anh", "000001/TLKS")
        assert (await civil.birth_extract_by_id(CHILD)) != before
        # When the registration is cancelled
        cancelled = await sim.post(
            "/sim/births/cancellation", json={**record, "cancelled_on": "2026-11-01", "reason": "Đăng ký trùng"}
        )
        assert cancelled.json() == {"extract_number": "000001/TLKS", "status": "cancelled"}
        # Then the extract says so, keeping the correction
        final = await verified(
            await civil.birth_extract_by_record(*record.values()), civil, civil_registry("20242"), parse_birth_extract
        )
        assert final.status.state is RecordState.CANCELLED
        assert (final.status.corrected_on, final.status.cancelled_on) == (dt.date(2026, 10, 20), dt.date(2026, 11, 1))
        assert final.status.cancellation_reason == "Đăng ký trùng"
        # And a cancelled registration cannot change again; an unknown one is not found
        again = await sim.post("/sim/births/cancellation", json={**record, "cancelled_on": "2026-11-02", "reason": "x"})
        unknown = await sim.post(
            "/sim/births/correction", json={**record, "record_number": "99", "corrected_on": "2026-11-02"}
        )
    assert (again.status_code, again.json()["error"]) == (409, "cancelled")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")


async def test_a_child_registered_again_after_a_cancellation_leads_to_the_new_record(civil_server, civil):
    url, register = civil_server
    register.cancel_birth(("20242", "01/2026", "16"), dt.date(2026, 11, 1), "Sai thẩm quyền")
    again = BirthRegistration("20243", "01/2026", "2", dt.date(2026, 11, 2), BIRTH.child, BIRTH.mother)
    async with httpx.AsyncClient(base_url=url) as sim:
        assert (await sim.post("/sim/births", json=[again.to_json()])).status_code == 201
        conflicting = await sim.post("/sim/births", json=[{**again.to_json(), "record_number": "3"}])
    assert conflicting.status_code == 400  # the number is held by a live registration now
    extract = await verified(
        await civil.birth_extract_by_id(CHILD), civil, civil_registry("20243"), parse_birth_extract
    )
    assert (extract.record_number, extract.status.state) == ("2", RecordState.VALID)


async def test_identities_kept_in_a_directory_survive_a_restart(tmp_path: Path, evidence_clock):
    published = []
    for _ in range(2):
        register = CivilStatusRegister()
        register.add_births([BIRTH])
        app = create_civil_status_simulator(clock=evidence_clock, register=register, identity_dir=tmp_path)
        with running(app) as url:
            async with CivilStatusClient(url) as client:
                published.append(await client.certificates())
    assert published[0] == published[1]
    assert (tmp_path / "civil-registry-20242.cert.pem").read_bytes() == published[0][0].pem


# -- population checks -----------------------------------------------------------------------------------------------


async def check_identity(client: PopulationEvidenceClient, **changes) -> IdentityCheck:
    fields = {
        "personal_id": MOTHER,
        "full_name": "Trần Thị Mai",
        "date_of_birth": dt.date(1994, 3, 4),
        "gender": Gender.FEMALE,
    }
    return await verified(
        await client.verify_identity(IdentityQuery(**{**fields, **changes})),
        client,
        POPULATION_DATABASE,
        parse_identity_check,
    )


async def test_an_identity_that_agrees_matches(population):
    check = await check_identity(population, full_name="TRAN THI MAI")
    assert (check.result, check.mismatched, check.checked_at) == (IdentityResult.MATCH, (), START)
    assert check.query.full_name == "TRAN THI MAI"  # the query is echoed as asked
    assert check.personal_ids == (MOTHER,)


async def test_an_identity_that_disagrees_lists_every_field(population):
    check = await check_identity(
        population, full_name="Trần Thị Mây", date_of_birth=dt.date(1994, 4, 3), gender=Gender.MALE
    )
    assert check.result is IdentityResult.MISMATCH
    assert check.mismatched == (IdentityField.FULL_NAME, IdentityField.DATE_OF_BIRTH, IdentityField.GENDER)


async def test_the_gender_is_compared_only_when_asked(population):
    check = await check_identity(population, gender=None)
    assert check.result is IdentityResult.MATCH and check.query.gender is None


async def test_an_unknown_number_or_one_not_yet_available_is_not_found(population, population_server):
    _, register = population_server
    later = RegisteredPerson(
        "Lê Thị Hoa", dt.date(2026, 11, 1), Gender.FEMALE, SISTER, number_available_at=START + dt.timedelta(days=1)
    )
    register.add(later)
    assert (await check_identity(population, personal_id=NOBODY)).result is IdentityResult.NOT_FOUND
    hoa = {"personal_id": SISTER, "full_name": "Lê Thị Hoa", "date_of_birth": dt.date(2026, 11, 1)}
    assert (await check_identity(population, **hoa)).result is IdentityResult.NOT_FOUND


async def test_each_check_is_its_own_piece_of_evidence(population):
    first, second = await check_identity(population), await check_identity(population)
    assert first.document_number != second.document_number


async def relationship(client: PopulationEvidenceClient, kind: RelationshipKind, first: str, second: str):
    answer = await client.verify_relationship(kind, first, second)
    checked = verify_enveloped(answer.payload, await trust_store(client), expected_signer=POPULATION_DATABASE, at=START)
    return parse_relationship_check(checked.signed_root)


async def test_a_mother_is_confirmed_from_the_register_and_a_stranger_is_not(population):
    confirmed = await relationship(population, RelationshipKind.MOTHER_CHILD, MOTHER, CHILD)
    assert (confirmed.result, confirmed.personal_ids) == (RelationshipResult.CONFIRMED, (MOTHER, CHILD))
    swapped = await relationship(population, RelationshipKind.MOTHER_CHILD, CHILD, MOTHER)
    assert swapped.result is RelationshipResult.NOT_CONFIRMED
    assert (await relationship(population, RelationshipKind.MOTHER_CHILD, FATHER, CHILD)).result is (
        RelationshipResult.NOT_CONFIRMED
    )


async def test_fathers_and_spouses_are_confirmed_once_loaded(population_server, population):
    url, _ = population_server
    assert (await relationship(population, RelationshipKind.FATHER_CHILD, FATHER, CHILD)).result is (
        RelationshipResult.NOT_CONFIRMED
    )
    links = [
        RelationshipQuery(RelationshipKind.FATHER_CHILD, FATHER, CHILD),
        RelationshipQuery(RelationshipKind.SPOUSES, MOTHER, FATHER),
    ]
    async with httpx.AsyncClient(base_url=url) as sim:
        loaded = await sim.post("/sim/relationships", json=[link.to_json() for link in links])
        mother_link = await sim.post("/sim/relationships", json=[{**links[0].to_json(), "kind": "mother_child"}])
    assert (loaded.status_code, loaded.json()) == (201, {"loaded": 2})
    assert mother_link.status_code == 400  # a mother comes with her child's record
    assert (await relationship(population, RelationshipKind.FATHER_CHILD, FATHER, CHILD)).result is (
        RelationshipResult.CONFIRMED
    )
    for first, second in ((MOTHER, FATHER), (FATHER, MOTHER)):
        assert (await relationship(population, RelationshipKind.SPOUSES, first, second)).result is (
            RelationshipResult.CONFIRMED
        )


async def test_an_unknown_person_is_said_so(population):
    answer = await relationship(population, RelationshipKind.SPOUSES, MOTHER, NOBODY)
    assert answer.result is RelationshipResult.UNKNOWN_PERSON


async def test_a_synthetic_household_brings_its_father_and_spouses(population_server, population, evidence_clock):
    _, register = population_server
    families = list(PopulationGenerator(seed=7).families(60))
    register.add_families(families)
    # Given a household whose mother, father and a child all have numbers
    mother, father, child = next(
        (f.mother.personal_id, f.father.personal_id, c.personal_id)
        for f in families
        if f.mother and f.father and f.mother.personal_id and f.father.personal_id
        for c in f.children
        if c.personal_id
    )
    assert mother and father and child
    for kind, first, second in (
        (RelationshipKind.MOTHER_CHILD, mother, child),
        (RelationshipKind.FATHER_CHILD, father, child),
        (RelationshipKind.SPOUSES, father, mother),
    ):
        assert register.check_relationship(RelationshipQuery(kind, first, second), evidence_clock.now()) is (
            RelationshipResult.CONFIRMED
        )


async def test_a_population_answer_verifies_only_as_the_population_database(population, civil):
    answer = await population.verify_identity(IdentityQuery(MOTHER, "Trần Thị Mai", dt.date(1994, 3, 4)))
    assert answer.signer == POPULATION_DATABASE
    trusted = await trust_store(population, civil)
    assert (
        parse_identity_check(
            verify_enveloped(answer.payload, trusted, expected_signer=POPULATION_DATABASE, at=START).signed_root
        ).result
        is IdentityResult.MATCH
    )
    with pytest.raises(SignerUnexpected):
        verify_enveloped(answer.payload, trusted, expected_signer=civil_registry("20242"), at=START)


async def test_a_malformed_check_or_a_wrong_token_is_permanent(population_server, population):
    url, _ = population_server
    with pytest.raises(PermanentError) as refused:
        await population.fetch_signed("POST", "/v1/evidence/relationship", body={"kind": "cousins"})
    assert refused.value.status == 400
    async with PopulationEvidenceClient(url, token="wrong") as intruder:
        with pytest.raises(PermanentError) as refused:
            await intruder.verify_relationship(RelationshipKind.SPOUSES, MOTHER, FATHER)
    assert refused.value.status == 401


async def test_the_newborn_check_still_answers_beside_the_signed_checks(population_server, population):
    url, _ = population_server
    async with PopulationClient(url, token=TOKEN) as newborns:
        answer = await newborns.verify_child(
            ChildQuery("Nguyễn Minh An", dt.date(2026, 10, 1), Gender.MALE, mother_personal_id=MOTHER)
        )
    assert (answer.status, answer.personal_id) == (IdentityStatus.MATCH, CHILD)


# -- the client's reading of answers ---------------------------------------------------------------------------------


def client_answering(response: httpx.Response) -> CivilStatusClient:
    return CivilStatusClient("http://registry.test", transport=httpx.MockTransport(lambda request: response))


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, json={"extract": "<TRICHLUCKHAISINH/>"}),
        httpx.Response(200, content=b"", headers={"Content-Type": "application/xml"}),
        httpx.Response(200, content=b"<x/>", headers={"Content-Type": "application/xml", "X-Signer-Party": "a b"}),
        httpx.Response(404, text="Not Found"),
        httpx.Response(403, json={"error": "forbidden", "reason": "office closed"}),
    ],
)
async def test_an_answer_that_is_not_a_signed_document_is_permanent(response):
    async with client_answering(response) as client:
        with pytest.raises(PermanentError):
            await client.birth_extract_by_id(CHILD)


async def test_the_payload_is_returned_untouched_whatever_its_content():
    payload = b"<?xml version='1.0'?>\r\n<TRICHLUCKHAISINH>  \xc3\xa1 </TRICHLUCKHAISINH>"
    response = httpx.Response(200, content=payload, headers={"Content-Type": "text/xml; charset=utf-8"})
    async with client_answering(response) as client:
        answer = await client.birth_extract_by_id(CHILD)
    assert answer == SignedAnswer(payload, "text/xml; charset=utf-8", None)


async def test_a_population_404_is_not_an_answer():
    response = httpx.Response(404, json={"error": "not_found", "reason": "?"})
    transport = httpx.MockTransport(lambda request: response)
    async with PopulationEvidenceClient("http://population.test", transport=transport) as client:
        with pytest.raises(PermanentError):
            await client.verify_relationship(RelationshipKind.SPOUSES, MOTHER, FATHER)
