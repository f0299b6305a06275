"""Two XMLDSig signers independent of the hub's code, driven from the tests: xmlsec1 (libxmlsec1, from templates) and
the JDK's javax.xml.crypto.dsig (`JdkSigner.java`, compiled by the tests into a temporary directory).

Each signs a document in a `Layout`: the namespace form of the signature, the canonicalisation, the key, what KeyInfo
carries. A signer missing from the machine skips its tests locally and fails them under CI (`CI` set): install
`xmlsec1` and a JDK (Debian `default-jdk-headless`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod

from devkit.qd4750_samples import FACILITY, SENT, corpus
from hub.documents.qd4750 import FileContent, build_envelope
from signing.devpki import certificates_pem, generate_identity, private_key_pem
from signing.keys import SigningIdentity
from signing.xmldsig import DS

JAVA_SOURCE = Path(__file__).with_name("JdkSigner.java")
TIMEOUT = 120

EMPTY_CONTAINER = b"<CHUKYDONVI></CHUKYDONVI>"
KeyKind = Literal["rsa", "ec"]
KeyInfoKind = Literal["x509", "keyname", "none"]
KEY_KINDS: tuple[KeyKind, ...] = ("rsa", "ec")
KEY_INFO_KINDS: tuple[KeyInfoKind, ...] = ("x509", "keyname", "none")

C14N = {
    "c14n": CanonicalizationMethod.CANONICAL_XML_1_0,
    "c14n-comments": CanonicalizationMethod.CANONICAL_XML_1_0_WITH_COMMENTS,
    "exc-c14n": CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    "exc-c14n-comments": CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0_WITH_COMMENTS,
}
SIGNATURE_METHODS = {"rsa": SignatureMethod.RSA_SHA256, "ec": SignatureMethod.ECDSA_SHA256}


@dataclass(frozen=True)
class Layout:
    """How a signature is written: what varies between signing tools that all follow XMLDSig."""

    prefix: str
    """"ds" for <ds:Signature xmlns:ds=…>, "" for the default namespace (the JDK's and .NET's layout)."""
    c14n: str
    """A key of C14N: SignedInfo's CanonicalizationMethod, and the Reference's transform if `reference_c14n`."""
    key: KeyKind
    key_info: KeyInfoKind
    reference_c14n: bool = True
    """False: the enveloped-signature transform alone, as the JDK's and .NET's samples write it."""
    sha1: bool = False
    """RSA-SHA1 over a SHA-1 digest, which the hub refuses."""

    @property
    def id(self) -> str:
        parts = [self.prefix or "default", self.c14n, self.key, self.key_info]
        parts += [] if self.reference_c14n else ["enveloped-only"]
        return "-".join(parts + (["sha1"] if self.sha1 else []))

    @property
    def c14n_uri(self) -> str:
        return C14N[self.c14n].value

    @property
    def signature_uri(self) -> str:
        return (SignatureMethod.RSA_SHA1 if self.sha1 else SIGNATURE_METHODS[self.key]).value

    @property
    def digest_uri(self) -> str:
        return (DigestAlgorithm.SHA1 if self.sha1 else DigestAlgorithm.SHA256).value


LAYOUTS: tuple[Layout, ...] = (
    *(
        Layout(prefix, c14n, key, key_info)
        for prefix, c14n, key, key_info in itertools.product(("ds", ""), C14N, KEY_KINDS, KEY_INFO_KINDS)
    ),
    Layout("", "c14n", "rsa", "x509", reference_c14n=False),
    Layout("", "c14n", "ec", "none", reference_c14n=False),
)
"""Every standard enveloped layout: namespace form x canonicalisation x key x KeyInfo, and the samples' transforms."""

SHA1_LAYOUT = Layout("", "c14n", "rsa", "x509", sha1=True)


def hospital_envelope(hoso: Sequence[Sequence[FileContent]] | None = None, *, code: str = FACILITY) -> bytes:
    """An unsigned QĐ 130/4750 envelope (the sample corpus by default) as hospitals' software writes it: the XML
    Schema instance namespace declared on the root (inherited, unused), a comment, an empty CHUKYDONVI."""
    envelope = build_envelope(code, SENT, corpus() if hoso is None else hoso)
    if EMPTY_CONTAINER not in envelope:
        raise AssertionError("build_envelope no longer writes an empty CHUKYDONVI as expected")
    decorated = '<GIAMDINHHS xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><!-- Xuất từ HIS -->'.encode()
    return envelope.replace(b"<GIAMDINHHS>", decorated, 1)


@dataclass(frozen=True)
class Keys:
    """The facility's RSA and EC identities and their files, in the forms both signers read."""

    directory: Path
    identities: dict[str, SigningIdentity]

    def key_pem(self, kind: str) -> Path:
        return self.directory / f"{kind}.key.pem"

    def cert_pem(self, kind: str) -> Path:
        return self.directory / f"{kind}.cert.pem"

    def key_der(self, kind: str) -> Path:
        return self.directory / f"{kind}.key.p8.der"

    def cert_der(self, kind: str) -> Path:
        return self.directory / f"{kind}.cert.der"


def make_keys(party: str, directory: Path, *, not_before: dt.datetime, not_after: dt.datetime) -> Keys:
    """A new RSA-2048 and EC P-256 identity of `party`, written as `keys_of` writes them."""
    made: dict[str, SigningIdentity] = {
        kind: generate_identity(party, not_before=not_before, not_after=not_after, key_type=kind) for kind in KEY_KINDS
    }
    return keys_of(made, directory)


def keys_of(identities: dict[str, SigningIdentity], directory: Path) -> Keys:
    """`identities` (by key kind) written into `directory` as PEM (for xmlsec1) and DER (for the JDK)."""
    directory.mkdir(parents=True, exist_ok=True)
    keys = Keys(directory, dict(identities))
    for kind, identity in identities.items():
        keys.key_pem(kind).write_bytes(private_key_pem(identity))
        keys.cert_pem(kind).write_bytes(certificates_pem(identity))
        keys.key_der(kind).write_bytes(identity.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()))
        keys.cert_der(kind).write_bytes(identity.certificate.public_bytes(Encoding.DER))
    return keys


def require_tools(*tools: str) -> None:
    """Skip (locally) or fail (under CI) when one of `tools` is not on PATH."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} not installed (Debian: apt-get install xmlsec1 default-jdk-headless)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _run(command: Sequence[str | Path]) -> None:
    done = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=TIMEOUT)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, command))} failed ({done.returncode}):\n{done.stderr}")


# xmlsec1: signs a template in place of CHUKYDONVI's empty content.


def xmlsec1_template(layout: Layout, key_name: str) -> str:
    """The empty signature xmlsec1 fills in, in `layout`."""
    p = f"{layout.prefix}:" if layout.prefix else ""
    declaration = f'xmlns:{layout.prefix}="{DS}"' if layout.prefix else f'xmlns="{DS}"'
    transforms = f'<{p}Transform Algorithm="{DS}enveloped-signature"/>'
    if layout.reference_c14n:
        transforms += f'<{p}Transform Algorithm="{layout.c14n_uri}"/>'
    key_info = {
        "x509": f"<{p}KeyInfo><{p}X509Data><{p}X509Certificate/></{p}X509Data></{p}KeyInfo>",
        "keyname": f"<{p}KeyInfo><{p}KeyName>{key_name}</{p}KeyName></{p}KeyInfo>",
        "none": "",
    }[layout.key_info]
    return (
        f"<{p}Signature {declaration}><{p}SignedInfo>"
        f'<{p}CanonicalizationMethod Algorithm="{layout.c14n_uri}"/>'
        f'<{p}SignatureMethod Algorithm="{layout.signature_uri}"/>'
        f'<{p}Reference URI=""><{p}Transforms>{transforms}</{p}Transforms>'
        f'<{p}DigestMethod Algorithm="{layout.digest_uri}"/><{p}DigestValue/></{p}Reference>'
        f"</{p}SignedInfo><{p}SignatureValue/>{key_info}</{p}Signature>"
    )


def xmlsec1_sign(document: bytes, layouts: Sequence[Layout], keys: Keys, workdir: Path) -> dict[Layout, bytes]:
    """`document` (with an empty CHUKYDONVI, as `hospital_envelope` writes it) signed by xmlsec1 in each layout."""
    workdir.mkdir(parents=True, exist_ok=True)
    signed = {}
    for index, layout in enumerate(layouts):
        template = xmlsec1_template(layout, key_name=keys.identities[layout.key].party)
        unsigned = workdir / f"{index}.template.xml"
        unsigned.write_bytes(document.replace(EMPTY_CONTAINER, f"<CHUKYDONVI>{template}</CHUKYDONVI>".encode()))
        output = workdir / f"{index}.signed.xml"
        key = f"{keys.key_pem(layout.key)},{keys.cert_pem(layout.key)}"
        _run(["xmlsec1", "--sign", "--crypto", "openssl", "--privkey-pem", key, "--output", output, unsigned])
        signed[layout] = output.read_bytes()
    return signed


def xmlsec1_verifies(signed: bytes, certificate_pem: Path, workdir: Path) -> bool:
    """Whether xmlsec1 itself accepts `signed` under the key of `certificate_pem` (a check of the corpus)."""
    path = workdir / "check.xml"
    path.write_bytes(signed)
    command = ["xmlsec1", "--verify", "--crypto", "openssl", "--pubkey-cert-pem", str(certificate_pem), str(path)]
    return subprocess.run(command, capture_output=True, timeout=TIMEOUT).returncode == 0


# The JDK: JdkSigner.java, compiled for each corpus.


def jdk_sign(document: bytes, layouts: Sequence[Layout], keys: Keys, workdir: Path) -> dict[Layout, bytes]:
    """`document` signed by the JDK's javax.xml.crypto.dsig in each of `layouts`, in one JVM."""
    workdir.mkdir(parents=True, exist_ok=True)
    classes = workdir / "classes"
    _run(["javac", "-d", classes, JAVA_SOURCE])
    unsigned = workdir / "unsigned.xml"
    unsigned.write_bytes(document)
    jobs, outputs = [], {}
    for index, layout in enumerate(layouts):
        outputs[layout] = workdir / f"{index}.signed.xml"
        fields = [
            keys.key_der(layout.key),
            keys.cert_der(layout.key),
            unsigned,
            outputs[layout],
            layout.prefix or "-",
            layout.c14n_uri,
            layout.signature_uri,
            layout.digest_uri,
            "yes" if layout.reference_c14n else "no",
            layout.key_info,
        ]
        jobs.append("\t".join(map(str, fields)))
    job_file = workdir / "jobs.tsv"
    job_file.write_text("\n".join(jobs) + "\n", encoding="utf-8")
    _run(["java", "-cp", classes, "JdkSigner", job_file])
    return {layout: path.read_bytes() for layout, path in outputs.items()}
