"""Why an XML payload, its signature, a key or a certificate is refused: one exception tree, each with a stable code.

XmlError                    the bytes are not acceptable XML
├── MalformedXml            not well-formed XML (or not XML at all)
├── UnsafeXml               a DTD, an entity declaration or processing that could expand or reach out (XXE)
└── XmlTooLarge             larger than the configured limit
SignatureError              the XML is fine but its signature is not acceptable
├── SignatureMissing        no signature in the expected container (or no container)
├── SignatureMultiple       more than one ds:Signature element in the document
├── SignatureMisplaced      the signature is not in the expected container directly under the root
├── SignatureMalformed      the signature element is incomplete or not valid XMLDSig
├── ReferencesUnexpected    not exactly one Reference URI="" with the enveloped-signature transform (+ c14n)
├── AlgorithmRefused        a signature, digest or canonicalisation algorithm outside the accepted set (e.g. SHA-1)
├── CertificateMissing      no X.509 certificate in KeyInfo (no longer raised: see the class)
├── CertificateUnknown      the certificate is in no party's entry of the trust store
├── SignerUnexpected        the certificate belongs to a party other than the expected signer
├── CertificateExpired      the signer's certificate had expired at the time of the check
├── CertificateNotYetValid  the signer's certificate was not yet valid at the time of the check
├── CertificateInvalid      the certificate was refused by the signature library for another reason
├── DigestMismatch          the signed content was altered after signing
└── SignatureMismatch       the signature value does not verify under the signer's key
SigningError                the hub could not sign a document (bad input document or identity)
IdentityError               a signing key or certificate cannot be loaded or does not match
TrustStoreError             a certificate cannot be added to the trust store

Verification failures (XmlError and SignatureError raised by `signing.verify`) carry the verification report in
`report`; elsewhere `report` is None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from signing.report import VerificationReport


class XmlError(Exception):
    """The payload is not XML the hub will read; `code` says why, the message says where."""

    code = "XML_INVALID"
    report: VerificationReport | None = None


class MalformedXml(XmlError):
    """The payload is not well-formed XML."""

    code = "XML_MALFORMED"


class UnsafeXml(XmlError):
    """The payload carries a DTD or entity declarations (XXE, billion laughs): refused before expansion."""

    code = "XML_UNSAFE"


class XmlTooLarge(XmlError):
    """The payload is over the size limit."""

    code = "XML_TOO_LARGE"


class SignatureError(Exception):
    """The signature is missing, broken, by the wrong signer, or covers the wrong content."""

    code = "SIGNATURE_INVALID"
    report: VerificationReport | None = None


class SignatureMissing(SignatureError):
    """The document carries no signature where one is expected."""

    code = "SIGNATURE_MISSING"


class SignatureMultiple(SignatureError):
    """The document carries more than one ds:Signature element."""

    code = "SIGNATURE_MULTIPLE"


class SignatureMisplaced(SignatureError):
    """The signature is not inside the expected container element directly under the root."""

    code = "SIGNATURE_MISPLACED"


class SignatureMalformed(SignatureError):
    """The signature element lacks a required part or is not valid XMLDSig."""

    code = "SIGNATURE_MALFORMED"


class ReferencesUnexpected(SignatureError):
    """The signature does not cover exactly the whole document (one Reference URI="", enveloped)."""

    code = "REFERENCES_UNEXPECTED"


class AlgorithmRefused(SignatureError):
    """The signature uses an algorithm the hub does not accept (SHA-1, HMAC, DSA, unknown)."""

    code = "ALGORITHM_REFUSED"


class CertificateMissing(SignatureError):
    """KeyInfo carries no X.509 certificate, so the signer cannot be identified.

    No longer raised by `signing.verify`: a signature naming no certificate is checked against the expected signer's
    pinned certificates (CertificateUnknown under none of them). Kept for the reports stored with this code.
    """

    code = "CERTIFICATE_MISSING"


class CertificateUnknown(SignatureError):
    """The certificate in KeyInfo is not in the trust store."""

    code = "CERTIFICATE_UNKNOWN"


class SignerUnexpected(SignatureError):
    """The certificate in KeyInfo is trusted, but for a party other than the expected signer."""

    code = "SIGNER_UNEXPECTED"


class CertificateExpired(SignatureError):
    """The signer's certificate was past its notAfter date at the time of the check."""

    code = "CERTIFICATE_EXPIRED"


class CertificateNotYetValid(SignatureError):
    """The signer's certificate was before its notBefore date at the time of the check."""

    code = "CERTIFICATE_NOT_YET_VALID"


class CertificateInvalid(SignatureError):
    """The signature library refused the signer's certificate for a reason other than its dates."""

    code = "CERTIFICATE_INVALID"


class DigestMismatch(SignatureError):
    """The digest of the document differs from the signed digest: the content changed after signing."""

    code = "DIGEST_MISMATCH"


class SignatureMismatch(SignatureError):
    """The signature value does not verify under the signer's public key."""

    code = "SIGNATURE_INVALID"


class SigningError(Exception):
    """The document cannot be signed as asked (a second signature, an ambiguous container, an unsupported key)."""

    code = "SIGNING_FAILED"


class IdentityError(Exception):
    """A signing key or certificate cannot be read, is of an unsupported type, or the key does not match."""

    code = "IDENTITY_INVALID"


class TrustStoreError(Exception):
    """A certificate cannot be added to the trust store (unreadable, or already trusted for another party)."""

    code = "TRUST_STORE_INVALID"
