"""Benefit claims end to end on both backends: opened by arriving evidence, merged with a manual filing, computed by
workers under the dated rules, decided and paid through GraphQL, recomputed when the evidence changes, and shown to
the national portal without medical content."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import update

from devkit.qd4750_samples import SICK_LEAVE, visit_of
from hub.claims.models import Claim
from hub.claims.rules import Month
from hub.clients.permissions import ClientKind
from hub.contributions.records import ContributionPeriod, ContributionRecord, ContributionSource, EmployerInfo
from hub.contributions.service import store_contributions
from hub.documents.qd4750 import table_file
from hub.persons.models import Gender
from tests.helpers import graphql_data, make_client, post_graphql, wait_until
from tests.integration.documents_kit import documents_world, replaced, signed_envelope, stop, worker_for
from tests.integration.test_documents import REVOKE, submit

EMPLOYER = EmployerInfo("DN0012345", "Công ty TNHH Dệt may Hòa Khánh", "48")
EMPLOYEE_ID = "048085000321"
MOTHER_ID = "048192001234"  # MOTHER.so_cccd
SICK_VISIT = visit_of(SICK_LEAVE.ma_lk, "Lê Văn Tâm", EMPLOYEE_ID, 1)
CLAIMS = """query($filter: ClaimFilterInput) { claims(filter: $filter) { totalCount edges { node {
  reference kind state personName eligible amountVnd approvedAmountVnd needsConfirmation details overdue
  computation { law amountVnd leaveMonths paidDays explanation { source textVi textEn } } } } } }"""
CLAIM = """query($reference: String!) { claim(reference: $reference) {
  claim { state amountVnd approvedAmountVnd needsConfirmation }
  history { state details } payments { kind amountVnd confirmedAt } evidence { docType number version state } } }"""
DECIDE = """mutation($reference: String!, $decision: ClaimDecision!, $reason: String) {
  decideClaim(reference: $reference, decision: $decision, reason: $reason) { claim { state } errors { code } } }"""
PAY = """mutation($reference: String!) { payClaim(reference: $reference) { claim { state } errors { code } } }"""
CONFIRM = """mutation($reference: String!) {
  confirmClaimAdjustment(reference: $reference) { claim { approvedAmountVnd needsConfirmation } errors { code } } }"""
FILE = (
    """mutation($input: FileClaimInput!) { fileClaim(input: $input) { claim { reference state } errors { code } } }"""
)
STATUS = """query($reference: String!) { caseStatus(reference: $reference) {
  reference kind state eventDate receivedAt dueOn decidedAt amountVnd overdue } }"""


def insured(full_name: str, gender: Gender, born: dt.date, **identity: str) -> ContributionRecord:
    period = ContributionPeriod(Month(2023, 1), Month(2025, 12), 9_000_000, employer=EMPLOYER)
    return ContributionRecord(full_name, gender, born, "48", "20194", "Đà Nẵng", periods=(period,), **identity)


@pytest.fixture
async def office(hub, settings, signer, clock, backend):
    _, state = hub
    tokens, _ = await documents_world(hub, signer, clock, backend)
    async with state.services.db.transaction() as session:
        report = await store_contributions(
            session,
            [
                insured("Nguyễn Thị Lan", Gender.FEMALE, dt.date(1992, 3, 14), personal_id_number=MOTHER_ID),
                insured(
                    "Lê Văn Tâm",
                    Gender.MALE,
                    dt.date(1985, 6, 1),
                    personal_id_number=EMPLOYEE_ID,
                    bhxh_code=SICK_LEAVE.ma_bhxh,
                ),
            ],
            now=clock.now(),
            actor=None,
            source=ContributionSource.IMPORT,
        )
    assert not report.rejected
    worker = worker_for(settings, clock, backend)
    yield tokens
    await stop(worker)


async def claims_when(client, token: str, count: int, **filter: object) -> list[dict]:
    found: list[dict] = []

    async def ready() -> bool:
        data = await graphql_data(client, CLAIMS, {"filter": filter}, token=token)
        found[:] = [edge["node"] for edge in data["claims"]["edges"]]
        return len(found) == count

    await wait_until(ready)
    return found


async def test_evidence_opens_claims_that_are_computed_decided_and_paid(hub, office):
    client, _ = hub
    tokens = office
    await submit(client, tokens["bv-48001"], signed_envelope())
    claims = await claims_when(client, tokens["processor-48"], 2, states=["COMPUTED"])
    by_kind = {claim["kind"]: claim for claim in claims}
    maternity, sickness = by_kind["MATERNITY"], by_kind["SICKNESS"]
    # The twins' two certificates meet in one maternity claim: seven months of leave
    assert maternity["personName"] == "Nguyễn Thị Lan" and maternity["details"]["children"] == 2
    assert maternity["eligible"] and maternity["computation"]["leaveMonths"] == 7
    assert maternity["computation"]["law"] == "58/2014/QH13"  # the birth was before 1/7/2025
    assert all(line["source"] and line["textVi"] for line in maternity["computation"]["explanation"])
    assert sickness["eligible"] and sickness["amountVnd"] > 0
    # A filing for the same certificate merges into the automatic claim
    filing = {
        "kind": "SICKNESS",
        "personalId": EMPLOYEE_ID,
        "leave": {"start": "2025-03-03", "end": "2025-03-07"},
        "certificate": f"facility:48001/{SICK_LEAVE.so_seri}",
    }
    filed = await graphql_data(client, FILE, {"input": filing}, token=tokens["processor-48"])
    assert filed["fileClaim"]["claim"]["reference"] == sickness["reference"]
    await claims_when(client, tokens["processor-48"], 2, states=["COMPUTED"])
    # Decided and paid; the portal sees state and amount, nothing medical
    reference = maternity["reference"]
    refused = await graphql_data(
        client, DECIDE, {"reference": reference, "decision": "REJECT", "reason": ""}, token=tokens["processor-48"]
    )
    assert refused["decideClaim"]["errors"] == [{"code": "REASON_REQUIRED"}]
    approved = await graphql_data(
        client, DECIDE, {"reference": reference, "decision": "APPROVE"}, token=tokens["processor-48"]
    )
    assert approved["decideClaim"]["claim"]["state"] == "APPROVED"
    paid = await graphql_data(client, PAY, {"reference": reference}, token=tokens["processor-48"])
    assert paid["payClaim"]["claim"]["state"] == "PAID"
    status = (await graphql_data(client, STATUS, {"reference": reference}, token=tokens["portal"]))["caseStatus"]
    assert status["state"] == "PAID" and status["amountVnd"] == maternity["amountVnd"]
    assert set(status) == {
        "reference",
        "kind",
        "state",
        "eventDate",
        "receivedAt",
        "dueOn",
        "decidedAt",
        "amountVnd",
        "overdue",
    }
    other = (await post_graphql(client, CLAIMS, {}, token=tokens["processor-01"])).json()
    assert other["data"]["claims"]["totalCount"] == 0
    denied = (await post_graphql(client, CLAIMS, {}, token=tokens["portal"])).json()
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_amended_certificate_after_payment_orders_a_recovery(hub, office):
    client, _ = hub
    tokens = office
    sick = [table_file(SICK_VISIT), table_file(SICK_LEAVE)]
    await submit(client, tokens["bv-48001"], signed_envelope([sick]))
    (claim,) = await claims_when(client, tokens["processor-48"], 1, states=["COMPUTED"])
    reference, first_amount = claim["reference"], claim["amountVnd"]
    await graphql_data(client, DECIDE, {"reference": reference, "decision": "APPROVE"}, token=tokens["processor-48"])
    await graphql_data(client, PAY, {"reference": reference}, token=tokens["processor-48"])
    # The hospital amends the certificate: two days fewer
    shorter = replaced(SICK_LEAVE, den_ngay=dt.date(2025, 3, 5), so_ngay_nghi=3)
    await submit(client, tokens["bv-48001"], signed_envelope([[sick[0], table_file(shorter)]]))
    (changed,) = await claims_when(client, tokens["processor-48"], 1, needsConfirmation=True)
    assert changed["state"] == "PAID" and changed["amountVnd"] < first_amount
    detail = (await graphql_data(client, CLAIM, {"reference": reference}, token=tokens["processor-48"]))["claim"]
    (recovery,) = [p for p in detail["payments"] if p["kind"] == "RECOVERY"]
    assert recovery["amountVnd"] == first_amount - changed["amountVnd"] and recovery["confirmedAt"] is None
    assert {(d["docType"], d["version"]) for d in detail["evidence"]} >= {("XML11", 1), ("XML11", 2)}
    confirmed = await graphql_data(client, CONFIRM, {"reference": reference}, token=tokens["processor-48"])
    assert confirmed["confirmClaimAdjustment"]["claim"] == {
        "approvedAmountVnd": changed["amountVnd"],
        "needsConfirmation": False,
    }


async def test_no_claim_opens_for_someone_not_insured(hub, office):
    client, _ = hub
    tokens = office
    stranger = [
        table_file(visit_of(SICK_LEAVE.ma_lk, "Lê Văn Tâm", "048070009999", 1)),
        table_file(replaced(SICK_LEAVE, ma_bhxh="4899999999", ma_the_bhyt=None)),
    ]
    await submit(client, tokens["bv-48001"], signed_envelope([stranger]))
    await submit(client, tokens["bv-48001"], signed_envelope([[table_file(SICK_VISIT), table_file(SICK_LEAVE)]]))
    claims = await claims_when(client, tokens["processor-48"], 1, states=["COMPUTED"])
    assert claims[0]["personName"] == "Lê Văn Tâm"


async def own_readers(hub, signer, clock) -> tuple[str, str, str]:
    """Tokens of the employee's employer, of another employer, and of the employee as a citizen."""
    db = hub[1].services.db
    _, employer = await make_client(db, signer, clock, "dn-hoa-khanh", ClientKind.EMPLOYER, f"employer:{EMPLOYER.code}")
    _, stranger = await make_client(db, signer, clock, "dn-khac", ClientKind.EMPLOYER, "employer:DN0099999")
    _, citizen = await make_client(db, signer, clock, "le-van-tam", ClientKind.CITIZEN, f"person:{EMPLOYEE_ID}")
    return employer, stranger, citizen


async def test_employers_and_citizens_see_and_file_only_their_own(hub, office, signer, clock):
    client, _ = hub
    tokens = office
    employer, stranger, citizen = await own_readers(hub, signer, clock)
    await submit(client, tokens["bv-48001"], signed_envelope())
    await claims_when(client, tokens["processor-48"], 2, states=["COMPUTED"])
    assert len(await claims_when(client, employer, 2)) == 2  # both insured work for it
    mine = await claims_when(client, citizen, 1)
    assert mine[0]["personName"] == "Lê Văn Tâm" and mine[0]["kind"] == "SICKNESS"
    assert (await graphql_data(client, CLAIMS, {}, token=stranger))["claims"]["totalCount"] == 0
    care = {
        "kind": "CHILD_CARE",
        "personalId": EMPLOYEE_ID,
        "childBorn": "2023-05-01",
        "leave": {"start": "2025-04-07", "end": "2025-04-08"},
    }
    filed = await graphql_data(client, FILE, {"input": care}, token=employer)
    assert filed["fileClaim"]["claim"]["state"] == "EVIDENCE_PENDING"
    refused = (await graphql_data(client, FILE, {"input": care}, token=stranger))["fileClaim"]
    assert refused == {"claim": None, "errors": [{"code": "NOT_PERMITTED"}]}
    # A number nobody has gets the same answer: filings cannot probe who is insured
    nobody = await graphql_data(client, FILE, {"input": care | {"personalId": "048085999999"}}, token=stranger)
    assert nobody["fileClaim"] == refused
    decided = (
        await post_graphql(client, DECIDE, {"reference": mine[0]["reference"], "decision": "APPROVE"}, token=citizen)
    ).json()
    assert decided["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_child_care_days_count_per_child(hub, office):
    client, _ = hub
    tokens = office

    async def care(child_born: str, start: str, end: str) -> str:
        filing: dict[str, object] = {"kind": "CHILD_CARE", "personalId": EMPLOYEE_ID, "childBorn": child_born}
        filing["leave"] = {"start": start, "end": end}
        answer = await graphql_data(client, FILE, {"input": filing}, token=tokens["processor-48"])
        return str(answer["fileClaim"]["claim"]["reference"])

    # 14 working days of a child under 3 (limit 20): 7 April 2025 was the Hùng Kings' day, a holiday
    await care("2023-05-01", "2025-04-07", "2025-04-25")
    await claims_when(client, tokens["processor-48"], 1, states=["COMPUTED"])
    same_child = await care("2023-05-01", "2025-05-05", "2025-05-16")  # 10 more: 6 left this year
    other_child = await care("2024-01-10", "2025-05-05", "2025-05-16")  # another child: a limit of his own
    claims = await claims_when(client, tokens["processor-48"], 3, states=["COMPUTED"])
    paid = {claim["reference"]: claim["computation"]["paidDays"] for claim in claims}
    assert (paid[same_child], paid[other_child]) == ("6", "10")


FILE_LIST = """mutation($inputs: [FileClaimInput!]!) { fileClaims(inputs: $inputs) {
  results { index claim { reference state filing { employerBy late } } errors { code field } } errors { code } } }"""


async def test_an_employers_list_files_each_line_or_says_why_not(hub, office, signer, clock):
    client, state = hub
    tokens = office
    _, employer = await make_client(
        state.services.db, signer, clock, "dn-hoa-khanh", ClientKind.EMPLOYER, f"employer:{EMPLOYER.code}"
    )
    await submit(client, tokens["bv-48001"], signed_envelope([[table_file(SICK_VISIT), table_file(SICK_LEAVE)]]))
    (automatic,) = await claims_when(client, tokens["processor-48"], 1, states=["COMPUTED"])
    leave = {"start": "2025-04-14", "end": "2025-04-16"}
    lines = [
        {"kind": "SICKNESS", "personalId": EMPLOYEE_ID, "leave": leave},  # a new claim
        {  # the certificate the hospital sent: merged into its claim
            "kind": "SICKNESS",
            "bhxhCode": SICK_LEAVE.ma_bhxh,
            "leave": {"start": "2025-03-03", "end": "2025-03-07"},
            "certificate": f"facility:48001/{SICK_LEAVE.so_seri}",
        },
        {"kind": "SICKNESS", "personalId": "048085999999", "leave": leave},  # nobody
        {"kind": "SICKNESS", "personalId": MOTHER_ID},  # no leave
        {"kind": "SICKNESS", "personalId": MOTHER_ID, "leave": {"start": "2025-04-16", "end": "2025-04-14"}},
    ]
    answer = (await graphql_data(client, FILE_LIST, {"inputs": lines}, token=employer))["fileClaims"]
    results = answer["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4] and answer["errors"] == []
    assert results[0]["claim"]["state"] == "EVIDENCE_PENDING" and not results[0]["errors"]
    # A leave of April 2025 filed in November 2026: long after the employee's 45 days and the employer's 7
    assert results[0]["claim"]["filing"] == {"employerBy": "2025-06-10", "late": True}
    assert results[1]["claim"]["reference"] == automatic["reference"]
    assert results[2]["errors"] == [{"code": "NOT_PERMITTED", "field": "personalId"}]  # unknown, said as to all
    assert [e["code"] for e in results[3]["errors"] + results[4]["errors"]] == ["DETAILS_INVALID", "DETAILS_INVALID"]
    # Sent again: the same claims, nothing doubled; the computation runs once more to the same result
    again = (await graphql_data(client, FILE_LIST, {"inputs": lines[:2]}, token=employer))["fileClaims"]["results"]
    assert [r["claim"]["reference"] for r in again] == [r["claim"]["reference"] for r in results[:2]]
    computed = await claims_when(client, tokens["processor-48"], 2, states=["COMPUTED"])
    assert {c["reference"] for c in computed} == {r["claim"]["reference"] for r in results[:2]}
    # Another employer's list: its lines are refused one by one, without saying more
    _, stranger = await make_client(
        state.services.db, signer, clock, "dn-khac", ClientKind.EMPLOYER, "employer:DN0099999"
    )
    refused = (await graphql_data(client, FILE_LIST, {"inputs": lines[:1]}, token=stranger))["fileClaims"]["results"]
    assert refused == [{"index": 0, "claim": None, "errors": [{"code": "NOT_PERMITTED", "field": "personalId"}]}]
    too_many = (await graphql_data(client, FILE_LIST, {"inputs": lines[:1] * 1001}, token=employer))["fileClaims"]
    assert too_many == {"results": [], "errors": [{"code": "TOO_MANY_FILINGS"}]}


async def test_an_earlier_leave_filed_late_recounts_the_later_claims(hub, office):
    client, _ = hub
    tokens = office
    processor = tokens["processor-48"]

    async def care(start: str, end: str) -> str:
        filing = {"kind": "CHILD_CARE", "personalId": EMPLOYEE_ID, "childBorn": "2023-05-01"}
        answer = await graphql_data(
            client, FILE, {"input": filing | {"leave": {"start": start, "end": end}}}, token=processor
        )
        return str(answer["fileClaim"]["claim"]["reference"])

    # May's 10 days are computed and approved while the limit (20 days a year, a child under 3) looks untouched
    may = await care("2025-05-05", "2025-05-16")
    (computed,) = await claims_when(client, processor, 1, states=["COMPUTED"])
    assert computed["computation"]["paidDays"] == "10"
    await graphql_data(client, DECIDE, {"reference": may, "decision": "APPROVE"}, token=processor)
    # Then April's 14 days are filed: they come first, so May has only 6 left; May is not paid yet, so its pending
    # payment falls to the 6 days (nothing to recover), for a processor to confirm
    april = await care("2025-04-07", "2025-04-25")
    (changed,) = await claims_when(client, processor, 1, needsConfirmation=True)
    assert changed["reference"] == may and changed["computation"]["paidDays"] == "6"
    claims = {c["reference"]: c for c in await claims_when(client, processor, 2, states=["COMPUTED", "APPROVED"])}
    assert claims[april]["computation"]["paidDays"] == "14"
    detail = (await graphql_data(client, CLAIM, {"reference": may}, token=processor))["claim"]
    (payment,) = detail["payments"]
    assert payment["kind"] == "PAYMENT" and payment["confirmedAt"] is None
    assert payment["amountVnd"] == changed["amountVnd"] < computed["amountVnd"]


async def test_a_leave_is_filed_by_the_employer_of_its_month(hub, signer, clock):
    """Who may file a leave is the employer the person last contributed for up to the leave's month: after a change
    of job the new employer, for a leave before it the old one."""
    client, state = hub
    db = state.services.db
    later = EmployerInfo("DN0067890", "Công ty CP Cơ khí Liên Chiểu", "48")
    periods = (
        ContributionPeriod(Month(2023, 1), Month(2024, 6), 9_000_000, employer=EMPLOYER),
        ContributionPeriod(Month(2024, 7), Month(2025, 12), 11_000_000, employer=later),
    )
    record = ContributionRecord(
        "Trần Văn Hải",
        Gender.MALE,
        dt.date(1985, 6, 1),
        "48",
        "20194",
        "Đà Nẵng",
        periods=periods,
        personal_id_number=EMPLOYEE_ID,
    )
    async with db.transaction() as session:
        assert not (
            await store_contributions(session, [record], now=clock.now(), actor=None, source=ContributionSource.IMPORT)
        ).rejected
    tokens = {}
    for employer in (EMPLOYER, later):
        name = f"dn-{employer.code.lower()}"
        _, tokens[employer.code] = await make_client(
            db, signer, clock, name, ClientKind.EMPLOYER, f"employer:{employer.code}"
        )

    def line(start: str, end: str) -> dict[str, object]:
        return {"kind": "SICKNESS", "personalId": EMPLOYEE_ID, "leave": {"start": start, "end": end}}

    before, after = line("2024-03-04", "2024-03-05"), line("2025-03-03", "2025-03-04")

    async def codes(employer: EmployerInfo) -> list[list[str]]:
        answer = await graphql_data(client, FILE_LIST, {"inputs": [before, after]}, token=tokens[employer.code])
        return [[e["code"] for e in r["errors"]] for r in answer["fileClaims"]["results"]]

    assert await codes(EMPLOYER) == [[], ["NOT_PERMITTED"]]
    assert await codes(later) == [["NOT_PERMITTED"], []]


async def test_a_revoked_certificate_gives_its_days_back_to_the_later_claims(hub, office):
    """An approved claim whose certificate the hospital revokes is owed back whole: its days no longer count against
    the yearly limit, and the person's later claims of that year are computed again with them."""
    client, _ = hub
    tokens = office
    processor = tokens["processor-48"]
    await submit(client, tokens["bv-48001"], signed_envelope([[table_file(SICK_VISIT), table_file(SICK_LEAVE)]]))
    (certified,) = await claims_when(client, processor, 1, states=["COMPUTED"])
    await graphql_data(client, DECIDE, {"reference": certified["reference"], "decision": "APPROVE"}, token=processor)
    # A long leave later that year reaches the yearly limit (30 days) only because the certificate's days came first
    leave = {"kind": "SICKNESS", "personalId": EMPLOYEE_ID, "leave": {"start": "2025-04-01", "end": "2025-05-16"}}
    later = (await graphql_data(client, FILE, {"input": leave}, token=processor))["fileClaim"]["claim"]["reference"]
    (limited,) = await claims_when(client, processor, 1, states=["COMPUTED"])
    certified_days = Decimal(certified["computation"]["paidDays"])
    assert limited["reference"] == later and Decimal(limited["computation"]["paidDays"]) == 30 - certified_days
    evidence = """query($reference: String!) { claim(reference: $reference) { evidence { id docType } } }"""
    found = await graphql_data(client, evidence, {"reference": certified["reference"]}, token=processor)
    (certificate,) = [d for d in found["claim"]["evidence"] if d["docType"] == "XML11"]
    revoked = await graphql_data(
        client, REVOKE, {"id": certificate["id"], "reason": "Cấp nhầm"}, token=tokens["bv-48001"]
    )
    assert revoked["revokeDocument"]["errors"] == []

    async def days_given_back() -> bool:
        data = await graphql_data(client, CLAIMS, {"filter": {"states": ["COMPUTED"]}}, token=processor)
        (claim,) = [edge["node"] for edge in data["claims"]["edges"]]
        return bool(claim["reference"] == later and claim["computation"]["paidDays"] == "30")

    await wait_until(days_given_back)
    (owed,) = await claims_when(client, processor, 1, states=["APPROVED"], needsConfirmation=True)
    assert owed["reference"] == certified["reference"] and owed["amountVnd"] == 0


OWN_CLAIM = """query($reference: String!) { claim(reference: $reference) {
  claim { reference kind } evidenceMetadata { docType number issuer state } evidence { docType fields } } }"""
MY_DATA = """query($first: Int!, $before: Int) { myDataAccess(first: $first, beforeSeq: $before) {
  hasMore entries { seq clientName clientKind clientJurisdiction operation purpose description descriptionVi } } }"""


async def test_employers_and_citizens_read_their_own_claim_with_evidence_as_metadata(hub, office, signer, clock):
    client, _ = hub
    tokens = office
    employer, stranger, citizen = await own_readers(hub, signer, clock)
    await submit(client, tokens["bv-48001"], signed_envelope())
    [sickness] = await claims_when(client, tokens["processor-48"], 1, kinds=["SICKNESS"], states=["COMPUTED"])
    reference = {"reference": sickness["reference"]}
    # The processor reads the certificate itself
    processor_view = (await graphql_data(client, OWN_CLAIM, reference, token=tokens["processor-48"]))["claim"]
    assert [d["docType"] for d in processor_view["evidence"]] == ["XML11"]
    assert processor_view["evidence"][0]["fields"]["CHAN_DOAN_RV"]  # a diagnosis: for claim roles only
    # The insured person and their employer read the same claim: what the evidence is, never what it says
    for token in (citizen, employer):
        seen = (await graphql_data(client, OWN_CLAIM, reference, token=token))["claim"]
        assert seen["claim"] == {"reference": sickness["reference"], "kind": "SICKNESS"}
        assert seen["evidence"] is None
        assert seen["evidenceMetadata"] == [
            {"docType": "XML11", "number": SICK_LEAVE.so_seri, "issuer": "facility:48001", "state": "CURRENT"}
        ]
    # Another employer is refused, and the attempt is on the insured person's own access log
    refused = (await post_graphql(client, OWN_CLAIM, reference, token=stranger)).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN" and refused["data"] is None
    log = (await graphql_data(client, MY_DATA, {"first": 200}, token=citizen))["myDataAccess"]
    refusal = next(e for e in log["entries"] if e["operation"] == "access.refused")
    assert (refusal["clientName"], refusal["clientKind"]) == ("dn-khac", "employer")
    assert refusal["descriptionVi"] == "Một lần truy cập dữ liệu của bạn đã bị từ chối"


async def test_a_citizen_sees_every_access_to_their_own_data(hub, office, signer, clock):
    client, state = hub
    tokens = office
    db = state.services.db
    _, citizen = await make_client(db, signer, clock, "le-van-tam", ClientKind.CITIZEN, f"person:{EMPLOYEE_ID}")
    _, unknown = await make_client(db, signer, clock, "chua-co", ClientKind.CITIZEN, "person:048099000001")
    await submit(client, tokens["bv-48001"], signed_envelope())
    [sickness] = await claims_when(client, tokens["processor-48"], 1, kinds=["SICKNESS"], states=["COMPUTED"])
    await graphql_data(client, OWN_CLAIM, {"reference": sickness["reference"]}, token=tokens["processor-48"])
    # Given the processor listed and read Lê Văn Tâm's claim (and its certificate)
    log = (await graphql_data(client, MY_DATA, {"first": 200}, token=citizen))["myDataAccess"]
    by_operation = {e["operation"]: e for e in log["entries"]}
    # Then he sees each of it: who, of which kind and jurisdiction, what, and the stated purpose
    for operation in ("claim.list", "claim.read", "document.read"):
        entry = by_operation[operation]
        assert (entry["clientName"], entry["clientKind"], entry["clientJurisdiction"]) == (
            "processor-48",
            "claim_processor",
            "province:48",
        ), operation
        assert entry["purpose"] == "claim_settlement" and entry["description"] and entry["descriptionVi"]
    seqs = [e["seq"] for e in log["entries"]]
    assert seqs == sorted(seqs, reverse=True) and not log["hasMore"]
    # Page by page, newest first; reading it is recorded too
    first = (await graphql_data(client, MY_DATA, {"first": 2}, token=citizen))["myDataAccess"]
    assert first["hasMore"] and first["entries"][0]["operation"] == "audit.read_own_access"
    rest = await graphql_data(client, MY_DATA, {"first": 200, "before": first["entries"][-1]["seq"]}, token=citizen)
    assert [e["seq"] for e in rest["myDataAccess"]["entries"]] == seqs[1:]
    # Someone the hub knows nothing about has nothing recorded; other kinds of client have no own log
    assert (await graphql_data(client, MY_DATA, {"first": 10}, token=unknown))["myDataAccess"]["entries"] == []
    other = (await post_graphql(client, MY_DATA, {"first": 10}, token=tokens["processor-48"])).json()
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"


EXPLAINED = "fragment Explained on Claim { reference amountVnd computation { amountVnd explanation { textEn } } }"
READS_WITH_EXPLANATION: dict[str, tuple[str, str, Callable[[dict], dict]]] = {
    "claims": (
        "schema.claims.queue.write",
        "query($kinds: [ClaimKind!]) { claims(filter: {kinds: $kinds}) { edges { node { ...Explained } } } }",
        lambda data: data["claims"]["edges"][0]["node"],
    ),
    "claim": (
        "schema.claims.queue.write",
        "query($reference: String!) { claim(reference: $reference) { claim { ...Explained } } }",
        lambda data: data["claim"]["claim"],
    ),
    "takeClaim": (
        "schema.claims.decisions.write",
        "mutation($reference: String!) { takeClaim(reference: $reference) { claim { ...Explained } errors { code } } }",
        lambda data: data["takeClaim"]["claim"],
    ),
}


@pytest.mark.parametrize("operation", READS_WITH_EXPLANATION)
async def test_a_claims_explanation_is_the_one_of_the_amounts_read_with_it(hub, office, monkeypatch, operation):
    """A computation that ends while a response is being resolved does not slip its explanation lines next to the
    amounts of the one read before: the lines are read with the claim (in a fragment too), not after."""
    client, state = hub
    await submit(client, office["bv-48001"], signed_envelope())
    [sickness] = await claims_when(client, office["processor-48"], 1, kinds=["SICKNESS"], states=["COMPUTED"])
    read_before = [line["textEn"] for line in sickness["computation"]["explanation"]]
    target, query, claim_of = READS_WITH_EXPLANATION[operation]
    original = importlib.import_module(target.rsplit(".", 1)[0]).write

    async def computed_again_meanwhile(info, work, **options):  # as a worker would, once the claim was read
        done = await original(info, work, **options)
        async with state.services.db.transaction() as session:
            later = {"rule": "later", "source": "", "inputs": {}, "arithmetic": "", "text_vi": "", "text_en": "later"}
            await session.execute(
                update(Claim).where(Claim.reference == sickness["reference"]).values(explanation=[later])
            )
        return done

    monkeypatch.setattr(target, computed_again_meanwhile)
    variables = {"kinds": ["SICKNESS"], "reference": sickness["reference"]}
    data = await graphql_data(client, EXPLAINED + query, variables, token=office["processor-48"])
    claim = claim_of(data)
    assert claim["reference"] == sickness["reference"] and claim["amountVnd"] == sickness["amountVnd"]
    assert [line["textEn"] for line in claim["computation"]["explanation"]] == read_before
