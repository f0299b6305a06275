"""A person's audit trail: who processed their data, when and why; reading it is itself audited.

Entries are shown and paged by their id (the order they were recorded in), which they have from the start: an
entry the sequencer has not reached yet is shown like any other."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.models import AuditEntry
from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, entries_for_person, record
from hub.clients.permissions import Principal, Role
from hub.persons.service import find_visible

MAX_PAGE = 200


async def read_trail(
    session: AsyncSession,
    *,
    now: dt.datetime,
    actor: Principal,
    person_id: uuid.UUID,
    limit: int,
    before_seq: int | None = None,
) -> list[AuditEntry]:
    await find_visible(session, actor, Role.AUDIT_READ, person_id)
    entries = await entries_for_person(session, person_id, limit=max(1, min(limit, MAX_PAGE)), before_id=before_seq)
    await record(session, now=now, actor=actor, events=[AuditEvent("audit.read_trail", Purpose.SUPERVISION, person_id)])
    return entries
