"""Envelopes signed by the JDK's javax.xml.crypto (its default layout: `<Signature xmlns="…xmldsig#">`, inclusive
C14N, the enveloped-signature transform alone), sent through GraphQL, on both backends: accepted and read whole.

The JDK signs with the facility's key that `documents_world` pins; `tests/interop` holds the full layout matrix.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from devkit.qd4750_samples import FACILITY, TWIN_A
from hub.documents.models import Submission
from signing.parties import facility
from tests.integration.documents_kit import documents_world, facility_identity, full_corpus, rows_left
from tests.integration.test_documents import documents, submit
from tests.interop.signers import Layout, hospital_envelope, jdk_sign, keys_of, require_tools

JDK_DEFAULT = Layout("", "c14n", "rsa", "x509", reference_c14n=False)
"""What `XMLSignatureFactory.getInstance("DOM")` samples write, and .NET's SignedXml too."""


@pytest.fixture
async def world(hub, signer, clock, backend):
    tokens, _ = await documents_world(hub, signer, clock, backend)
    return tokens


def jdk_signed(tmp_path: Path, layout: Layout) -> bytes:
    require_tools("javac", "java")
    keys = keys_of({"rsa": facility_identity()}, tmp_path / "keys")
    return jdk_sign(hospital_envelope(full_corpus()), [layout], keys, tmp_path / "jdk")[layout]


async def test_a_jdk_signed_envelope_in_its_default_layout_is_accepted(hub, world, tmp_path):
    client, state = hub
    data = jdk_signed(tmp_path, JDK_DEFAULT)
    assert b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">' in data

    answer = await submit(client, world["bv-48001"], data, base64_encoded=True)

    assert answer["errors"] == [], answer["errors"]
    receipt = answer["receipt"]
    assert receipt["sha256"] == hashlib.sha256(data).hexdigest()
    assert {d["status"] for d in receipt["documents"]} == {"NEW", "KEPT"}
    async with state.services.db.sessions() as session:
        stored = (await session.scalars(select(Submission))).one()
    assert stored.payload == data
    assert (stored.verification["result"], stored.verification["signer"]) == ("valid", facility(FACILITY))
    found = {(d["docType"], d["number"]): d for d in await documents(client, world["bv-48001"])}
    assert found[("XML9", TWIN_A.document_number)]["childCardCode"] == TWIN_A.ma_the_tam


async def test_a_jdk_signature_naming_no_certificate_is_checked_against_the_pinned_one(hub, world, tmp_path):
    client, state = hub
    data = jdk_signed(tmp_path, Layout("", "c14n", "rsa", "keyname", reference_c14n=False))
    assert b"<X509Certificate>" not in data and b"<KeyName>" in data
    # One changed character of the signed content: refused as tampering, nothing stored
    tampered = data.replace(b"<NGAYLAP>20250310<", b"<NGAYLAP>20250311<")
    assert tampered != data
    refused = await submit(client, world["bv-48001"], tampered, base64_encoded=True)
    assert [e["code"] for e in refused["errors"]] == ["DIGEST_MISMATCH"]
    assert await rows_left(state) == {}
    # Sent by another facility's account: none of 48002's pinned certificates verifies it
    elsewhere = await submit(client, world["bv-48002"], data, base64_encoded=True)
    assert [e["code"] for e in elsewhere["errors"]] == ["CERTIFICATE_UNKNOWN"]

    accepted = await submit(client, world["bv-48001"], data, base64_encoded=True)

    assert accepted["errors"] == [], accepted["errors"]
    async with state.services.db.sessions() as session:
        stored = (await session.scalars(select(Submission))).one()
    assert stored.verification["signer"] == facility(FACILITY)
    assert stored.verification["certificate_fingerprint"] is not None
