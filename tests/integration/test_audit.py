"""The audit chain on both backends: written with the change, append-only, tamper-evident, safe under concurrency."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from hub.audit.models import AuditEntry
from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record, verify_chain
from hub.clients.permissions import ClientKind
from hub.infra.db import Database
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
    async with db.sessions() as session:
        return await verify_chain(session)


async def tamper(db: Database, statement: str) -> None:
    """Change the log behind the hub's back, as someone with database administrator rights could."""
    async with db.engine.begin() as connection:
        if db.backend == "postgresql":
            await connection.execute(text("SET LOCAL session_replication_role = replica"))
            await connection.execute(text(statement))
        else:
            await connection.execute(text("DROP TRIGGER audit_log_no_update"))
            await connection.execute(text("DROP TRIGGER audit_log_no_delete"))
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
        operations = (await session.scalars(text("SELECT operation FROM audit_log ORDER BY seq"))).all()
    assert operations == ["first", "second"]
    assert (await verify(db)).ok


async def test_log_refuses_updates_and_deletes(db, clock):
    await append(db, clock, "person.read")
    for statement in ("UPDATE audit_log SET purpose = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.engine.begin() as connection:
                await connection.execute(text(statement))


@pytest.mark.parametrize(
    ("statement", "broken_at", "reason"),
    [
        ("UPDATE audit_log SET purpose = 'claim_settlement' WHERE seq = 3", 3, "altered"),
        ("DELETE FROM audit_log WHERE seq = 2", 2, "missing"),
        ("DELETE FROM audit_log WHERE seq = 5", 5, "head records 5 entries"),
    ],
)
async def test_tampering_is_found_at_the_first_broken_link(db, clock, statement, broken_at, reason):
    await append(db, clock, "person.read", 5)
    await tamper(db, statement)
    report = await verify(db)
    assert not report.ok
    assert report.broken_at_seq == broken_at
    assert reason in (report.reason or "")


async def test_concurrent_appends_keep_one_chain(db, clock):
    await asyncio.gather(*(append(db, clock, f"op{i}", 2) for i in range(20)))
    report = await verify(db)
    assert report.ok and report.entries_checked == 40
    async with db.sessions() as session:
        seqs = (await session.scalars(text("SELECT seq FROM audit_log ORDER BY seq"))).all()
    assert seqs == list(range(1, 41))


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
        started.set()  # holding the audit head (and SQLite's write lock) from here to the commit
        await asyncio.sleep(0.3)

    # Given a resolver's transaction under way when graphql-core cancels it (a sibling root field failed)
    request = asyncio.create_task(to_the_end(db.run(audited_slowly)))
    await started.wait()
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request
    # Then the transaction still finishes and commits, and the next write goes through
    await asyncio.wait_for(append(db, clock, "next"), 10)
    async with db.sessions() as session:
        done = (await session.scalars(select(AuditEntry.operation).order_by(AuditEntry.seq))).all()
    assert done == ["slow", "next"]
    assert (await verify(db)).ok
