"""GraphQL for the audit log: who processed a person's data, when and why (supervisors)."""

from __future__ import annotations

import datetime as dt

import strawberry

from hub.audit.models import AuditEntry
from hub.audit.tracker import DataAccess, read_own_access
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
            seq=entry.id,  # the entry's number, in recording order; its place in the chain comes later
            occurred_at=entry.occurred_at,
            client_name=entry.client_name,
            operation=entry.operation,
            purpose=entry.purpose,
            person_id=strawberry.ID(str(entry.person_id)) if entry.person_id else None,
        )


@strawberry.type(name="DataAccess")
class DataAccessType:
    seq: int
    occurred_at: dt.datetime
    client_name: str | None = strawberry.field(description="The client that processed it; null: the hub itself.")
    client_kind: str | None = strawberry.field(description="civil_registry, hospital, claim_processor …")
    client_jurisdiction: str | None = strawberry.field(description="national, province:48, facility:48001 …")
    operation: str
    purpose: str = strawberry.field(description="The purpose stated for it (Decree 13/2023, Law 91/2025).")
    description: str
    description_vi: str

    @classmethod
    def of(cls, access: DataAccess) -> DataAccessType:
        return cls(**vars(access))


@strawberry.type
class DataAccessPage:
    entries: list[DataAccessType]
    has_more: bool = strawberry.field(description="Older entries follow: ask again with beforeSeq = the last seq.")


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="For a citizen: every processing of your own data recorded in the audit log, newest first, "
        "with who, what and why (reading it is recorded too)."
    )
    async def my_data_access(self, info: Info, first: int = 50, before_seq: int | None = None) -> DataAccessPage:
        page = await write(
            info, lambda s, now, actor: read_own_access(s, now=now, actor=actor, first=first, before_seq=before_seq)
        )
        return DataAccessPage(entries=[DataAccessType.of(e) for e in page.entries], has_more=page.has_more)

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
