"""Medical assessment councils (a party of QĐ 69/QĐ-TTg Art 1(2)) push signed XML12 minutes as hospitals push their
documents; the minutes link to the person they name (by ID number, current or cancelled); councils send nothing else
and hospitals no minutes. Both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from devkit.qd4750_samples import ASSESSMENT, COUNCIL, SENT, SICK_LEAVE, visit_of
from hub.catalogs.facilities import FacilityFields, add_facility
from hub.catalogs.models import FacilityLevel
from hub.claims.rules.death_incapacity import AfterBirth, finding_in_document
from hub.clients.permissions import ClientKind
from hub.documents.models import Document
from hub.documents.qd4750 import build_envelope, table_file
from hub.signatures.certificates import import_certificates
from signing.devpki import certificates_pem
from signing.parties import facility
from signing.sign import sign_enveloped
from tests.helpers import make_client, make_person
from tests.integration.documents_kit import documents_world, facility_identity, signed_envelope, stop, worker_for
from tests.integration.test_documents import submit


def minutes_envelope(*hoso: list) -> bytes:
    unsigned = build_envelope(COUNCIL, SENT, list(hoso) or [[table_file(ASSESSMENT)]])
    return sign_enveloped(unsigned, facility_identity(COUNCIL))


async def enrol_council(db, signer, clock, operator) -> str:
    """The Đà Nẵng council's unit in the catalog, its certificate trusted, and its client's token."""
    async with db.transaction() as session:
        fields = FacilityFields(COUNCIL, "Hội đồng Giám định y khoa TP Đà Nẵng", "48", FacilityLevel.PROVINCE, False)
        await add_facility(session, now=clock.now(), actor=operator, fields=fields)
    async with db.transaction() as session:
        pem = certificates_pem(facility_identity(COUNCIL))
        await import_certificates(session, now=clock.now(), actor=operator, party=facility(COUNCIL), data=pem)
    _, token = await make_client(db, signer, clock, "gdyk-48", ClientKind.ASSESSMENT_COUNCIL, f"facility:{COUNCIL}")
    return token


@pytest.fixture
async def council(hub, settings, signer, clock, backend):
    """The Đà Nẵng council's client, its unit in the catalog and its certificate trusted; the hospitals' world."""
    _, state = hub
    tokens, principals = await documents_world(hub, signer, clock, backend)
    token = await enrol_council(state.services.db, signer, clock, principals["operator"])
    worker = worker_for(settings, clock, backend)
    yield token, tokens
    await stop(worker)


async def test_a_councils_signed_minutes_are_stored_and_linked_to_the_person_named(hub, council, clock):
    client, state = hub
    token, _ = council
    mother = await make_person(
        state.services.db,
        clock,
        commune="20194",
        province="48",
        name="Nguyễn Thị Lan",
        personal_id_number="048192001234",
    )
    answer = await submit(client, token, minutes_envelope())
    assert answer["errors"] == [], answer
    (line,) = answer["receipt"]["documents"]
    assert (line["docType"], line["number"], line["status"]) == ("XML12", ASSESSMENT.so_bien_ban, "NEW")
    async with state.services.db.sessions() as session:
        stored = await session.scalar(select(Document).where(Document.doc_type == "XML12"))
    assert stored is not None and stored.person_id == mother.id
    assert stored.issued_on == ASSESSMENT.ngay_chung_tu and stored.fields["KET_QUA_KHAM"] == ASSESSMENT.ket_qua_kham
    # What the minutes conclude is read from them as stored: the mother cannot care for the child from the meeting
    finding = finding_in_document(stored.doc_type, stored.fields)
    assert finding is not None and (finding.event, finding.on) == (AfterBirth.MOTHER_CANNOT_CARE, ASSESSMENT.ngay_hop)


async def test_councils_send_only_minutes_and_hospitals_none(hub, council):
    client, _ = hub
    token, hospital_tokens = council
    other = [[table_file(visit_of(SICK_LEAVE.ma_lk, "Lê Văn Tâm", "048085000321", 1)), table_file(SICK_LEAVE)]]
    refused = await submit(client, token, minutes_envelope(*other))
    assert {e["code"] for e in refused["errors"]} == {"TABLE_NOT_FOR_SENDER"} and refused["receipt"] is None
    from_hospital = await submit(client, hospital_tokens["bv-48001"], signed_envelope([[table_file(ASSESSMENT)]]))
    assert [e["code"] for e in from_hospital["errors"]] == ["TABLE_NOT_FOR_SENDER"]
