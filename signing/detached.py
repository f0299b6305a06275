"""Detached signatures of the hub's outbound messages (JSON calls to other systems), so that a receiver can prove
what the hub sent: RSA PKCS#1 v1.5 or ECDSA over SHA-256 of `METHOD target\\nbody`, in two headers.

    X-Hub-Signature     base64 of the signature
    X-Hub-Certificate   SHA-256 fingerprint of the signer's certificate (DER, lower-case hex), to find it by
"""

from __future__ import annotations

import base64
import binascii

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from signing.keys import SigningIdentity
from signing.trust import fingerprint_of

SIGNATURE_HEADER = "X-Hub-Signature"
CERTIFICATE_HEADER = "X-Hub-Certificate"


def message_bytes(method: str, target: str, body: bytes) -> bytes:
    """What is signed: the method, the path with its query string, and the body exactly as sent."""
    return f"{method.upper()} {target}\n".encode() + body


class MessageSigner:
    """Signs outbound messages with one identity; safe to share between clients and threads."""

    def __init__(self, identity: SigningIdentity) -> None:
        self._identity = identity
        self._fingerprint = fingerprint_of(identity.certificate.public_bytes(Encoding.DER))

    def headers(self, method: str, target: str, body: bytes) -> dict[str, str]:
        """The two headers to add to the message."""
        data = message_bytes(method, target, body)
        key = self._identity.key
        if isinstance(key, rsa.RSAPrivateKey):
            signature = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        else:
            signature = key.sign(data, ec.ECDSA(hashes.SHA256()))
        return {SIGNATURE_HEADER: base64.b64encode(signature).decode("ascii"), CERTIFICATE_HEADER: self._fingerprint}


def verify_message(certificate: x509.Certificate, method: str, target: str, body: bytes, signature: str) -> bool:
    """Whether `signature` (base64) is the certificate holder's signature of this message."""
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    data = message_bytes(method, target, body)
    public = certificate.public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(raw, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(raw, data, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except InvalidSignature:
        return False
    return True
