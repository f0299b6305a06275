"""Signatures that name no certificate (KeyInfo absent, or a KeyName only): the expected signer's pinned ones decide.

JDK and .NET tools can be set to leave the certificate out; the hub already pins each party's certificates, so the
one whose key verifies the signature is the signer's, and every refusal keeps the code it has for a named one.
"""

from __future__ import annotations

import datetime as dt

from signing.devpki import generate_identity
from signing.parties import facility
from signing.sign import sign_enveloped
from signing.trust import TrustStore
from signing.verify import verify_enveloped
from signing.xmldsig import DS, NS
from tests.unit.test_signing import (
    AT,
    DOCUMENT,
    EC_HOSPITAL,
    HOSPITAL,
    OTHER_HOSPITAL,
    VALID_FROM,
    edit,
    identity,
    late_identity,
    refused,
    signature_of,
    verify,
)


def without_certificate(signed: bytes, *, key_name: str | None = None) -> bytes:
    """`signed` with its KeyInfo removed, or reduced to a KeyName (KeyInfo is not signed: the signature holds)."""

    def change(root):
        signature = signature_of(root)
        key_info = signature.find("ds:KeyInfo", NS)
        if key_name is None:
            signature.remove(key_info)
            return
        for child in list(key_info):
            key_info.remove(child)
        name = key_info.makeelement(f"{{{DS}}}KeyName", {})
        name.text = key_name
        key_info.append(name)

    return edit(signed, change)


def test_a_signature_naming_no_certificate_is_the_signers_when_a_pinned_key_verifies_it():
    for party, key_type in ((HOSPITAL, "rsa"), (EC_HOSPITAL, "ec")):
        signed = sign_enveloped(DOCUMENT, identity(party, key_type))
        for unnamed in (without_certificate(signed), without_certificate(signed, key_name="BV 48001 - Viettel CA")):
            report = verify(unnamed, signer=party).report
            assert (report.valid, report.signer) == (True, party)
            assert report.certificate_fingerprint == verify(signed, signer=party).report.certificate_fingerprint


def test_each_pinned_certificate_of_the_signer_is_tried():
    # A hospital that renewed its certificate: the old one and the new one are both pinned.
    old, new = identity(HOSPITAL), generate_identity(HOSPITAL, not_before=VALID_FROM, not_after=AT + dt.timedelta(1))
    store = TrustStore()
    for trusted in (old, new, identity(EC_HOSPITAL, "ec")):
        store.add_certificate(trusted.party, trusted.certificate)
    for signer in (old, new):
        unnamed = without_certificate(sign_enveloped(DOCUMENT, signer))
        report = verify_enveloped(unnamed, store, expected_signer=HOSPITAL, at=AT).report
        assert report.certificate_serial == format(signer.certificate.serial_number, "x")


def test_refusals_keep_their_codes_when_no_certificate_is_named():
    genuine = without_certificate(sign_enveloped(DOCUMENT, identity(HOSPITAL)))
    # Tampered after signing: the pinned key verifies the signature, not the digest.
    refused(genuine.replace(b"<NGAYLAP>20261102", b"<NGAYLAP>20261103"), "DIGEST_MISMATCH")
    # Another facility's key, or a key nobody pinned (as a retired certificate is removed from the store).
    refused(without_certificate(sign_enveloped(DOCUMENT, identity(OTHER_HOSPITAL))), "CERTIFICATE_UNKNOWN")
    stranger = generate_identity(HOSPITAL, not_before=VALID_FROM, not_after=AT + dt.timedelta(1))
    error = refused(without_certificate(sign_enveloped(DOCUMENT, stranger)), "CERTIFICATE_UNKNOWN")
    assert error.report is not None and error.report.certificate_fingerprint is None
    # The signer's own certificate, outside its dates at the time of the check.
    late = late_identity()
    error = refused(without_certificate(sign_enveloped(DOCUMENT, late)), "CERTIFICATE_NOT_YET_VALID", signer=late.party)
    assert error.report is not None and error.report.signer == late.party
    refused(genuine, "CERTIFICATE_EXPIRED", at=AT + dt.timedelta(days=3 * 365))
    # An expected signer with no certificate at all.
    refused(genuine, "CERTIFICATE_UNKNOWN", signer=facility("01001"))


def test_an_empty_keyinfo_is_malformed():
    def empty(root):
        key_info = signature_of(root).find("ds:KeyInfo", NS)
        for child in list(key_info):
            key_info.remove(child)

    refused(edit(sign_enveloped(DOCUMENT, identity(HOSPITAL)), empty), "SIGNATURE_MALFORMED")
