"""GraphQL for the audit log: who processed a person's data, when and why (supervisors)."""

from __future__ import annotations

import datetime as dt

import strawberry

from hub.audit.models import AuditEntry
from hub.audit.trail import read_trail
from schema.context import Info, write
from schema.ids import parse_uuid


@strawberry.type(name="AuditEntry")
class AuditEntryType:
    seq: int
    occurred_at: dt.datetime
    client_name: str | None
    operation: str
    purpose: str
    person_id: strawberry.ID | None

    @classmethod
    def from_model(cls, entry: AuditEntry) -> AuditEntryType:
        return cls(
            seq=entry.seq,
            occurred_at=entry.occurred_at,
            client_name=entry.client_name,
            operation=entry.operation,
            purpose=entry.purpose,
            person_id=strawberry.ID(str(entry.person_id)) if entry.person_id else None,
        )


@strawberry.type
class AuditQuery:
    @strawberry.field(description="Every recorded processing of one person's data, newest first (supervisors).")
    async def audit_trail(
        self, info: Info, person_id: strawberry.ID, first: int = 50, before_seq: int | None = None
    ) -> list[AuditEntryType]:
        # A write: reading someone's trail is itself audited.
        entries = await write(
            info,
            lambda s, now, actor: read_trail(
                s, now=now, actor=actor, person_id=parse_uuid(person_id), limit=first, before_seq=before_seq
            ),
        )
        return [AuditEntryType.from_model(e) for e in entries]
