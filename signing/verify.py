"""Verify an enveloped XMLDSig signature against the trust store, pinned to the expected signer; always report.

Only `Verified.signed_root` (signxml's `signed_xml`: the canonical form of exactly what was digested, with the
signature removed) may be read after verification. The raw input is never returned, so content an attacker adds
outside the signed data (signature wrapping) cannot reach the caller.

Every standard enveloped layout is accepted, as xmlsec1, the JDK (javax.xml.crypto) and .NET SignedXml write them:
a `ds:` prefix or the default namespace, inclusive or exclusive canonicalisation with or without comments, a KeyInfo
with the certificate, with a KeyName only, or none (then the expected signer's pinned certificates decide).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, replace
from typing import Any

import cryptography.exceptions
from cryptography import x509
from lxml import etree  # type: ignore[import-untyped, unused-ignore]  # no stubs installed (see types-lxml)
from signxml.algorithms import CanonicalizationMethod
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput
from signxml.verifier import SignatureConfiguration, VerifyResult, XMLVerifier

from signing.errors import (
    AlgorithmRefused,
    CertificateExpired,
    CertificateInvalid,
    CertificateNotYetValid,
    CertificateUnknown,
    DigestMismatch,
    ReferencesUnexpected,
    SignatureError,
    SignatureMalformed,
    SignatureMismatch,
    SignerUnexpected,
    XmlError,
)
from signing.parties import validate_party
from signing.report import VALID_CODE, VerificationReport
from signing.trust import TrustedCertificate, TrustStore, fingerprint_of
from signing.xmldsig import (
    ACCEPTED_DIGEST_ALGORITHMS,
    ACCEPTED_SIGNATURE_METHODS,
    SignatureParts,
    key_fits,
    locate_signature,
    read_signature,
    validate_container,
)
from signing.xmlsafe import parse_xml, reparser

_BASE_CONFIG = SignatureConfiguration(
    require_x509=True,
    expect_references=1,
    signature_methods=ACCEPTED_SIGNATURE_METHODS,
    digest_algorithms=ACCEPTED_DIGEST_ALGORITHMS,
    ignore_ambiguous_key_info=False,
    # XMLDSig 4.4.3.2: a Reference whose transforms end on a node-set is digested in C14N 1.0 (signxml: 1.1).
    default_reference_c14n_method=CanonicalizationMethod.CANONICAL_XML_1_0,
)


class _ParsedTreeVerifier(XMLVerifier):
    """signxml's XMLVerifier, reading the tree it is given and canonicalising as the XMLDSig signers do.

    The tree is always a document root that `verify_enveloped` has just parsed with the safe parser and owns; signxml
    copies it again before removing the signature, so it is never modified. This saves a parse (~15% of a check).
    """

    def get_root(self, data: Any) -> Any:
        return data

    def _c14n(self, nodes: Any, algorithm: CanonicalizationMethod, inclusive_ns_prefixes: Any = None) -> bytes:
        # signxml canonicalises SignedInfo in place, inside the Signature it re-parsed. Under a default namespace
        # (`<Signature xmlns="…xmldsig#">`, the JDK's and .NET's layout) lxml with libxml2 2.14 then writes a spurious
        # `xmlns=""` on every element two levels or more below SignedInfo (signxml #275). signxml's switch removes
        # them; it is turned on only where no `xmlns=""` can be genuine: an element below the root whose subtree has
        # no element outside a namespace. The digested payload is always a re-parsed root and keeps its own.
        self.excise_empty_xmlns_declarations = _undeclarations_are_spurious(nodes)
        try:
            result: bytes = super()._c14n(nodes, algorithm, inclusive_ns_prefixes=inclusive_ns_prefixes)
        finally:
            self.excise_empty_xmlns_declarations = False
        return result

    def _resolve_reference(self, doc_root: Any, reference: Any, uri_resolver: Any = None) -> Any:
        node = super()._resolve_reference(doc_root, reference, uri_resolver=uri_resolver)  # type: ignore[no-untyped-call]
        if reference.get("URI") == "":
            # XMLDSig 4.4.3.3: URI="" is the document without its comments, even before a #WithComments transform.
            # signxml kept them; `doc_root` is its own copy of the document, so it may be changed.
            etree.strip_elements(node.getroottree(), etree.Comment, with_tail=False)
        return node


def _undeclarations_are_spurious(nodes: Any) -> bool:
    """True if `nodes` is an element below a document root whose canonical form can hold no genuine `xmlns=""`."""
    if not isinstance(nodes, etree._Element) or nodes.getparent() is None:
        return False
    return all(etree.QName(element).namespace is not None for element in nodes.iter(etree.Element))


# XMLVerifier keeps per-call state on the instance (config, certificate), so each thread has its own.
_verifiers = threading.local()


@dataclass(frozen=True)
class Verified:
    """A valid signature: the signed content (the only part callers may read) and the report to store."""

    signed_root: etree._Element
    """The root of what was signed, re-parsed from its canonical form; the signature itself is not in it."""
    signed_bytes: bytes
    """The canonical bytes that were digested."""
    report: VerificationReport


@dataclass
class _Findings:
    """What the check learnt before it stopped, for the report."""

    parts: SignatureParts | None = None
    fingerprint: str | None = None
    trusted: TrustedCertificate | None = None
    embedded: x509.Certificate | None = None


def verify_enveloped(
    xml: bytes,
    trust: TrustStore,
    *,
    expected_signer: str,
    at: dt.datetime,
    container: str = "CHUKYDONVI",
    max_bytes: int | None = None,
) -> Verified:
    """Check that `xml` is signed over its whole content by one of `expected_signer`'s certificates, valid at `at`.

    The signature must be the document's only ds:Signature, inside `container` directly under the root, with one
    Reference URI="" (enveloped-signature transform, optional canonicalisation), SHA-256+ digest and RSA/ECDSA
    SHA-256+ signature method. A certificate in KeyInfo must be one of `expected_signer`'s; a signature naming none
    (KeyInfo absent, a KeyName only) must verify under one of them. Raises an XmlError or a SignatureError, each
    carrying the report in `.report`.
    """
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware")
    validate_party(expected_signer)
    validate_container(container)
    findings = _Findings()
    try:
        root = parse_xml(xml, max_bytes=max_bytes)
        signature = locate_signature(root, container)
        findings.parts = read_signature(signature)
        if findings.parts.certificates_der:
            pinned = _pin_signer(findings, trust, expected_signer)
            _check_validity(pinned, at)
            signed_root, signed_bytes = _verify_cryptography(root, pinned, container=container, at=at)
        else:
            signed_root, signed_bytes = _verify_unnamed(findings, root, trust, expected_signer, container, at)
    except (XmlError, SignatureError) as exc:
        exc.report = _report(findings, expected_signer, at, code=exc.code, message=str(exc))
        raise
    report = _report(findings, expected_signer, at, code=VALID_CODE, message=f"signed by {expected_signer}")
    return Verified(signed_root=signed_root, signed_bytes=signed_bytes, report=report)


def _pin_signer(findings: _Findings, trust: TrustStore, expected_signer: str) -> TrustedCertificate:
    """The expected signer's certificate among those in KeyInfo (extra chain certificates are ignored)."""
    assert findings.parts is not None
    known = [
        (fingerprint, trust.by_fingerprint(fingerprint))
        for fingerprint in (fingerprint_of(der) for der in findings.parts.certificates_der)
    ]
    own = [trusted for _, trusted in known if trusted is not None and trusted.party == expected_signer]
    others = [trusted for _, trusted in known if trusted is not None and trusted.party != expected_signer]
    if len(own) == 1:
        findings.trusted, findings.fingerprint = own[0], own[0].fingerprint
        return own[0]
    if len(own) > 1:
        raise SignatureMalformed(f"KeyInfo carries {len(own)} certificates of {expected_signer}; expected one")
    if others:
        findings.trusted, findings.fingerprint = others[0], others[0].fingerprint
        raise SignerUnexpected(
            f"signed with a certificate of {others[0].party} ({others[0].subject}); expected {expected_signer}"
        )
    findings.fingerprint = known[0][0]
    findings.embedded = _parse_embedded(findings.parts.certificates_der[0])
    subject = findings.embedded.subject.rfc4514_string() if findings.embedded is not None else "unreadable"
    raise CertificateUnknown(
        f"the signing certificate (subject {subject}, SHA-256 {known[0][0]}) is not in the trust store"
    )


def _verify_unnamed(
    findings: _Findings, root: etree._Element, trust: TrustStore, expected_signer: str, container: str, at: dt.datetime
) -> tuple[etree._Element, bytes]:
    """A signature that names no certificate, checked under each pinned certificate of `expected_signer` in turn.

    Those valid at `at` are tried first. The certificate whose key verifies the signature value is the signer's: its
    dates are then checked as for a named one (an expired certificate is reported as such, not as a mismatch), and a
    digest mismatch after it is tampering. Under none of them, the signer is unknown (as a retired certificate is).
    """
    assert findings.parts is not None
    method = findings.parts.signature_algorithm
    candidates = [
        trusted for trusted in trust.certificates_of(expected_signer) if key_fits(method, trusted.certificate)
    ]
    for candidate in sorted(candidates, key=lambda trusted: trusted.validity_at(at) != 0):
        # signxml checks the certificate's dates before the signature: try an out-of-date one within its dates.
        trial_at = at if candidate.validity_at(at) == 0 else candidate.not_before
        try:
            signed = _verify_cryptography(root, candidate, container=container, at=trial_at)
        except SignatureMismatch:
            continue
        except (DigestMismatch, ReferencesUnexpected):  # raised once the signature value verified under this key
            _attribute(findings, candidate, at)
            raise
        _attribute(findings, candidate, at)
        return signed
    raise CertificateUnknown(
        f"the signature names no certificate and verifies under none of the {len(candidates)} certificates "
        f"trusted for {expected_signer}"
    )


def _attribute(findings: _Findings, signer: TrustedCertificate, at: dt.datetime) -> None:
    """Record `signer` as the certificate that made the signature, and refuse it if it is not valid at `at`."""
    findings.trusted, findings.fingerprint = signer, signer.fingerprint
    _check_validity(signer, at)


def _parse_embedded(der: bytes) -> x509.Certificate | None:
    """An untrusted KeyInfo certificate, parsed only to tell an operator whose it is."""
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        return None


def _check_validity(pinned: TrustedCertificate, at: dt.datetime) -> None:
    position = pinned.validity_at(at)
    if position > 0:
        raise CertificateExpired(
            f"the certificate of {pinned.party} expired on {pinned.not_after.isoformat()}; checked at {at.isoformat()}"
        )
    if position < 0:
        raise CertificateNotYetValid(
            f"the certificate of {pinned.party} is valid only from {pinned.not_before.isoformat()}; "
            f"checked at {at.isoformat()}"
        )


def _verify_cryptography(
    root: etree._Element, pinned: TrustedCertificate, *, container: str, at: dt.datetime
) -> tuple[etree._Element, bytes]:
    """signxml's verification with the pinned certificate (never the embedded one) and the accepted shape only.

    Returns what signxml says was signed: the canonical bytes that were digested and the tree parsed from them.
    """
    config = replace(_BASE_CONFIG, location=f"./{container}/", verification_time=at)
    verifier = getattr(_verifiers, "verifier", None)
    if verifier is None:
        verifier = _verifiers.verifier = _ParsedTreeVerifier()
        _verifiers.parser = reparser()  # signxml's own parser would refuse a text node over 10 MB in its copies
    try:
        result = verifier.verify(root, x509_cert=pinned.certificate, expect_config=config, parser=_verifiers.parser)
    except InvalidDigest as exc:
        raise DigestMismatch("the document was altered after it was signed (digest mismatch)") from exc
    except InvalidCertificate as exc:
        raise CertificateInvalid(f"the certificate of {pinned.party} was refused: {exc}") from exc
    except cryptography.exceptions.InvalidSignature as exc:
        if "references" in str(exc):
            raise ReferencesUnexpected(str(exc)) from exc
        raise SignatureMismatch(f"the signature value does not verify under the key of {pinned.party}") from exc
    except InvalidInput as exc:
        if "forbidden by configuration" in str(exc):
            raise AlgorithmRefused(str(exc)) from exc
        raise SignatureMalformed(f"the signature is not usable: {exc}") from exc
    except etree.DocumentInvalid as exc:
        raise SignatureMalformed(f"the signature is not valid XMLDSig: {exc}") from exc
    except ValueError as exc:
        # Bad base64 or an unknown algorithm URI inside signxml: untrusted input, not a bug of ours.
        raise SignatureMalformed(f"the signature is not usable: {exc}") from exc
    if not isinstance(result, VerifyResult):  # pragma: no cover - expect_references=1 returns one result
        raise ReferencesUnexpected("the signature does not have exactly one reference")
    if result.signed_xml is None:  # pragma: no cover - URI="" always digests a whole element
        raise SignatureMalformed("the signed data is not an XML element")
    return result.signed_xml, result.signed_data


def _report(
    findings: _Findings, expected_signer: str, at: dt.datetime, *, code: str, message: str
) -> VerificationReport:
    trusted, embedded, parts = findings.trusted, findings.embedded, findings.parts
    subject: str | None = None
    serial: str | None = None
    not_before: dt.datetime | None = None
    not_after: dt.datetime | None = None
    if trusted is not None:
        subject, serial = trusted.subject, trusted.serial_hex
        not_before, not_after = trusted.not_before, trusted.not_after
    elif embedded is not None:
        subject, serial = embedded.subject.rfc4514_string(), format(embedded.serial_number, "x")
        not_before, not_after = embedded.not_valid_before_utc, embedded.not_valid_after_utc
    return VerificationReport(
        result="valid" if code == VALID_CODE else "invalid",
        reason_code=code,
        message=message,
        expected_signer=expected_signer,
        signer=trusted.party if trusted is not None else None,
        certificate_subject=subject,
        certificate_serial=serial,
        certificate_not_before=not_before,
        certificate_not_after=not_after,
        certificate_fingerprint=findings.fingerprint,
        signature_algorithm=parts.signature_algorithm if parts is not None else None,
        digest_algorithm=parts.digest_algorithm if parts is not None else None,
        digest_value=parts.digest_value if parts is not None else None,
        checked_at=at.astimezone(dt.UTC),
    )
