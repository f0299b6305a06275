"""Signing and verifying enveloped XMLDSig signatures: round trips, signer pinning, certificate dates, the report."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped, unused-ignore]
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod

from signing import verify as verify_module
from signing.devpki import generate_identity
from signing.errors import SignatureError, SigningError, UnsafeXml, XmlTooLarge
from signing.keys import SigningIdentity
from signing.parties import facility
from signing.sign import sign_enveloped
from signing.trust import TrustStore
from signing.verify import verify_enveloped
from signing.xmldsig import DS, NS

VALID_FROM = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
VALID_UNTIL = dt.datetime(2028, 1, 1, tzinfo=dt.UTC)
AT = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
HOSPITAL = facility("48001")
OTHER_HOSPITAL = facility("48002")
EC_HOSPITAL = facility("79001")

XML11 = "<CHI_TIEU_GIAY_NGHI_VIEC_HUONG_BHXH><HO_TEN>Nguyễn Thị Hoa</HO_TEN></CHI_TIEU_GIAY_NGHI_VIEC_HUONG_BHXH>"
DOCUMENT = f"""<GIAMDINHHS>
  <THONGTINDONVI><MACSKCB>48001</MACSKCB></THONGTINDONVI>
  <THONGTINHOSO>
    <NGAYLAP>20261102</NGAYLAP>
    <SOLUONGHOSO>1</SOLUONGHOSO>
    <DANHSACHHOSO>
      <HOSO>
        <FILEHOSO>
          <LOAIHOSO>XML11</LOAIHOSO>
          <NOIDUNGFILE>{base64.b64encode(XML11.encode()).decode()}</NOIDUNGFILE>
        </FILEHOSO>
      </HOSO>
    </DANHSACHHOSO>
  </THONGTINHOSO>
</GIAMDINHHS>""".encode()


def identity(party: str, key_type: str = "rsa", valid_from: dt.datetime = VALID_FROM) -> SigningIdentity:
    """One generated identity per (party, key type, start date) for the whole test run (RSA generation is slow)."""
    return _generated(party, key_type, valid_from)


@functools.cache
def _generated(party: str, key_type: str, valid_from: dt.datetime) -> SigningIdentity:
    until = valid_from + (VALID_UNTIL - VALID_FROM)
    return generate_identity(
        party, not_before=valid_from, not_after=until, key_type="ec" if key_type == "ec" else "rsa"
    )


def late_identity() -> SigningIdentity:
    return identity(facility("48003"), valid_from=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))


@functools.cache
def trust_store() -> TrustStore:
    """Trusts two RSA hospitals, an ECDSA hospital and a hospital whose certificate starts in 2027."""
    store = TrustStore()
    for trusted in (identity(HOSPITAL), identity(OTHER_HOSPITAL), identity(EC_HOSPITAL, "ec"), late_identity()):
        store.add_certificate(trusted.party, trusted.certificate)
    return store


@functools.cache
def signed_document() -> bytes:
    return sign_enveloped(DOCUMENT, identity(HOSPITAL))


def verify(
    xml: bytes,
    *,
    signer: str = HOSPITAL,
    at: dt.datetime = AT,
    container: str = "CHUKYDONVI",
    max_bytes: int | None = None,
) -> verify_module.Verified:
    """Verify against the test trust store, by default pinned to HOSPITAL at AT."""
    store = trust_store()
    return verify_enveloped(xml, store, expected_signer=signer, at=at, container=container, max_bytes=max_bytes)


def refused(
    xml: bytes, code: str, *, signer: str = HOSPITAL, at: dt.datetime = AT, container: str = "CHUKYDONVI"
) -> SignatureError:
    """Assert that verification fails with `code`; the error (with its report) for further checks."""
    with pytest.raises(SignatureError) as caught:
        verify(xml, signer=signer, at=at, container=container)
    assert caught.value.code == code, str(caught.value)
    report = caught.value.report
    assert report is not None
    assert (report.result, report.reason_code, report.message) == ("invalid", code, str(caught.value))
    return caught.value


def edit(xml: bytes, change: object) -> bytes:
    """Parse `xml`, apply `change(root)`, serialise."""
    root = etree.fromstring(xml)
    change(root)  # type: ignore[operator]
    result: bytes = etree.tostring(root)
    return result


def signature_of(root: etree._Element) -> etree._Element:
    return root.find("CHUKYDONVI/ds:Signature", NS)


# Round trips


@pytest.mark.parametrize(
    ("party", "key_type", "method"),
    [
        (HOSPITAL, "rsa", SignatureMethod.RSA_SHA256.value),
        (EC_HOSPITAL, "ec", SignatureMethod.ECDSA_SHA256.value),
    ],
)
def test_a_signed_document_verifies_and_only_the_signed_content_is_returned(party, key_type, method):
    # Given a hospital's document signed with its RSA or ECDSA key
    signed = sign_enveloped(DOCUMENT, identity(party, key_type))

    # When the hub verifies it pinned to that hospital
    verified = verify(signed, signer=party)

    # Then the signed root is the document with an empty container: the signature itself is not content
    root = verified.signed_root
    assert root.tag == "GIAMDINHHS"
    assert root.findtext("THONGTINDONVI/MACSKCB") == "48001"
    assert base64.b64decode(root.findtext(".//NOIDUNGFILE")).decode() == XML11
    assert len(root.find("CHUKYDONVI")) == 0
    assert root.find(f".//{{{DS}}}Signature") is None
    assert verified.signed_bytes == etree.tostring(root, method="c14n")
    assert verified.report.valid
    assert verified.report.signature_algorithm == method


def test_the_signature_has_the_hospital_form():
    root = etree.fromstring(signed_document())
    signature = signature_of(root)

    assert signature.getparent().getparent() is root
    assert len(root.findall(f".//{{{DS}}}Signature")) == 1
    (reference,) = signature.findall("ds:SignedInfo/ds:Reference", NS)
    assert reference.get("URI") == ""
    assert [t.get("Algorithm") for t in reference.findall("ds:Transforms/ds:Transform", NS)] == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        CanonicalizationMethod.CANONICAL_XML_1_0.value,
    ]
    assert reference.find("ds:DigestMethod", NS).get("Algorithm") == DigestAlgorithm.SHA256.value
    assert signature.find("ds:SignedInfo/ds:SignatureMethod", NS).get("Algorithm") == SignatureMethod.RSA_SHA256.value
    embedded = signature.findtext("ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=NS)
    assert base64.b64decode("".join(embedded.split())) == identity(HOSPITAL).certificate.public_bytes(Encoding.DER)


def test_an_existing_container_is_used_and_an_element_input_is_left_unchanged():
    root = etree.fromstring(DOCUMENT.replace(b"<THONGTINHOSO>", b"<CHUKYDONVI/><THONGTINHOSO>", 1))
    before = etree.tostring(root)

    signed = etree.fromstring(sign_enveloped(root, identity(HOSPITAL)))

    assert etree.tostring(root) == before
    assert [child.tag for child in signed] == ["THONGTINDONVI", "CHUKYDONVI", "THONGTINHOSO"]
    assert signature_of(signed) is not None
    verify(etree.tostring(signed))


def test_a_tree_signed_in_place_gives_the_bytes_of_its_copy_signed():
    """`in_place` (a tree built for the signature, as receipts are) signs the caller's tree itself, into the same
    bytes as a signed copy of it; a tree with a parent is still copied, and left unchanged."""
    copied = etree.fromstring(DOCUMENT)
    owned = etree.fromstring(DOCUMENT)

    signed = sign_enveloped(owned, identity(HOSPITAL), in_place=True)

    assert signed == sign_enveloped(copied, identity(HOSPITAL))
    assert signature_of(owned) is not None and signature_of(copied) is None
    verify(signed)
    nested = etree.fromstring(b"<ROOT>" + DOCUMENT.split(b"?>", 1)[-1] + b"</ROOT>")[0]
    before = etree.tostring(nested)
    assert sign_enveloped(nested, identity(HOSPITAL), in_place=True) == signed
    assert etree.tostring(nested) == before


@pytest.mark.parametrize("container", ["CHUKY", "{urn:example:catalogue}SIGNATURE"])
def test_the_container_is_the_callers_choice(container):
    document = b'<DANHMUC xmlns:c="urn:example:catalogue"><MUC>1</MUC></DANHMUC>'
    signed = sign_enveloped(document, identity(HOSPITAL), container=container)

    assert etree.fromstring(signed).find(f"{container}/{{{DS}}}Signature") is not None
    assert verify(signed, container=container).signed_root.findtext("MUC") == "1"
    refused(signed, "SIGNATURE_MISPLACED")  # the default container is CHUKYDONVI


def test_a_root_with_an_id_is_still_signed_as_a_whole_document():
    signed = sign_enveloped(b'<GIAMDINHHS Id="hs-1"><A>1</A></GIAMDINHHS>', identity(HOSPITAL))

    assert signature_of(etree.fromstring(signed)).find("ds:SignedInfo/ds:Reference", NS).get("URI") == ""
    assert verify(signed).signed_root.get("Id") == "hs-1"


def test_a_chain_in_keyinfo_is_accepted_when_it_holds_the_signers_certificate():
    hospital = identity(HOSPITAL)
    with_chain = SigningIdentity(hospital.party, hospital.key, (hospital.certificate, identity("ca", "ec").certificate))

    signed = sign_enveloped(DOCUMENT, with_chain)

    assert len(etree.fromstring(signed).findall(".//ds:X509Certificate", NS)) == 2
    assert verify(signed).report.signer == HOSPITAL


def test_signing_refuses_a_document_that_is_already_signed_or_has_two_containers():
    with pytest.raises(SigningError, match="already"):
        sign_enveloped(signed_document(), identity(HOSPITAL))
    with pytest.raises(SigningError, match="2 <CHUKYDONVI>"):
        sign_enveloped(b"<R><CHUKYDONVI/><CHUKYDONVI/></R>", identity(HOSPITAL))


@settings(max_examples=40, deadline=None)
@given(text=st.text(st.characters(exclude_categories=["Cc", "Cs", "Cn", "Co"], include_characters="\t\n\r")))
def test_any_text_content_round_trips(text):
    root = etree.Element("GIAMDINHHS")
    etree.SubElement(root, "GHICHU").text = text

    verified = verify(sign_enveloped(root, identity(EC_HOSPITAL, "ec")), signer=EC_HOSPITAL)

    assert (verified.signed_root.findtext("GHICHU") or "") == text


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_changing_any_character_of_the_content_is_detected(data):
    signed = signed_document()
    start = signed.index(b"<NGAYLAP>") + len(b"<NGAYLAP>")
    position = data.draw(st.integers(start, start + 7), label="position")
    replacement = data.draw(st.sampled_from(b"0123456789").filter(lambda digit: digit != signed[position]))

    tampered = signed[:position] + bytes([replacement]) + signed[position + 1 :]

    refused(tampered, "DIGEST_MISMATCH")


# Who signed, and when


def test_a_signature_by_another_facility_is_refused_with_its_party_in_the_report():
    signed = sign_enveloped(DOCUMENT, identity(OTHER_HOSPITAL))

    error = refused(signed, "SIGNER_UNEXPECTED")

    assert error.report is not None
    assert error.report.signer == OTHER_HOSPITAL
    assert error.report.certificate_subject == f"CN={OTHER_HOSPITAL}"
    assert verify(signed, signer=OTHER_HOSPITAL).report.valid


def test_a_certificate_outside_the_trust_store_is_unknown():
    stranger = identity(facility("01001"))

    error = refused(sign_enveloped(DOCUMENT, stranger), "CERTIFICATE_UNKNOWN")

    assert error.report is not None
    assert error.report.signer is None
    assert error.report.certificate_subject == "CN=facility:01001"
    assert error.report.certificate_serial == format(stranger.certificate.serial_number, "x")


def test_the_embedded_certificate_is_never_trusted_for_the_key():
    # Given a document signed with another facility's key but carrying the expected hospital's certificate
    signed = sign_enveloped(DOCUMENT, identity(OTHER_HOSPITAL))
    genuine = base64.b64encode(identity(HOSPITAL).certificate.public_bytes(Encoding.DER)).decode()

    def swap_certificate(root):
        signature_of(root).find("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS).text = genuine

    # Then the signature is checked with the pinned certificate's key, and fails
    refused(edit(signed, swap_certificate), "SIGNATURE_INVALID")


def test_a_broken_signature_value_is_invalid():
    def flip(root):
        value = signature_of(root).find("ds:SignatureValue", NS)
        raw = bytearray(base64.b64decode(value.text))
        raw[10] ^= 0xFF
        value.text = base64.b64encode(bytes(raw)).decode()

    refused(edit(signed_document(), flip), "SIGNATURE_INVALID")


def test_certificate_dates_are_checked_at_the_given_instant():
    late = late_identity()
    signed = sign_enveloped(DOCUMENT, late)

    refused(signed, "CERTIFICATE_NOT_YET_VALID", signer=late.party)
    refused(signed_document(), "CERTIFICATE_EXPIRED", at=VALID_UNTIL + dt.timedelta(seconds=1))
    assert verify(signed_document(), at=VALID_UNTIL).report.valid
    assert verify(signed_document(), at=VALID_FROM).report.valid


def test_a_naive_instant_is_a_programming_error():
    with pytest.raises(ValueError, match="timezone-aware"):
        verify(signed_document(), at=dt.datetime(2026, 1, 1))


# Unsafe XML and the report


def test_unsafe_or_oversized_xml_is_refused_with_a_report():
    xxe = b'<!DOCTYPE G [<!ENTITY x SYSTEM "file:///etc/passwd">]><GIAMDINHHS>&x;</GIAMDINHHS>'
    with pytest.raises(UnsafeXml) as unsafe:
        verify(xxe)
    assert unsafe.value.report is not None
    assert unsafe.value.report.reason_code == "XML_UNSAFE"

    with pytest.raises(XmlTooLarge) as large:
        verify(signed_document(), max_bytes=1000)
    assert large.value.report is not None
    assert large.value.report.result == "invalid"


def test_the_report_describes_the_check_and_serialises_to_json():
    hospital = identity(HOSPITAL)
    signature = signature_of(etree.fromstring(signed_document()))

    report = verify(signed_document()).report

    assert report.result == "valid"
    assert report.reason_code == "VALID"
    assert (report.expected_signer, report.signer) == (HOSPITAL, HOSPITAL)
    assert report.certificate_subject == "CN=facility:48001"
    assert report.certificate_serial == format(hospital.certificate.serial_number, "x")
    assert report.certificate_not_before == VALID_FROM
    assert report.certificate_not_after == VALID_UNTIL
    assert report.certificate_fingerprint == hospital.certificate.fingerprint(hashes.SHA256()).hex()
    assert report.signature_algorithm == SignatureMethod.RSA_SHA256.value
    assert report.digest_algorithm == DigestAlgorithm.SHA256.value
    assert report.digest_value == signature.findtext("ds:SignedInfo/ds:Reference/ds:DigestValue", namespaces=NS)
    assert report.checked_at == AT
    as_dict = report.as_dict()
    assert json.loads(json.dumps(as_dict)) == as_dict
    assert as_dict["checked_at"] == "2026-11-02T03:00:00+00:00"
    assert as_dict["certificate_not_after"] == "2028-01-01T00:00:00+00:00"


def test_a_failure_report_keeps_what_was_learnt_before_the_failure():
    error = refused(DOCUMENT, "SIGNATURE_MISSING")
    assert error.report is not None
    as_dict = error.report.as_dict()
    assert json.loads(json.dumps(as_dict)) == as_dict
    assert as_dict["certificate_fingerprint"] is None
    assert as_dict["expected_signer"] == HOSPITAL

    expired = refused(signed_document(), "CERTIFICATE_EXPIRED", at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    assert expired.report is not None
    assert expired.report.signer == HOSPITAL
    assert expired.report.digest_algorithm == DigestAlgorithm.SHA256.value


def test_verification_is_safe_from_many_threads():
    documents = [signed_document(), sign_enveloped(DOCUMENT, identity(EC_HOSPITAL, "ec"))]
    signers = [HOSPITAL, EC_HOSPITAL]

    def check(index: int) -> bool:
        return verify(documents[index % 2], signer=signers[index % 2]).report.valid

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(check, range(400)))
