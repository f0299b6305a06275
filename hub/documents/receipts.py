"""The hub's receipt (biên nhận) for a signed submission: what was received, when, under which transaction id, and
what became of each document, signed by the hub so that the sender can prove what the hub acknowledged."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from signing.keys import SigningIdentity
from signing.sign import sign_enveloped
from signing.xmlsafe import parse_xml

RECEIPT_ROOT = "BIENNHAN"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class LineStatus(enum.StrEnum):
    NEW = "new"  # first time the hub sees this document
    NEW_VERSION = "new_version"  # same issuer, type and number, other content: supersedes the earlier version
    UNCHANGED = "unchanged"  # the same content as the current version: nothing stored again


@dataclass(frozen=True)
class ReceiptLine:
    doc_type: str
    number: str
    version: int
    status: LineStatus


@dataclass(frozen=True)
class ReceiptContent:
    transaction_id: str
    received_at: dt.datetime
    sender: str
    kind: str
    sha256: str
    lines: Sequence[ReceiptLine]


def new_transaction_id(now: dt.datetime) -> str:
    """A transaction id (mã giao dịch): local time to the second and 12 random hex digits, 26 characters."""
    return f"{local_stamp(now)}{secrets.token_hex(6).upper()}"


def local_stamp(moment: dt.datetime) -> str:
    """yyyyMMddHHmmss in Vietnam's time, as the gateway writes `thoiGianTiepNhan`."""
    return moment.astimezone(VIETNAM).strftime("%Y%m%d%H%M%S")


def signed_receipt(content: ReceiptContent, identity: SigningIdentity) -> bytes:
    """The receipt as XML, signed by the hub (enveloped, in CHUKYDONVI like the documents it acknowledges)."""
    root = ET.Element(RECEIPT_ROOT)
    for tag, text in (
        ("MA_GIAO_DICH", content.transaction_id),
        ("THOI_GIAN_TIEP_NHAN", local_stamp(content.received_at)),
        ("NGUOI_GUI", content.sender),
        ("LOAI", content.kind),
        ("SHA256", content.sha256),
        ("SO_CHUNG_TU", str(len(content.lines))),
    ):
        ET.SubElement(root, tag).text = text
    listing = ET.SubElement(root, "DANHSACHCHUNGTU")
    for line in content.lines:
        item = ET.SubElement(listing, "CHUNGTU")
        for tag, text in (
            ("LOAI", line.doc_type),
            ("SO", line.number),
            ("PHIEN_BAN", str(line.version)),
            ("TRANG_THAI", line.status.value),
        ):
            ET.SubElement(item, tag).text = text
    ET.SubElement(root, "CHUKYDONVI")
    return sign_enveloped(ET.tostring(root, encoding="utf-8", xml_declaration=True), identity)


def receipt_lines(receipt: bytes) -> tuple[ReceiptLine, ...]:
    """The document lines of a receipt the hub signed (to answer a repeated submission as the first time)."""
    root = parse_xml(receipt)
    return tuple(
        ReceiptLine(
            item.findtext("LOAI") or "",
            item.findtext("SO") or "",
            int(item.findtext("PHIEN_BAN") or 0),
            LineStatus(item.findtext("TRANG_THAI")),
        )
        for item in root.iterfind("DANHSACHCHUNGTU/CHUNGTU")
    )
