"""Every way an envelope is refused: each gives its code (with the field's path for table faults) and leaves no row."""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable

import pytest
from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from devkit.qd4750_samples import FACILITY, MOTHER, SENT, SICK_LEAVE, TWIN_A, visit_of
from hub.documents.errors import SignatureCode
from hub.documents.qd4750 import build_envelope, table_file
from hub.signatures.certificates import import_certificates
from signing.devpki import certificates_pem, generate_identity
from signing.parties import facility
from signing.sign import sign_enveloped
from tests.conftest import START
from tests.helpers import graphql_data
from tests.integration.documents_kit import (
    OTHER_FACILITY,
    documents_world,
    facility_identity,
    replaced,
    rows_left,
    signed_by_hub,
    signed_envelope,
)
from tests.integration.test_documents import SUBMIT, submit

SICK = [table_file(visit_of(SICK_LEAVE.ma_lk, "Lê Văn Tâm", "048085000321", 1)), table_file(SICK_LEAVE)]
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><GIAMDINHHS>&lol3;</GIAMDINHHS>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><GIAMDINHHS>&x;</GIAMDINHHS>"""


@pytest.fixture
async def world(hub, signer, clock, backend):
    tokens, principals = await documents_world(hub, signer, clock, backend)
    return tokens, principals


DS = "{http://www.w3.org/2000/09/xmldsig#}"


def edit(data: bytes, change) -> bytes:
    root = etree.fromstring(data)
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _tamper(root) -> None:
    root.find("THONGTINHOSO/NGAYLAP").text = "20250311"


def _move_signed_content(root) -> None:
    # The genuine THONGTINHOSO hidden in the signature, a forged one in its place
    genuine = root.find("THONGTINHOSO")
    forged = copy.deepcopy(genuine)
    forged.find("NGAYLAP").text = "20991231"
    root.replace(genuine, forged)
    signature = root.find("CHUKYDONVI")[0]
    etree.SubElement(signature, f"{DS}Object").append(genuine)


def _break_signature_value(root) -> None:
    value = root.find(f"CHUKYDONVI/{DS}Signature/{DS}SignatureValue")
    raw = bytearray(base64.b64decode(value.text))
    raw[10] ^= 0xFF
    value.text = base64.b64encode(bytes(raw)).decode()


def _claim_sha1(root) -> None:
    method = root.find(f"CHUKYDONVI/{DS}Signature/{DS}SignedInfo/{DS}SignatureMethod")
    method.set("Algorithm", "http://www.w3.org/2000/09/xmldsig#rsa-sha1")


def _add_unsigned_copy(root) -> None:
    forged = copy.deepcopy(root.find("THONGTINHOSO"))
    forged.find("NGAYLAP").text = "20991231"
    root.insert(0, forged)


def _envelope_with_file(loaihoso: str, content: str) -> bytes:
    unsigned = build_envelope(FACILITY, SENT, [[SICK[0], ("XML11", b"placeholder")]])
    unsigned = unsigned.replace(base64.b64encode(b"placeholder"), content.encode())
    return sign_enveloped(unsigned, facility_identity())


def _signed(hoso, *, code: str = FACILITY, identity=None) -> bytes:
    return sign_enveloped(build_envelope(code, SENT, hoso), identity or facility_identity(code))


CASES: dict[str, tuple[Callable[[], bytes], str]] = {
    "malformed XML": (lambda: b"<GIAMDINHHS><THONGTINDONVI>", "XML_MALFORMED"),
    "a DTD with an external entity": (lambda: XXE, "XML_UNSAFE"),
    "entity expansion": (lambda: BILLION_LAUGHS, "XML_UNSAFE"),
    "no signature": (lambda: build_envelope(FACILITY, SENT, [SICK]), "SIGNATURE_MISSING"),
    "altered after signing": (lambda: edit(signed_envelope([SICK]), _tamper), "DIGEST_MISMATCH"),
    "signed content moved, forged in its place": (
        lambda: edit(signed_envelope([SICK]), _move_signed_content),
        "DIGEST_MISMATCH",
    ),
    "a second unsigned copy": (lambda: edit(signed_envelope([SICK]), _add_unsigned_copy), "DIGEST_MISMATCH"),
    "a wrong signature value": (lambda: edit(signed_envelope([SICK]), _break_signature_value), "SIGNATURE_INVALID"),
    "a SHA-1 signature": (lambda: edit(signed_envelope([SICK]), _claim_sha1), "ALGORITHM_REFUSED"),
    "another facility's certificate": (
        lambda: _signed([SICK], identity=facility_identity(OTHER_FACILITY)),
        "SIGNER_UNEXPECTED",
    ),
    "a certificate nobody imported": (
        lambda: _signed(
            [SICK],
            identity=generate_identity(
                facility(FACILITY), not_before=START - dt.timedelta(days=1), not_after=START + dt.timedelta(days=9)
            ),
        ),
        "CERTIFICATE_UNKNOWN",
    ),
    "a table that is not base64": (lambda: _envelope_with_file("XML11", "@@not-base64@@"), "BASE64_INVALID"),
    "a table that is not XML": (
        lambda: _envelope_with_file("XML11", base64.b64encode(b"just text").decode()),
        "PAYLOAD_NOT_XML",
    ),
    "the envelope of another facility": (
        lambda: _signed([SICK], code=OTHER_FACILITY, identity=facility_identity()),
        "FACILITY_NOT_SENDER",
    ),
    "the same document twice": (
        lambda: _signed([SICK, SICK]),
        "DOCUMENT_REPEATED",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_a_refused_envelope_gets_its_code_and_leaves_nothing(hub, world, clock, case):
    client, state = hub
    tokens, _ = world
    make, code = CASES[case]
    data = make()
    answer = await submit(client, tokens["bv-48001"], data, base64_encoded=True)
    assert answer["receipt"] is None
    assert code in {e["code"] for e in answer["errors"]}, answer["errors"]
    assert all(e["message"] and e["messageVi"] for e in answer["errors"])
    assert await rows_left(state) == {}
    # The refusal is signed by the hub: what was refused (these bytes, from this facility), when, and why
    refusal = signed_by_hub(state, answer["signedRefusal"].encode(), at=clock.now())
    assert refusal.tag == "TUCHOI" and refusal.findtext("NGUOI_GUI") == "facility:48001"
    assert refusal.findtext("SHA256") == hashlib.sha256(data).hexdigest()
    assert [e.findtext("MA") for e in refusal.iterfind("DANHSACHLOI/LOI")] == [e["code"] for e in answer["errors"]]
    # with the report of the signature check, when that check refused it
    check = refusal.find("XAC_THUC")
    if code in set(SignatureCode):
        assert (check.findtext("REASON_CODE"), check.findtext("EXPECTED_SIGNER")) == (code, "facility:48001")
        assert check.findtext("RESULT") == "invalid"
    else:
        assert check is None


async def test_table_faults_are_each_reported_with_their_path(hub, world):
    client, state = hub
    tokens, _ = world
    faulty_visit = replaced(MOTHER, so_cccd="0481920012345678")
    faulty_birth = replaced(TWIN_A, so_con=None)
    data = _signed([SICK, [table_file(faulty_visit), table_file(faulty_birth)]])
    answer = await submit(client, tokens["bv-48001"], data)
    found = {(e["code"], e["field"]) for e in answer["errors"]}
    assert ("FIELD_TOO_LONG", "HOSO[2]/XML1[1]/SO_CCCD") in found
    assert ("FIELD_REQUIRED", "HOSO[2]/XML9[1]/SO_CON") in found
    assert await rows_left(state) == {}


@pytest.mark.parametrize(
    ("start", "years", "code"),
    [
        (START - dt.timedelta(days=3 * 365), 1, "CERTIFICATE_EXPIRED"),
        (START + dt.timedelta(days=2), 1, "CERTIFICATE_NOT_YET_VALID"),
    ],
)
async def test_a_certificate_outside_its_validity_is_refused(hub, world, clock, start, years, code):
    client, state = hub
    tokens, principals = world
    identity = await _trusted(state, principals["operator"], clock, start=start, years=years)
    answer = await submit(client, tokens["bv-48001"], _signed([SICK], identity=identity))
    assert [e["code"] for e in answer["errors"]] == [code]
    assert await rows_left(state) == {}


async def test_an_envelope_sent_again_after_its_certificate_expired_gets_its_first_receipt(hub, world, clock):
    client, state = hub
    tokens, principals = world
    # A certificate that expires in 5 days.
    identity = await _trusted(state, principals["operator"], clock, start=START - dt.timedelta(days=360), years=1)
    data = _signed([SICK], identity=identity)
    first = await submit(client, tokens["bv-48001"], data)
    clock.advance(dt.timedelta(days=6))
    again = await submit(client, tokens["bv-48001"], data)
    assert again["errors"] == [] and again["receipt"]["repeated"] is True
    assert again["receipt"]["transactionId"] == first["receipt"]["transactionId"]
    # Anything else it signed is refused now.
    other = await submit(client, tokens["bv-48001"], _signed([SICK, SICK[:1]], identity=identity))
    assert [e["code"] for e in other["errors"]] == ["CERTIFICATE_EXPIRED"]
    # What the first sending wrote, and nothing more
    left = await rows_left(state)
    assert (left["submissions"], left["documents"], left["audit entries"]) == (1, 2, 1) and left["jobs"] >= 1


async def _trusted(state, operator, clock, *, start: dt.datetime, years: int):
    """A new certificate of the test facility, valid from `start` for `years`, imported into the trust store."""
    identity = facility_identity(FACILITY, start=start, years=years)
    async with state.services.db.transaction() as session:
        pem = certificates_pem(identity)
        await import_certificates(session, now=clock.now(), actor=operator, party=facility(FACILITY), data=pem)
    return identity


async def test_size_and_encoding_limits(hub, world):
    client, state = hub
    tokens, _ = world
    bad = await graphql_data(client, SUBMIT, {"envelope": "@@@", "encoding": "BASE64"}, token=tokens["bv-48001"])
    assert [e["code"] for e in bad["submitHospitalDossiers"]["errors"]] == ["PAYLOAD_NOT_BASE64"]
    intake = state.services.intake
    object.__setattr__(state.services, "intake", dataclasses.replace(intake, max_bytes=2_000))
    try:
        answer = await submit(client, tokens["bv-48001"], signed_envelope([SICK]))
    finally:
        object.__setattr__(state.services, "intake", intake)
    assert [e["code"] for e in answer["errors"]] == ["PAYLOAD_TOO_LARGE"]
    assert await rows_left(state) == {}


async def test_only_a_facility_may_submit(hub, world):
    client, _ = hub
    tokens, _ = world
    response = await client.post(
        "/graphql",
        json={"query": SUBMIT, "variables": {"envelope": signed_envelope([SICK]).decode()}},
        headers={"Authorization": f"Bearer {tokens['processor-48']}"},
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
