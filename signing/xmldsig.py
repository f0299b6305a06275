"""The shape of the accepted XMLDSig signature: where it sits, what it references, which algorithms it may use.

These checks run on the parsed input before any cryptography so that each refusal gets its own code; the signature
library then checks the same properties again (and the cryptography) on its own copy.
"""

from __future__ import annotations

import binascii
import re
from base64 import b64decode
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree  # type: ignore[import-untyped, unused-ignore]  # no stubs installed (see types-lxml)
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureConstructionMethod, SignatureMethod

from signing.errors import (
    AlgorithmRefused,
    ReferencesUnexpected,
    SignatureMalformed,
    SignatureMisplaced,
    SignatureMissing,
    SignatureMultiple,
)

DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"ds": DS}
SIGNATURE_TAG = f"{{{DS}}}Signature"
ENVELOPED = SignatureConstructionMethod.enveloped.value

ACCEPTED_SIGNATURE_METHODS = frozenset(
    {
        SignatureMethod.RSA_SHA256,
        SignatureMethod.RSA_SHA384,
        SignatureMethod.RSA_SHA512,
        SignatureMethod.ECDSA_SHA256,
        SignatureMethod.ECDSA_SHA384,
        SignatureMethod.ECDSA_SHA512,
        SignatureMethod.SHA256_RSA_MGF1,
        SignatureMethod.SHA384_RSA_MGF1,
        SignatureMethod.SHA512_RSA_MGF1,
    }
)
"""RSA (PKCS#1 v1.5 or PSS) and ECDSA with SHA-256 or stronger; never SHA-1, SHA-224, DSA or HMAC."""

ACCEPTED_DIGEST_ALGORITHMS = frozenset(
    {
        DigestAlgorithm.SHA256,
        DigestAlgorithm.SHA384,
        DigestAlgorithm.SHA512,
        DigestAlgorithm.SHA3_256,
        DigestAlgorithm.SHA3_384,
        DigestAlgorithm.SHA3_512,
    }
)
"""SHA-256 or stronger."""

_C14N_URIS = frozenset(method.value for method in CanonicalizationMethod)
_SIGNATURE_URIS = frozenset(method.value for method in ACCEPTED_SIGNATURE_METHODS)
_DIGEST_URIS = frozenset(algorithm.value for algorithm in ACCEPTED_DIGEST_ALGORITHMS)

# An element name, optionally in Clark notation: CHUKYDONVI or {urn:example}CHUKYDONVI.
_CONTAINER = re.compile(r"(\{[^{}\s]+\})?[A-Za-z_][\w.-]*")


def validate_container(container: str) -> str:
    """`container` unchanged if it is an element name (Clark notation allowed), else ValueError (a caller's bug)."""
    if not _CONTAINER.fullmatch(container):
        raise ValueError(f"{container!r} is not an element name")
    return container


@dataclass(frozen=True)
class SignatureParts:
    """What the verifier needs from an (as yet unverified) enveloped signature."""

    element: etree._Element
    signature_algorithm: str
    digest_algorithm: str
    digest_value: str
    certificates_der: tuple[bytes, ...]
    """The X509Certificate values of KeyInfo, decoded, in document order; empty if it names no certificate."""


def locate_signature(root: etree._Element, container: str) -> etree._Element:
    """The document's only ds:Signature, which must be a child of `container`, itself a child of the root."""
    signatures = list(root.iter(SIGNATURE_TAG))
    if not signatures:
        if root.find(container) is None:
            raise SignatureMissing(f"the document has no <{container}> element and no signature")
        raise SignatureMissing(f"<{container}> holds no ds:Signature")
    if len(signatures) > 1:
        raise SignatureMultiple(f"the document holds {len(signatures)} ds:Signature elements; exactly one is allowed")
    signature = signatures[0]
    parent = signature.getparent()
    if parent is None or parent.tag != container or parent.getparent() is not root:
        raise SignatureMisplaced(f"the signature must be in <{container}> directly under the root element")
    return signature


def read_signature(signature: etree._Element) -> SignatureParts:
    """The parts of an enveloped signature over the whole document; refuses any other shape or algorithm."""
    signed_info = _one(signature, "ds:SignedInfo")
    references = signed_info.findall("ds:Reference", NS)
    if len(references) != 1:
        raise ReferencesUnexpected(f'the signature has {len(references)} references; exactly one (URI="") expected')
    reference = references[0]
    if reference.get("URI") != "":
        raise ReferencesUnexpected(
            f'the reference points to {reference.get("URI")!r}; only the whole document (URI="") is accepted'
        )
    _check_transforms([t.get("Algorithm") for t in reference.findall("ds:Transforms/ds:Transform", NS)])

    c14n_algorithm = _one(signed_info, "ds:CanonicalizationMethod").get("Algorithm")
    if c14n_algorithm not in _C14N_URIS:
        raise AlgorithmRefused(f"canonicalisation method {c14n_algorithm!r} is not accepted")
    signature_algorithm = _one(signed_info, "ds:SignatureMethod").get("Algorithm") or ""
    if signature_algorithm not in _SIGNATURE_URIS:
        raise AlgorithmRefused(
            f"signature method {signature_algorithm!r} is not accepted; use RSA or ECDSA with SHA-256 or stronger"
        )
    digest_algorithm = _one(reference, "ds:DigestMethod").get("Algorithm") or ""
    if digest_algorithm not in _DIGEST_URIS:
        raise AlgorithmRefused(f"digest method {digest_algorithm!r} is not accepted; use SHA-256 or stronger")
    digest_value = "".join((_one(reference, "ds:DigestValue").text or "").split())

    # Possibly none: KeyInfo absent, or a KeyName, KeyValue or X509IssuerSerial only (the verifier then pins).
    certificates = signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    return SignatureParts(
        element=signature,
        signature_algorithm=signature_algorithm,
        digest_algorithm=digest_algorithm,
        digest_value=digest_value,
        certificates_der=tuple(_base64(element.text) for element in certificates),
    )


def key_fits(signature_method: str, certificate: x509.Certificate) -> bool:
    """True if `certificate`'s key is of the kind `signature_method` (an accepted URI) signs with: RSA or ECDSA."""
    kind = (
        ec.EllipticCurvePublicKey if SignatureMethod(signature_method).name.startswith("ECDSA_") else rsa.RSAPublicKey
    )
    return isinstance(certificate.public_key(), kind)


def _check_transforms(algorithms: list[str | None]) -> None:
    """Exactly the enveloped-signature transform, optionally with one canonicalisation, nothing else (no XPath/XSLT)."""
    others = [algorithm for algorithm in algorithms if algorithm != ENVELOPED]
    if len(others) == len(algorithms):
        raise ReferencesUnexpected("the reference lacks the enveloped-signature transform")
    if len(algorithms) - len(others) > 1 or len(others) > 1 or any(a not in _C14N_URIS for a in others):
        raise ReferencesUnexpected(
            f"unexpected transforms {algorithms}; only enveloped-signature and one canonicalisation are accepted"
        )


def _one(parent: etree._Element, path: str) -> etree._Element:
    found = parent.findall(path, NS)
    if len(found) != 1:
        name = path.removeprefix("ds:")
        raise SignatureMalformed(f"the signature has {len(found)} {name} elements in {etree.QName(parent).localname}")
    return found[0]


def _base64(text: str | None) -> bytes:
    try:
        return b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureMalformed("an X509Certificate is not valid base64") from exc
