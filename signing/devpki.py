"""Development PKI: self-signed certificates and keys for parties, for tests, the demo, simulators and benchmarks.

Not for production: real facilities sign with certificates from licensed Vietnamese CAs; the hub only pins them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from cryptography.x509.oid import NameOID

from signing.keys import SigningIdentity, SigningKey, load_identity
from signing.parties import file_stem, validate_party

KeyType = Literal["rsa", "ec"]


def generate_identity(
    party: str,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
    key_type: KeyType = "rsa",
    serial: int | None = None,
    organisation: str | None = None,
) -> SigningIdentity:
    """A new key (RSA-2048 or EC P-256) and a self-signed certificate with subject CN = `party`.

    The certificate is valid from `not_before` to `not_after` (timezone-aware); `serial` defaults to a random one.
    """
    validate_party(party)
    if not_before.tzinfo is None or not_after.tzinfo is None:
        raise ValueError("validity dates must be timezone-aware")
    if not_after <= not_before:
        raise ValueError("not_after must be later than not_before")
    key: SigningKey
    if key_type == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif key_type == "ec":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        raise ValueError(f"unknown key type {key_type!r}; use 'rsa' or 'ec'")
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, party)]
    if organisation is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    name = x509.Name(attributes)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial if serial is not None else x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return SigningIdentity(party=party, key=key, certificates=(certificate,))


def private_key_pem(identity: SigningIdentity, *, password: bytes | None = None) -> bytes:
    """The private key as PKCS#8 PEM, encrypted when `password` is given."""
    encryption = BestAvailableEncryption(password) if password else NoEncryption()
    return identity.key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption)


def certificates_pem(identity: SigningIdentity) -> bytes:
    """The certificate chain as concatenated PEM blocks, signer's certificate first."""
    return b"".join(certificate.public_bytes(Encoding.PEM) for certificate in identity.certificates)


def write_identity(identity: SigningIdentity, directory: Path, *, password: bytes | None = None) -> tuple[Path, Path]:
    """Write `<party>.key.pem` (mode 0600) and `<party>.cert.pem` into `directory`; their paths, key first."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = file_stem(identity.party)
    key_path, cert_path = directory / f"{stem}.key.pem", directory / f"{stem}.cert.pem"
    key_path.touch(mode=0o600, exist_ok=True)
    key_path.chmod(0o600)
    key_path.write_bytes(private_key_pem(identity, password=password))
    cert_path.write_bytes(certificates_pem(identity))
    return key_path, cert_path


def read_identity(party: str, directory: Path, *, password: bytes | None = None) -> SigningIdentity:
    """The identity `write_identity` wrote for `party` in `directory` (cached per process, like every key)."""
    stem = file_stem(party)
    return load_identity(party, directory / f"{stem}.key.pem", directory / f"{stem}.cert.pem", password=password)
