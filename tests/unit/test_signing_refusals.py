"""Refused signatures: missing or incomplete parts, and algorithms weaker than SHA-256 (SHA-1, SHA-224, HMAC)."""

from __future__ import annotations

import pytest
from lxml import etree  # type: ignore[import-untyped, unused-ignore]
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.signer import XMLSigner

from signing import verify as verify_module
from signing.errors import SignatureError
from signing.xmldsig import DS, NS
from tests.unit.test_signing import (
    AT,
    DOCUMENT,
    HOSPITAL,
    edit,
    identity,
    refused,
    signature_of,
    signed_document,
    trust_store,
    verify,
)


def test_a_missing_signature_or_container_is_reported():
    refused(DOCUMENT, "SIGNATURE_MISSING")
    refused(DOCUMENT.replace(b"</GIAMDINHHS>", b"<CHUKYDONVI/></GIAMDINHHS>"), "SIGNATURE_MISSING")


def test_an_incomplete_signature_is_malformed():
    def drop_value(root):
        signature = signature_of(root)
        signature.remove(signature.find("ds:SignatureValue", NS))

    def garble_certificate(root):
        signature_of(root).find(".//ds:X509Certificate", NS).text = "not base64!"

    refused(edit(signed_document(), drop_value), "SIGNATURE_MALFORMED")
    refused(edit(signed_document(), garble_certificate), "SIGNATURE_MALFORMED")


class _LegacySigner(XMLSigner):
    """A signer that still produces SHA-1, as old tools do (signxml refuses to by default)."""

    def check_deprecated_methods(self) -> None:
        return None


def _legacy_signed(signature_method: SignatureMethod, digest: DigestAlgorithm) -> bytes:
    root = etree.fromstring(DOCUMENT)
    etree.SubElement(etree.SubElement(root, "CHUKYDONVI"), f"{{{DS}}}Signature", Id="placeholder")
    signer = _LegacySigner(signature_algorithm=signature_method, digest_algorithm=digest)
    hospital = identity(HOSPITAL)
    result: bytes = etree.tostring(signer.sign(root, key=hospital.key, cert=[hospital.certificate]))
    return result


@pytest.mark.parametrize(
    ("method", "digest"),
    [
        (SignatureMethod.RSA_SHA1, DigestAlgorithm.SHA256),
        (SignatureMethod.RSA_SHA256, DigestAlgorithm.SHA1),
        (SignatureMethod.RSA_SHA224, DigestAlgorithm.SHA256),
    ],
)
def test_weak_algorithms_are_refused_by_the_hub_and_by_signxml(method, digest):
    legacy = _legacy_signed(method, digest)
    refused(legacy, "ALGORITHM_REFUSED")

    # The signxml configuration refuses them too, should the shape checks ever let one through.
    pinned = trust_store().certificates_of(HOSPITAL)[0]
    with pytest.raises(SignatureError) as caught:
        verify_module._verify_cryptography(etree.fromstring(legacy), pinned, container="CHUKYDONVI", at=AT)
    assert caught.value.code == "ALGORITHM_REFUSED"


def test_a_sha256_legacy_signature_shows_the_control_is_sound():
    assert verify(_legacy_signed(SignatureMethod.RSA_SHA256, DigestAlgorithm.SHA256)).report.valid


def test_an_hmac_signature_method_is_refused():
    def hmac(root):
        method = signature_of(root).find("ds:SignedInfo/ds:SignatureMethod", NS)
        method.set("Algorithm", SignatureMethod.HMAC_SHA256.value)

    refused(edit(signed_document(), hmac), "ALGORITHM_REFUSED")
