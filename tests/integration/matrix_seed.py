"""Two jurisdictions seeded alike for the authorisation matrix: in each a facility, a registry office, children with
cases and cards, a probable duplicate, a hospital's signed sick-leave certificate and the claim it opened, an
employer and its employee, BHXH units, facility requests, trusted certificates, evidence in the simulators, and a
client of every kind. `Side` holds what a test needs to aim at one jurisdiction's records."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select

from connectors.simulators.civil_status import BirthRegistration, CivilStatusRegister, DeathRegistration
from connectors.simulators.population import RegisteredPerson
from connectors.simulators.population_evidence import KinshipRegister
from devkit.qd4750_samples import SICK_LEAVE, visit_of
from hub.audit.purpose import Purpose
from hub.catalogs.bhxh_units import UnitFields, save_unit, set_served_communes
from hub.catalogs.facilities import FacilityFields, add_facility
from hub.catalogs.facility_import import start_import
from hub.catalogs.facility_requests import RequestedFacility, request_facility
from hub.catalogs.models import FacilityLevel
from hub.childcards.models import ChildCardCase, ReviewItem
from hub.claims.rules import Month
from hub.clients.officers import create_officer
from hub.clients.permissions import ALLOWED_ROLES, ClientKind, Principal
from hub.clients.tokens import TokenSigner
from hub.contributions.records import ContributionPeriod, ContributionRecord, ContributionSource, EmployerInfo
from hub.contributions.service import store_contributions
from hub.documents.evidence import Child, Parent
from hub.documents.qd4750 import table_file
from hub.infra.clock import Clock
from hub.infra.db import Database
from hub.persons.id_numbers import compose_personal_id
from hub.persons.models import Gender, Person
from hub.persons.service import NewPerson, create_person
from hub.signatures.certificates import import_certificates
from hub.signatures.models import TrustedCertificateRow
from signing.devpki import certificates_pem
from signing.parties import POPULATION_DATABASE, facility
from tests.helpers import graphql_data, make_client, wait_until
from tests.integration.documents_kit import YEAR, facility_identity, replaced, signed_envelope
from tests.integration.test_childcards import SUBMIT, birth
from tests.integration.test_documents import submit as submit_envelope

BOOK = "01/2026"
REGISTERED = dt.date(2026, 10, 20)
CHILD_BORN = dt.date(2026, 10, 1)
LEAVE = {"start": "2025-03-03", "end": "2025-03-07"}
# The kinds every jurisdiction has a client of; a portal is national by kind, so each side's portal is national.
KINDS = tuple(ClientKind)
JURISDICTION = {
    ClientKind.CIVIL_REGISTRY: "commune:{office}",
    ClientKind.HOSPITAL: "facility:{facility}",
    ClientKind.PORTAL: "national",
    ClientKind.CLAIM_PROCESSOR: "province:{province}",
    ClientKind.SUPERVISOR: "province:{province}",
    ClientKind.OPERATOR: "province:{province}",
    ClientKind.EMPLOYER: "employer:{employer.code}",
    ClientKind.CITIZEN: "person:{employee_id}",
    ClientKind.ASSESSMENT_COUNCIL: "facility:{council}",
}


@dataclass(frozen=True)
class Place:
    """What one jurisdiction is made of: codes, names and numbers, all distinct from the other's."""

    key: str
    province: str
    province_name: str
    office: str  # the registry office's commune, where the children and the employee live
    other_commune: str
    facility: str
    spare_facility: str  # updated and retired by the positive controls
    new_facility: str  # added by the positive controls
    council: str  # the medical assessment council's unit code
    requested: tuple[str, str]  # codes of facilities asked for: one approved, one rejected
    unit: str
    employer: EmployerInfo
    employee: str  # full name
    employee_id: str
    employee_bhxh: str
    child: str
    child_id: str
    twin_name: str  # a probable duplicate waiting for an officer
    lookalike: str  # a person here whom the other place's office registers a child like (a review over there)
    mother: str
    mother_id: str
    deceased: str
    deceased_id: str
    note: str  # the facility request's note, which only its office and the operators may read

    def jurisdiction(self, kind: ClientKind) -> str:
        return JURISDICTION[kind].format(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})

    def client_name(self, kind: ClientKind) -> str:
        return f"{kind.value}-{self.key}"


PLACES = (
    Place(
        key="a",
        province="01",
        province_name="Thành phố Hà Nội",
        office="00004",
        other_commune="00008",
        facility="01001",
        spare_facility="01002",
        new_facility="01995",
        council="01901",
        requested=("01991", "01992"),
        unit="BHXH01BD",
        employer=EmployerInfo("DN0100777", "Công ty Cổ phần Bánh kẹo Thăng Long", "01"),
        employee="Phạm Quốc Huy",
        employee_id="001085000432",
        employee_bhxh="0101234588",
        child="Đỗ Gia Bảo",
        child_id=compose_personal_id("01", Gender.MALE, 2026, 7311),
        twin_name="Đỗ Minh Khang",
        lookalike="Lý Thu Hà",
        mother="Vũ Thị Hằng",
        mother_id="001194000611",
        deceased="Hoàng Văn Thụ",
        deceased_id="001050000007",
        note="Phòng khám của Ba Đình, ghi chú riêng",
    ),
    Place(
        key="b",
        province="48",
        province_name="Thành phố Đà Nẵng",
        office="20242",
        other_commune="20209",
        facility="48001",
        spare_facility="48002",
        new_facility="48995",
        council="48901",
        requested=("48991", "48992"),
        unit="BHXH48HC",
        employer=EmployerInfo("DN0012345", "Công ty TNHH Dệt may Hòa Khánh", "48"),
        employee="Lê Văn Tâm",
        employee_id="048085000321",
        employee_bhxh=SICK_LEAVE.ma_bhxh,
        child="Nguyễn Minh Triết",
        child_id=compose_personal_id("48", Gender.MALE, 2026, 4512),
        twin_name="Trần Bảo Ngọc",
        lookalike="Phan Thị Yến",
        mother="Trần Thị Mai",
        mother_id="048194000123",
        deceased="Lê Văn Bình",
        deceased_id="048060000001",
        note="Trạm y tế Hải Châu, ghi chú riêng",
    ),
)


@dataclass
class Side:
    """One seeded jurisdiction: its place, its clients' tokens, and the identifiers of its records."""

    place: Place
    tokens: dict[ClientKind, str] = field(default_factory=dict)
    principals: dict[ClientKind, Principal] = field(default_factory=dict)
    spare_client: str = ""  # revoked by the positive control
    officer: str = ""  # a person of the registry office who signs in to the console
    case: str = ""  # the child's case (card issued)
    card: str = ""
    cancel_record: str = ""  # the record number of a second registration, cancelled by the positive control
    review: str = ""  # the probable duplicate's review id
    review_case: str = ""
    cross_review: str = ""  # a review in this place's queue whose candidate lives in the other place
    employee_person: str = ""
    child_person: str = ""
    document: str = ""  # the sick-leave certificate
    envelope: str = ""
    claim: str = ""
    claim_amount: int = 0
    requests: tuple[str, str] = ("", "")
    spare_fingerprint: str = ""  # a certificate of the spare facility, retired by the positive control
    renewed_pem: str = ""  # a certificate of the facility not yet trusted, imported by the positive control
    stray_pems: tuple[str, ...] = ()  # certificates trusted for no one: what an operator might try to slip in
    population_fingerprint: str = ""  # the national population database's, which no province may retire
    facility_import: str = ""  # a facility list its operator uploaded (its one row rejected: level 9)

    @property
    def p(self) -> Place:
        return self.place

    def secrets(self) -> set[str]:
        """What no client of the other jurisdiction may see in an answer about this one's records."""
        found = {
            self.p.employee,
            self.p.employee_id,
            self.p.employee_bhxh,
            self.p.child,
            self.p.child_id,
            self.p.twin_name,
            self.p.mother,
            self.p.mother_id,
            self.p.deceased,
            self.p.note,
            self.case,
            self.card,
            self.review,
            self.review_case,
            self.employee_person,
            self.child_person,
            self.document,
            self.claim,
            self.spare_fingerprint,
            self.officer,
            self.facility_import,
            *self.requests,
            *(self.p.client_name(kind) for kind in KINDS),
        }
        if self.claim_amount >= 10_000:
            found.add(str(self.claim_amount))
        return {s for s in found if s}


def child_record(place: Place, record: str, **changes: Any) -> dict[str, Any]:
    """A registration from the place's office that passes every check."""
    return birth(
        registryOfficeCode=place.office,
        bookNumber=BOOK,
        recordNumber=record,
        facilityCode=place.facility,
        **{
            "child.fullName": place.child,
            "child.personalIdNumber": place.child_id,
            "child.placeOfBirth": f"Bệnh viện {place.facility}",
            "mother.fullName": place.mother,
            "mother.personalIdNumber": place.mother_id,
            "father.personalIdNumber": None,
            **changes,
        },
    )


def sick_leave_envelope(place: Place) -> bytes:
    """The employee's visit and sick-leave certificate, issued and signed by the place's facility."""
    episode = f"{place.facility}.2025.000311"
    visit = visit_of(episode, place.employee, place.employee_id, 1)
    visit = replaced(visit, ma_cskcb=place.facility, ma_dkbd=place.facility, matinh_cu_tru=place.province)
    visit = replaced(visit, maxa_cu_tru=place.office)
    leave = replaced(
        SICK_LEAVE,
        ma_lk=episode,
        so_seri=f"{place.facility}-2025-0004567",
        ma_bhxh=place.employee_bhxh,
        don_vi=place.employer.name,
    )
    return signed_envelope([[table_file(visit), table_file(leave)]], code=place.facility)


def load_simulators(civil: CivilStatusRegister, people: KinshipRegister) -> None:
    """Both places' births, deaths, people and kinship, as the national systems hold them."""
    civil.clear()
    people.clear()
    for place in PLACES:
        civil.add_births(
            [
                BirthRegistration(
                    place.office,
                    BOOK,
                    "1",
                    REGISTERED,
                    Child(place.child, Gender.MALE, CHILD_BORN, f"Bệnh viện {place.facility}", place.child_id),
                    Parent(place.mother, dt.date(1994, 2, 1), place.mother_id),
                )
            ]
        )
        civil.add_deaths(
            [
                DeathRegistration(
                    place.office, "02/2026", "3", REGISTERED, place.deceased, place.deceased_id, REGISTERED, "Nhà riêng"
                )
            ]
        )
        people.add_many(
            [
                RegisteredPerson(place.employee, dt.date(1985, 6, 1), Gender.MALE, place.employee_id),
                RegisteredPerson(place.mother, dt.date(1994, 2, 1), Gender.FEMALE, place.mother_id),
                RegisteredPerson(place.child, CHILD_BORN, Gender.MALE, place.child_id, place.mother_id),
            ]
        )


async def seed(
    client: httpx.AsyncClient, db: Database, signer: TokenSigner, clock: Clock, national: Principal
) -> dict[str, Side]:
    """Both places, each through the hub's services and its own clients, as they would fill it."""
    sides = {place.key: Side(place) for place in PLACES}
    for side in sides.values():
        await _catalogs(db, signer, clock, national, side)
    for side in sides.values():
        await _children(client, db, clock, side)
        await _evidence(client, db, clock, side)
    await _cross_review(client, db, sides["a"], sides["b"])
    for side in sides.values():
        await _wait_for_card_and_claim(client, side)
    async with db.sessions() as session:
        national_key = await session.scalar(
            select(TrustedCertificateRow.fingerprint).where(TrustedCertificateRow.party == POPULATION_DATABASE)
        )
    for side in sides.values():
        side.population_fingerprint = str(national_key)
    return sides


async def _catalogs(db: Database, signer: TokenSigner, clock: Clock, national: Principal, side: Side) -> None:
    place, now = side.p, clock.now()
    for kind in KINDS:
        # Every role its kind may ever hold: the matrix probes the most a client of that kind can be granted.
        principal, token = await make_client(
            db, signer, clock, place.client_name(kind), kind, place.jurisdiction(kind), roles=ALLOWED_ROLES[kind]
        )
        side.principals[kind], side.tokens[kind] = principal, token
    listing = f"MA_CSKCB,TEN_CSKCB,MA_TINH,TUYEN,KCB_BD_TRE_EM\n{place.province}666,Phòng khám,{place.province},9,1\n"
    async with db.transaction() as session:
        started = await start_import(
            session,
            file_name=f"co-so-{place.key}.csv",
            content=listing.encode(),
            now=now,
            actor=side.principals[ClientKind.OPERATOR],
        )
    side.facility_import = str(started.id)
    side.spare_client = f"spare-{place.key}"
    side.officer = f"hotich-{place.key}"
    async with db.transaction() as session:
        await create_officer(
            session,
            now=now,
            username=side.officer,
            client_name=place.client_name(ClientKind.CIVIL_REGISTRY),
            password="mật-khẩu-của-ma-trận",
        )
    await make_client(db, signer, clock, side.spare_client, ClientKind.HOSPITAL, f"facility:{place.spare_facility}")
    async with db.transaction() as session:
        for code, name in ((place.facility, "Bệnh viện"), (place.spare_facility, "Trạm y tế")):
            fields = FacilityFields(code, f"{name} {code}", place.province, FacilityLevel.PROVINCE, True)
            await add_facility(session, now=now, actor=national, fields=fields)
        await save_unit(
            session,
            now=now,
            actor=national,
            fields=UnitFields(place.unit, f"BHXH khu vực {place.key.upper()}", place.province, place.office),
        )
        await set_served_communes(session, now=now, actor=national, code=place.unit, commune_codes=[place.office])
    for code in (place.facility, place.spare_facility):
        async with db.transaction() as session:
            rows = await import_certificates(
                session, now=now, actor=national, party=facility(code), data=certificates_pem(facility_identity(code))
            )
        if code == place.spare_facility:
            side.spare_fingerprint = rows[0].fingerprint
    renewed, *strays = (facility_identity(place.facility, start=now - YEAR / 2, years=n) for n in (3, 4, 5))
    side.renewed_pem = certificates_pem(renewed).decode()
    side.stray_pems = tuple(certificates_pem(stray).decode() for stray in strays)
    office = side.principals[ClientKind.CIVIL_REGISTRY]
    requests = []
    for code in place.requested:
        async with db.transaction() as session:
            wanted = RequestedFacility(code, f"Phòng khám {code}", place.province, place.office, place.note)
            requests.append(str((await request_facility(session, now=now, actor=office, requested=wanted)).id))
    side.requests = (requests[0], requests[1])
    period = ContributionPeriod(Month(2023, 1), Month(2025, 12), 9_000_000, employer=place.employer)
    employee = ContributionRecord(
        place.employee,
        Gender.MALE,
        dt.date(1985, 6, 1),
        place.province,
        place.office,
        "Số 1 đường chính",
        personal_id_number=place.employee_id,
        bhxh_code=place.employee_bhxh,
        periods=(period,),
    )
    async with db.transaction() as session:
        report = await store_contributions(session, [employee], now=now, actor=None, source=ContributionSource.IMPORT)
    assert not report.rejected, report.rejected


async def _children(client: httpx.AsyncClient, db: Database, clock: Clock, side: Side) -> None:
    """A child whose card is issued, a second registration (to cancel), and a probable duplicate."""
    place = side.p
    async with db.transaction() as session:
        for name in (place.twin_name, place.lookalike):
            known = NewPerson(name, Gender.FEMALE, CHILD_BORN, place.province, place.office, "Nhà bà ngoại")
            await create_person(session, now=clock.now(), actor=None, purpose=Purpose.SYSTEM, new=known)
    sibling = {"child.fullName": f"{place.child} Em", "child.personalIdNumber": None}
    twin = {"child.fullName": place.twin_name, "child.gender": "FEMALE", "child.personalIdNumber": None}
    records = [child_record(place, "1"), child_record(place, "2", **sibling), child_record(place, "3", **twin)]
    answer = await graphql_data(client, SUBMIT, {"records": records}, token=side.tokens[ClientKind.CIVIL_REGISTRY])
    results = answer["submitBirthRegistrations"]["results"]
    assert all(r["accepted"] for r in results) and results[2]["state"] == "NEEDS_REVIEW", results
    side.case, side.cancel_record, side.review_case = results[0]["caseReference"], "2", results[2]["caseReference"]
    side.review = await _review_of(db, side.review_case)


async def _review_of(db: Database, reference: str) -> str:
    async with db.sessions() as session:
        return str(
            await session.scalar(select(ReviewItem.id).join(ChildCardCase).where(ChildCardCase.reference == reference))
        )


async def _cross_review(client: httpx.AsyncClient, db: Database, here: Side, there: Side) -> None:
    """Here's office registers a child (with an ID number of here) named, born and gendered like a person living
    there: matching is national, so the probable duplicate waits in here's queue with there's person as candidate."""
    child_id = compose_personal_id(here.p.province, Gender.FEMALE, 2026, 9911)
    like = {"child.fullName": there.p.lookalike, "child.gender": "FEMALE", "child.personalIdNumber": child_id}
    records = [child_record(here.p, "4", **like)]
    answer = await graphql_data(client, SUBMIT, {"records": records}, token=here.tokens[ClientKind.CIVIL_REGISTRY])
    (result,) = answer["submitBirthRegistrations"]["results"]
    assert result["state"] == "NEEDS_REVIEW", result
    here.cross_review = await _review_of(db, result["caseReference"])


async def _evidence(client: httpx.AsyncClient, db: Database, clock: Clock, side: Side) -> None:
    place = side.p
    side.envelope = sick_leave_envelope(place).decode()
    answer = await submit_envelope(client, side.tokens[ClientKind.HOSPITAL], side.envelope.encode())
    assert answer["receipt"] is not None, answer["errors"]
    async with db.sessions() as session:
        for person in await session.scalars(
            select(Person).where(Person.personal_id_number.in_([place.employee_id, place.child_id]))
        ):
            if person.personal_id_number == place.employee_id:
                side.employee_person = str(person.id)
            else:
                side.child_person = str(person.id)
    query = "query($f: DocumentFilterInput) { documents(filter: $f) { edges { node { id docType } } } }"
    found = await graphql_data(client, query, {"f": {"docTypes": ["XML11"]}}, token=side.tokens[ClientKind.HOSPITAL])
    (node,) = [e["node"] for e in found["documents"]["edges"]]
    side.document = node["id"]


CASE = "query($r: String!) { childCardCase(reference: $r) { state card { cardNumber } } }"
CLAIMS = "{ claims { edges { node { reference state amountVnd } } } }"


async def _wait_for_card_and_claim(client: httpx.AsyncClient, side: Side) -> None:
    office, processor = side.tokens[ClientKind.CIVIL_REGISTRY], side.tokens[ClientKind.CLAIM_PROCESSOR]
    found: dict[str, Any] = {}

    async def card_issued() -> bool:
        found.update((await graphql_data(client, CASE, {"r": side.case}, token=office))["childCardCase"])
        return found["state"] == "CARD_ISSUED"

    await wait_until(card_issued, timeout=30)
    side.card = found["card"]["cardNumber"]
    claims: list[dict[str, Any]] = []

    async def claim_computed() -> bool:
        claims[:] = [e["node"] for e in (await graphql_data(client, CLAIMS, token=processor))["claims"]["edges"]]
        return len(claims) == 1 and claims[0]["state"] == "COMPUTED"

    await wait_until(claim_computed, timeout=30)
    side.claim, side.claim_amount = claims[0]["reference"], int(claims[0]["amountVnd"] or 0)
