"""Append to the audit log inside the caller's transaction, read it, and verify its chain end to end.

Appending takes no lock: an entry is written with its content and the hash of that content, and queued for the
sequencer (hub.audit.sequencer), which later gives it its place in the chain, its link. `verify_chain` checks what
has been sequenced, link by link, joined to the entries."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, Insert, RowMapping, Table, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.models import GENESIS_HASH, AuditEntry, AuditHead, AuditLink, AuditPending
from hub.audit.purpose import Purpose
from hub.clients.permissions import Principal
from hub.infra.canonical import canonical_json
from hub.infra.db import insert_rows, insert_unnested, queue_ids, unnest_arrays

HEAD_ID = 1
AUDIT_LOG = cast(Table, AuditEntry.__table__)
AUDIT_HEAD = cast(Table, AuditHead.__table__)
AUDIT_CHAIN = cast(Table, AuditLink.__table__)
AUDIT_PENDING = cast(Table, AuditPending.__table__)
JsonValue = str | int | float | bool | None | list[Any] | dict[str, Any]
Content = Mapping[str, Any] | RowMapping  # an entry's columns, as written or as read back
CONTENT = ("occurred_at", "client_id", "client_name", "operation", "person_id", "purpose", "details")


@dataclass(frozen=True)
class AuditEvent:
    """What happened, before it is placed on the chain."""

    operation: str
    purpose: Purpose
    person_id: uuid.UUID | None = None
    details: Mapping[str, JsonValue] = field(default_factory=dict)


def _body(fields: Content) -> str:
    """The canonical JSON of an entry's content (the columns of CONTENT), without its place in the chain."""
    occurred_at, client_id, person_id = fields["occurred_at"], fields["client_id"], fields["person_id"]
    return canonical_json(
        {
            **{name: fields[name] for name in CONTENT},
            "occurred_at": occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "client_id": str(client_id) if client_id else None,
            "person_id": str(person_id) if person_id else None,
        }
    )


def body_hash(fields: Content) -> str:
    """SHA-256 of an entry's canonical content: taken when the entry is recorded, and again by the verifier."""
    return hashlib.sha256(_body(fields).encode()).hexdigest()


def link_hash(prev_hash: str, seq: int, entry_id: int, content_hash: str) -> str:
    """An entry's hash in the chain: SHA-256 over the previous hash, its place, its id and its content's hash."""
    return hashlib.sha256(f"{prev_hash}\n{seq}\n{entry_id}\n{content_hash}".encode()).hexdigest()


def legacy_hash(prev_hash: str, seq: int, fields: Content) -> str:
    """The hash of an entry recorded before the sequencer (migration 0009): over the previous hash and the
    canonical JSON of its content with its seq."""
    body = _body(fields)
    return hashlib.sha256(f'{prev_hash}\n{body[:-1]},"seq":{seq}}}'.encode()).hexdigest()


def entry_rows(*, now: dt.datetime, actor: Principal | None, events: Sequence[AuditEvent]) -> list[dict[str, Any]]:
    """The audit_log rows of `events`: their content and its hash, without a place in the chain."""
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
    for row in rows:
        row["body_hash"] = body_hash(row)
    return rows


async def record(
    session: AsyncSession, *, now: dt.datetime, actor: Principal | None, events: Sequence[AuditEvent]
) -> None:
    """Append `events` to the log in the caller's transaction, in one statement with their places in the
    sequencer's queue; `actor` None means the hub itself. Nothing is locked: the entries join the chain when the
    sequencer reaches them after the commit."""
    if events:
        # Core: no ORM bookkeeping for rows never read back here
        rows = entry_rows(now=now, actor=actor, events=events)
        await insert_rows(session, AUDIT_LOG, rows, ids_into=AUDIT_PENDING.c.entry_id)


ENTRY_KEYS = (*CONTENT, "body_hash")  # the columns `entry_rows` gives
_PART = "audit_"


def recording(when: ColumnElement[bool]) -> Insert:
    """What `record` writes, as a part of a larger statement of the caller's (PostgreSQL, a data-modifying WITH),
    written only if `when` holds: saves a round trip in a transaction that writes little else. Its values come from
    `recorded_values`."""
    return queue_ids(
        insert_unnested(AUDIT_LOG, ENTRY_KEYS, prefix=_PART, when=when), AUDIT_PENDING.c.entry_id, name="audit_entries"
    )


def recorded_values(*, now: dt.datetime, actor: Principal | None, events: Sequence[AuditEvent]) -> dict[str, Any]:
    """The values of a statement that holds `recording`, for `events` (at least one) by `actor`, as `record` has
    them."""
    return unnest_arrays(ENTRY_KEYS, entry_rows(now=now, actor=actor, events=events), prefix=_PART)


async def entries_for_person(
    session: AsyncSession, person_id: uuid.UUID, *, limit: int, before_id: int | None = None
) -> list[AuditEntry]:
    """A person's entries, newest recorded first, sequenced or not yet."""
    query = select(AuditEntry).where(AuditEntry.person_id == person_id)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list((await session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit))).all())


@dataclass(frozen=True)
class Backlog:
    """The entries recorded but not yet sequenced, and when the oldest of them happened."""

    entries: int
    oldest: dt.datetime | None

    def age_seconds(self, now: dt.datetime) -> float:
        return max(0.0, (now - self.oldest).total_seconds()) if self.oldest else 0.0


async def backlog(session: AsyncSession) -> Backlog:
    row = (
        await session.execute(
            select(func.count(), func.min(AUDIT_LOG.c.occurred_at)).select_from(
                AUDIT_PENDING.join(AUDIT_LOG, AUDIT_LOG.c.id == AUDIT_PENDING.c.entry_id)
            )
        )
    ).one()
    return Backlog(row[0], row[1])


@dataclass(frozen=True)
class ChainReport:
    entries_checked: int
    broken_at_seq: int | None = None
    reason: str | None = None
    pending: Backlog = Backlog(0, None)  # entries not yet sequenced, which the check does not cover
    head_hash: str = GENESIS_HASH  # the hash of the last entry checked: a checkpoint to keep elsewhere

    @property
    def ok(self) -> bool:
        return self.broken_at_seq is None


async def verify_chain(
    session: AsyncSession, *, chunk_size: int = 5000, checkpoint: tuple[int, str] | None = None
) -> ChainReport:
    """Walk the chain in order up to the head as it stands now, each link with its entry; report the first link
    whose entry is gone, or whose link or content does not check out, then any entry neither on the chain nor
    waiting for the sequencer. Entries sequenced while the walk runs are left for the next check; entries not yet
    sequenced are counted in the report's `pending` (run the sequencer first to cover them: hub.audit.sequencer).

    A `checkpoint` (seq, hash), the head as an earlier check reported it and kept outside the database, must still
    be on the chain: otherwise the chain was rewritten since, however consistent it is now."""
    head = (await session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID))).one()
    pending = await backlog(session)
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    stream = await session.stream(
        select(AUDIT_CHAIN, *(AUDIT_LOG.c[name] for name in ("id", *CONTENT, "body_hash")))
        .select_from(AUDIT_CHAIN.outerjoin(AUDIT_LOG, AUDIT_LOG.c.id == AUDIT_CHAIN.c.entry_id))
        .where(AUDIT_CHAIN.c.seq <= head.seq)
        .order_by(AUDIT_CHAIN.c.seq)
        .execution_options(yield_per=chunk_size)
    )
    async for entry in stream.mappings():
        seq = entry["seq"]
        if seq != expected_seq:
            return ChainReport(checked, expected_seq, f"entry {expected_seq} is missing (next is {seq})", pending)
        broken = _broken_link(entry, expected_prev)
        if broken:
            return ChainReport(checked, seq, broken, pending)
        if checkpoint and checkpoint[0] == seq and checkpoint[1] != entry["hash"]:
            return ChainReport(checked, seq, "its hash differs from the checkpoint (the chain was rewritten)", pending)
        expected_prev, expected_seq, checked = entry["hash"], seq + 1, checked + 1
    if checkpoint and checkpoint[0] > checked:
        return ChainReport(checked, checked + 1, f"the checkpoint's entry {checkpoint[0]} is not on the chain", pending)
    if head.seq != checked:
        return ChainReport(
            checked, checked + 1, f"the chain head records {head.seq} entries but {checked} are present", pending
        )
    if head.hash != expected_prev:
        return ChainReport(
            checked, checked, "the last entry's hash differs from the one the chain head records", pending
        )
    if unlinked := await _unlinked(session):
        count, first = unlinked
        reason = f"{count} entries (the first: id {first}) are neither on the chain nor waiting for the sequencer"
        return ChainReport(checked, checked + 1, reason, pending)
    return ChainReport(checked, pending=pending, head_hash=expected_prev)


async def _unlinked(session: AsyncSession) -> tuple[int, int] | None:
    """How many entries have no link and no place in the queue, and the first of them: entries written behind the
    hub's back (the hub writes an entry and queues it in one statement, and the sequencer links it and unqueues it
    in one transaction). One statement: one snapshot on PostgreSQL."""
    linked = exists().where(AUDIT_CHAIN.c.entry_id == AUDIT_LOG.c.id)
    queued = exists().where(AUDIT_PENDING.c.entry_id == AUDIT_LOG.c.id)
    count, first = (await session.execute(select(func.count(), func.min(AUDIT_LOG.c.id)).where(~linked, ~queued))).one()
    return (count, first) if count else None


def _broken_link(entry: RowMapping, expected_prev: str) -> str | None:
    """Why the link `entry`, with its entry's columns, in its place after an entry hashed `expected_prev`, does not
    check out; None if it does."""
    altered = "its content does not match its hash (the entry was altered)"
    if entry["id"] is None:
        return f"its entry (id {entry['entry_id']}) is gone (the entry was deleted)"
    if entry["prev_hash"] != expected_prev:
        return "its previous-hash does not match the entry before it"
    if entry["body_hash"] is None:  # recorded before the sequencer: its hash covers its content directly
        return altered if legacy_hash(expected_prev, entry["seq"], entry) != entry["hash"] else None
    if body_hash(entry) != entry["body_hash"]:
        return altered
    if link_hash(expected_prev, entry["seq"], entry["entry_id"], entry["body_hash"]) != entry["hash"]:
        return "its link does not match its hash (moved, renumbered or rehashed)"
    return None
