"""Hospitals' signed QĐ 130/4750 envelopes through GraphQL on both backends: accepted whole and parsed field for
field, stored byte for byte, versioned, revoked, linked, read within reach with diagnoses masked, audited."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import uuid

import pytest
from sqlalchemy import select

from devkit.qd4750_samples import (
    FACILITY,
    MOTHER,
    PREGNANCY_REST,
    PREMATURE,
    SICK_LEAVE,
    SUMMARY,
    TERMINATION,
    TRANSFER,
    TWIN_A,
    TWIN_B,
    visit_of,
)
from hub.audit.models import AuditEntry
from hub.clients.permissions import ClientKind
from hub.documents.linking import link_unmatched, link_waiting
from hub.documents.models import Document, Submission
from hub.documents.newborns import link_newborns
from hub.documents.qd4750 import BirthTime, VisitSummary, record_fields, table_file
from hub.documents.uses import DocumentChange, on_document_change, record_use
from hub.jobs.models import OutboxJob
from hub.persons.id_numbers import compose_personal_id
from hub.persons.models import Gender, Person
from tests.helpers import graphql_data, make_client, make_person, post_graphql, wait_until
from tests.integration.documents_kit import (
    documents_world,
    replaced,
    signed_by_hub,
    signed_envelope,
    stop,
    stored_rows,
    worker_for,
)
from tests.integration.test_childcards import SUBMIT as REGISTER
from tests.integration.test_childcards import birth

SUBMIT = """mutation($envelope: String!, $encoding: PayloadEncoding) {
  submitHospitalDossiers(envelope: $envelope, encoding: $encoding) {
    receipt { transactionId receivedAt sha256 repeated signedReceipt documents { docType number version status } }
    errors { field code message messageVi }
    signedRefusal
  }
}"""
DOCUMENTS = """query($filter: DocumentFilterInput, $first: Int, $after: String) {
  documents(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id docType number version state personId childId linkState childCardCode fields medicalFieldsVisible
                   issuer transactionId verification { result reasonCode signer certificateFingerprint } } }
  }
}"""
HISTORY = """query($id: ID!) { documentHistory(id: $id) { version state fields } }"""
REVOKE = """mutation($id: ID!, $reason: String!) {
  revokeDocument(id: $id, reason: $reason) { document { state revokedReason } errors { code } }
}"""
EVERY_RECORD = (MOTHER, TWIN_A, TWIN_B, SUMMARY, SICK_LEAVE, PREGNANCY_REST, TERMINATION, TRANSFER, PREMATURE)


@pytest.fixture
async def world(hub, settings, signer, clock, backend):
    tokens, principals = await documents_world(hub, signer, clock, backend)
    worker = worker_for(settings, clock, backend)
    yield tokens, principals
    await stop(worker)


async def submit(client, token: str, data: bytes, *, base64_encoded: bool = False) -> dict:
    envelope = base64.b64encode(data).decode() if base64_encoded else data.decode()
    variables = {"envelope": envelope, "encoding": "BASE64" if base64_encoded else "TEXT"}
    return (await graphql_data(client, SUBMIT, variables, token=token))["submitHospitalDossiers"]


async def documents(client, token: str, **filter: object) -> list[dict]:
    data = await graphql_data(client, DOCUMENTS, {"filter": filter, "first": 200}, token=token)
    return [edge["node"] for edge in data["documents"]["edges"]]


async def test_the_corpus_is_accepted_stored_verbatim_and_parsed_field_for_field(hub, world):
    client, state = hub
    tokens, _ = world
    data = signed_envelope()
    answer = await submit(client, tokens["bv-48001"], data, base64_encoded=True)
    assert answer["errors"] == []
    receipt = answer["receipt"]
    assert receipt["sha256"] == hashlib.sha256(data).hexdigest() and not receipt["repeated"]
    documents_read = [d for d in receipt["documents"] if d["status"] != "KEPT"]
    assert {(d["docType"], d["number"]) for d in documents_read} == {
        (r.SPEC.loaihoso, r.document_number) for r in [*EVERY_RECORD, *_visits()]
    }
    assert {d["status"] for d in documents_read} == {"NEW"}
    # The drug table, kept as sent without being read, is acknowledged with its episode
    kept = [d for d in receipt["documents"] if d["status"] == "KEPT"]
    assert kept == [{"docType": "XML2", "number": MOTHER.ma_lk, "version": 0, "status": "KEPT"}]
    # The envelope is stored byte for byte, with the report of the check
    async with state.services.db.sessions() as session:
        stored = (await session.scalars(select(Submission))).one()
    assert stored.payload == data and stored.sha256 == receipt["sha256"]
    assert stored.verification["result"] == "valid" and stored.verification["signer"] == "facility:48001"
    # Every parsed record reads back field for field
    found = {(d["docType"], d["number"]): d for d in await documents(client, tokens["bv-48001"])}
    for record in EVERY_RECORD:
        document = found[(record.SPEC.loaihoso, record.document_number)]
        assert document["fields"] == record_fields(record)
        assert document["verification"]["result"] == "valid"
    assert found[("XML9", TWIN_A.document_number)]["childCardCode"] == TWIN_A.ma_the_tam
    by_code = await documents(client, tokens["bv-48001"], childCardCode=f" {str(TWIN_A.ma_the_tam).lower()} ")
    assert [(d["docType"], d["number"]) for d in by_code] == [("XML9", TWIN_A.document_number)]
    assert found[("XML9", PREMATURE.document_number)]["fields"]["SINHCON_DUOI32TUAN"] == "1"
    # The receipt is signed by the hub
    signed = signed_by_hub(state, receipt["signedReceipt"].encode(), at=stored.received_at)
    assert signed.findtext("MA_GIAO_DICH") == receipt["transactionId"]
    assert signed.findtext("SHA256") == receipt["sha256"]


def _visits() -> list[VisitSummary]:
    return [
        visit_of(SICK_LEAVE.ma_lk, "", "", 1),
        visit_of(PREGNANCY_REST.ma_lk, "", ""),
        visit_of(TERMINATION.ma_lk, "", ""),
        visit_of(TRANSFER.ma_lk, "", "", 1),
        visit_of(PREMATURE.ma_lk, "", ""),
    ]


async def test_the_same_envelope_again_returns_the_first_receipt_and_stores_nothing_more(hub, world):
    client, state = hub
    tokens, _ = world
    data = signed_envelope()
    first = await submit(client, tokens["bv-48001"], data)
    again = await submit(client, tokens["bv-48001"], data, base64_encoded=True)
    assert again["receipt"]["repeated"] is True
    assert again["receipt"]["transactionId"] == first["receipt"]["transactionId"]
    assert again["receipt"]["signedReceipt"] == first["receipt"]["signedReceipt"]
    assert again["receipt"]["documents"] == first["receipt"]["documents"]
    assert await stored_rows(state) == (1, len(first["receipt"]["documents"]) - 1)  # all but the kept XML2


async def test_a_changed_document_is_a_new_version_that_supersedes_and_keeps_the_history(hub, world):
    client, _ = hub
    tokens, _ = world
    sick = [table_file(visit_of(SICK_LEAVE.ma_lk, "Lê Văn Tâm", "048085000321", 1)), table_file(SICK_LEAVE)]
    await submit(client, tokens["bv-48001"], signed_envelope([sick]))
    amended = [sick[0], table_file(replaced(SICK_LEAVE, so_ngay_nghi=7))]
    answer = await submit(client, tokens["bv-48001"], signed_envelope([amended]))
    statuses = {(d["docType"], d["status"], d["version"]) for d in answer["receipt"]["documents"]}
    assert statuses == {("XML1", "UNCHANGED", 1), ("XML11", "NEW_VERSION", 2)}
    current = await documents(client, tokens["bv-48001"], docTypes=["XML11"])
    assert [(d["version"], d["fields"]["SO_NGAY_NGHI"]) for d in current] == [(2, "7")]
    history = (await graphql_data(client, HISTORY, {"id": current[0]["id"]}, token=tokens["bv-48001"]))[
        "documentHistory"
    ]
    assert [(h["version"], h["state"]) for h in history] == [(1, "SUPERSEDED"), (2, "CURRENT")]
    assert history[0]["fields"]["SO_NGAY_NGHI"] == str(SICK_LEAVE.so_ngay_nghi)


changes_seen: list[DocumentChange] = []


@on_document_change("test-user")
async def _remember(session, change: DocumentChange) -> None:
    changes_seen.append(change)


async def test_users_of_a_document_are_told_when_it_is_superseded_or_revoked(hub, world, clock):
    client, state = hub
    tokens, _ = world
    changes_seen.clear()
    sick = [table_file(visit_of(SICK_LEAVE.ma_lk, "Lê Văn Tâm", "048085000321", 1)), table_file(SICK_LEAVE)]
    await submit(client, tokens["bv-48001"], signed_envelope([sick]))
    first = (await documents(client, tokens["bv-48001"], docTypes=["XML11"]))[0]
    claim = uuid.uuid4()
    async with state.services.db.transaction() as session:
        await record_use(
            session, document_id=uuid.UUID(first["id"]), user_kind="test-user", user_id=claim, now=clock.now()
        )
    await submit(
        client, tokens["bv-48001"], signed_envelope([[sick[0], table_file(replaced(SICK_LEAVE, so_ngay_nghi=9))]])
    )

    async def told(count: int):
        async def check() -> bool:
            return len(changes_seen) >= count

        return check

    used = await documents(client, tokens["bv-48001"], usedBy=str(claim), includeReplaced=True)
    assert [d["id"] for d in used] == [first["id"]]
    await wait_until(await told(1))
    second = (await documents(client, tokens["bv-48001"], docTypes=["XML11"]))[0]
    assert changes_seen[0].document_id == uuid.UUID(first["id"]) and changes_seen[0].user_id == claim
    assert changes_seen[0].replacement_id == uuid.UUID(second["id"])
    async with state.services.db.transaction() as session:
        await record_use(
            session, document_id=uuid.UUID(second["id"]), user_kind="test-user", user_id=claim, now=clock.now()
        )
    # Only the issuer may revoke, and only the current version
    other = await graphql_data(client, REVOKE, {"id": second["id"], "reason": "Nhầm"}, token=tokens["bv-48002"])
    assert other["revokeDocument"]["errors"] == [{"code": "DOCUMENT_NOT_FOUND"}]
    old = await graphql_data(client, REVOKE, {"id": first["id"], "reason": "Nhầm"}, token=tokens["bv-48001"])
    assert old["revokeDocument"]["errors"] == [{"code": "DOCUMENT_NOT_CURRENT"}]
    revoked = await graphql_data(
        client, REVOKE, {"id": second["id"], "reason": "Cấp nhầm người bệnh"}, token=tokens["bv-48001"]
    )
    assert revoked["revokeDocument"]["document"] == {"state": "REVOKED", "revokedReason": "Cấp nhầm người bệnh"}
    await wait_until(await told(2))
    assert changes_seen[1].state.value == "revoked" and changes_seen[1].reason == "Cấp nhầm người bệnh"


async def test_documents_link_to_known_people_and_wait_for_the_others(hub, world, clock):
    client, state = hub
    tokens, _ = world
    mother = await make_person(
        state.services.db,
        clock,
        commune="20194",
        province="48",
        name="Nguyễn Thị Lan",
        personal_id_number="048192001234",
    )
    await submit(client, tokens["bv-48001"], signed_envelope())
    found = {(d["docType"], d["number"]): d for d in await documents(client, tokens["bv-48001"])}
    for key in (
        ("XML1", MOTHER.ma_lk),
        ("XML9", TWIN_A.document_number),
        ("XML9", TWIN_B.document_number),
        ("XML8", SUMMARY.ma_lk),
    ):
        assert found[key]["personId"] == str(mother.id) and found[key]["linkState"] == "LINKED"
    waiting = await documents(client, tokens["bv-48001"], unmatchedOnly=True)
    assert ("XML11", SICK_LEAVE.so_seri) in {(d["docType"], d["number"]) for d in waiting}
    # The sick employee arrives later (by BHXH code, as the certificate names him): his documents follow
    employee = await make_person(
        state.services.db, clock, commune="20194", province="48", name="Lê Văn Tâm", bhxh_code=SICK_LEAVE.ma_bhxh
    )
    async with state.services.db.transaction() as session:
        assert await link_waiting(session, [employee.id], now=clock.now()) >= 1
    async with state.services.db.sessions() as session:
        linked = (await session.scalars(select(Document).where(Document.person_id == employee.id))).all()
    assert {d.doc_type for d in linked} >= {"XML11"}

    # Whoever else arrives is found by the periodic pass over the queue, which the envelope's arrival scheduled
    async def relink_scheduled() -> bool:
        async with state.services.db.sessions() as session:
            relinks = (
                await session.scalars(select(OutboxJob).where(OutboxJob.kind == "documents.link_unmatched"))
            ).all()
        return len(relinks) == 1 and relinks[0].available_at > clock.now()

    await wait_until(relink_scheduled)
    transferred = await make_person(
        state.services.db, clock, commune="20194", province="48", name="Phan Văn Đức", personal_id_number="048068000111"
    )
    async with state.services.db.transaction() as session:
        linked_now, last = await link_unmatched(session, now=clock.now())
    assert linked_now == 2 and last is None  # his XML1 and his transfer paper
    async with state.services.db.sessions() as session:
        his = (await session.scalars(select(Document.doc_type).where(Document.person_id == transferred.id))).all()
    assert sorted(his) == ["XML1", "XML13"]


async def test_reads_are_limited_to_reach_diagnoses_are_masked_and_every_read_is_audited(hub, world):
    client, state = hub
    tokens, _ = world
    await submit(client, tokens["bv-48001"], signed_envelope())
    own = await documents(client, tokens["bv-48001"], docTypes=["XML1"])
    assert own and all(d["medicalFieldsVisible"] and "CHAN_DOAN_RV" in d["fields"] for d in own)
    assert await documents(client, tokens["bv-48002"]) == []
    assert await documents(client, tokens["processor-01"]) == []
    processor = await documents(client, tokens["processor-48"], docTypes=["XML1"])
    assert processor and all("CHAN_DOAN_RV" in d["fields"] for d in processor)
    auditor = await documents(client, tokens["auditor-48"], docTypes=["XML1"])
    assert auditor and all(not d["medicalFieldsVisible"] for d in auditor)
    assert all(not any(k.startswith(("CHAN_DOAN", "MA_BENH")) for k in d["fields"]) for d in auditor)
    assert "HO_TEN" in auditor[0]["fields"]
    # Beyond diagnoses: a pregnancy ended and how far along, a delivery by caesarean or before 32 weeks
    health_facts = {"MA_DINH_CHI_THAI", "TUOI_THAI", "SINHCON_PHAUTHUAT", "SINHCON_DUOI32TUAN"}
    kinds = ["XML7", "XML9", "XML11"]
    shown = await documents(client, tokens["processor-48"], docTypes=kinds)
    assert health_facts <= {name for d in shown for name in d["fields"]}
    hidden = await documents(client, tokens["auditor-48"], docTypes=kinds)
    assert hidden and not any(health_facts & d["fields"].keys() for d in hidden)
    portal = (await post_graphql(client, DOCUMENTS, {}, token=tokens["portal"])).json()
    assert portal["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with state.services.db.sessions() as session:
        reads = (await session.scalars(select(AuditEntry).where(AuditEntry.operation == "document.read"))).all()
    assert len(reads) == len(own) + len(processor) + len(auditor) + len(shown) + len(hidden)
    assert {r.client_name for r in reads} == {"bv-48001", "processor-48", "auditor-48"}
    # Another hospital naming one of them is refused, and the attempt is audited (on the patient's trail if linked)
    one = "query($id: ID!) { document(id: $id) { fields } }"
    refused = (await post_graphql(client, one, {"id": own[0]["id"]}, token=tokens["bv-48002"])).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN" and refused["data"] is None
    async with state.services.db.sessions() as session:
        portal_attempt, attempt = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.operation == "access.refused").order_by(AuditEntry.id)
            )
        ).all()
    assert (portal_attempt.client_name, portal_attempt.details["operation"]) == ("portal", "documents")
    assert attempt.client_name == "bv-48002"
    assert (str(attempt.person_id) if attempt.person_id else None) == own[0]["personId"]
    assert attempt.details == {
        "operation": "document",
        "arguments": {"id": own[0]["id"]},
        "record": f"document:{own[0]['id']}",
    }


async def test_the_same_envelope_sent_twice_at_once_is_stored_once(hub, world):
    client, state = hub
    tokens, _ = world
    data = signed_envelope()
    first, second = await asyncio.gather(
        submit(client, tokens["bv-48001"], data), submit(client, tokens["bv-48001"], data, base64_encoded=True)
    )
    assert first["receipt"]["transactionId"] == second["receipt"]["transactionId"]
    assert {first["receipt"]["repeated"], second["receipt"]["repeated"]} == {False, True}
    assert (await stored_rows(state))[0] == 1


async def test_a_newborns_documents_join_the_child_once_registered(hub, world, clock, signer):
    """A birth certificate stays the mother's; once the child is registered (her child born that day, of that gender)
    it, and the documents of the child's care under its temporary card code, are linked to the child too. Where two
    children fit, nothing is."""
    client, state = hub
    tokens, _ = world
    db = state.services.db
    where = {"commune": "20194", "province": "48"}
    mother = await make_person(db, clock, **where, name=TWIN_A.ho_ten_nnd, personal_id_number=TWIN_A.so_cccd_nnd)
    other = await make_person(db, clock, **where, name=PREMATURE.ho_ten_nnd, personal_id_number=PREMATURE.so_cccd_nnd)
    await submit(client, tokens["bv-48001"], signed_envelope())
    born = TWIN_A.ngay_sinh_con.date()
    # The twins' birth registrations arrive from the civil registry, naming their mother by her number
    _, registry = await make_client(db, signer, clock, "ubnd-hai-chau", ClientKind.CIVIL_REGISTRY, "commune:20242")
    twins = [
        birth(
            recordNumber=str(number),
            **{
                "child.fullName": name,
                "child.gender": gender.name,
                "child.dateOfBirth": born.isoformat(),
                "child.personalIdNumber": compose_personal_id("48", gender, born.year, number),
                "mother.fullName": TWIN_A.ho_ten_nnd,
                "mother.personalIdNumber": TWIN_A.so_cccd_nnd,
                "mother.dateOfBirth": TWIN_A.ngaysinh_nnd.isoformat(),
                "facilityCode": FACILITY,
            },
        )
        for number, name, gender in ((31, "Trần Minh Khôi", Gender.MALE), (32, "Trần Minh Anh", Gender.FEMALE))
    ]
    registered = await graphql_data(client, REGISTER, {"records": twins}, token=registry)
    assert registered["submitBirthRegistrations"]["accepted"] == 2, registered
    async with db.sessions() as session:
        children = (await session.execute(select(Person.gender, Person.id).where(Person.mother_id == mother.id))).all()
    boy, girl = (dict(children)[g.value] for g in (Gender.MALE, Gender.FEMALE))
    premature_day = PREMATURE.ngay_sinh_con.date()
    for name in ("Hồ Ngọc Mai", "Hồ Ngọc Lan"):  # two daughters born that day: which one is it?
        await make_person(
            db, clock, **where, name=name, gender=Gender.FEMALE, date_of_birth=premature_day, mother_id=other.id
        )
    async with db.transaction() as session:
        await link_newborns(session, [other.id])
    births = {d["number"]: d for d in await documents(client, tokens["bv-48001"], docTypes=["XML9"])}
    assert births[TWIN_A.document_number]["childId"] == str(boy)
    assert births[TWIN_B.document_number]["childId"] == str(girl)
    assert births[TWIN_A.document_number]["personId"] == str(mother.id)
    assert births[PREMATURE.document_number]["childId"] is None
    # Reading a twin's birth certificate is on the mother's trail and on the child's
    async with db.sessions() as session:
        reads = (
            await session.execute(
                select(AuditEntry.person_id, AuditEntry.details).where(AuditEntry.operation == "document.read")
            )
        ).all()
    twin_a = births[TWIN_A.document_number]["id"]
    assert sorted(str(p) for p, d in reads if d["document"] == twin_a) == sorted([str(mother.id), str(boy)])
    # The boy's discharge under his temporary card code, sent later, joins him
    discharge = replaced(
        TERMINATION,
        ma_lk="48001.2025.000401",
        so_luu_tru="LT-2025-0401",
        ma_the_tam=TWIN_A.ma_the_tam,
        ma_dinh_chi_thai=False,
        nguyennhan_dinhchi=None,
        thoigian_dinhchi=None,
        tuoi_thai=None,
        chan_doan_rv="P07.3 - Trẻ sinh non",
    )
    newborn_visit = replaced(  # treated under his temporary card, before he had a number
        visit_of(discharge.ma_lk, "Trần Minh Khôi", "x", 1),
        so_cccd=None,
        ngay_sinh=BirthTime(born.year, born.month, born.day),
        ma_the_bhyt=TWIN_A.ma_the_tam,
    )
    answer = await submit(
        client, tokens["bv-48001"], signed_envelope([[table_file(newborn_visit), table_file(discharge)]])
    )
    assert answer["errors"] == []

    async def joined() -> bool:
        found = await documents(client, tokens["bv-48001"], personId=str(boy))
        return {(d["docType"], d["number"]) for d in found} == {
            ("XML9", TWIN_A.document_number),
            ("XML7", discharge.document_number),
        }

    await wait_until(joined)
