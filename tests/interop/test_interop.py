"""Envelopes signed by xmlsec1 and by the JDK, in every standard enveloped layout, are accepted by the hub's check.

The corpus is made here, by implementations that share no code with the hub (see `signers`): a realistic QĐ 130/4750
envelope, signed with a facility's RSA-2048 or EC P-256 key, its certificates pinned in a TrustStore as the hub pins
them. Each signature is first checked by xmlsec1 itself, so that a refusal is the hub's fault and not the corpus's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from devkit.qd4750_samples import FACILITY
from signing.errors import SignatureError
from signing.parties import facility
from signing.sign import sign_enveloped
from signing.trust import TrustStore
from signing.verify import Verified, verify_enveloped
from tests.interop.signers import (
    KEY_KINDS,
    LAYOUTS,
    SHA1_LAYOUT,
    Keys,
    Layout,
    hospital_envelope,
    jdk_sign,
    make_keys,
    require_tools,
    xmlsec1_sign,
    xmlsec1_verifies,
)

AT = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
SIGNER = facility(FACILITY)
Sign = Callable[[bytes, Sequence[Layout], Keys, Path], dict[Layout, bytes]]
SIGNERS: dict[str, tuple[tuple[str, ...], Sign]] = {
    "xmlsec1": (("xmlsec1",), xmlsec1_sign),
    "jdk": (("javac", "java", "xmlsec1"), jdk_sign),
}


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return make_keys(
        SIGNER, tmp_path_factory.mktemp("keys"), not_before=AT - dt.timedelta(365), not_after=AT + dt.timedelta(365)
    )


@pytest.fixture(scope="module")
def trust(keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> TrustStore:
    """The facility's RSA and EC certificates, and another facility's (pinning must pick the expected signer's)."""
    store = TrustStore()
    for identity in keys.identities.values():
        store.add_certificate(SIGNER, identity.certificate)
    other = make_keys(
        facility("48002"),
        tmp_path_factory.mktemp("other"),
        not_before=AT - dt.timedelta(365),
        not_after=AT + dt.timedelta(365),
    )
    for identity in other.identities.values():
        store.add_certificate(identity.party, identity.certificate)
    return store


@pytest.fixture(scope="module", params=list(SIGNERS))
def corpus(request: pytest.FixtureRequest, keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> dict[Layout, bytes]:
    """The envelope signed by one signer in every layout (and in SHA-1), each signature checked by xmlsec1."""
    tools, sign = SIGNERS[request.param]
    require_tools(*tools)
    workdir = tmp_path_factory.mktemp(request.param)
    signed = sign(hospital_envelope(), (*LAYOUTS, SHA1_LAYOUT), keys, workdir)
    rejected = [
        layout.id for layout, xml in signed.items() if not xmlsec1_verifies(xml, keys.cert_pem(layout.key), workdir)
    ]
    assert not rejected, f"{request.param} wrote signatures xmlsec1 does not verify: {rejected}"
    return signed


def verify(xml: bytes, trust: TrustStore) -> Verified:
    return verify_enveloped(xml, trust, expected_signer=SIGNER, at=AT)


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.id)
def test_every_layout_is_accepted(corpus: dict[Layout, bytes], layout: Layout, keys: Keys, trust: TrustStore) -> None:
    verified = verify(corpus[layout], trust)

    report = verified.report
    assert (report.valid, report.signer, report.signature_algorithm) == (True, SIGNER, layout.signature_uri)
    assert report.certificate_serial == format(keys.identities[layout.key].certificate.serial_number, "x")
    # What the hub reads is the envelope that was signed, without the signature and without the comment.
    assert verified.signed_root.findtext("THONGTINDONVI/MACSKCB") == FACILITY
    assert len(verified.signed_root.findall("THONGTINHOSO/DANHSACHHOSO/HOSO")) == 5
    assert b"<!--" not in verified.signed_bytes and b"Signature" not in verified.signed_bytes


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.id)
def test_one_changed_character_is_tampering(corpus: dict[Layout, bytes], layout: Layout, trust: TrustStore) -> None:
    signed = corpus[layout]
    tampered = signed.replace(b"<NGAYLAP>20250310<", b"<NGAYLAP>20250311<")
    assert len(tampered) == len(signed) and tampered != signed

    with pytest.raises(SignatureError) as caught:
        verify(tampered, trust)
    assert caught.value.code == "DIGEST_MISMATCH", str(caught.value)


def test_sha1_stays_refused(corpus: dict[Layout, bytes], trust: TrustStore) -> None:
    with pytest.raises(SignatureError) as caught:
        verify(corpus[SHA1_LAYOUT], trust)
    assert caught.value.code == "ALGORITHM_REFUSED", str(caught.value)


@pytest.mark.parametrize("kind", KEY_KINDS)
def test_the_hubs_own_signature_is_verified_by_xmlsec1(
    kind: str, keys: Keys, trust: TrustStore, tmp_path: Path
) -> None:
    """The hub signs its receipts itself (signing.sign builds the XMLDSig elements, without signxml's signer): an
    independent verifier must accept them, and reject them once one character of the signed content changes."""
    require_tools("xmlsec1")
    signed = sign_enveloped(hospital_envelope(), keys.identities[kind])

    assert xmlsec1_verifies(signed, keys.cert_pem(kind), tmp_path)
    assert verify(signed, trust).report.valid
    tampered = signed.replace(b"<NGAYLAP>20250310<", b"<NGAYLAP>20250311<")
    assert tampered != signed
    assert not xmlsec1_verifies(tampered, keys.cert_pem(kind), tmp_path)
