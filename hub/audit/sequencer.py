"""The sequencer: the one writer of the chain. It takes the entries that are committed and not yet sequenced, in
the order of their ids at that moment, gives each its seq, previous hash and hash, and advances the head.

Request transactions never touch the head, so they do not wait on one another. Only the sequencer locks the head
row (on SQLite, the write lock every writer takes), so exactly one pass chains at a time. A lower id can commit
after a higher one has been sequenced (PostgreSQL hands out ids before commit): it is simply taken by the next
pass. The chain's order is the sequencer's, not the ids'.

It runs in every worker process beside the outbox relay (hub.entry.runtime; a pass that finds another sequencer at
work skips its turn), and on demand: `hub audit verify` sequences what is pending before it checks."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.models import AuditEntry
from hub.audit.service import AUDIT_HEAD, AUDIT_LOG, HEAD_ID, link_hash
from hub.infra.db import Database, update_rows

log = logging.getLogger(__name__)
BATCH_SIZE = 5000
POLL_SECONDS = 0.5  # the lag in steady traffic: about this, plus one pass
BUSY = -1


async def sequence_once(session: AsyncSession, *, batch_size: int = BATCH_SIZE, wait: bool = True) -> int:
    """Chain up to `batch_size` pending entries in the caller's transaction; how many, or BUSY when another
    sequencer holds the head and `wait` is False."""
    head = (
        await session.execute(
            select(AUDIT_HEAD.c.seq, AUDIT_HEAD.c.hash)
            .where(AUDIT_HEAD.c.id == HEAD_ID)
            .with_for_update(skip_locked=not wait)
        )
    ).one_or_none()
    if head is None:
        return BUSY
    # Read after the head's lock is held: under READ COMMITTED this statement sees every entry committed so far,
    # including those chained by the sequencer that held the lock before.
    pending = (
        await session.execute(
            select(AUDIT_LOG.c.id, AUDIT_LOG.c.body_hash)
            .where(AUDIT_LOG.c.seq.is_(None))
            .order_by(AUDIT_LOG.c.id)
            .limit(batch_size)
        )
    ).all()
    if not pending:
        return 0
    seq, prev_hash = head.seq, head.hash
    links = []
    for entry_id, content_hash in pending:
        seq += 1
        digest = link_hash(prev_hash, seq, entry_id, content_hash or "")
        links.append({"id": entry_id, "seq": seq, "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    await update_rows(session, AuditEntry, links)
    await session.execute(update(AUDIT_HEAD).where(AUDIT_HEAD.c.id == HEAD_ID).values(seq=seq, hash=prev_hash))
    return len(pending)


async def sequence_pending(db: Database, *, batch_size: int = BATCH_SIZE, wait: bool = True) -> int:
    """Chain every entry committed and not yet sequenced, a batch per transaction; how many were chained. With
    `wait` False, give way at once to a sequencer already at work."""
    async with db.sessions() as session:  # a read first: an idle pass takes no lock (on SQLite, no write lock)
        if await session.scalar(select(AUDIT_LOG.c.id).where(AUDIT_LOG.c.seq.is_(None)).limit(1)) is None:
            return 0
    total = 0
    while True:
        async with db.transaction() as session:
            done = await sequence_once(session, batch_size=batch_size, wait=wait)
        if done == BUSY:
            return total
        total += done
        if done < batch_size:
            return total


async def run_sequencer(db: Database, stop: asyncio.Event, *, poll_seconds: float = POLL_SECONDS) -> None:
    """Sequence until `stop` is set, a pass every `poll_seconds`."""
    while not stop.is_set():
        try:
            await sequence_pending(db, wait=False)
        except Exception:  # the sequencer must outlive any one failed pass (database down, pool timeout)
            log.exception("audit sequencer pass failed; retrying in %.1fs", poll_seconds)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
