"""Sign an XML document the way hospitals do: an enveloped XMLDSig signature inside a container element.

The result has one ds:Signature in `<container>` (default CHUKYDONVI, created at the end of the root if absent),
with one Reference URI="" (the whole document), the enveloped-signature and C14N 1.0 transforms, a SHA-256 digest,
RSA-SHA256 or ECDSA-SHA256 depending on the key, and the signer's certificate chain in KeyInfo/X509Data.
"""

from __future__ import annotations

from typing import Any

from lxml import etree  # type: ignore[import-untyped, unused-ignore]  # no stubs installed (see types-lxml)
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureConstructionMethod
from signxml.signer import SignatureReference, XMLSigner

from signing.errors import SigningError
from signing.keys import SigningIdentity
from signing.xmldsig import DS, SIGNATURE_TAG, validate_container
from signing.xmlsafe import parse_xml, reparser

# Inclusive C14N 1.0: what .NET SignedXml and the Java tools behind Vietnamese signing tokens produce and accept
# (C14N 1.1, signxml's default, is not supported by .NET).
CANONICALISATION = CanonicalizationMethod.CANONICAL_XML_1_0


class _WholeDocumentSigner(XMLSigner):
    """An enveloped signer whose only Reference is always URI="" (the whole document).

    signxml turns an Id/ID attribute on the root into a reference `#id`; the accepted shape is URI="" whatever the
    root carries. Both digest the same node set (the root element minus the signature, without comments).
    """

    def _unpack(self, data: Any, references: Any) -> Any:
        # `references` is None: sign_enveloped passes no reference_uri.
        sig_root, doc_root, c14n_inputs, _ = super()._unpack(data, references)
        return sig_root, doc_root, c14n_inputs, [SignatureReference(URI="")]


def sign_enveloped(xml: bytes | etree._Element, identity: SigningIdentity, *, container: str = "CHUKYDONVI") -> bytes:
    """`xml` with `identity`'s enveloped signature in `<container>` under the root, as UTF-8 bytes with a declaration.

    A bytes input is parsed with the safe parser; an element is copied, never modified. Raises SigningError if the
    document already holds a signature or more than one `<container>` under its root.
    """
    validate_container(container)
    root = parse_xml(xml if isinstance(xml, bytes) else etree.tostring(xml), huge=True)
    if next(root.iter(SIGNATURE_TAG), None) is not None:
        raise SigningError("the document already holds a ds:Signature element")
    containers = root.findall(container)
    if len(containers) > 1:
        raise SigningError(f"the root has {len(containers)} <{container}> elements; expected at most one")
    holder = containers[0] if containers else etree.SubElement(root, container)
    # signxml replaces this placeholder with the signature and leaves it out of the digest.
    etree.SubElement(holder, SIGNATURE_TAG, {"Id": "placeholder"}, nsmap={"ds": DS})
    signer = _WholeDocumentSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=identity.signature_method,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CANONICALISATION,
    )
    signer._parser = reparser()  # signxml's copies of the tree: its own parser refuses a text node over 10 MB
    signed = signer.sign(root, key=identity.key, cert=list(identity.certificates))
    result: bytes = etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
    return result
