"""The trust store: the certificates each party (a facility, a registry office, the population database, the hub) uses.

Certificates are pinned per party: a signature is accepted only when made with one of the expected signer's own
certificates, looked up by the SHA-256 fingerprint of its DER encoding. The store is built once (from PEM files,
cryptography objects, or plain records such as database rows) and then read concurrently without locks: every
change builds new immutable indexes and swaps them in under a lock (copy-on-write).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from signing.errors import TrustStoreError
from signing.parties import validate_party


def fingerprint_of(der: bytes) -> str:
    """The SHA-256 fingerprint of a DER-encoded certificate: 64 lower-case hex digits, no separators."""
    return hashlib.sha256(der).hexdigest()


def normalise_fingerprint(fingerprint: str) -> str:
    """`AB:CD:…` or `abcd…` → `abcd…` (the form the store indexes by)."""
    return fingerprint.replace(":", "").replace(" ", "").lower()


@dataclass(frozen=True)
class TrustedCertificate:
    """One certificate trusted for one party, with the fields reports and operators need precomputed."""

    party: str
    certificate: x509.Certificate
    fingerprint: str
    serial: int
    subject: str
    not_before: dt.datetime
    not_after: dt.datetime

    @classmethod
    def of(cls, party: str, certificate: x509.Certificate) -> TrustedCertificate:
        """Describe `certificate` as trusted for `party`."""
        return cls(
            party=validate_party(party),
            certificate=certificate,
            fingerprint=fingerprint_of(certificate.public_bytes(Encoding.DER)),
            serial=certificate.serial_number,
            subject=certificate.subject.rfc4514_string(),
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
        )

    @property
    def serial_hex(self) -> str:
        """The serial number in lower-case hexadecimal, as certificate viewers show it."""
        return format(self.serial, "x")

    def validity_at(self, at: dt.datetime) -> int:
        """-1 if `at` is before notBefore, 1 if after notAfter, 0 if the certificate is valid at `at` (aware)."""
        if at.tzinfo is None:
            raise ValueError("`at` must be timezone-aware")
        if at < self.not_before:
            return -1
        if at > self.not_after:
            return 1
        return 0


@dataclass(frozen=True)
class CertificateRecord:
    """A plain (party, certificate) pair, e.g. a row of the hub's certificate table; PEM or DER bytes."""

    party: str
    certificate: bytes


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in `data`: one or more PEM blocks, or a single DER certificate; TrustStoreError otherwise."""
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise TrustStoreError(f"not a PEM or DER X.509 certificate: {exc}") from exc


class TrustStore:
    """Certificates by party and by fingerprint; lock-free reads, copy-on-write additions."""

    def __init__(self, records: Iterable[CertificateRecord] = ()) -> None:
        self._lock = threading.Lock()
        self._by_party: Mapping[str, tuple[TrustedCertificate, ...]] = MappingProxyType({})
        self._by_fingerprint: Mapping[str, TrustedCertificate] = MappingProxyType({})
        self.add_records(records)

    def add_records(self, records: Iterable[CertificateRecord]) -> list[TrustedCertificate]:
        """Add every certificate of every record, all or nothing."""
        entries = [
            TrustedCertificate.of(record.party, certificate)
            for record in records
            for certificate in load_certificates(record.certificate)
        ]
        return self._add(entries)

    def add_pem(self, party: str, pem: bytes) -> list[TrustedCertificate]:
        """Trust every certificate in the PEM bundle `pem` for `party`."""
        return self._add([TrustedCertificate.of(party, certificate) for certificate in load_certificates(pem)])

    def add_certificate(self, party: str, certificate: x509.Certificate) -> TrustedCertificate:
        """Trust `certificate` for `party`."""
        return self._add([TrustedCertificate.of(party, certificate)])[0]

    def certificates_of(self, party: str) -> tuple[TrustedCertificate, ...]:
        """The certificates trusted for `party`, oldest added first (empty if the party is unknown)."""
        return self._by_party.get(party, ())

    def by_fingerprint(self, fingerprint: str) -> TrustedCertificate | None:
        """The trusted certificate with this SHA-256 fingerprint (hex, any case, colons allowed), or None."""
        return self._by_fingerprint.get(normalise_fingerprint(fingerprint))

    def parties(self) -> frozenset[str]:
        """Every party with at least one certificate."""
        return frozenset(self._by_party)

    def __len__(self) -> int:
        return len(self._by_fingerprint)

    def _add(self, entries: list[TrustedCertificate]) -> list[TrustedCertificate]:
        with self._lock:
            by_party = {party: list(certificates) for party, certificates in self._by_party.items()}
            by_fingerprint = dict(self._by_fingerprint)
            for entry in entries:
                known = by_fingerprint.get(entry.fingerprint)
                if known is not None:
                    if known.party != entry.party:
                        raise TrustStoreError(
                            f"certificate {entry.fingerprint} ({entry.subject}) is already trusted for "
                            f"{known.party!r}; a certificate belongs to one party only"
                        )
                    continue
                by_fingerprint[entry.fingerprint] = entry
                by_party.setdefault(entry.party, []).append(entry)
            # Readers see either the old indexes or the new ones, never a half-built state.
            self._by_fingerprint = MappingProxyType(by_fingerprint)
            self._by_party = MappingProxyType({party: tuple(certs) for party, certs in by_party.items()})
        return entries
