"""Sign an XML document the way hospitals do: an enveloped XMLDSig signature inside a container element.

The result has one ds:Signature in `<container>` (default CHUKYDONVI, created at the end of the root if absent),
with one Reference URI="" (the whole document), the enveloped-signature and C14N 1.0 transforms, a SHA-256 digest,
RSA-SHA256 or ECDSA-SHA256 depending on the key, and the signer's certificate chain in KeyInfo/X509Data.
"""

from __future__ import annotations

import functools
from base64 import b64encode

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree  # type: ignore[import-untyped, unused-ignore]  # no stubs installed (see types-lxml)
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureConstructionMethod
from signxml.util import strip_pem_header

from signing.errors import SigningError
from signing.keys import SigningIdentity
from signing.verify import Canonicalisation
from signing.xmldsig import DS, SIGNATURE_TAG, validate_container
from signing.xmlsafe import parse_xml

# Inclusive C14N 1.0: what .NET SignedXml and the Java tools behind Vietnamese signing tokens produce and accept
# (C14N 1.1, signxml's default, is not supported by .NET).
CANONICALISATION = CanonicalizationMethod.CANONICAL_XML_1_0


def sign_enveloped(
    xml: bytes | etree._Element, identity: SigningIdentity, *, container: str = "CHUKYDONVI", in_place: bool = False
) -> bytes:
    """`xml` with `identity`'s enveloped signature in `<container>` under the root, as UTF-8 bytes with a declaration.

    A bytes input is parsed with the safe parser; an element is copied, never modified, unless `in_place`: a tree the
    caller built for this signature (a receipt), whose copy was a tenth of the signing's time. Raises SigningError if
    the document already holds a signature or more than one `<container>` under its root.
    """
    validate_container(container)
    if in_place and isinstance(xml, etree._Element) and xml.getparent() is None:
        root = xml
    else:
        root = parse_xml(xml if isinstance(xml, bytes) else etree.tostring(xml), huge=True)
    if next(root.iter(SIGNATURE_TAG), None) is not None:
        raise SigningError("the document already holds a ds:Signature element")
    containers = root.findall(container)
    if len(containers) > 1:
        raise SigningError(f"the root has {len(containers)} <{container}> elements; expected at most one")
    holder = containers[0] if containers else etree.SubElement(root, container)
    if root.getprevious() is not None or root.getnext() is not None:
        root = parse_xml(etree.tostring(root), huge=True)  # what is written is the root alone: so is what is signed
        holder = root.findall(container)[0]
    _sign_in_place(root, holder, identity)
    result: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return result


def _sign_in_place(root: etree._Element, holder: etree._Element, identity: SigningIdentity) -> None:
    """Add `identity`'s signature over the document of `root` to `holder`, as signxml's XMLSigner writes it (the same
    elements, prefixes and certificate text; an RSA signature is the same bytes), without its copies of the tree.

    The digest is taken before the signature is added, which is what the enveloped-signature transform takes it out
    of; SignedInfo is canonicalised where it stands, as signxml does."""
    digest = Canonicalisation().digest(root, DigestAlgorithm.SHA256)
    signature = etree.SubElement(holder, SIGNATURE_TAG, nsmap={"ds": DS})
    signed_info = _ds(signature, "SignedInfo")
    _ds(signed_info, "CanonicalizationMethod", Algorithm=CANONICALISATION.value)
    _ds(signed_info, "SignatureMethod", Algorithm=identity.signature_method.value)
    reference = _ds(signed_info, "Reference", URI="")
    transforms = _ds(reference, "Transforms")
    _ds(transforms, "Transform", Algorithm=SignatureConstructionMethod.enveloped.value)
    _ds(transforms, "Transform", Algorithm=CANONICALISATION.value)
    _ds(reference, "DigestMethod", Algorithm=DigestAlgorithm.SHA256.value)
    _ds(reference, "DigestValue").text = b64encode(digest).decode()
    value = _signature_value(identity, etree.tostring(signed_info, method="c14n"))
    _ds(signature, "SignatureValue").text = b64encode(value).decode()
    certificates = _ds(_ds(signature, "KeyInfo"), "X509Data")
    for certificate in identity.certificates:
        _ds(certificates, "X509Certificate").text = _certificate_text(certificate)


def _ds(parent: etree._Element, name: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{DS}}}{name}", attributes)


def _signature_value(identity: SigningIdentity, signed_info: bytes) -> bytes:
    """The SignatureValue's bytes: PKCS#1 v1.5 for RSA; for ECDSA, r and s of the key's size each (XMLDSig 6.4.3)."""
    key = identity.key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(signed_info, ec.ECDSA(SHA256())))
        size = (key.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    return key.sign(signed_info, PKCS1v15(), SHA256())


@functools.lru_cache(maxsize=64)
def _certificate_text(certificate: x509.Certificate) -> str:
    """The certificate's PEM without its armour, as signxml writes it in X509Certificate (made once per certificate)."""
    text: str = strip_pem_header(certificate.public_bytes(Encoding.PEM))  # type: ignore[no-untyped-call]
    return text
