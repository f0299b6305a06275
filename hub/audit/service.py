"""Append to the audit chain inside the caller's transaction, read it, and verify it end to end."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.models import GENESIS_HASH, AuditEntry, AuditHead
from hub.audit.purpose import Purpose
from hub.clients.permissions import Principal
from hub.infra.canonical import canonical_json
from hub.infra.db import insert_rows

HEAD_ID = 1
AUDIT_LOG = cast(Table, AuditEntry.__table__)
AUDIT_HEAD = cast(Table, AuditHead.__table__)  # moved with Core statements: the ORM's bulk update bookkeeping was a
# noticeable part of every audited transaction
JsonValue = str | int | float | bool | None | list[Any] | dict[str, Any]
# The head's two statements, built once: SQLAlchemy works out the cache key of every new statement object.
_ADVANCE_HEAD = (
    update(AUDIT_HEAD)
    .where(AUDIT_HEAD.c.id == HEAD_ID)
    .values(seq=AUDIT_HEAD.c.seq + bindparam("entries"))
    .returning(AUDIT_HEAD.c.seq, AUDIT_HEAD.c.hash)
)
_CHAIN_HEAD = update(AUDIT_HEAD).where(AUDIT_HEAD.c.id == HEAD_ID).values(hash=bindparam("last_hash"))


@dataclass(frozen=True)
class AuditEvent:
    """What happened, before it is placed on the chain."""

    operation: str
    purpose: Purpose
    person_id: uuid.UUID | None = None
    details: Mapping[str, JsonValue] = field(default_factory=dict)


def entry_hash(
    *,
    prev_hash: str,
    seq: int,
    occurred_at: dt.datetime,
    client_id: uuid.UUID | None,
    client_name: str | None,
    operation: str,
    person_id: uuid.UUID | None,
    purpose: str,
    details: Mapping[str, Any],
) -> str:
    """SHA-256 over the previous hash and a canonical JSON of every field of the entry."""
    fields = {
        "occurred_at": occurred_at,
        "client_id": client_id,
        "client_name": client_name,
        "operation": operation,
        "person_id": person_id,
        "purpose": purpose,
        "details": details,
    }
    return _chained(prev_hash, _body_head(fields), seq)


def _body_head(fields: Mapping[str, Any]) -> str:
    """The canonical JSON of an entry's fields without its place in the chain, open for its "seq", which comes last
    among the sorted keys: it is written before the head is locked, so that the lock is held only to chain."""
    occurred_at, client_id, person_id = fields["occurred_at"], fields["client_id"], fields["person_id"]
    body = canonical_json(
        {
            **fields,
            "occurred_at": occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "client_id": str(client_id) if client_id else None,
            "person_id": str(person_id) if person_id else None,
        }
    )
    return body[:-1] + ',"seq":'


def _chained(prev_hash: str, head: str, seq: int) -> str:
    return hashlib.sha256(f"{prev_hash}\n{head}{seq}}}".encode()).hexdigest()


async def record(
    session: AsyncSession, *, now: dt.datetime, actor: Principal | None, events: Sequence[AuditEvent]
) -> None:
    """Append `events` to the chain in the caller's transaction, in one statement; `actor` None means the hub
    itself. Call it last in a transaction: from here to the commit, other appenders wait."""
    if not events:
        return
    client_id, client_name = (actor.client_id, actor.name) if actor else (None, None)
    rows: list[dict[str, Any]] = [
        {
            "occurred_at": now,
            "client_id": client_id,
            "client_name": client_name,
            "operation": event.operation,
            "person_id": event.person_id,
            "purpose": event.purpose.value,
            "details": dict(event.details),
        }
        for event in events
    ]
    heads = [_body_head(row) for row in rows]
    # Moving the head first takes its row lock (PostgreSQL) or the write lock (SQLite), so concurrent
    # appenders queue here and each sees the hash its predecessor committed.
    head = (await session.execute(_ADVANCE_HEAD, {"entries": len(events)})).one()
    seq, prev_hash = head.seq - len(events), head.hash
    for row, body_head in zip(rows, heads, strict=True):
        seq += 1
        digest = _chained(prev_hash, body_head, seq)
        row.update(seq=seq, prev_hash=prev_hash, hash=digest)
        prev_hash = digest
    await insert_rows(session, AUDIT_LOG, rows)  # Core: no ORM bookkeeping for rows never read back here
    await session.execute(_CHAIN_HEAD, {"last_hash": prev_hash})


async def entries_for_person(
    session: AsyncSession, person_id: uuid.UUID, *, limit: int, before_seq: int | None = None
) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.person_id == person_id)
    if before_seq is not None:
        query = query.where(AuditEntry.seq < before_seq)
    return list((await session.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit))).all())


@dataclass(frozen=True)
class ChainReport:
    entries_checked: int
    broken_at_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at_seq is None


async def verify_chain(session: AsyncSession, *, chunk_size: int = 5000) -> ChainReport:
    """Walk the chain in order up to the head as it stands now; report the first entry whose link or content does
    not check out. Entries appended while the walk runs are left for the next check."""
    head = (await session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID))).one()
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    stream = await session.stream_scalars(
        select(AuditEntry)
        .where(AuditEntry.seq <= head.seq)
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=chunk_size)
    )
    async for entry in stream:
        if entry.seq != expected_seq:
            return ChainReport(checked, expected_seq, f"entry {expected_seq} is missing (next present is {entry.seq})")
        if entry.prev_hash != expected_prev:
            return ChainReport(checked, entry.seq, "its previous-hash does not match the entry before it")
        recomputed = entry_hash(
            prev_hash=entry.prev_hash,
            seq=entry.seq,
            occurred_at=entry.occurred_at,
            client_id=entry.client_id,
            client_name=entry.client_name,
            operation=entry.operation,
            person_id=entry.person_id,
            purpose=entry.purpose,
            details=entry.details,
        )
        if recomputed != entry.hash:
            return ChainReport(checked, entry.seq, "its content does not match its hash (the entry was altered)")
        expected_prev, expected_seq, checked = entry.hash, entry.seq + 1, checked + 1
    if head.seq != checked:
        return ChainReport(checked, checked + 1, f"the chain head records {head.seq} entries but {checked} are present")
    if head.hash != expected_prev:
        return ChainReport(checked, checked, "the last entry's hash differs from the one the chain head records")
    return ChainReport(checked)
