"""Signing identities: a party's private key and certificate chain, loaded from PEM or PKCS#12 once per process.

Parsing a PEM key costs tens of milliseconds, so files are read once and cached by path; `clear_identity_cache()`
forgets them (tests, key rotation).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key, pkcs12
from signxml.algorithms import SignatureMethod

from signing.errors import IdentityError
from signing.parties import validate_party

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class SigningIdentity:
    """Who signs (`party`), with which key, and the certificate chain to put in KeyInfo (signer's certificate first)."""

    party: str
    key: SigningKey
    certificates: tuple[x509.Certificate, ...]

    def __post_init__(self) -> None:
        validate_party(self.party)
        if not isinstance(self.key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise IdentityError(f"{type(self.key).__name__} keys are not supported; use RSA or ECDSA")
        if not self.certificates:
            raise IdentityError(f"no certificate for {self.party!r}")
        if _public_der(self.certificates[0].public_key()) != _public_der(self.key.public_key()):
            raise IdentityError(f"the private key of {self.party!r} does not match its certificate")

    @property
    def certificate(self) -> x509.Certificate:
        """The signer's own certificate (the first of the chain)."""
        return self.certificates[0]

    @property
    def signature_method(self) -> SignatureMethod:
        """RSA-SHA256 for an RSA key, ECDSA-SHA256 for an EC key."""
        if isinstance(self.key, rsa.RSAPrivateKey):
            return SignatureMethod.RSA_SHA256
        return SignatureMethod.ECDSA_SHA256


def _public_der(key: object) -> bytes:
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise IdentityError(f"{type(key).__name__} certificates are not supported; use RSA or ECDSA")
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def identity_from_pem(
    party: str, key_pem: bytes, certificates_pem: bytes, *, password: bytes | None = None
) -> SigningIdentity:
    """An identity from a PEM private key (encrypted if `password` is given) and a PEM certificate chain."""
    try:
        key = load_pem_private_key(key_pem, password=password)
    except (ValueError, TypeError) as exc:
        raise IdentityError(f"cannot read the private key of {party!r}: {exc}") from exc
    try:
        certificates = tuple(x509.load_pem_x509_certificates(certificates_pem))
    except ValueError as exc:
        raise IdentityError(f"cannot read the certificates of {party!r}: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise IdentityError(f"{type(key).__name__} keys are not supported; use RSA or ECDSA")
    return SigningIdentity(party=party, key=key, certificates=certificates)


def identity_from_pkcs12(party: str, data: bytes, *, password: bytes | None) -> SigningIdentity:
    """An identity from a PKCS#12 (.p12/.pfx) bundle: its key, its certificate, then any additional certificates."""
    try:
        key, certificate, additional = pkcs12.load_key_and_certificates(data, password)
    except (ValueError, TypeError) as exc:
        raise IdentityError(f"cannot read the PKCS#12 bundle of {party!r}: {exc}") from exc
    if certificate is None:
        raise IdentityError(f"the PKCS#12 bundle of {party!r} has no certificate")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise IdentityError(f"the PKCS#12 bundle of {party!r} has no RSA or ECDSA private key")
    return SigningIdentity(party=party, key=key, certificates=(certificate, *additional))


_cache: dict[tuple[str, ...], SigningIdentity] = {}
_cache_lock = threading.Lock()


def load_identity(
    party: str, key_path: PathLike, certificates_path: PathLike, *, password: bytes | None = None
) -> SigningIdentity:
    """The identity in these PEM files, read on first use and then served from the process-wide cache."""
    cache_key = ("pem", party, _resolved(key_path), _resolved(certificates_path))
    with _cache_lock:
        cached = _cache.get(cache_key)
        if cached is None:
            cached = identity_from_pem(
                party, _read(party, key_path), _read(party, certificates_path), password=password
            )
            _cache[cache_key] = cached
    return cached


def load_pkcs12_identity(party: str, path: PathLike, *, password: bytes | None) -> SigningIdentity:
    """The identity in this PKCS#12 file, read on first use and then served from the process-wide cache."""
    cache_key = ("pkcs12", party, _resolved(path))
    with _cache_lock:
        cached = _cache.get(cache_key)
        if cached is None:
            cached = identity_from_pkcs12(party, _read(party, path), password=password)
            _cache[cache_key] = cached
    return cached


def clear_identity_cache() -> None:
    """Forget every cached identity (after a key rotation, or between tests)."""
    with _cache_lock:
        _cache.clear()


def _resolved(path: PathLike) -> str:
    return str(Path(path).resolve())


def _read(party: str, path: PathLike) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise IdentityError(f"cannot read {os.fspath(path)!r} for {party!r}: {exc.strerror}") from exc
