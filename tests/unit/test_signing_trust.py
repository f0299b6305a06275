"""The trust store, signing identities (PEM, PKCS#12, cache) and the development PKI."""

from __future__ import annotations

import datetime as dt
import stat
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs12,
)

from signing import keys
from signing.devpki import certificates_pem, generate_identity, private_key_pem, read_identity, write_identity
from signing.errors import IdentityError, TrustStoreError
from signing.keys import SigningIdentity, identity_from_pem, identity_from_pkcs12, load_pkcs12_identity
from signing.parties import HUB, POPULATION_DATABASE, civil_registry, facility, validate_party
from signing.trust import CertificateRecord, TrustStore
from tests.unit.test_signing import EC_HOSPITAL, HOSPITAL, OTHER_HOSPITAL, VALID_FROM, VALID_UNTIL, identity

# Parties


def test_party_names():
    assert facility("48001") == "facility:48001"
    assert civil_registry("00001") == "civil-registry:00001"
    assert validate_party(HUB) == "hub"
    assert validate_party(POPULATION_DATABASE) == "population-database"
    for bad in ("", "Facility:1", "facility:", "facility:48 001", "hub:a:b"):
        with pytest.raises(ValueError, match="not a party name"):
            validate_party(bad)


# Trust store


def test_a_certificate_is_found_by_party_and_by_fingerprint_with_its_fields():
    hospital = identity(HOSPITAL)
    store = TrustStore()

    added = store.add_certificate(HOSPITAL, hospital.certificate)

    fingerprint = hospital.certificate.fingerprint(hashes.SHA256()).hex()
    assert added.fingerprint == fingerprint
    assert added.serial == hospital.certificate.serial_number
    assert added.serial_hex == format(hospital.certificate.serial_number, "x")
    assert added.subject == "CN=facility:48001"
    assert (added.not_before, added.not_after) == (VALID_FROM, VALID_UNTIL)
    assert store.certificates_of(HOSPITAL) == (added,)
    assert store.by_fingerprint(fingerprint) is added
    assert store.by_fingerprint(":".join(f"{b:02X}" for b in bytes.fromhex(fingerprint))) is added
    assert store.by_fingerprint("00" * 32) is None
    assert store.certificates_of(OTHER_HOSPITAL) == ()
    assert store.parties() == {HOSPITAL}


def test_a_pem_bundle_adds_every_certificate_to_the_party():
    store = TrustStore()
    bundle = certificates_pem(identity(HOSPITAL)) + certificates_pem(identity(EC_HOSPITAL, "ec"))

    store.add_pem(HUB, bundle)

    assert len(store) == 2
    assert [c.subject for c in store.certificates_of(HUB)] == ["CN=facility:48001", "CN=facility:79001"]


def test_the_store_is_built_from_plain_records_in_pem_or_der():
    records = [
        CertificateRecord(HOSPITAL, certificates_pem(identity(HOSPITAL))),
        CertificateRecord(OTHER_HOSPITAL, identity(OTHER_HOSPITAL).certificate.public_bytes(Encoding.DER)),
    ]

    store = TrustStore(records)

    assert store.parties() == {HOSPITAL, OTHER_HOSPITAL}
    assert store.certificates_of(OTHER_HOSPITAL)[0].certificate == identity(OTHER_HOSPITAL).certificate


def test_a_certificate_belongs_to_one_party_and_a_failed_batch_adds_nothing():
    store = TrustStore([CertificateRecord(HOSPITAL, certificates_pem(identity(HOSPITAL)))])
    store.add_certificate(HOSPITAL, identity(HOSPITAL).certificate)  # the same pair again: no change
    assert len(store) == 1

    with pytest.raises(TrustStoreError, match="already trusted for 'facility:48001'"):
        store.add_records(
            [
                CertificateRecord(OTHER_HOSPITAL, certificates_pem(identity(OTHER_HOSPITAL))),
                CertificateRecord(OTHER_HOSPITAL, certificates_pem(identity(HOSPITAL))),
            ]
        )
    assert store.parties() == {HOSPITAL}
    assert len(store) == 1


@pytest.mark.parametrize("data", [b"", b"garbage", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"])
def test_unreadable_certificates_are_refused(data):
    with pytest.raises(TrustStoreError):
        TrustStore().add_pem(HOSPITAL, data)


def test_readers_see_a_consistent_store_while_certificates_are_added():
    store = TrustStore()
    hospital = identity(HOSPITAL).certificate
    store.add_certificate(HOSPITAL, hospital)
    fingerprint = hospital.fingerprint(hashes.SHA256()).hex()
    others = [identity(facility(f"9{n:04d}"), "ec").certificate for n in range(20)]
    failures: list[str] = []

    def read() -> None:
        for _ in range(2000):
            if store.by_fingerprint(fingerprint) is None or len(store.certificates_of(HOSPITAL)) != 1:
                failures.append("lost")

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    for n, certificate in enumerate(others):
        store.add_certificate(facility(f"9{n:04d}"), certificate)
    for reader in readers:
        reader.join()

    assert failures == []
    assert len(store) == 21


# Identities


def test_an_identity_refuses_a_key_that_does_not_match_its_certificate():
    with pytest.raises(IdentityError, match="does not match"):
        SigningIdentity(HOSPITAL, identity(OTHER_HOSPITAL).key, (identity(HOSPITAL).certificate,))
    with pytest.raises(IdentityError, match="no certificate"):
        SigningIdentity(HOSPITAL, identity(HOSPITAL).key, ())


def test_an_unsupported_key_type_is_refused():
    ed_pem = ed25519.Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())

    with pytest.raises(IdentityError, match="Ed25519"):
        identity_from_pem(HOSPITAL, ed_pem, certificates_pem(identity(HOSPITAL)))
    rsa_pem = private_key_pem(identity(HOSPITAL))
    assert identity_from_pem(HOSPITAL, rsa_pem, certificates_pem(identity(HOSPITAL))).party == HOSPITAL


def test_pem_files_are_written_read_and_cached(tmp_path: Path):
    keys.clear_identity_cache()
    hospital = identity(HOSPITAL)

    key_path, _ = write_identity(hospital, tmp_path, password=b"s3cret")

    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert key_path.name == "facility-48001.key.pem"
    loaded = read_identity(HOSPITAL, tmp_path, password=b"s3cret")
    assert loaded.certificate == hospital.certificate
    assert loaded.key.private_numbers() == hospital.key.private_numbers()
    # Read once per process: the same object until the cache is cleared
    key_path.write_bytes(b"changed on disk")
    assert read_identity(HOSPITAL, tmp_path, password=b"s3cret") is loaded
    keys.clear_identity_cache()
    with pytest.raises(IdentityError, match="private key"):
        read_identity(HOSPITAL, tmp_path, password=b"s3cret")


def test_a_wrong_password_or_a_missing_file_is_an_identity_error(tmp_path: Path):
    keys.clear_identity_cache()
    write_identity(identity(EC_HOSPITAL, "ec"), tmp_path, password=b"right")

    with pytest.raises(IdentityError, match="private key"):
        read_identity(EC_HOSPITAL, tmp_path, password=b"wrong")
    with pytest.raises(IdentityError, match="cannot read"):
        read_identity(HOSPITAL, tmp_path)


def test_a_pkcs12_bundle_gives_key_certificate_and_chain(tmp_path: Path):
    keys.clear_identity_cache()
    hospital, extra = identity(HOSPITAL), identity(EC_HOSPITAL, "ec").certificate
    bundle = pkcs12.serialize_key_and_certificates(
        b"hospital", hospital.key, hospital.certificate, [extra], BestAvailableEncryption(b"pin")
    )
    path = tmp_path / "token.p12"
    path.write_bytes(bundle)

    loaded = load_pkcs12_identity(HOSPITAL, path, password=b"pin")

    assert loaded.certificates == (hospital.certificate, extra)
    assert load_pkcs12_identity(HOSPITAL, path, password=b"pin") is loaded
    with pytest.raises(IdentityError, match="PKCS#12"):
        identity_from_pkcs12(HOSPITAL, bundle, password=b"wrong")


# Development PKI


def test_generated_identities_have_the_requested_certificate():
    not_before, not_after = dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 7, 1, tzinfo=dt.UTC)

    generated = generate_identity(HUB, not_before=not_before, not_after=not_after, key_type="ec", serial=4750)

    certificate = generated.certificate
    assert certificate.subject.rfc4514_string() == "CN=hub"
    assert certificate.issuer == certificate.subject
    assert certificate.serial_number == 4750
    assert (certificate.not_valid_before_utc, certificate.not_valid_after_utc) == (not_before, not_after)
    assert isinstance(generated.key, ec.EllipticCurvePrivateKey)
    assert generated.key.curve.name == "secp256r1"
    assert generated.signature_method.name == "ECDSA_SHA256"
    assert isinstance(identity(HOSPITAL).key, rsa.RSAPrivateKey)
    assert identity(HOSPITAL).key.key_size == 2048
    assert identity(HOSPITAL).signature_method.name == "RSA_SHA256"


def test_generation_refuses_bad_dates():
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="later"):
        generate_identity(HUB, not_before=start, not_after=start)
    with pytest.raises(ValueError, match="timezone-aware"):
        generate_identity(HUB, not_before=dt.datetime(2026, 1, 1), not_after=dt.datetime(2027, 1, 1))
