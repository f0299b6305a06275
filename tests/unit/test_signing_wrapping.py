"""Signature-wrapping attacks: moved, duplicated or extra content and signatures must fail or never reach the caller."""

from __future__ import annotations

import copy

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from signing.xmldsig import DS, NS
from tests.unit.test_signing import edit, refused, signature_of, signed_document, verify

FORGED_DATE = "20991231"


def forged_copy(root: etree._Element) -> etree._Element:
    """A copy of the signed THONGTINHOSO with a changed date: the content an attacker wants read."""
    forged = copy.deepcopy(root.find("THONGTINHOSO"))
    forged.find("NGAYLAP").text = FORGED_DATE
    return forged


def test_signed_content_moved_into_the_signature_and_replaced_is_refused():
    # Given the genuine THONGTINHOSO moved into a ds:Object of the signature, a forged one in its place
    def move(root):
        genuine = root.find("THONGTINHOSO")
        root.replace(genuine, forged_copy(root))
        etree.SubElement(signature_of(root), f"{{{DS}}}Object").append(genuine)

    # Then the whole-document digest no longer matches
    refused(edit(signed_document(), move), "DIGEST_MISMATCH")


def test_a_second_unsigned_copy_of_the_content_is_refused():
    def append_copy(root):
        root.insert(0, forged_copy(root))

    refused(edit(signed_document(), append_copy), "DIGEST_MISMATCH")


def test_the_signed_document_wrapped_in_a_new_root_is_refused():
    def wrap(signed: etree._Element) -> bytes:
        outer = etree.Element("GIAMDINHHS")
        forged = copy.deepcopy(signed)
        forged.remove(forged.find("CHUKYDONVI"))
        forged.find("THONGTINHOSO/NGAYLAP").text = FORGED_DATE
        outer.extend([forged, signed])
        return etree.tostring(outer)

    refused(wrap(etree.fromstring(signed_document())), "SIGNATURE_MISPLACED")


def test_a_signature_moved_out_of_its_container_is_refused():
    def to_root(root):
        root.append(signature_of(root))

    def container_nested(root):
        root.find("THONGTINHOSO").append(root.find("CHUKYDONVI"))

    refused(edit(signed_document(), to_root), "SIGNATURE_MISPLACED")
    refused(edit(signed_document(), container_nested), "SIGNATURE_MISPLACED")


def test_two_signatures_are_refused():
    def duplicate_in_container(root):
        root.find("CHUKYDONVI").append(copy.deepcopy(signature_of(root)))

    def duplicate_in_content(root):
        root.find("THONGTINHOSO").append(copy.deepcopy(signature_of(root)))

    refused(edit(signed_document(), duplicate_in_container), "SIGNATURE_MULTIPLE")
    refused(edit(signed_document(), duplicate_in_content), "SIGNATURE_MULTIPLE")


def test_an_extra_reference_is_refused():
    def add_reference(root):
        signed_info = signature_of(root).find("ds:SignedInfo", NS)
        extra = copy.deepcopy(signed_info.find("ds:Reference", NS))
        extra.set("URI", "#forged")
        signed_info.append(extra)

    refused(edit(signed_document(), add_reference), "REFERENCES_UNEXPECTED")


def test_a_reference_to_an_element_elsewhere_is_refused():
    # Given the reference re-pointed at an Id'd element (as in SAML wrapping)
    def point_elsewhere(root):
        root.find("THONGTINDONVI").set("Id", "unit")
        signature_of(root).find("ds:SignedInfo/ds:Reference", NS).set("URI", "#unit")

    refused(edit(signed_document(), point_elsewhere), "REFERENCES_UNEXPECTED")


def test_an_xpath_transform_is_refused():
    def add_xpath(root):
        transforms = signature_of(root).find("ds:SignedInfo/ds:Reference/ds:Transforms", NS)
        xpath = etree.SubElement(
            transforms, f"{{{DS}}}Transform", Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"
        )
        etree.SubElement(xpath, f"{{{DS}}}XPath").text = "not(ancestor-or-self::THONGTINHOSO)"

    refused(edit(signed_document(), add_xpath), "REFERENCES_UNEXPECTED")


def test_unsigned_content_inside_the_signature_never_reaches_the_caller():
    # Given a forged copy placed inside the signature, which the enveloped transform leaves out of the digest
    def hide_in_signature(root):
        etree.SubElement(signature_of(root), f"{{{DS}}}Object").append(forged_copy(root))

    tampered = edit(signed_document(), hide_in_signature)

    # When the signature still verifies (the signed content is intact)
    verified = verify(tampered)

    # Then the returned tree is only what was signed: the forged copy is not in it
    root = verified.signed_root
    assert [element.findtext("NGAYLAP") for element in root.iter("THONGTINHOSO")] == ["20261102"]
    assert FORGED_DATE.encode() not in etree.tostring(root)
    assert FORGED_DATE.encode() not in verified.signed_bytes
    assert FORGED_DATE.encode() in tampered


def test_a_comment_cannot_truncate_the_text_the_caller_reads():
    # Given a comment inserted into signed text (c14n drops comments, so the digest still matches)
    tampered = signed_document().replace(b"<MACSKCB>48001<", b"<MACSKCB>48<!-- -->001<")
    naive = etree.fromstring(tampered)
    assert naive.find("THONGTINDONVI/MACSKCB").text == "48"  # what a careless reader of the raw input would see

    # Then the signed root, rebuilt from the canonical form, has the whole value and no comment
    signed_root = verify(tampered).signed_root
    assert signed_root.find("THONGTINDONVI/MACSKCB").text == "48001"
    assert not any(isinstance(node, etree._Comment) for node in signed_root.iter())
