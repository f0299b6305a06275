"""The hub's receipt (biên nhận) for a signed submission: what was received, when, under which transaction id, and
what became of each document, signed by the hub so that the sender can prove what the hub acknowledged; and its
signed refusal (từ chối) of a submission it did not take, with every reason."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from lxml import etree as ET  # type: ignore[import-untyped, unused-ignore]  # no stubs installed (see types-lxml)

from signing.keys import SigningIdentity
from signing.sign import sign_enveloped
from signing.xmlsafe import parse_xml

RECEIPT_ROOT = "BIENNHAN"
REFUSAL_ROOT = "TUCHOI"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class LineStatus(enum.StrEnum):
    NEW = "new"  # first time the hub sees this document
    NEW_VERSION = "new_version"  # same issuer, type and number, other content: supersedes the earlier version
    UNCHANGED = "unchanged"  # the same content as the current version: nothing stored again
    KEPT = "kept"  # a table the hub keeps as sent (in the envelope) without reading it: its type, its episode's MA_LK


@dataclass(frozen=True)
class ReceiptLine:
    doc_type: str
    number: str
    version: int
    status: LineStatus
    standard: str = ""
    """The version of the standard the table was read under (QD4750, QD3176 …); "" on receipts made before
    versions were named, which stay as they were signed."""


@dataclass(frozen=True)
class ReceiptContent:
    transaction_id: str
    received_at: dt.datetime
    sender: str
    kind: str
    sha256: str
    lines: Sequence[ReceiptLine]


@dataclass(frozen=True)
class Refusal:
    """A submission refused whole: nothing of it is stored, so it has no transaction id."""

    received_at: dt.datetime
    sender: str
    kind: str
    sha256: str
    reasons: Sequence[tuple[str, str | None, str]]
    """Each reason: its code, the field or place it is about (if any), and its message in Vietnamese."""
    verification: Mapping[str, str | None] | None = None
    """The report of the signature check that refused it (signer, certificate, algorithm, reason), if one did."""


def new_transaction_id(now: dt.datetime) -> str:
    """A transaction id (mã giao dịch): local time to the second and 12 random hex digits, 26 characters."""
    return f"{local_stamp(now)}{secrets.token_hex(6).upper()}"


def local_stamp(moment: dt.datetime) -> str:
    """yyyyMMddHHmmss in Vietnam's time, as the gateway writes `thoiGianTiepNhan`."""
    return moment.astimezone(VIETNAM).strftime("%Y%m%d%H%M%S")


def signed_receipt(content: ReceiptContent, identity: SigningIdentity) -> bytes:
    """The receipt as XML, signed by the hub (enveloped, in CHUKYDONVI like the documents it acknowledges)."""
    root = ET.Element(RECEIPT_ROOT)
    _add(root, ("MA_GIAO_DICH", content.transaction_id))
    _add(root, *_about(content.received_at, content.sender, content.kind, content.sha256))
    _add(root, ("SO_CHUNG_TU", str(len(content.lines))))
    listing = ET.SubElement(root, "DANHSACHCHUNGTU")
    for line in content.lines:
        item = ET.SubElement(listing, "CHUNGTU")
        _add(item, ("LOAI", line.doc_type), ("SO", line.number), ("PHIEN_BAN", str(line.version)))
        _add(item, ("TRANG_THAI", line.status.value))
        if line.standard:
            _add(item, ("CHUAN", line.standard))
    return _signed(root, identity)


def signed_refusal(refusal: Refusal, identity: SigningIdentity) -> bytes:
    """The refusal as XML signed by the hub, so that the sender can prove what was refused, when and why."""
    root = ET.Element(REFUSAL_ROOT)
    _add(root, *_about(refusal.received_at, refusal.sender, refusal.kind, refusal.sha256))
    _add(root, ("SO_LOI", str(len(refusal.reasons))))
    listing = ET.SubElement(root, "DANHSACHLOI")
    for code, place, message in refusal.reasons:
        _add(ET.SubElement(listing, "LOI"), ("MA", code), ("VI_TRI", place or ""), ("MO_TA", message))
    if refusal.verification is not None:
        report = ET.SubElement(root, "XAC_THUC")  # named by the report's fields: SIGNER, CERTIFICATE_SERIAL, …
        _add(report, *((name.upper(), value) for name, value in refusal.verification.items() if value is not None))
    return _signed(root, identity)


def _about(received_at: dt.datetime, sender: str, kind: str, sha256: str) -> tuple[tuple[str, str], ...]:
    return (
        ("THOI_GIAN_TIEP_NHAN", local_stamp(received_at)),
        ("NGUOI_GUI", sender),
        ("LOAI", kind),
        ("SHA256", sha256),
    )


def _add(parent: ET._Element, *children: tuple[str, str]) -> None:
    for tag, text in children:
        ET.SubElement(parent, tag).text = text


def _signed(root: ET._Element, identity: SigningIdentity) -> bytes:
    # Built with lxml and handed over as a tree: the signer reads it in C, where the standard library's serialiser
    # took a third of the receipt's time (bench.documents), and the signed bytes are the same.
    ET.SubElement(root, "CHUKYDONVI")
    return sign_enveloped(root, identity, in_place=True)


def receipt_lines(receipt: bytes) -> tuple[ReceiptLine, ...]:
    """The document lines of a receipt the hub signed (to answer a repeated submission as the first time)."""
    root = parse_xml(receipt)
    return tuple(
        ReceiptLine(
            item.findtext("LOAI") or "",
            item.findtext("SO") or "",
            int(item.findtext("PHIEN_BAN") or 0),
            LineStatus(item.findtext("TRANG_THAI")),
            item.findtext("CHUAN") or "",
        )
        for item in root.iterfind("DANHSACHCHUNGTU/CHUNGTU")
    )
