"""Storing a verified submission on both backends: beside the payload and its documents, the audit entries (queued for
the sequencer) and the jobs it causes, nothing more for a resend, and on PostgreSQL all of it in two statements with
no transaction around them, unless a document replaces a current version; submissions racing for the same new
document each get a version of their own."""

from __future__ import annotations

import asyncio

from sqlalchemy import event, func, select

from hub.audit.models import AuditEntry
from hub.audit.sequencer import sequence_pending
from hub.audit.service import CONTENT, body_hash, verify_chain
from hub.documents.linking import Subject
from hub.documents.models import Channel, Document, DocumentState, LinkState, Submission, SubmissionKind
from hub.documents.receipts import LineStatus
from hub.documents.storage import NewDocument, StoredSubmission, VerifiedPayload, store_received
from hub.infra.settings import OutboxSettings
from hub.jobs.models import OutboxJob
from hub.jobs.relay import relay_once
from tests.helpers import make_person

SENDER = "facility:48001"
STORED_JOBS = ("documents.announce", "documents.notify_changes")  # what storing enqueues (the worker adds more)
PATIENT = "048085000321"  # a person the hub knows
STRANGER = "048085000999"  # nobody the hub knows


def payload(data: bytes) -> VerifiedPayload:
    report: dict[str, str | None] = {"result": "valid", "signer": SENDER}
    return VerifiedPayload(SubmissionKind.QD4750, SENDER, Channel.GRAPHQL, data, report)


def document(number: str, personal_id: str, days: str = "5") -> NewDocument:
    return NewDocument(
        doc_type="XML11",
        number=number,
        fields={"SO_CT": number, "SO_NGAY_NGHI": days},
        subject=Subject.of(personal_id, None, None),
        position={"hoso": 0, "file": 1, "record": 0},
        episode=f"LK-{number}",
        standard="QD4750",
    )


async def store(state, clock, data: bytes, documents: list[NewDocument]) -> StoredSubmission:
    """As the intake stores what it verified and read."""
    identity = state.services.intake.identity
    return await store_received(
        state.services.db, payload(data), documents, now=clock.now(), identity=identity, actor=None
    )


async def counts(db) -> dict[str, int]:
    async with db.sessions() as session:
        found = {
            "submissions": select(func.count()).select_from(Submission),
            "documents": select(func.count()).select_from(Document),
            "jobs": select(func.count()).select_from(OutboxJob).where(OutboxJob.kind.in_(STORED_JOBS)),
            "audit": select(func.count()).select_from(AuditEntry).where(AuditEntry.operation.like("document.%")),
        }
        return {name: int(await session.scalar(query) or 0) for name, query in found.items()}


async def jobs(db, kind: str) -> list[OutboxJob]:
    async with db.sessions() as session:
        return list((await session.scalars(select(OutboxJob).where(OutboxJob.kind == kind))).all())


async def test_a_submission_is_stored_with_its_audit_entries_and_its_announcement(hub, clock, backend):
    _, state = hub
    db = state.services.db
    person = await make_person(db, clock, commune="20194", province="48", personal_id_number=PATIENT)
    statements: list[str] = []  # as the server got them (Core's and the driver's alike): PostgreSQL only

    def log(query) -> None:
        statements.append(query.query)

    def listen(dbapi_connection, *_args) -> None:
        dbapi_connection.driver_connection.add_query_logger(log)

    def stop(dbapi_connection, *_args) -> None:
        dbapi_connection.driver_connection.remove_query_logger(log)

    # Given: two new documents, one about a person the hub knows
    if backend == "postgresql":
        event.listen(db.engine.sync_engine, "checkout", listen)
        event.listen(db.engine.sync_engine, "checkin", stop)
    try:
        stored = await store(
            state, clock, b"<envelope>1</envelope>", [document("N1", PATIENT), document("N2", STRANGER)]
        )
    finally:
        if backend == "postgresql":
            event.remove(db.engine.sync_engine, "checkout", listen)
            event.remove(db.engine.sync_engine, "checkin", stop)
    # Then: both are stored, new, the first linked to its person
    assert not stored.repeated
    assert [(line.number, line.version, line.status) for line in stored.lines] == [
        ("N1", 1, LineStatus.NEW),
        ("N2", 1, LineStatus.NEW),
    ]
    async with db.sessions() as session:
        submission = (await session.scalars(select(Submission))).one()
        documents = {d.number: d for d in (await session.scalars(select(Document))).all()}
        entries = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.operation.like("document.%")).order_by(AuditEntry.id)
            )
        ).all()
    assert (submission.id, submission.document_count, submission.receipt) == (stored.submission_id, 2, stored.receipt)
    assert (documents["N1"].person_id, documents["N1"].link_state) == (person.id, LinkState.LINKED.value)
    assert (documents["N2"].person_id, documents["N2"].link_state) == (None, LinkState.UNMATCHED.value)
    assert all(d.submission_id == submission.id and d.received_at == clock.now() for d in documents.values())
    # One job announces exactly the new documents; the relay hands it to the broker, once
    await relay_once(db, state.broker, clock, OutboxSettings())
    (announce,) = await jobs(db, "documents.announce")
    assert sorted(announce.payload["document_ids"]) == sorted(str(d.id) for d in documents.values())
    assert (announce.queue, announce.created_at, announce.sends) == ("documents", clock.now(), 1)
    # The audit log holds the receipt and the link to the person, each hashed as recorded, and both join the chain
    assert [(e.operation, e.person_id, e.purpose) for e in entries] == [
        ("document.receive", None, "evidence_intake"),
        ("document.link", person.id, "evidence_intake"),
    ]
    assert entries[0].details == {
        "transaction_id": stored.transaction_id,
        "sender": SENDER,
        "kind": "qd4750",
        "documents": 2,
    }
    assert entries[1].details == {"transaction_id": stored.transaction_id, "documents": ["XML11/N1"]}
    assert all(e.body_hash == body_hash({name: getattr(e, name) for name in CONTENT}) for e in entries)
    assert all(e.occurred_at == clock.now() for e in entries)
    await sequence_pending(db)
    async with db.sessions() as session:
        report = await verify_chain(session)
    assert report.ok and report.pending.entries == 0, report.reason
    if backend == "postgresql":
        # The documents' earlier versions and the people they name are one read; everything else one write, which
        # commits by itself: no BEGIN, no COMMIT (asyncpg looks up the types of a statement's parameters the first
        # time a connection prepares it)
        sent = [q.split()[0] for q in statements if "typeinfo_tree" not in q and "'jit'" not in q]
        assert sent == ["SELECT", "WITH"], statements


async def test_a_resend_writes_nothing_and_unchanged_documents_only_a_receipt_entry(hub, clock):
    _, state = hub
    db = state.services.db
    first = await store(state, clock, b"<envelope>1</envelope>", [document("N1", STRANGER)])
    before = await counts(db)
    # When: the same bytes come again
    again = await store(state, clock, b"<envelope>1</envelope>", [document("N1", STRANGER)])
    # Then: the first receipt, and not a row more
    assert again.repeated and (again.transaction_id, again.receipt) == (first.transaction_id, first.receipt)
    assert await counts(db) == before
    # When: other bytes bring the same document unchanged
    unchanged = await store(state, clock, b"<envelope>2</envelope>", [document("N1", STRANGER)])
    # Then: a submission of no documents, its receipt entry, and nothing to announce
    assert [(line.version, line.status) for line in unchanged.lines] == [(1, LineStatus.UNCHANGED)]
    assert await counts(db) == before | {"submissions": 2, "audit": before["audit"] + 1}
    async with db.sessions() as session:
        receipt = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.operation == "document.receive").order_by(AuditEntry.id)
            )
        ).all()[-1]
    assert receipt.details["transaction_id"] == unchanged.transaction_id and receipt.details["documents"] == 0


async def test_a_new_version_supersedes_the_current_one_and_tells_its_users(hub, clock):
    _, state = hub
    db = state.services.db
    await store(state, clock, b"<envelope>1</envelope>", [document("N1", STRANGER)])
    async with db.sessions() as session:
        first = (await session.scalars(select(Document))).one()
    # When: the document comes again, changed
    amended = await store(state, clock, b"<envelope>2</envelope>", [document("N1", STRANGER, days="7")])
    # Then: version 2 is current, version 1 superseded, its users told, the new version announced
    assert [(line.version, line.status) for line in amended.lines] == [(2, LineStatus.NEW_VERSION)]
    async with db.sessions() as session:
        versions = (await session.scalars(select(Document).order_by(Document.version))).all()
    assert [(d.version, d.state, d.supersedes_id) for d in versions] == [
        (1, DocumentState.SUPERSEDED.value, None),
        (2, DocumentState.CURRENT.value, first.id),
    ]
    (notify,) = await jobs(db, "documents.notify_changes")
    assert notify.payload == {"document_ids": [str(first.id)]}
    announced = [job.payload["document_ids"] for job in await jobs(db, "documents.announce")]
    assert sorted(announced) == sorted([[str(first.id)], [str(versions[1].id)]])


async def test_submissions_racing_for_a_new_document_each_get_a_version(hub, clock, backend):
    """Two submissions bring the same new document at once, changed: each read no version of it, one statement
    takes version 1 and the other fails on the unique key; stored again from the start, it finds version 1 current
    and replaces it, in a transaction. On SQLite the writes queue: the second finds the first."""
    _, state = hub
    db = state.services.db
    first, second = await asyncio.gather(
        store(state, clock, b"<envelope>1</envelope>", [document("N1", STRANGER)]),
        store(state, clock, b"<envelope>2</envelope>", [document("N1", STRANGER, days="7")]),
    )
    statuses = sorted((line.version, line.status) for line in (*first.lines, *second.lines))
    assert statuses == [(1, LineStatus.NEW), (2, LineStatus.NEW_VERSION)]
    async with db.sessions() as session:
        versions = (await session.scalars(select(Document).order_by(Document.version))).all()
    assert [(d.version, d.state) for d in versions] == [
        (1, DocumentState.SUPERSEDED.value),
        (2, DocumentState.CURRENT.value),
    ]
    assert await counts(db) == {"submissions": 2, "documents": 2, "jobs": 3, "audit": 2}
