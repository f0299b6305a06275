"""The refusal letter (văn bản trả lời không giải quyết): every refusal is in writing with its reasons (Luật BHXH
41/2024/QH15 Art 49 for sickness, Art 63 for maternity). The hub issues it as XML signed by the hub (enveloped
XMLDSig in `CHUKYDONVI`, as its receipts are), in Vietnamese: the claim's reference, the person, the employer, the
dates, the reasons (the processor's and the computation's), the legal basis, and the right to complain. The person,
their employer and the processors of the claim's province may download it (hub.claims.access).

Points of law not yet confirmed are register entries (hub.claims.rules.uncertain) named in `TO_CONFIRM`, and printed
in the letter itself (`CAN_XAC_NHAN`).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.claims.access import require_letter_reader
from hub.claims.deadlines import deadline_source
from hub.claims.errors import ClaimErrorCode as E
from hub.claims.errors import claim_error
from hub.claims.models import Claim, ClaimKind, ClaimState
from hub.claims.rules.uncertain import mark_vi
from hub.clients.permissions import Principal
from hub.contributions.models import Employer
from hub.infra.clock import VIETNAM
from hub.infra.errors import Forbidden
from hub.persons.models import Person
from signing.keys import SigningIdentity
from signing.sign import sign_enveloped

LETTER_ROOT = "VANBAN_TUCHOI"
KIND_VI: dict[ClaimKind, str] = {
    ClaimKind.SICKNESS: "chế độ ốm đau",
    ClaimKind.CHILD_CARE: "chế độ ốm đau (chăm sóc con ốm)",
    ClaimKind.MATERNITY: "chế độ thai sản",
    ClaimKind.PATERNITY: "chế độ thai sản (lao động nam)",
    ClaimKind.CONVALESCENCE: "dưỡng sức, phục hồi sức khỏe",
    ClaimKind.PREGNANCY_LOSS: "chế độ thai sản (sẩy thai, phá thai)",
    ClaimKind.PRENATAL_VISIT: "chế độ thai sản (khám thai)",
    ClaimKind.LUMP_SUM: "trợ cấp một lần khi sinh con",
    ClaimKind.REMAINING_MATERNITY: "chế độ thai sản (thời gian nghỉ còn lại của người mẹ)",
}
# The right to complain: the Law on Complaints sets 90 days from receiving the decision (Luật Khiếu nại
# 02/2011/QH13 Art 9); the Social Insurance Law's own article on complaints is [to confirm complaint-article].
COMPLAINT_LAW = "Luật Khiếu nại 02/2011/QH13 Điều 9"
COMPLAINT_ARTICLE = (
    f"Luật BHXH 41/2024/QH15, điều quy định về khiếu nại, tố cáo về bảo hiểm xã hội {mark_vi('complaint-article')}"
)
COMPLAINT_DAYS = 90
TO_CONFIRM = ("complaint-article", "refusal-in-writing-clauses")  # register entries the letter rests on


@dataclass(frozen=True)
class RefusalLetter:
    reference: str
    file_name: str
    xml: bytes  # UTF-8, signed by the hub


async def refusal_letter(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, reference: str, identity: SigningIdentity
) -> RefusalLetter:
    """The signed refusal letter of a rejected claim, for its person, employer or processors (audited);
    NOT_REFUSED for a claim that is not rejected, Forbidden for anyone else or an unknown reference."""
    claim = await session.scalar(select(Claim).options(undefer(Claim.explanation)).where(Claim.reference == reference))
    if claim is None:
        raise Forbidden()  # a claim that does not exist and one out of reach look the same
    await require_letter_reader(session, actor, claim)
    if claim.state != ClaimState.REJECTED:
        raise claim_error(E.NOT_REFUSED, field="reference", state=claim.state)
    person = await session.get(Person, claim.person_id)
    employer = await session.get(Employer, claim.employer_id) if claim.employer_id else None
    xml = signed_letter(claim, person, employer, identity, issued_at=now)
    await record(
        session,
        now=now,
        actor=actor,
        events=[
            AuditEvent("claim.refusal_letter", Purpose.CLAIM_SETTLEMENT, claim.person_id, {"claim": claim.reference})
        ],
    )
    return RefusalLetter(claim.reference, f"tu-choi-{claim.reference}.xml", xml)


def legal_basis(claim: Claim) -> list[str]:
    """The sources the claim's computation cited, then the article requiring a written refusal with reasons."""
    sources = [str(line.get("source", "")) for line in claim.explanation or ()]
    written = deadline_source("bhxh", ClaimKind(claim.kind), claim.details)
    sources.append(f"{written} (trả lời bằng văn bản, nêu rõ lý do)")
    return list(dict.fromkeys(source for source in sources if source))


def reasons_vi(claim: Claim) -> list[tuple[str, str]]:
    """The reasons, in Vietnamese: the processor's, then each reason the computation gave (code, message)."""
    found = [("QUYET_DINH", claim.decision_reason)] if claim.decision_reason else []
    for item in (claim.computation or {}).get("reasons", ()):
        found.append((str(item["code"]), str(item["message_vi"])))
    return found


def signed_letter(
    claim: Claim, person: Person | None, employer: Employer | None, identity: SigningIdentity, *, issued_at: dt.datetime
) -> bytes:
    kind_vi = KIND_VI[ClaimKind(claim.kind)]
    decided = claim.decided_at.astimezone(VIETNAM).date() if claim.decided_at else None
    root = ET.Element(LETTER_ROOT)
    _add(root, "SO_VAN_BAN", f"TC-{claim.reference}")
    _add(root, "MA_HO_SO", claim.reference)
    _add(root, "CHE_DO", kind_vi)
    _add(root, "NGAY_LAP", issued_at.astimezone(VIETNAM).isoformat(timespec="seconds"))
    who = ET.SubElement(root, "NGUOI_LAO_DONG")
    _add(who, "HO_TEN", person.full_name if person else "")
    _add(who, "SO_DINH_DANH", (person.personal_id_number or "") if person else "")
    _add(who, "MA_SO_BHXH", (person.bhxh_code or "") if person else "")
    unit = ET.SubElement(root, "DON_VI")
    _add(unit, "MA_DON_VI", employer.code if employer else "")
    _add(unit, "TEN_DON_VI", employer.name if employer else "")
    _add(root, "NGAY_SU_KIEN", claim.event_date.isoformat())
    _add(root, "NGAY_NOP", claim.filed_on.isoformat() if claim.filed_on else "")
    _add(root, "NGAY_TU_CHOI", decided.isoformat() if decided else "")
    _add(root, "NGUOI_TU_CHOI", claim.decided_by or "")
    reasons = reasons_vi(claim)
    text = (
        f"Cơ quan bảo hiểm xã hội thông báo không giải quyết hồ sơ hưởng {kind_vi} số {claim.reference} "
        f"(ngày phát sinh {claim.event_date.isoformat()}) vì các lý do nêu dưới đây."
    )
    _add(root, "NOI_DUNG", text)
    listing = ET.SubElement(root, "DANH_SACH_LY_DO")
    for code, message in reasons:
        item = ET.SubElement(listing, "LY_DO")
        _add(item, "MA", code)
        _add(item, "MO_TA", message)
    basis = ET.SubElement(root, "CAN_CU_PHAP_LY")
    for source in legal_basis(claim):
        _add(basis, "CAN_CU", source)
    _add(
        root,
        "QUYEN_KHIEU_NAI",
        f"Nếu không đồng ý, người lao động và đơn vị sử dụng lao động có quyền khiếu nại trong thời hạn "
        f"{COMPLAINT_DAYS} ngày kể từ ngày nhận được văn bản này ({COMPLAINT_LAW}; {COMPLAINT_ARTICLE}), hoặc khởi "
        "kiện theo quy định của pháp luật.",
    )
    pending = ET.SubElement(root, "CAN_XAC_NHAN")
    for entry in TO_CONFIRM:
        _add(pending, "NOI_DUNG", mark_vi(entry))
    ET.SubElement(root, "CHUKYDONVI")
    return sign_enveloped(ET.tostring(root, encoding="utf-8", xml_declaration=True), identity)


def _add(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, tag).text = text
