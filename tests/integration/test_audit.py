"""The audit chain on both backends: written with the change, append-only, tamper-evident, safe under concurrency."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import pytest
from alembic import command
from sqlalchemy import JSON, Connection, Uuid, column, insert, select, table, text
from sqlalchemy.exc import DBAPIError

from hub.audit.models import GENESIS_HASH, AuditEntry
from hub.audit.purpose import Purpose
from hub.audit.sequencer import run_sequencer, sequence_pending
from hub.audit.service import AuditEvent, backlog, legacy_hash, record, verify_chain
from hub.clients.permissions import ClientKind
from hub.entry import migrate
from hub.infra.db import Database, UTCDateTime
from schema.context import to_the_end
from tests.helpers import graphql_data, make_client, make_person, post_graphql


async def append(db: Database, clock, operation: str, n: int = 1) -> None:
    async with db.transaction() as session:
        await record(
            session,
            now=clock.now(),
            actor=None,
            events=[AuditEvent(operation, Purpose.SYSTEM, uuid.uuid4(), {"i": i}) for i in range(n)],
        )


async def verify(db: Database):
    """What `hub audit verify` does: sequence what is pending, then check the chain."""
    await sequence_pending(db)
    async with db.sessions() as session:
        return await verify_chain(session)


async def downgrade(db: Database, revision: str) -> None:
    def run(connection: Connection) -> None:
        config = migrate.alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(run)


async def tamper(db: Database, statements: str) -> None:
    """Change the log behind the hub's back, as someone with database administrator rights could."""
    async with db.engine.begin() as connection:
        if db.backend == "postgresql":
            await connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for trigger in ("log_no_update", "log_no_delete", "chain_no_update", "chain_no_delete"):
                await connection.execute(text(f"DROP TRIGGER audit_{trigger}"))
        for statement in statements.split(";"):
            await connection.execute(text(statement))


async def test_chain_of_many_entries_verifies(db, clock):
    await append(db, clock, "person.read", 3)
    await make_person(db, clock, commune="20242", province="48")
    report = await verify(db)
    assert report.ok and report.entries_checked == 4


async def test_entry_rolls_back_with_its_change(db, clock):
    await append(db, clock, "first")
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await record(session, now=clock.now(), actor=None, events=[AuditEvent("lost", Purpose.SYSTEM)])
            raise RuntimeError("the change failed")
    await append(db, clock, "second")
    async with db.sessions() as session:
        operations = (await session.scalars(text("SELECT operation FROM audit_log ORDER BY id"))).all()
    assert operations == ["first", "second"]
    assert (await verify(db)).ok


async def test_log_and_chain_refuse_updates_and_deletes(db, clock):
    await append(db, clock, "person.read")
    await sequence_pending(db)
    await append(db, clock, "person.read")
    for statement in (
        "UPDATE audit_log SET purpose = 'x'",
        "UPDATE audit_log SET purpose = 'x' WHERE id = 2",  # not sequenced yet
        "DELETE FROM audit_log",
        "UPDATE audit_chain SET seq = 7",
        "UPDATE audit_chain SET hash = prev_hash",
        "DELETE FROM audit_chain",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.engine.begin() as connection:
                await connection.execute(text(statement))


# An entry forged behind the hub's back, with a content hash of its own (not of its content)
FORGED = (
    "INSERT INTO audit_log (id, occurred_at, operation, purpose, details, body_hash)"
    " VALUES (99, '2026-11-26 04:00:00', 'person.read', 'system', '{}', '" + "a" * 64 + "')"
)


@pytest.mark.parametrize(
    ("statement", "broken_at", "reason"),
    [
        ("UPDATE audit_log SET purpose = 'claim_settlement' WHERE id = 3", 3, "altered"),
        ("UPDATE audit_log SET body_hash = (SELECT hash FROM audit_chain WHERE seq = 2) WHERE id = 2", 2, "altered"),
        ("DELETE FROM audit_log WHERE id = 2", 2, "deleted"),
        ("DELETE FROM audit_chain WHERE seq = 2", 2, "missing"),
        ("DELETE FROM audit_chain WHERE seq = 5", 5, "head records 5 entries"),
        # reordered: links 2 and 3 swap places
        (
            "UPDATE audit_chain SET seq = -seq WHERE seq IN (2, 3);"
            " UPDATE audit_chain SET seq = 5 + seq WHERE seq IN (-2, -3)",
            2,
            "previous-hash",
        ),
        # reordered: entries 2 and 3 swap links
        (
            "UPDATE audit_chain SET entry_id = -entry_id WHERE seq IN (2, 3);"
            " UPDATE audit_chain SET entry_id = 5 + entry_id WHERE seq IN (2, 3)",
            2,
            "link does not match",
        ),
        ("UPDATE audit_chain SET entry_id = entry_id + 100 WHERE seq = 4", 4, "deleted"),
        # inserted: a forged entry linked in third place, the links after it moved down by one
        (
            "UPDATE audit_chain SET seq = seq + 100 WHERE seq >= 3;"
            " UPDATE audit_chain SET seq = seq - 99 WHERE seq >= 100;"
            f" {FORGED};"
            " INSERT INTO audit_chain (seq, entry_id, prev_hash, hash)"
            " SELECT 3, 99, hash, hash FROM audit_chain WHERE seq = 2",
            3,
            "altered",
        ),
        # inserted: a forged entry neither linked nor queued
        (FORGED, 6, "neither on the chain nor waiting"),
    ],
)
async def test_tampering_is_found_at_the_first_broken_link(db, clock, statement, broken_at, reason):
    await append(db, clock, "person.read", 5)
    await sequence_pending(db)
    await tamper(db, statement)
    report = await verify(db)
    assert not report.ok
    assert report.broken_at_seq == broken_at
    assert reason in (report.reason or "")


# The entries in the order of the chain
CHAINED = "SELECT {} FROM audit_log JOIN audit_chain ON audit_chain.entry_id = audit_log.id ORDER BY seq"


async def test_concurrent_appends_keep_one_chain(db, clock):
    await asyncio.gather(*(append(db, clock, f"op{i}", 2) for i in range(20)))
    report = await verify(db)
    assert report.ok and report.entries_checked == 40
    async with db.sessions() as session:
        seqs = (await session.scalars(text("SELECT seq FROM audit_chain ORDER BY seq"))).all()
        ids = (await session.scalars(text("SELECT entry_id FROM audit_chain ORDER BY entry_id"))).all()
        queued = await session.scalar(text("SELECT count(*) FROM audit_pending"))
    assert seqs == list(range(1, 41)) and len(set(ids)) == 40 and queued == 0


async def test_verifying_while_entries_are_appended_is_not_a_false_alarm(db, clock):
    await append(db, clock, "before", 50)

    async def keep_appending() -> None:
        for i in range(20):
            await append(db, clock, f"during{i}", 5)

    writer = asyncio.create_task(keep_appending())
    reports = []
    while not writer.done():
        reports.append(await verify(db))
    await writer
    reports.append(await verify(db))
    assert all(r.ok for r in reports), [r for r in reports if not r.ok]
    assert reports[-1].entries_checked == 150


async def test_a_reader_does_not_block_a_writer(db, clock):
    # Given a read transaction left open (a long audit walk, a slow query)
    async with db.sessions() as reader:
        await reader.execute(text("SELECT count(*) FROM audit_log"))
        # Then a writer still commits, without waiting for it
        await asyncio.wait_for(append(db, clock, "written"), timeout=5)


# Root fields that a hospital may not read: each refusal is audited in a transaction of its own, while graphql-core
# cancels the other root fields as soon as one non-null field fails.
REQUEST_FACILITY = """mutation($input: FacilityRequestInput!) { requestFacility(input: $input) { errors { code } } }"""
REFUSED_TOGETHER = """query($first: Int!, $retired: Boolean!) {
  person(id: "", purpose: CARD_ISSUANCE) { provinceCode }
  myDataAccess(first: $first, beforeSeq: 0) { hasMore }
  facility(code: "") { level contractFrom }
  facilityRequests(state: PENDING, first: $first) { code state }
  childCardReviews { id }
  certificates(party: "", includeRetired: $retired) { party }
}"""


async def test_refusals_cancelled_together_leave_the_database_usable(hub, signer, clock):
    client, state = hub
    db = state.services.db
    _, hospital = await make_client(db, signer, clock, "bv-48001", ClientKind.HOSPITAL, "facility:48001")
    _, office = await make_client(db, signer, clock, "ubnd-hai-chau", ClientKind.CIVIL_REGISTRY, "commune:20242")
    # Given a hospital sending, again and again, a query whose every root field is refused
    for _ in range(30):
        answer = (await post_graphql(client, REFUSED_TOGETHER, {"first": 0, "retired": True}, token=hospital)).json()
        assert answer["data"] is None and "FORBIDDEN" in {e["extensions"]["code"] for e in answer["errors"]}
    # Then the process still writes (a transaction cut off half-way held SQLite's write lock for good)
    request = {"code": "48095", "name": "Phòng khám Hải Châu", "provinceCode": "48"}
    asked = await graphql_data(client, REQUEST_FACILITY, {"input": request}, token=office)
    assert asked["requestFacility"]["errors"] == []
    # And every refusal that was recorded is on an unbroken chain
    assert (await verify(db)).ok
    async with db.sessions() as session:
        refusals = (
            await session.scalars(select(AuditEntry.client_name).where(AuditEntry.operation == "access.refused"))
        ).all()
    assert refusals and set(refusals) == {"bv-48001"}


async def test_a_transaction_runs_to_its_end_when_its_request_is_cancelled(db, clock):
    started = asyncio.Event()

    async def audited_slowly(session) -> None:
        await record(session, now=clock.now(), actor=None, events=[AuditEvent("slow", Purpose.SYSTEM)])
        started.set()  # holding SQLite's write lock from here to the commit
        await asyncio.sleep(0.3)

    # Given a resolver's transaction under way when graphql-core cancels it (a sibling root field failed)
    request = asyncio.create_task(to_the_end(db.run(audited_slowly)))
    await started.wait()
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request
    # Then the next write goes through, and the transaction still finishes and commits (appenders no longer wait
    # for one another: look until it is there)
    await asyncio.wait_for(append(db, clock, "next"), 10)
    for _ in range(100):
        async with db.sessions() as session:
            done = (await session.scalars(select(AuditEntry.operation).order_by(AuditEntry.id))).all()
        if len(done) == 2:
            break
        await asyncio.sleep(0.05)
    assert done == ["slow", "next"]
    assert (await verify(db)).ok


async def test_an_entry_altered_before_it_is_sequenced_is_found(db, clock):
    # Given entries recorded, and one of them changed before the sequencer reached it
    await append(db, clock, "person.read", 4)
    await tamper(db, "UPDATE audit_log SET purpose = 'claim_settlement' WHERE id = 3")
    # Then the sequencer chains the hash its content had when it was recorded, and the check finds the change
    report = await verify(db)
    assert not report.ok and report.broken_at_seq == 3 and "altered" in (report.reason or "")


async def test_entries_wait_for_the_sequencer_and_the_wait_is_reported(db, clock):
    await append(db, clock, "person.read", 3)
    async with db.sessions() as session:
        before = await verify_chain(session)
    assert before.ok and before.entries_checked == 0
    assert before.pending.entries == 3 and before.pending.oldest == clock.now()
    assert await sequence_pending(db, batch_size=2) == 3
    async with db.sessions() as session:
        after = await verify_chain(session)
    assert after.ok and after.entries_checked == 3 and after.pending.entries == 0


async def test_appenders_do_not_wait_on_one_another(db, clock):
    if db.backend != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    first_in = asyncio.Event()
    release = asyncio.Event()

    async def held_open() -> None:
        async with db.transaction() as session:
            await record(session, now=clock.now(), actor=None, events=[AuditEvent("early", Purpose.SYSTEM)])
            first_in.set()
            await release.wait()

    # Given an audited transaction that took a lower id and has not committed
    early = asyncio.create_task(held_open())
    await first_in.wait()
    # Then another audited transaction commits without waiting for it, and is sequenced alone
    await asyncio.wait_for(append(db, clock, "late"), timeout=5)
    assert await sequence_pending(db) == 1
    # And the earlier entry, committed after, is sequenced by the next pass, not skipped
    release.set()
    await early
    assert await sequence_pending(db) == 1
    async with db.sessions() as session:
        chained = (await session.execute(text(CHAINED.format("operation, id")))).all()
    assert [op for op, _ in chained] == ["late", "early"] and chained[0].id > chained[1].id
    assert (await verify(db)).ok


async def test_one_sequencer_at_a_time(db, clock):
    await append(db, clock, "person.read", 30)
    done = await asyncio.gather(*(sequence_pending(db, batch_size=7, wait=i % 2 == 0) for i in range(6)))
    assert sum(done) == 30
    report = await verify(db)
    assert report.ok and report.entries_checked == 30


async def test_the_sequencer_loop_keeps_the_lag_short(db, clock):
    # Given entries appended while the worker's sequencer loop runs
    stop = asyncio.Event()
    loop = asyncio.create_task(run_sequencer(db, stop, poll_seconds=0.05))
    try:
        for i in range(5):
            await append(db, clock, f"op{i}", 3)
        # Then they are chained within a few passes, without anyone asking
        for _ in range(100):
            async with db.sessions() as session:
                waiting = await backlog(session)
            if waiting.entries == 0:
                break
            await asyncio.sleep(0.05)
        assert waiting.entries == 0
    finally:
        stop.set()
        await loop
    async with db.sessions() as session:
        report = await verify_chain(session)
    assert report.ok and report.entries_checked == 15


async def test_metrics_report_the_entries_waiting_for_the_sequencer(hub, clock):
    client, state = hub
    db = state.services.db
    if db.backend == "postgresql":  # no worker in this process (Redis broker), so nothing sequences them
        await append(db, clock, "person.read", 3)
        clock.advance(dt.timedelta(seconds=2.5))
    metrics = (await client.get("/metrics")).text
    assert "hub_audit_unsequenced_entries" in metrics and "hub_audit_unsequenced_oldest_seconds" in metrics
    if db.backend == "postgresql":
        assert "hub_audit_unsequenced_entries 3.0" in metrics
        assert "hub_audit_unsequenced_oldest_seconds 2.5" in metrics


# The audit log as migration 0008 left it.
LOG_0008 = table(
    "audit_log",
    *(column(name) for name in ("seq", "client_name", "operation", "purpose", "prev_hash", "hash")),
    column("occurred_at", UTCDateTime()),
    column("client_id", Uuid()),
    column("person_id", Uuid()),
    column("details", JSON()),
)


async def test_entries_chained_before_the_sequencer_still_verify(db, clock):
    # Given a chain written as before migration 0009 (seq and hashes set with each entry, no body hash)
    await downgrade(db, "0008")
    prev = GENESIS_HASH
    async with db.engine.begin() as connection:
        for seq in (1, 2, 3):
            content: dict[str, Any] = {
                "occurred_at": clock.now(),
                "client_id": None,
                "client_name": None,
                "operation": f"old{seq}",
                "person_id": uuid.uuid4(),
                "purpose": "system",
                "details": {"seq": seq},
            }
            digest = legacy_hash(prev, seq, content)
            await connection.execute(insert(LOG_0008).values(seq=seq, prev_hash=prev, hash=digest, **content))
            prev = digest
        await connection.execute(text("UPDATE audit_head SET seq = 3, hash = :h"), {"h": prev})
    # When the migration runs and entries are appended the new way
    await migrate.upgrade(db)
    await append(db, clock, "new", 2)
    # Then the whole chain verifies, old entries and new, and a change to an old one is still found
    report = await verify(db)
    assert report.ok and report.entries_checked == 5
    async with db.sessions() as session:
        ids = (await session.scalars(text(CHAINED.format("id")))).all()
    assert ids == [1, 2, 3, 4, 5]
    await tamper(db, "UPDATE audit_log SET operation = 'other' WHERE id = 2")
    report = await verify(db)
    assert report.broken_at_seq == 2 and "altered" in (report.reason or "")


async def test_a_checkpoint_kept_elsewhere_holds_the_chain_to_its_past(db, clock):
    await append(db, clock, "person.read", 3)
    first = await verify(db)
    await append(db, clock, "person.read", 2)
    async with db.sessions() as session:
        assert (await verify_chain(session, checkpoint=(3, first.head_hash))).ok
        # A chain rewritten since, however consistent now, no longer holds the hash the checkpoint kept
        moved = await verify_chain(session, checkpoint=(3, "f" * 64))
    assert moved.broken_at_seq == 3 and "checkpoint" in (moved.reason or "")


async def test_links_and_queue_move_out_of_the_log_and_back(db, clock):
    # Given entries chained and entries waiting, as 0015 finds them (links in the entries' rows, after a downgrade)
    await append(db, clock, "chained", 3)
    await sequence_pending(db)
    await append(db, clock, "waiting", 2)

    await downgrade(db, "0014")
    async with db.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT operation, seq FROM audit_log ORDER BY id"))).all()
    assert [tuple(row) for row in rows] == [("chained", seq) for seq in (1, 2, 3)] + [("waiting", None)] * 2
    # When 0015 runs again
    await migrate.upgrade(db)
    # Then the links are in the chain, the waiting entries in the queue, and the whole log verifies once sequenced
    async with db.sessions() as session:
        assert (await backlog(session)).entries == 2
        assert (await verify_chain(session)).entries_checked == 3
    report = await verify(db)
    assert report.ok and report.entries_checked == 5
    async with db.sessions() as session:
        assert (await session.scalars(text(CHAINED.format("operation")))).all() == ["chained"] * 3 + ["waiting"] * 2
