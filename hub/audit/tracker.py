"""The citizen's data tracker: every processing of a person's own data, as the audit log recorded it, shown to that
person (Personal Data Protection Law 91/2025/QH15, in force 1/1/2026: the data subject's right to know who
processed their data and why; Estonia's Data Tracker is the model). Reading it is audited too."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.models import AuditEntry
from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.clients.models import Client
from hub.clients.permissions import JurisdictionLevel, Principal
from hub.infra.errors import Forbidden
from hub.persons.models import Person

MAX_PAGE = 200

# What each recorded operation did, in words a person reads (English, Vietnamese); by the operation's domain when the
# operation itself is not listed.
_WORDS: dict[str, tuple[str, str]] = {
    "access.refused": ("An attempt to reach your data was refused", "Một lần truy cập dữ liệu của bạn đã bị từ chối"),
    "audit.read_own_access": ("You looked at this access log", "Bạn đã xem nhật ký truy cập này"),
    "audit.read_trail": (
        "A supervisor read who processed your data",
        "Cán bộ giám sát đã xem ai xử lý dữ liệu của bạn",
    ),
    "person.read": ("Your personal record was read", "Hồ sơ cá nhân của bạn đã được xem"),
    "person.create": ("Your personal record was created", "Hồ sơ cá nhân của bạn đã được tạo"),
    "claim.list": ("Your claim was shown in a list", "Hồ sơ hưởng của bạn được hiển thị trong danh sách"),
    "claim.read": ("Your claim was read", "Hồ sơ hưởng của bạn đã được xem"),
    "claim.case_status": ("Your claim's status was looked up", "Trạng thái hồ sơ hưởng của bạn đã được tra cứu"),
    "document.read": ("A document about you was read", "Một tài liệu về bạn đã được xem"),
}
_DOMAIN_WORDS: dict[str, tuple[str, str]] = {
    "person": ("Your personal record was processed", "Hồ sơ cá nhân của bạn đã được xử lý"),
    "childcard": ("A child health-insurance card case was processed", "Hồ sơ thẻ BHYT trẻ em đã được xử lý"),
    "claim": ("Your benefit claim was processed", "Hồ sơ hưởng chế độ của bạn đã được xử lý"),
    "document": ("A document about you was processed", "Một tài liệu về bạn đã được xử lý"),
    "evidence": ("Evidence about you was fetched", "Chứng cứ về bạn đã được lấy"),
    "contributions": ("Your contribution record was processed", "Quá trình đóng BHXH của bạn đã được xử lý"),
}
_OTHER = ("Your data was processed", "Dữ liệu của bạn đã được xử lý")


def describe(operation: str) -> tuple[str, str]:
    """What an audited operation did, in English and Vietnamese."""
    return _WORDS.get(operation) or _DOMAIN_WORDS.get(operation.partition(".")[0], _OTHER)


@dataclass(frozen=True)
class DataAccess:
    """One processing of the person's data: when, by which client (its kind and jurisdiction), what, and why."""

    seq: int
    occurred_at: dt.datetime
    client_name: str | None  # None: the hub itself (a job)
    client_kind: str | None
    client_jurisdiction: str | None
    operation: str
    purpose: str
    description: str
    description_vi: str


@dataclass(frozen=True)
class DataAccessPage:
    entries: list[DataAccess]
    has_more: bool


async def read_own_access(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, first: int, before_seq: int | None = None
) -> DataAccessPage:
    """The calling citizen's own entries, newest first, `first` at a time before `before_seq`."""
    if actor.jurisdiction.level is not JurisdictionLevel.PERSON:
        raise Forbidden()  # only a person's own client (an identity provider acting for them) has a person
    person_id = await session.scalar(select(Person.id).where(Person.personal_id_number == actor.jurisdiction.code))
    if person_id is None:
        return DataAccessPage([], False)  # nothing has been recorded about someone the hub does not know
    limit = max(1, min(first, MAX_PAGE))
    query = (
        select(AuditEntry, Client)
        .outerjoin(Client, Client.id == AuditEntry.client_id)
        .where(AuditEntry.person_id == person_id)
    )
    if before_seq is not None:  # the API's "seq" is the entry's id: it has one from the start, sequenced or not
        query = query.where(AuditEntry.id < before_seq)
    rows = (await session.execute(query.order_by(AuditEntry.id.desc()).limit(limit + 1))).all()
    entries = [_access(entry, client) for entry, client in rows[:limit]]
    await record(session, now=now, actor=actor, events=[_read_event(person_id, len(entries))])
    return DataAccessPage(entries, len(rows) > limit)


def _read_event(person_id: uuid.UUID, shown: int) -> AuditEvent:
    return AuditEvent("audit.read_own_access", Purpose.DATA_SUBJECT_ACCESS, person_id, {"entries": shown})


def _access(entry: AuditEntry, client: Client | None) -> DataAccess:
    description, description_vi = describe(entry.operation)
    return DataAccess(
        seq=entry.id,
        occurred_at=entry.occurred_at,
        client_name=entry.client_name,
        client_kind=client.kind if client else None,
        client_jurisdiction=str(client.jurisdiction) if client else None,
        operation=entry.operation,
        purpose=entry.purpose,
        description=description,
        description_vi=description_vi,
    )
