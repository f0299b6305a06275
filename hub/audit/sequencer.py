"""The sequencer: the one writer of the chain. It takes the entries that are committed and waiting in the queue, in
the order of their ids at that moment, writes each one's link (seq, previous hash, hash), takes them off the queue
and advances the head, in one transaction per batch.

Request transactions never touch the head, so they do not wait on one another. Only the sequencer locks the head
row (on SQLite, the write lock every writer takes), so exactly one pass chains at a time. A lower id can commit
after a higher one has been sequenced (PostgreSQL hands out ids before commit): it is simply taken by the next
pass. The chain's order is the sequencer's, not the ids'.

How the sequencer finds the entries waiting: a queue table, `audit_pending`, one narrow row per entry, inserted in the
statement that inserts the entries (hub.infra.db.insert_rows) and deleted in the transaction that links them.
- Not a flag on the entry (before migration 0015: a partial index on `seq IS NULL`): marking an entry done is then
  an UPDATE of the entry, a new version of a wide row with a new entry in every index of the log (the update is
  never HOT: `seq` is indexed), the largest write of the child-card intake. Now an entry is written once and the
  log is insert-only; the sequencer's writes are a narrow link (two index entries) and a queue row deleted.
- Not a watermark on the ids (chain everything above the highest id chained): ids are handed out before commit, so
  a transaction still open leaves a hole that may fill later or never (a rollback), and telling the two apart takes
  either a wait of unbounded length or a scan of all the ids above the oldest hole, with an anti-join on the links,
  at every pass. The queue has neither: a committed entry is in it exactly until it is linked, on PostgreSQL (READ
  COMMITTED: the queue is read after the head's lock is taken, so it sees every commit before, including the last
  pass's deletions) and on SQLite (one writer at a time) alike, and the pass reads only the few seconds' worth of
  rows it holds.

It runs in every worker process beside the outbox relay (hub.entry.runtime; a pass that finds another sequencer at
work skips its turn), and on demand: `hub audit verify` sequences what is pending before it checks."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.service import AUDIT_CHAIN, AUDIT_HEAD, AUDIT_LOG, AUDIT_PENDING, HEAD_ID, link_hash
from hub.infra.db import Database, insert_rows

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
    # and none of those the sequencer that held the lock before took off the queue. An entry gone from the log
    # (deleted behind the hub's back) is still linked, with no content hash: the check then reports it gone.
    pending = (
        await session.execute(
            select(AUDIT_PENDING.c.entry_id, AUDIT_LOG.c.body_hash)
            .select_from(AUDIT_PENDING.outerjoin(AUDIT_LOG, AUDIT_LOG.c.id == AUDIT_PENDING.c.entry_id))
            .order_by(AUDIT_PENDING.c.entry_id)
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
        links.append({"seq": seq, "entry_id": entry_id, "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    await insert_rows(session, AUDIT_CHAIN, links)
    # Exactly the entries linked: one with a lower id committed since the read waits for the next pass.
    await session.execute(delete(AUDIT_PENDING).where(AUDIT_PENDING.c.entry_id.in_([row[0] for row in pending])))
    await session.execute(update(AUDIT_HEAD).where(AUDIT_HEAD.c.id == HEAD_ID).values(seq=seq, hash=prev_hash))
    return len(pending)


async def sequence_pending(db: Database, *, batch_size: int = BATCH_SIZE, wait: bool = True) -> int:
    """Chain every entry committed and not yet sequenced, a batch per transaction; how many were chained. With
    `wait` False, give way at once to a sequencer already at work."""
    async with db.sessions() as session:  # a read first: an idle pass takes no lock (on SQLite, no write lock)
        if await session.scalar(select(AUDIT_PENDING.c.entry_id).limit(1)) is None:
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
