"""Verify an enveloped XMLDSig signature against the trust store, pinned to the expected signer; always report.

Only `Verified.signed_root` (the parsed document with the signature and its comments removed: exactly the node-set
that was canonicalised and digested) may be read after verification. The signature's own element, where content
outside the signed data could be added (signature wrapping), is gone from it, and so cannot reach the caller.

signxml checks the signature's schema, its algorithms, the certificate's dates and the signature value over SignedInfo;
the reference (URI="", the whole document) is digested here, in place: the signature is taken out of the tree the check
parsed and the rest canonicalised straight into the hash, where signxml copied the whole document three times (two
re-parsed copies and the canonical bytes, then a fourth tree parsed from them) - five times an envelope's size held at
once for a large one.

Every standard enveloped layout is accepted, as xmlsec1, the JDK (javax.xml.crypto) and .NET SignedXml write them:
a `ds:` prefix or the default namespace, inclusive or exclusive canonicalisation with or without comments, a KeyInfo
with the certificate, with a KeyName only, or none (then the expected signer's pinned certificates decide).
"""

from __future__ import annotations

import datetime as dt
import threading
from base64 import b64decode
from dataclasses import dataclass, replace
from typing import Any

import cryptography.exceptions
from cryptography import x509
from cryptography.hazmat.primitives.hashes import Hash
from lxml import etree  # type: ignore[import-untyped, unused-ignore]  # no stubs installed (see types-lxml)
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, digest_algorithm_implementations
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput
from signxml.util import _remove_sig
from signxml.verifier import SignatureConfiguration, XMLVerifier

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
    ENVELOPED,
    NS,
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


@dataclass(frozen=True)
class Canonicalisation:
    """How the digested bytes are made from the signed tree: C14N 1.0, inclusive or exclusive (with the prefixes an
    InclusiveNamespaces element names), always without comments (URI="" leaves them out)."""

    exclusive: bool = False
    inclusive_ns_prefixes: tuple[str, ...] | None = None

    @classmethod
    def of(cls, method: CanonicalizationMethod, inclusive_ns_prefixes: list[str] | None) -> Canonicalisation:
        exclusive = method.value.startswith("http://www.w3.org/2001/10/xml-exc-c14n#")
        return cls(exclusive, tuple(inclusive_ns_prefixes) if exclusive and inclusive_ns_prefixes else None)

    def serialise(self, root: etree._Element) -> bytes:
        """The canonical form of the document of `root`."""
        result: bytes = etree.tostring(root, method="c14n", **self._options)
        return result

    def digest(self, root: etree._Element, algorithm: DigestAlgorithm) -> bytes:
        """The digest of the canonical form of the document of `root`, written into the hash a piece at a time
        (libxml2's output buffer): the canonical bytes are never held whole."""
        hasher = Hash(digest_algorithm_implementations[algorithm]())
        root.getroottree().write_c14n(_Sink(hasher), **self._options)
        return hasher.finalize()

    @property
    def _options(self) -> dict[str, Any]:
        prefixes = list(self.inclusive_ns_prefixes) if self.inclusive_ns_prefixes else None
        return {"exclusive": self.exclusive, "with_comments": False, "inclusive_ns_prefixes": prefixes}


class _Sink:
    """A file-like object that feeds what is written to it into a hash."""

    def __init__(self, hasher: Hash) -> None:
        self.write = hasher.update


@dataclass(frozen=True)
class _Digested:
    """What `_ParsedTreeVerifier._verify_reference` found: the signed tree, and how it was canonicalised."""

    signed_root: etree._Element
    canonicalisation: Canonicalisation


class _ParsedTreeVerifier(XMLVerifier):
    """signxml's XMLVerifier, reading the tree it is given and canonicalising as the XMLDSig signers do.

    The tree is always a document root that `verify_enveloped` has just parsed with the safe parser and owns: signxml
    checks the signature over SignedInfo (on its own copy of the small Signature element), then the reference is
    digested in that tree itself, from which the signature and the comments are removed (`_verify_reference`).
    """

    def get_root(self, data: Any) -> Any:
        return data

    def _c14n(self, nodes: Any, algorithm: CanonicalizationMethod, inclusive_ns_prefixes: Any = None) -> bytes:
        # signxml canonicalises SignedInfo in place, inside the Signature it re-parsed. Under a default namespace
        # (`<Signature xmlns="…xmldsig#">`, the JDK's and .NET's layout) lxml with libxml2 2.14 then writes a spurious
        # `xmlns=""` on every element two levels or more below SignedInfo (signxml #275). signxml's switch removes
        # them; it is turned on only where no `xmlns=""` can be genuine: an element below the root whose subtree has
        # no element outside a namespace. The digested payload is always a whole document and keeps its own.
        self.excise_empty_xmlns_declarations = _undeclarations_are_spurious(nodes)
        try:
            result: bytes = super()._c14n(nodes, algorithm, inclusive_ns_prefixes=inclusive_ns_prefixes)
        finally:
            self.excise_empty_xmlns_declarations = False
        return result

    def _verify_reference(
        self,
        reference: Any,
        index: int,
        root: Any,
        uri_resolver: Any,
        c14n_algorithm: Any,
        signature: Any,
        signature_key_used: Any,
    ) -> Any:
        """The reference of the verified SignedInfo (URI="", the enveloped-signature transform and at most one
        canonicalisation: read_signature refused any other), digested in `root` itself: the signature is taken out
        (keeping its tail, as signxml does), the comments too (XMLDSig 4.4.3.3: URI="" is the document without its
        comments, even before a #WithComments transform), and the rest canonicalised into the hash."""
        if root.getprevious() is not None or root.getnext() is not None:
            # A comment or processing instruction outside the root element: signxml's copies never held them, and
            # the canonical form of the document in place would. Rare enough to be checked as signxml does.
            result = super()._verify_reference(  # type: ignore[no-untyped-call]
                reference, index, root, uri_resolver, c14n_algorithm, signature, signature_key_used
            )
            return _Digested(result.signed_xml, Canonicalisation())
        if reference.get("URI") != "":
            raise InvalidInput('only a reference to the whole document (URI="") is accepted')
        digest_algorithm = DigestAlgorithm(_child(reference, "DigestMethod").get("Algorithm"))
        if digest_algorithm not in self.config.digest_algorithms:
            raise InvalidInput(f"Digest algorithm {digest_algorithm.name} forbidden by configuration")
        canonicalisation = Canonicalisation.of(self.config.default_reference_c14n_method, None)
        for transform in reference.iterfind("ds:Transforms/ds:Transform", NS):
            algorithm = transform.get("Algorithm")
            if algorithm == ENVELOPED:
                _remove_sig(self._get_signature(root), idempotent=True)  # type: ignore[no-untyped-call]
            else:
                prefixes = transform.find("ec:InclusiveNamespaces[@PrefixList]", _EXC_C14N)
                listed = None if prefixes is None else prefixes.get("PrefixList").split(" ")
                canonicalisation = Canonicalisation.of(CanonicalizationMethod(algorithm), listed)
        digest_value = _child(reference, "DigestValue")
        etree.strip_elements(root, etree.Comment, with_tail=False)
        if b64decode(digest_value.text or "") != canonicalisation.digest(root, digest_algorithm):
            raise InvalidDigest(f"Digest mismatch for reference {index} ({reference.get('URI')})")
        return _Digested(root, canonicalisation)

    def _resolve_reference(self, doc_root: Any, reference: Any, uri_resolver: Any = None) -> Any:
        node = super()._resolve_reference(doc_root, reference, uri_resolver=uri_resolver)  # type: ignore[no-untyped-call]
        if reference.get("URI") == "":
            # XMLDSig 4.4.3.3: URI="" is the document without its comments, even before a #WithComments transform.
            # signxml kept them; `doc_root` is its own copy of the document, so it may be changed.
            etree.strip_elements(node.getroottree(), etree.Comment, with_tail=False)
        return node


_EXC_C14N = {"ec": "http://www.w3.org/2001/10/xml-exc-c14n#"}


def _child(parent: etree._Element, name: str) -> etree._Element:
    """The ds:`name` child of `parent` in the verified SignedInfo; InvalidInput (malformed) if it has none."""
    found = parent.find(f"ds:{name}", NS)
    if found is None:
        raise InvalidInput(f"the reference has no {name}")
    return found


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
    """The root of what was signed: the document as parsed, without the signature and without comments."""
    report: VerificationReport
    canonicalisation: Canonicalisation = Canonicalisation()
    """How `signed_bytes` are made from `signed_root`."""

    @property
    def signed_bytes(self) -> bytes:
        """The canonical bytes that were digested, made again from `signed_root` (unchanged since) when asked: they
        are not kept, which would cost an envelope's size per check."""
        return self.canonicalisation.serialise(self.signed_root)


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
            digested = _verify_cryptography(root, pinned, container=container, at=at)
        else:
            digested = _verify_unnamed(findings, root, trust, expected_signer, container, at)
    except (XmlError, SignatureError) as exc:
        exc.report = _report(findings, expected_signer, at, code=exc.code, message=str(exc))
        raise
    report = _report(findings, expected_signer, at, code=VALID_CODE, message=f"signed by {expected_signer}")
    return Verified(digested.signed_root, report, digested.canonicalisation)


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
) -> _Digested:
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
) -> _Digested:
    """signxml's verification with the pinned certificate (never the embedded one) and the accepted shape only.

    Returns what was signed: `root` without the signature (or, rarely, signxml's tree of its canonical form), and how
    it was canonicalised. `root` is changed only once the signature value has verified.
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
    if not isinstance(result, _Digested):  # pragma: no cover - expect_references=1 returns one result
        raise ReferencesUnexpected("the signature does not have exactly one reference")
    if result.signed_root is None:  # pragma: no cover - URI="" always digests a whole element
        raise SignatureMalformed("the signed data is not an XML element")
    return result


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
