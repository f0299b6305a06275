"""Every Query and Mutation field of the live schema, as a client of every kind of jurisdiction A, aimed at a record
of jurisdiction B: the answer reveals nothing of B and changes nothing (issue 15, item 1). Each operation also has a
positive control, a client of B (or a national one) that gets the real answer, so that a broken call cannot pass as
a refusal. Both jurisdictions are seeded once per test (matrix_seed), on both backends."""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import graphql
import httpx
import pytest
from sqlalchemy import func, select

from hub.catalogs.adminunits import Era, UnitLevel, admin_catalog
from hub.clients.permissions import ClientKind
from hub.entry.app import create_app
from hub.infra.clock import Clock
from hub.infra.db import Base, Database
from hub.jobs.models import JobState, OutboxJob
from schema import build_schema
from tests.helpers import make_client, post_graphql, wait_until
from tests.integration.documents_kit import stop, worker_for
from tests.integration.matrix_seed import BOOK, KINDS, LEAVE, Side, child_record, load_simulators, seed
from tests.integration.test_evidence import TOKEN, connected_to, systems, trust_simulators  # noqa: F401  (simulators, per module)

K = ClientKind
Data = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """How to aim an operation at B's record, and how to tell the real answer from a refusal.

    `allowed`: the kinds of B's clients (positive controls) that get the real answer, which `shows` recognises.
    `national`: why every client may read this (catalogs, who am I); no refusal is expected of A's clients.
    `exempt`: kinds of A's clients for which the operation is national by nature, with why.
    `nothing`: what a refusal that answers with data must look like besides showing no secret of B (an empty total).
    `also`: further ways of aiming the operation at B's records (from A's side and B's), refused like the first."""

    document: str
    variables: Callable[[Side], Data]
    allowed: tuple[ClientKind, ...]
    shows: Callable[[Data, Side, ClientKind], bool]
    national: str = ""
    exempt: Mapping[ClientKind, str] = field(default_factory=dict)
    nothing: Callable[[Data, Side], bool] = lambda data, side: True
    also: tuple[Callable[[Side, Side], Data], ...] = ()

    def targets(self, a: Side, b: Side) -> list[Data]:
        return [self.variables(b), *(target(a, b) for target in self.also)]


def none(side: Side) -> Data:
    return {}


def facility_list(side: Side) -> str:
    """A facility list of one new facility in the side's province, as an operator would upload it (base64 CSV)."""
    code = f"{side.p.province}777"
    text = f"MA_CSKCB,TEN_CSKCB,MA_TINH,TUYEN,KCB_BD_TRE_EM\n{code},Phòng khám thử {code},{side.p.province},2,1\n"
    return base64.b64encode(text.encode()).decode()


def nodes(connection: Data) -> list[Data]:
    return [edge["node"] for edge in connection["edges"]]


def commune_name(code: str) -> str:
    unit = admin_catalog().get(UnitLevel.COMMUNE, code, Era.CURRENT)
    assert unit is not None
    return unit.name


def fetched(name: str) -> Callable[[Data, Side, ClientKind], bool]:
    """The evidence payload holds a stored document about B's person."""
    return lambda d, b, k: d[name]["document"] is not None and not d[name]["errors"]


def no_total(name: str) -> Callable[[Data, Side], bool]:
    return lambda d, b: d[name]["totalCount"] == 0


CATALOG = "the administrative-unit catalog is public, the same for everyone"
FACILITY_LIST = "the list of health facilities is national: every office and hospital looks facilities up"
UNITS = "BHXH units and the communes they serve are a public catalog"
EVIDENCE = """{ document { id fields } errors { code } }"""
CLAIM_PAYLOAD = """{ claim { reference state } errors { code } }"""
CASE_CHANGE = """{ caseReference state errors { code } }"""

MATRIX: dict[str, Case] = {
    # Queries
    "viewer": Case(
        "{ viewer { name kind } }",
        none,
        (K.OPERATOR,),
        lambda d, b, k: d["viewer"]["name"] == b.p.client_name(k),
        national="every client reads who it is, nothing else",
    ),
    "clients": Case(
        "{ clients { name } }",
        none,
        (K.OPERATOR,),
        lambda d, b, k: b.p.client_name(K.HOSPITAL) in [c["name"] for c in d["clients"]],
    ),
    "officers": Case(
        "{ officers { username clientName } }",
        none,
        (K.OPERATOR,),
        lambda d, b, k: b.officer in [o["username"] for o in d["officers"]],
    ),
    "personalIdCheck": Case(
        "query($n: String!) { personalIdCheck(number: $n) { valid provinceCode } }",
        lambda b: {"n": b.p.employee_id},
        (K.CIVIL_REGISTRY,),
        lambda d, b, k: int(d["personalIdCheck"]["provinceCode"]) == int(b.p.province),
        national="decodes a number the caller already holds; reads no record",
    ),
    "person": Case(
        "query($id: ID!, $p: Purpose!) { person(id: $id, purpose: $p) { fullName personalIdNumber } }",
        lambda b: {"id": b.employee_person, "p": "CLAIM_SETTLEMENT"},
        (K.CLAIM_PROCESSOR,),
        lambda d, b, k: d["person"]["fullName"] == b.p.employee,
    ),
    "auditTrail": Case(
        "query($id: ID!) { auditTrail(personId: $id) { operation clientName personId } }",
        lambda b: {"id": b.employee_person},
        (K.SUPERVISOR,),
        lambda d, b, k: len(d["auditTrail"]) > 0,
    ),
    "adminUnit": Case(
        "query($c: String!) { adminUnit(code: $c) { code name } }",
        lambda b: {"c": b.p.office},
        (K.CIVIL_REGISTRY,),
        lambda d, b, k: d["adminUnit"]["code"] == b.p.office,
        national=CATALOG,
    ),
    "communeOn": Case(
        "query($c: String!, $d: Date!) { communeOn(code: $c, date: $d) { code name } }",
        lambda b: {"c": b.p.office, "d": "2026-10-20"},
        (K.CIVIL_REGISTRY,),
        lambda d, b, k: d["communeOn"]["code"] == b.p.office,
        national=CATALOG,
    ),
    "adminUnits": Case(
        "query($n: String!, $p: String) { adminUnits(name: $n, provinceCode: $p) { code } }",
        lambda b: {"n": commune_name(b.p.office), "p": b.p.province},
        (K.CIVIL_REGISTRY,),
        lambda d, b, k: b.p.office in [u["code"] for u in d["adminUnits"]],
        national=CATALOG,
    ),
    "provinces": Case(
        "{ provinces { code } }",
        none,
        (K.CIVIL_REGISTRY,),
        lambda d, b, k: b.p.province in [u["code"] for u in d["provinces"]],
        national=CATALOG,
    ),
    "provinceChildren": Case(
        "query($p: String!) { provinceChildren(provinceCode: $p) { code } }",
        lambda b: {"p": b.p.province},
        (K.CIVIL_REGISTRY,),
        lambda d, b, k: b.p.office in [u["code"] for u in d["provinceChildren"]],
        national=CATALOG,
    ),
    "currentUnitsOf": Case(
        "query($c: String!) { currentUnitsOf(legacyCode: $c) { unit { code } default } }",
        lambda b: {"c": b.p.office},
        (K.CIVIL_REGISTRY,),
        lambda d, b, k: len(d["currentUnitsOf"]) > 0,
        national=CATALOG,
    ),
    "convertLegacyAddress": Case(
        "query($a: String!) { convertLegacyAddress(address: $a) { currentProvince { code } currentAddress } }",
        lambda b: {"a": f"Số 1, {commune_name(b.p.office)}, {b.p.province_name}"},
        (K.CIVIL_REGISTRY,),
        lambda d, b, k: d["convertLegacyAddress"] is not None,
        national=CATALOG,
    ),
    "facility": Case(
        "query($c: String!) { facility(code: $c) { code name } }",
        lambda b: {"c": b.p.facility},
        (K.HOSPITAL,),
        lambda d, b, k: d["facility"]["code"] == b.p.facility,
        national=FACILITY_LIST,
    ),
    "facilities": Case(
        "query($p: String) { facilities(provinceCode: $p) { edges { node { code } } } }",
        lambda b: {"p": b.p.province},
        (K.CIVIL_REGISTRY,),
        lambda d, b, k: b.p.facility in [n["code"] for n in nodes(d["facilities"])],
        national=FACILITY_LIST,
    ),
    "facilityRequests": Case(
        "{ facilityRequests { id code note requestedBy } }",
        none,
        (K.OPERATOR, K.CIVIL_REGISTRY),
        lambda d, b, k: b.requests[0] in [r["id"] for r in d["facilityRequests"]],
    ),
    "bhxhUnits": Case(
        "query($p: String) { bhxhUnits(provinceCode: $p) { code communeCodes } }",
        lambda b: {"p": b.p.province},
        (K.OPERATOR,),
        lambda d, b, k: b.p.unit in [u["code"] for u in d["bhxhUnits"]],
        national=UNITS,
    ),
    "bhxhUnit": Case(
        "query($c: String!) { bhxhUnit(code: $c) { code canTakeWork } }",
        lambda b: {"c": b.p.unit},
        (K.OPERATOR,),
        lambda d, b, k: d["bhxhUnit"]["canTakeWork"] is True,
        national=UNITS,
    ),
    "childCardCases": Case(
        """query($f: CaseFilterInput) { childCardCases(filter: $f) {
          totalCount edges { node { reference childName } } } }""",
        lambda b: {"f": {"provinceCode": b.p.province}},
        (K.CIVIL_REGISTRY, K.SUPERVISOR),
        lambda d, b, k: b.case in [n["reference"] for n in nodes(d["childCardCases"])],
        also=(lambda a, b: {"f": {"personalIdNumber": b.p.child_id}},),
        nothing=no_total("childCardCases"),
    ),
    "childCardCase": Case(
        "query($r: String!) { childCardCase(reference: $r) { reference childName card { cardNumber } } }",
        lambda b: {"r": b.case},
        (K.CIVIL_REGISTRY, K.SUPERVISOR),
        lambda d, b, k: d["childCardCase"]["childName"] == b.p.child,
    ),
    "childCard": Case(
        "query($n: String!) { childCard(cardNumber: $n) { reference childName } }",
        lambda b: {"n": b.card},
        (K.CIVIL_REGISTRY, K.SUPERVISOR),
        lambda d, b, k: d["childCard"]["reference"] == b.case,
    ),
    "childCardReviews": Case(
        "{ childCardReviews { id caseReference childName candidate { fullName personalIdNumber communeCode } } }",
        none,
        (K.SUPERVISOR,),
        lambda d, b, k: b.review in [r["id"] for r in d["childCardReviews"]],
        # A's own queue holds a child registered like a person of B: B's person may not be shown as candidate.
        nothing=lambda d, b: all(r["candidate"]["communeCode"] != b.p.office for r in d["childCardReviews"]),
    ),
    "childCardReport": Case(
        "query($f: Date!, $l: Date!) { childCardReport(firstDay: $f, lastDay: $l) { rows { level code received } } }",
        lambda b: {"f": "2026-10-01", "l": "2026-11-30"},
        (K.SUPERVISOR,),
        lambda d, b, k: any(r["code"] == b.p.province and r["received"] >= 3 for r in d["childCardReport"]["rows"]),
        nothing=lambda d, b: all(r["code"] not in (b.p.province, b.p.unit) for r in d["childCardReport"]["rows"]),
    ),
    "claimsReport": Case(
        "query($f: Date!, $l: Date!) { claimsReport(firstDay: $f, lastDay: $l) { rows { level code waiting } } }",
        lambda b: {"f": "2026-10-01", "l": "2026-12-31"},
        (K.CLAIM_PROCESSOR, K.SUPERVISOR),
        lambda d, b, k: any(r["code"] == b.p.province for r in d["claimsReport"]["rows"]),
        nothing=lambda d, b: all(r["code"] not in (b.p.province, b.p.unit) for r in d["claimsReport"]["rows"]),
    ),
    "documents": Case(
        """query($f: DocumentFilterInput) { documents(filter: $f) {
          totalCount edges { node { id issuer fields } } } }""",
        lambda b: {"f": {"facilityCode": b.p.facility}},
        (K.HOSPITAL, K.CLAIM_PROCESSOR, K.SUPERVISOR),
        lambda d, b, k: b.document in [n["id"] for n in nodes(d["documents"])],
        also=(lambda a, b: {"f": {"personId": b.employee_person}},),
        nothing=no_total("documents"),
    ),
    "document": Case(
        "query($id: ID!) { document(id: $id) { id issuer fields } }",
        lambda b: {"id": b.document},
        (K.HOSPITAL, K.CLAIM_PROCESSOR, K.SUPERVISOR),
        lambda d, b, k: d["document"]["id"] == b.document,
    ),
    "documentHistory": Case(
        "query($id: ID!) { documentHistory(id: $id) { id version } }",
        lambda b: {"id": b.document},
        (K.HOSPITAL, K.CLAIM_PROCESSOR),
        lambda d, b, k: [v["id"] for v in d["documentHistory"]] == [b.document],
    ),
    "certificates": Case(
        "query($p: String) { certificates(party: $p) { party fingerprint } }",
        lambda b: {"p": f"facility:{b.p.spare_facility}"},
        (K.OPERATOR,),
        lambda d, b, k: b.spare_fingerprint in [c["fingerprint"] for c in d["certificates"]],
        exempt={K.OPERATOR: "certificates are public keys, sent with every signature they verify; no personal data"},
    ),
    "claims": Case(
        """query($f: ClaimFilterInput) { claims(filter: $f) {
          totalCount edges { node { reference personName amountVnd } } } }""",
        lambda b: {"f": {"provinceCode": b.p.province}},
        (K.CLAIM_PROCESSOR, K.SUPERVISOR, K.EMPLOYER, K.CITIZEN),
        lambda d, b, k: [n["reference"] for n in nodes(d["claims"])] == [b.claim],
        also=(lambda a, b: {"f": {"personId": b.employee_person}},),
        nothing=no_total("claims"),
    ),
    "claim": Case(
        """query($r: String!) { claim(reference: $r) {
          claim { reference personName } evidence { id docType fields medicalFieldsVisible } } }""",
        lambda b: {"r": b.claim},
        (K.CLAIM_PROCESSOR, K.EMPLOYER, K.CITIZEN),
        # Employers and citizens see their own claim, its evidence as metadata only (issue 15, item 7).
        lambda d, b, k: (
            d["claim"]["claim"]["reference"] == b.claim
            and (k is K.CLAIM_PROCESSOR or not any(e["medicalFieldsVisible"] for e in d["claim"]["evidence"] or ()))
        ),
    ),
    "failedJobs": Case(
        "{ failedJobs { totalCount edges { node { id kind lastError } } } }",
        none,
        # National operators and supervisors only: a job's payload may cover several provinces (population checks
        # merge offices' batches). B's clients are provincial, so no control of B's reads it (test_failed_jobs.py
        # has the national ones); every client of A is refused.
        (),
        lambda d, b, k: False,
    ),
    "importFacilities": Case(
        """mutation($n: String!, $c: String!) { importFacilities(fileName: $n, contentBase64: $c) {
          facilityImport { id state } problem } }""",
        lambda b: {"n": "co-so.csv", "c": facility_list(b)},
        (K.OPERATOR,),
        lambda d, b, k: d["importFacilities"]["facilityImport"]["state"] == "PENDING",
        # A's operator gets an import of its own, whose job rejects the row (outside its jurisdiction): the
        # facilities are unchanged once the job has run (facility_imports are not B's records: NOT_RECORDS).
    ),
    "facilityImport": Case(
        """query($id: ID!) { facilityImport(id: $id) {
          id fileName state totalRows rowsDone rejectedCount rejected { row code errors { code } } } }""",
        lambda b: {"id": b.facility_import},
        (K.OPERATOR,),
        lambda d, b, k: d["facilityImport"]["id"] == b.facility_import,
        # An import is seen by the client that started it only: any other is answered null, as one that is not.
        nothing=lambda d, b: d["facilityImport"] is None,
    ),
    "retryJob": Case(
        "mutation($id: Int!) { retryJob(id: $id) { job { id } errors { code } } }",
        lambda b: {"id": 1},
        # National operators only, as failedJobs (test_failed_jobs.py has the control); every client of A is refused.
        (),
        lambda d, b, k: False,
    ),
    "myDataAccess": Case(
        "{ myDataAccess { entries { operation clientName clientKind } hasMore } }",
        none,
        (K.CITIZEN,),
        # By now B's processor has read the citizen's record and claim (the controls above).
        lambda d, b, k: len(d["myDataAccess"]["entries"]) > 0,
    ),
    "refusalLetter": Case(
        "query($r: String!) { refusalLetter(reference: $r) { reference xml } }",
        lambda b: {"r": b.claim},
        # B's claim is not rejected, so its own clients get NOT_REFUSED here: the positive controls (the person, the
        # employer, the province's processors download a rejected claim's letter) are in test_claim_letters.py.
        # Every client of A is refused before the claim's state is looked at.
        (),
        lambda d, b, k: False,
    ),
    "caseStatus": Case(
        "query($r: String!) { caseStatus(reference: $r) { reference state amountVnd } }",
        lambda b: {"r": b.claim},
        (K.PORTAL,),
        lambda d, b, k: d["caseStatus"]["reference"] == b.claim,
        exempt={K.PORTAL: "the portal is national by kind: it answers insured people of every province"},
    ),
    # Mutations, in the order their positive controls can run one after another
    "createClient": Case(
        """mutation($i: CreateClientInput!) { createClient(input: $i) {
          client { name } token errors { code } } }""",
        lambda b: {
            "i": {
                "name": f"new-{b.p.key}",
                "kind": "HOSPITAL",
                "jurisdiction": {"level": "FACILITY", "code": b.p.facility},
            }
        },
        (K.OPERATOR,),
        lambda d, b, k: d["createClient"]["client"]["name"] == f"new-{b.p.key}",
        also=(
            lambda a, b: {"i": {"name": "new-c", "kind": "CITIZEN", "jurisdiction": person(b.p.employee_id)}},
            lambda a, b: {"i": {"name": "new-o", "kind": "OPERATOR", "jurisdiction": {"level": "NATIONAL"}}},
        ),
    ),
    "revokeClient": Case(
        "mutation($n: String!) { revokeClient(name: $n) { client { name revokedAt } errors { code } } }",
        lambda b: {"n": b.spare_client},
        (K.OPERATOR,),
        lambda d, b, k: d["revokeClient"]["client"]["revokedAt"] is not None,
    ),
    "createOfficer": Case(
        """mutation($i: CreateOfficerInput!) { createOfficer(input: $i) {
          officer { username clientName } errors { code } } }""",
        lambda b: {
            "i": {
                "username": f"xuly-moi-{b.p.key}",
                "clientName": b.p.client_name(K.CLAIM_PROCESSOR),
                "password": "mật-khẩu-cán-bộ-mới",
            }
        },
        (K.OPERATOR,),
        lambda d, b, k: d["createOfficer"]["officer"]["clientName"] == b.p.client_name(K.CLAIM_PROCESSOR),
    ),
    "unlockOfficer": Case(
        "mutation($u: String!) { unlockOfficer(username: $u) { officer { username locked } errors { code } } }",
        lambda b: {"u": b.officer},
        (K.OPERATOR,),
        lambda d, b, k: d["unlockOfficer"]["officer"]["username"] == b.officer,
    ),
    "changePersonAddress": Case(
        """mutation($i: ChangePersonAddressInput!) { changePersonAddress(input: $i) {
          person { id address } errors { code } } }""",
        lambda b: {
            "i": {
                "personId": b.employee_person,
                "provinceCode": b.p.province,
                "communeCode": b.p.office,
                "address": "Số 9 đường mới",
            }
        },
        (K.CIVIL_REGISTRY,),
        lambda d, b, k: d["changePersonAddress"]["person"]["address"] == "Số 9 đường mới",
        also=(  # moving B's person into A, where A could then read them
            lambda a, b: {
                "i": {
                    "personId": b.employee_person,
                    "provinceCode": a.p.province,
                    "communeCode": a.p.office,
                    "address": "Số 9 đường mới",
                }
            },
        ),
    ),
    "addFacility": Case(
        "mutation($i: FacilityInput!) { addFacility(input: $i) { facility { code } errors { code } } }",
        lambda b: {"i": facility_input(b.p.new_facility, "Bệnh viện mới", b)},
        (K.OPERATOR,),
        lambda d, b, k: d["addFacility"]["facility"]["code"] == b.p.new_facility,
    ),
    "updateFacility": Case(
        "mutation($i: FacilityInput!) { updateFacility(input: $i) { facility { code name } errors { code } } }",
        lambda b: {"i": facility_input(b.p.spare_facility, "Trạm y tế đổi tên", b)},
        (K.OPERATOR,),
        lambda d, b, k: d["updateFacility"]["facility"]["name"] == "Trạm y tế đổi tên",
    ),
    "retireFacility": Case(
        """mutation($c: String!, $r: String!) { retireFacility(code: $c, reason: $r) {
          facility { code retiredAt } errors { code } } }""",
        lambda b: {"c": b.p.spare_facility, "r": "Giải thể"},
        (K.OPERATOR,),
        lambda d, b, k: d["retireFacility"]["facility"]["retiredAt"] is not None,
    ),
    "requestFacility": Case(
        """mutation($i: FacilityRequestInput!) { requestFacility(input: $i) {
          request { id code note requestedBy } errors { code } } }""",
        lambda b: {
            "i": {
                "code": b.p.requested[0],
                "name": f"Phòng khám {b.p.requested[0]}",
                "provinceCode": b.p.province,
                "communeCode": b.p.office,
            }
        },
        (K.CIVIL_REGISTRY,),
        lambda d, b, k: d["requestFacility"]["request"]["note"] == b.p.note,
        exempt={
            K.CIVIL_REGISTRY: "an office may ask for a facility of any province (a child born there); asking for one "
            "already asked for joins that request, without who asked or their note"
        },
    ),
    "approveFacilityRequest": Case(
        """mutation($id: ID!, $i: ApprovalInput!) { approveFacilityRequest(id: $id, input: $i) {
          request { id state } facility { code } errors { code } } }""",
        lambda b: {"id": b.requests[0], "i": {"level": "COMMUNE", "acceptsChildPrimaryCare": True}},
        (K.OPERATOR,),
        lambda d, b, k: d["approveFacilityRequest"]["request"]["state"] == "APPROVED",
    ),
    "rejectFacilityRequest": Case(
        """mutation($id: ID!, $r: String!) { rejectFacilityRequest(id: $id, reason: $r) {
          request { id state } errors { code } } }""",
        lambda b: {"id": b.requests[1], "r": "Không có giấy phép hoạt động"},
        (K.OPERATOR,),
        lambda d, b, k: d["rejectFacilityRequest"]["request"]["state"] == "REJECTED",
    ),
    "saveBhxhUnit": Case(
        "mutation($i: BhxhUnitInput!) { saveBhxhUnit(input: $i) { unit { code name } errors { code } } }",
        lambda b: {
            "i": {"code": b.p.unit, "name": "BHXH đổi tên", "provinceCode": b.p.province, "communeCode": b.p.office}
        },
        (K.OPERATOR,),
        lambda d, b, k: d["saveBhxhUnit"]["unit"]["name"] == "BHXH đổi tên",
    ),
    "setBhxhUnitCommunes": Case(
        """mutation($c: String!, $cs: [String!]!) { setBhxhUnitCommunes(code: $c, communeCodes: $cs) {
          unit { code communeCodes } errors { code } } }""",
        lambda b: {"c": b.p.unit, "cs": [b.p.office, b.p.other_commune]},
        (K.OPERATOR,),
        lambda d, b, k: (
            sorted(d["setBhxhUnitCommunes"]["unit"]["communeCodes"]) == sorted([b.p.office, b.p.other_commune])
        ),
    ),
    "submitBirthRegistrations": Case(
        """mutation($r: [BirthRegistrationInput!]!) { submitBirthRegistrations(records: $r) {
          accepted results { caseReference errors { code } } } }""",
        lambda b: {"r": [child_record(b.p, "1")]},
        (K.CIVIL_REGISTRY,),
        lambda d, b, k: d["submitBirthRegistrations"]["results"][0]["caseReference"] == b.case,
    ),
    "decideChildCardReview": Case(
        f"mutation($id: ID!, $s: Boolean!) {{ decideChildCardReview(id: $id, samePerson: $s) {CASE_CHANGE} }}",
        lambda b: {"id": b.review, "s": False},
        (K.SUPERVISOR,),
        lambda d, b, k: d["decideChildCardReview"]["caseReference"] == b.review_case,
        # Linking A's child to B's person would give B's person A's ID number and BHXH code.
        also=(lambda a, b: {"id": a.cross_review, "s": True},),
    ),
    "requestChildCard": Case(
        """mutation($id: String, $o: String, $b: String, $n: String, $to: String) { requestChildCard(
          personalIdNumber: $id, registryOfficeCode: $o, bookNumber: $b, recordNumber: $n, deliveryAddress: $to) {
          caseReference cardNumber deliveryAddress errors { code } } }""",
        lambda b: {"id": b.p.child_id},
        (K.CIVIL_REGISTRY,),
        lambda d, b, k: d["requestChildCard"]["caseReference"] == b.case,
        also=(
            lambda a, b: {"id": b.p.child_id, "to": "Số 2 phố Huế, Hà Nội"},
            lambda a, b: {"id": None, "o": b.p.office, "b": BOOK, "n": "1"},
        ),
    ),
    "amendBirthRegistration": Case(
        """mutation($o: String!, $b: String!, $n: String!, $c: BirthRegistrationAmendmentInput!) {
          amendBirthRegistration(registryOfficeCode: $o, bookNumber: $b, recordNumber: $n, changes: $c) """
        + CASE_CHANGE
        + " }",
        lambda b: {
            "o": b.p.office,
            "b": BOOK,
            "n": "1",
            "c": {"delivery": "BY_POST", "deliveryAddress": "Số 5 Lê Lợi"},
        },
        (K.CIVIL_REGISTRY,),
        lambda d, b, k: d["amendBirthRegistration"]["caseReference"] == b.case,
    ),
    "cancelBirthRegistration": Case(
        """mutation($o: String!, $b: String!, $n: String!, $r: String!) {
          cancelBirthRegistration(registryOfficeCode: $o, bookNumber: $b, recordNumber: $n, reason: $r) """
        + CASE_CHANGE
        + " }",
        lambda b: {"o": b.p.office, "b": BOOK, "n": b.cancel_record, "r": "Đăng ký sai thẩm quyền"},
        (K.CIVIL_REGISTRY,),
        lambda d, b, k: d["cancelBirthRegistration"]["state"] == "CARD_REVOKED",
    ),
    "submitHospitalDossiers": Case(
        """mutation($e: String!) { submitHospitalDossiers(envelope: $e) {
          receipt { transactionId repeated } errors { code } } }""",
        lambda b: {"e": b.envelope},
        (K.HOSPITAL,),
        lambda d, b, k: d["submitHospitalDossiers"]["receipt"]["repeated"] is True,
    ),
    "importCertificate": Case(
        """mutation($p: String!, $pem: String!) { importCertificate(party: $p, pem: $pem) {
          certificates { party fingerprint } errors { code } } }""",
        lambda b: {"p": f"facility:{b.p.facility}", "pem": b.renewed_pem},
        (K.OPERATOR,),
        lambda d, b, k: len(d["importCertificate"]["certificates"]) == 1,
        also=(
            lambda a, b: {"p": "population-database", "pem": b.stray_pems[0]},
            lambda a, b: {"p": f"civil-registry:{b.p.office}", "pem": b.stray_pems[1]},
        ),
    ),
    "retireCertificate": Case(
        """mutation($f: String!, $r: String!) { retireCertificate(fingerprint: $f, reason: $r) {
          certificate { fingerprint retiredAt } errors { code } } }""",
        lambda b: {"f": b.spare_fingerprint, "r": "Khóa bị lộ"},
        (K.OPERATOR,),
        lambda d, b, k: d["retireCertificate"]["certificate"]["retiredAt"] is not None,
        also=(lambda a, b: {"f": b.population_fingerprint, "r": "Khóa bị lộ"},),  # a national party's
    ),
    "fetchBirthExtract": Case(
        f"""mutation($id: String, $o: String, $b: String, $n: String) {{
          fetchBirthExtract(personalId: $id, office: $o, book: $b, number: $n) {EVIDENCE} }}""",
        lambda b: {"id": b.p.child_id},
        (K.CLAIM_PROCESSOR,),
        fetched("fetchBirthExtract"),
        also=(lambda a, b: {"id": None, "o": b.p.office, "b": BOOK, "n": "1"},),
    ),
    "fetchDeathExtract": Case(
        f"mutation($id: String!) {{ fetchDeathExtract(personalId: $id) {EVIDENCE} }}",
        lambda b: {"id": b.p.deceased_id},
        (K.CLAIM_PROCESSOR,),
        fetched("fetchDeathExtract"),
    ),
    "verifyCitizenIdentity": Case(
        f"""mutation($id: String!, $n: String!, $d: Date!) {{
          verifyCitizenIdentity(personalId: $id, fullName: $n, dateOfBirth: $d) {EVIDENCE} }}""",
        lambda b: {"id": b.p.employee_id, "n": b.p.employee, "d": "1985-06-01"},
        (K.CLAIM_PROCESSOR,),
        fetched("verifyCitizenIdentity"),
    ),
    "verifyFamilyRelationship": Case(
        f"""mutation($k: RelationshipKind!, $a: String!, $c: String!) {{
          verifyFamilyRelationship(kind: $k, firstPersonalId: $a, secondPersonalId: $c) {EVIDENCE} }}""",
        lambda b: {"k": "MOTHER_CHILD", "a": b.p.mother_id, "c": b.p.child_id},
        (K.CLAIM_PROCESSOR,),
        fetched("verifyFamilyRelationship"),
    ),
    "fileClaim": Case(
        f"mutation($i: FileClaimInput!) {{ fileClaim(input: $i) {CLAIM_PAYLOAD} }}",
        lambda b: {"i": filing(b)},
        (K.CLAIM_PROCESSOR, K.EMPLOYER, K.CITIZEN),
        lambda d, b, k: d["fileClaim"]["claim"]["reference"] == b.claim,
        also=(lambda a, b: {"i": {**filing(b), "personalId": None, "bhxhCode": b.p.employee_bhxh}},),
    ),
    "fileClaims": Case(
        """mutation($i: [FileClaimInput!]!) { fileClaims(inputs: $i) {
          results { claim { reference } errors { code } } errors { code } } }""",
        lambda b: {"i": [filing(b)]},
        (K.EMPLOYER,),
        lambda d, b, k: d["fileClaims"]["results"][0]["claim"]["reference"] == b.claim,
    ),
    "decideClaim": Case(
        f"mutation($r: String!, $d: ClaimDecision!) {{ decideClaim(reference: $r, decision: $d) {CLAIM_PAYLOAD} }}",
        lambda b: {"r": b.claim, "d": "APPROVE"},
        (K.CLAIM_PROCESSOR,),
        lambda d, b, k: d["decideClaim"]["claim"]["state"] == "APPROVED",
    ),
    "payClaim": Case(
        f"mutation($r: String!) {{ payClaim(reference: $r) {CLAIM_PAYLOAD} }}",
        lambda b: {"r": b.claim},
        (K.CLAIM_PROCESSOR,),
        lambda d, b, k: d["payClaim"]["claim"]["state"] == "PAID",
    ),
    "confirmClaimAdjustment": Case(
        f"mutation($r: String!) {{ confirmClaimAdjustment(reference: $r) {CLAIM_PAYLOAD} }}",
        lambda b: {"r": b.claim},
        (K.CLAIM_PROCESSOR,),
        # Nothing was recalculated: the answer names B's claim's situation, which only its processors may learn.
        lambda d, b, k: [e["code"] for e in d["confirmClaimAdjustment"]["errors"]] == ["NOTHING_TO_CONFIRM"],
    ),
    "declareLongTermDisease": Case(
        f"mutation($r: String!, $c: String!) {{ declareLongTermDisease(reference: $r, icd10: $c) {CLAIM_PAYLOAD} }}",
        lambda b: {"r": b.claim, "c": "C34.1"},
        (K.CLAIM_PROCESSOR,),
        lambda d, b, k: d["declareLongTermDisease"]["errors"] == [],
    ),
    "takeClaim": Case(
        "mutation($r: String!) { takeClaim(reference: $r) { claim { assignedTo } errors { code } } }",
        lambda b: {"r": b.claim},
        (K.CLAIM_PROCESSOR,),
        lambda d, b, k: bool(d["takeClaim"]["claim"]["assignedTo"]),
    ),
    "releaseClaim": Case(
        f"mutation($r: String!) {{ releaseClaim(reference: $r) {CLAIM_PAYLOAD} }}",
        lambda b: {"r": b.claim},
        (K.CLAIM_PROCESSOR,),
        # Taken or not, the answer is about B's claim, which only its processors may learn.
        lambda d, b, k: (
            d["releaseClaim"]["claim"] is not None
            or [e["code"] for e in d["releaseClaim"]["errors"]] == ["NOT_ASSIGNED_TO_YOU"]
        ),
    ),
    "revokeDocument": Case(
        """mutation($id: ID!, $r: String!) { revokeDocument(id: $id, reason: $r) {
          document { id state } errors { code } } }""",
        lambda b: {"id": b.document, "r": "Cấp nhầm người bệnh"},
        (K.HOSPITAL,),
        lambda d, b, k: d["revokeDocument"]["document"]["state"] == "REVOKED",
    ),
}


def facility_input(code: str, name: str, b: Side) -> Data:
    return {
        "code": code,
        "name": name,
        "provinceCode": b.p.province,
        "level": "DISTRICT",
        "acceptsChildPrimaryCare": True,
    }


def person(personal_id: str) -> Data:
    return {"level": "PERSON", "code": personal_id}


def filing(b: Side) -> Data:
    certificate = f"facility:{b.p.facility}/{b.p.facility}-2025-0004567"
    return {"kind": "SICKNESS", "personalId": b.p.employee_id, "leave": LEAVE, "certificate": certificate}


def schema_operations() -> set[str]:
    """Every Query and Mutation field of the live schema."""
    sdl = graphql.build_schema(build_schema().as_str())
    assert sdl.query_type is not None and sdl.mutation_type is not None
    return {*sdl.query_type.fields, *sdl.mutation_type.fields}


def test_every_operation_of_the_schema_is_in_the_matrix():
    missing = sorted(schema_operations() - MATRIX.keys())
    assert not missing, f"operations without an entry in MATRIX (add one: how to aim it at B, who may): {missing}"
    assert not sorted(MATRIX.keys() - schema_operations()), "MATRIX names operations the schema no longer has"


# Tables whose rows record reads and deliveries, not records: a refusal may add to them.
# An import a client starts is its own record of what it tried, not a record of the jurisdiction it aimed at.
NOT_RECORDS = {
    "audit_head",
    "audit_log",
    "audit_chain",
    "audit_pending",
    "outbox_jobs",
    "facility_imports",
    "facility_import_rejections",
}


async def snapshot(db: Database) -> dict[str, set[str]]:
    """Every row of every table holding records, as text."""
    rows: dict[str, set[str]] = {}
    async with db.sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name not in NOT_RECORDS:
                rows[table.name] = {repr(tuple(row)) for row in await session.execute(select(table))}
    return rows


def changed(before: dict[str, set[str]], after: dict[str, set[str]]) -> list[str]:
    return [
        f"{name}: +{len(after[name] - rows)} -{len(rows - after[name])} rows"
        for name, rows in before.items()
        if rows != after[name]
    ]


async def settled(db: Database, clock: Clock) -> None:
    """Wait until no job that is due is still waiting (what a call queued has been done)."""

    async def idle() -> bool:
        async with db.sessions() as session:
            due = select(func.count()).where(
                OutboxJob.state == JobState.PENDING.value, OutboxJob.available_at <= clock.now()
            )
            return not await session.scalar(due)

    await wait_until(idle, timeout=30)


def refusal_problem(case: Case, body: Data, b: Side, variables: Data) -> str | None:
    """None when the answer is a refusal that shows nothing of B; else what it showed."""
    if body.get("errors"):
        codes = sorted({str(e.get("extensions", {}).get("code")) for e in body["errors"]})
        return None if codes == ["FORBIDDEN"] else f"top-level errors {codes}: {body['errors'][0]['message']}"
    data = body["data"]
    given = json.dumps(variables, ensure_ascii=False)
    shown = sorted(s for s in b.secrets() if s in json.dumps(data, ensure_ascii=False) and s not in given)
    if shown:
        return f"revealed {shown}"
    if not case.nothing(data, b):
        return f"answered {json.dumps(data, ensure_ascii=False)[:800]}"
    return None


@pytest.fixture
async def matrix(systems, settings, clock, signer, backend):  # noqa: F811
    """Both jurisdictions seeded through a hub connected to the evidence simulators, and a worker beside it."""
    civil_url, civil, population_url, people = systems
    load_simulators(civil, people)
    connected = connected_to(settings, civil_url, population_url)
    app = create_app(connected, clock=clock)
    async with app.router.lifespan_context(app):
        db = app.state.hub.services.db
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client:
            national, _ = await make_client(db, signer, clock, "operator-national", K.OPERATOR, "national")
            await trust_simulators(db, national, clock, civil_url, population_url)
            worker = worker_for(connected, clock, backend)
            try:
                sides = await seed(client, db, signer, clock, national)
                await settled(db, clock)
                yield client, db, sides
            finally:
                await stop(worker)


async def test_no_client_of_one_jurisdiction_reads_or_changes_anothers_records(matrix, clock):
    client, db, sides = matrix
    a, b = sides["a"], sides["b"]
    assert schema_operations() <= MATRIX.keys(), "see test_every_operation_of_the_schema_is_in_the_matrix"
    leaks: list[str] = []
    # When: every client of A calls every operation aimed at B's record
    for name, case in MATRIX.items():
        if case.national:
            continue
        mutation = case.document.lstrip().startswith("mutation")
        for (target, variables), kind in itertools.product(enumerate(case.targets(a, b)), KINDS):
            if kind in case.exempt:
                continue
            before = await snapshot(db) if mutation else {}
            body = (await post_graphql(client, case.document, variables, token=a.tokens[kind])).json()
            problem = refusal_problem(case, body, b, variables)
            if mutation:
                await settled(db, clock)
                rows = changed(before, await snapshot(db))
                if rows:
                    problem = "; ".join(filter(None, [problem, f"changed {rows}"]))
            if problem:
                aim = f" (target {target + 1}: {json.dumps(variables, ensure_ascii=False)[:160]})" if target else ""
                leaks.append(f"{name} as {kind.value} of A{aim}: {problem}")
    # Then (positive controls): B's own clients get the real answer, so that the calls above were well formed
    wrong: list[str] = []
    for name, case in MATRIX.items():
        for kind in case.allowed:
            await settled(db, clock)
            body = (await post_graphql(client, case.document, case.variables(b), token=b.tokens[kind])).json()
            try:
                ok = not body.get("errors") and case.shows(body["data"], b, kind)
            except (KeyError, TypeError, IndexError):
                ok = False
            if not ok:
                wrong.append(f"{name} as {kind.value} of B: {json.dumps(body, ensure_ascii=False)[:400]}")
    cells = sum((len(KINDS) - len(c.exempt)) * (1 + len(c.also)) for c in MATRIX.values() if not c.national)
    controls = sum(len(c.allowed) for c in MATRIX.values())
    report = [f"{len(leaks)} of {cells} cells leak:", *leaks, f"{len(wrong)} of {controls} controls fail:", *wrong]
    assert not leaks and not wrong, "\n".join(report)
