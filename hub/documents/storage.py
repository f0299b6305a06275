"""Store a verified submission: the payload byte for byte, its report, the hub's signed receipt, and its documents as
versions of (issuer, type, number), linked to the people they name. All of it or nothing, in a handful of statements
whatever the number of documents (on PostgreSQL, usually one read and one write with no transaction around them:
`store_received`); called only after the whole submission verified and parsed."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CompoundSelect, Insert, Table, bindparam, exists, null, select, true, union_all, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.base import Executable

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record, recorded_values, recording
from hub.clients.permissions import Principal
from hub.documents.linking import PeopleWanted, PersonIndex, Subject, people_named
from hub.documents.models import Channel, Document, DocumentState, LinkState, Submission, SubmissionKind
from hub.documents.receipts import (
    LineStatus,
    ReceiptContent,
    ReceiptLine,
    new_transaction_id,
    receipt_lines,
    signed_receipt,
)
from hub.documents.uses import ANNOUNCE_DOCUMENTS, NOTIFY_CHANGES, AnnounceDocuments, NotifyChanges, announce
from hub.infra.canonical import canonical_bytes
from hub.infra.db import (
    Database,
    fetch_on_driver,
    insert_for_dialect,
    insert_json_rows,
    insert_rows,
    json_rows,
    one_of,
    one_of_named,
)
from hub.infra.ids import new_id
from hub.jobs import enqueue
from hub.jobs.outbox import job_row, job_values, job_writing, job_written
from signing.keys import SigningIdentity

DOCUMENTS = cast(Table, Document.__table__)
SUBMISSIONS = cast(Table, Submission.__table__)


@dataclass(frozen=True)
class NewDocument:
    """One document read from a verified payload, before it is stored."""

    doc_type: str
    number: str
    fields: dict[str, str]
    """Official field name → text as the issuer wrote it."""
    subject: Subject
    position: dict[str, int] = field(default_factory=dict)
    episode: str | None = None
    issued_on: dt.date | None = None
    child_card_code: str | None = None
    standard: str = ""
    """The version of the standard the document was read under, named on the receipt (not part of its content)."""

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(canonical_bytes([self.doc_type, self.fields])).hexdigest()


@dataclass(frozen=True)
class VerifiedPayload:
    """A payload whose signature verified, with the report of that check."""

    kind: SubmissionKind
    sender: str
    channel: Channel
    payload: bytes
    report: dict[str, str | None]
    client_id: uuid.UUID | None = None
    sha256: str = ""
    """SHA-256 of the payload, in hex: given by a caller that took it already (0.03 ms for 44 KB), taken otherwise.
    The receipt, the row and the answer each name it."""

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", sha256_of(self.payload))


@dataclass(frozen=True)
class StoredSubmission:
    """What the sender is told: the receipt (first one for a repeat) and what became of each document."""

    submission_id: uuid.UUID
    transaction_id: str
    received_at: dt.datetime
    sender: str
    sha256: str
    receipt: bytes
    lines: tuple[ReceiptLine, ...]
    repeated: bool


def sha256_of(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


# Asked of every submission: built once, as SQLAlchemy works out the cache key of every new statement object.
_SUBMISSION_OF_BYTES = select(
    Submission.id, Submission.transaction_id, Submission.received_at, Submission.receipt
).where(Submission.sender == bindparam("sender"), Submission.sha256 == bindparam("sha256"))


async def find_submission(session: AsyncSession | AsyncConnection, sender: str, sha256: str) -> StoredSubmission | None:
    """The submission of these exact bytes by `sender`, if it was received before (then with `repeated`)."""
    connection = await session.connection() if isinstance(session, AsyncSession) else session
    row = (await connection.execute(_SUBMISSION_OF_BYTES, {"sender": sender, "sha256": sha256})).one_or_none()
    if row is None:
        return None
    lines = receipt_lines(row.receipt)
    return StoredSubmission(row.id, row.transaction_id, row.received_at, sender, sha256, row.receipt, lines, True)


@dataclass(frozen=True)
class _Storing:
    """What storing a submission writes, worked out from the versions stored before it: the submission's row with
    its signed receipt, the rows of its new documents and new versions, the current versions these supersede, the
    receipt's lines and the audit entries."""

    submission: dict[str, Any]
    rows: list[dict[str, Any]]
    superseded: list[uuid.UUID]
    lines: tuple[ReceiptLine, ...]
    audit: list[AuditEvent]

    def stored(self, verified: VerifiedPayload) -> StoredSubmission:
        submission = self.submission
        return StoredSubmission(
            submission["id"],
            submission["transaction_id"],
            submission["received_at"],
            verified.sender,
            verified.sha256,
            submission["receipt"],
            self.lines,
            False,
        )


async def _storing(
    connection: AsyncConnection,
    verified: VerifiedPayload,
    documents: Sequence[NewDocument],
    *,
    now: dt.datetime,
    identity: SigningIdentity,
    kept: Sequence[ReceiptLine],
) -> _Storing:
    """Read the latest versions of `documents` and the people they name, and work out what storing them writes."""
    submission_id = new_id()
    transaction_id = new_transaction_id(now)
    latest, people = await _latest_versions_and_people(connection, verified.sender, documents)
    lines: list[ReceiptLine] = []
    rows: list[dict[str, Any]] = []
    superseded: list[uuid.UUID] = []
    for document in documents:
        content_hash = document.content_hash
        previous = latest.get((document.doc_type, document.number))
        if previous is not None and previous.state == DocumentState.CURRENT and previous.content_hash == content_hash:
            unchanged = ReceiptLine(
                document.doc_type, document.number, previous.version, LineStatus.UNCHANGED, document.standard
            )
            lines.append(unchanged)
            continue
        version = 1 if previous is None else previous.version + 1
        if previous is not None and previous.state == DocumentState.CURRENT:
            superseded.append(previous.id)
        lines.append(
            ReceiptLine(
                document.doc_type,
                document.number,
                version,
                LineStatus.NEW if version == 1 else LineStatus.NEW_VERSION,
                document.standard,
            )
        )
        rows.append(_row(document, submission_id, verified.sender, version, content_hash, previous, people, now=now))
    lines.extend(kept)
    receipt = signed_receipt(
        ReceiptContent(transaction_id, now, verified.sender, verified.kind.value, verified.sha256, lines), identity
    )
    submission = {
        "id": submission_id,
        "transaction_id": transaction_id,
        "kind": verified.kind.value,
        "sender": verified.sender,
        "channel": verified.channel.value,
        "client_id": verified.client_id,
        "sha256": verified.sha256,
        "payload": verified.payload,
        "size": len(verified.payload),
        "verification": verified.report,
        "received_at": now,
        "document_count": len(rows),
        "receipt": receipt,
    }
    return _Storing(submission, rows, superseded, tuple(lines), _audit(verified, transaction_id, rows))


async def store_submission(
    session: AsyncSession,
    verified: VerifiedPayload,
    documents: Sequence[NewDocument],
    *,
    now: dt.datetime,
    identity: SigningIdentity,
    actor: Principal | None,
    kept: Sequence[ReceiptLine] = (),
) -> StoredSubmission:
    """Store `verified` and its `documents` (each a new document, a new version, or unchanged) with a signed receipt,
    which also acknowledges the `kept` tables (stored in the payload, not read). The same bytes received before
    from the same sender are not stored again: the first receipt is returned, `repeated`.

    Whether they were is learnt from the submission's INSERT, which leaves a row of the same (sender, sha256) as
    it is: a resend, which is rare, is read and signed again for nothing, and every first sending saves a query.
    A concurrent twin waits for the one that took the key, and returns its receipt once it has committed."""
    if session.new or session.dirty or session.deleted:
        await session.flush()  # what the session holds is seen by the statements below, which skip the ORM
    connection = await session.connection()
    storing = await _storing(connection, verified, documents, now=now, identity=identity, kept=kept)
    postgresql = connection.dialect.name == "postgresql"
    written = (
        await _write_at_once(connection, storing, actor=actor, now=now, session=session)
        if postgresql
        else await _insert_submission(session, connection, storing.submission, storing.rows)
    )
    if not written:
        return await _first_receipt(session, verified)
    if storing.superseded:
        await session.execute(
            update(Document)
            .where(one_of(session, Document.id, storing.superseded))
            .values(state=DocumentState.SUPERSEDED.value, changed_at=now)
            .execution_options(synchronize_session=False)
        )
        await enqueue(session, NOTIFY_CHANGES, NotifyChanges(storing.superseded), now=now)
    if not postgresql:  # written with the submission on PostgreSQL
        if storing.rows:
            await announce(session, [row["id"] for row in storing.rows], now=now)
        await record(session, now=now, actor=actor, events=storing.audit)
    return storing.stored(verified)


async def store_received(
    db: Database,
    verified: VerifiedPayload,
    documents: Sequence[NewDocument],
    *,
    now: dt.datetime,
    identity: SigningIdentity,
    actor: Principal | None,
    kept: Sequence[ReceiptLine] = (),
) -> StoredSubmission:
    """Store a submission verified and read before, as `store_submission` does, and run it again from the start if
    it lost a race (a twin of the same bytes, or a new version of the same document taken meanwhile).

    On PostgreSQL there is no transaction, unless a document replaces a current version (marking that one
    superseded and telling its users takes more statements, in `store_submission`'s transaction): the versions
    stored before are read, then everything is written in one statement, which commits by itself. The read takes
    no lock in a transaction either, so a new version taken by a concurrent submission meanwhile fails the one
    statement on its unique key just as it would fail the transaction. Sparing BEGIN and COMMIT, two round trips,
    and the session around them saved about 0.3 ms of the web process's CPU per envelope (in-process, sequential). A
    statement whose connection died after it committed runs again, finds the submission stored, and answers with
    its first receipt."""

    async def at_once(connection: AsyncConnection) -> StoredSubmission | None:
        storing = await _storing(connection, verified, documents, now=now, identity=identity, kept=kept)
        if storing.superseded:
            return None
        if not await _write_at_once(connection, storing, actor=actor, now=now):
            return await _first_receipt(connection, verified)
        return storing.stored(verified)

    if db.backend == "postgresql" and (stored := await db.run_autocommitted(at_once, retries=2)) is not None:
        return stored

    async def store(session: AsyncSession) -> StoredSubmission:
        return await store_submission(session, verified, documents, now=now, identity=identity, actor=actor, kept=kept)

    return await db.run(store, retries=2)


async def _first_receipt(session: AsyncSession | AsyncConnection, verified: VerifiedPayload) -> StoredSubmission:
    """The submission of the same bytes that took the key first: a twin waited for it to commit."""
    first = await find_submission(session, verified.sender, verified.sha256)
    assert first is not None, "a submission of the same bytes took the key, and it is committed"
    return first


async def _insert_submission(
    session: AsyncSession, connection: AsyncConnection, submission: dict[str, Any], documents: Sequence[dict[str, Any]]
) -> bool:
    """Write the submission and its documents, unless the same bytes came from the same sender before; whether they
    were written."""
    if (await connection.execute(_new_submission(connection.dialect.name), submission)).first() is None:
        return False
    await insert_rows(session, DOCUMENTS, documents)
    return True


async def _write_at_once(
    connection: AsyncConnection,
    storing: _Storing,
    *,
    actor: Principal | None,
    now: dt.datetime,
    session: AsyncSession | None = None,
) -> bool:
    """PostgreSQL: `_insert_submission`, the job that announces the documents (as `announce` enqueues it) and the
    audit entries (as `record` appends them), in one statement: each round trip cost as much web CPU as the
    statement's own work. Nothing of it is written for a resend. `session`: the transaction it is part of, if any
    (whose commit may publish the job; otherwise the relay does)."""
    documents = storing.rows
    keys = tuple(documents[0]) if documents else ()
    values = {**storing.submission, **recorded_values(now=now, actor=actor, events=storing.audit)}
    values[_DOCUMENT_ROWS] = json_rows(DOCUMENTS, keys, documents)
    job = None
    if documents:
        job = job_row(session, ANNOUNCE_DOCUMENTS, AnnounceDocuments([row["id"] for row in documents]), now=now)
        values.update(job_values(job))
    written = await fetch_on_driver(connection, _writing(keys), values)
    if not written:
        return False
    if job is not None and session is not None:
        (_, job_id) = written[0]
        job_written(session, ANNOUNCE_DOCUMENTS, job_id, job)
    return True


_DOCUMENT_ROWS = "document_rows"


@functools.cache
def _writing(keys: tuple[str, ...]) -> Executable:
    """PostgreSQL: the submission's INSERT (see `_new_submission`) with the audit entries', and with its documents'
    (columns `keys`, unless none) and their announcement's, which are written only if the submission is; the
    submission's id and the job's (`job_id`), or no row for a resend."""
    submission = _new_submission("postgresql").cte("submission")
    stored = exists(select(submission.c.id))
    parts = [recording(stored).cte("audit")]
    if not keys:
        return select(submission.c.id).add_cte(*parts)
    parts.append(insert_json_rows(DOCUMENTS, keys, name=_DOCUMENT_ROWS, when=stored).cte("documents"))
    job = job_writing(stored).cte("job")
    both = submission.join(job, true())  # one row each, or none at all
    return select(submission.c.id, job.c.id.label("job_id")).select_from(both).add_cte(*parts)


@functools.cache
def _new_submission(dialect: str) -> Insert:
    """The INSERT of a submission, which leaves an earlier one of the same bytes from the same sender as it is; the
    new row's id, or no row for a resend."""
    statement = insert_for_dialect(dialect)(SUBMISSIONS).values({c.key: bindparam(c.key) for c in SUBMISSIONS.c})
    return cast(
        Insert, statement.on_conflict_do_nothing(index_elements=["sha256", "sender"]).returning(SUBMISSIONS.c.id)
    )


@dataclass(frozen=True)
class _Latest:
    id: uuid.UUID
    version: int
    state: str
    content_hash: str


async def _latest_versions_and_people(
    connection: AsyncConnection, issuer: str, documents: Sequence[NewDocument]
) -> tuple[dict[tuple[str, str], _Latest], PersonIndex]:
    """The latest version of each (type, number) of `issuer` among `documents`, and the people they name, in one
    query."""
    keys = {(d.doc_type, d.number) for d in documents}
    if not keys:
        return {}, PersonIndex({}, {})
    wanted = PeopleWanted.of(d.subject for d in documents)
    values = {"document_numbers": [*{number for _, number in keys}], "issuer": issuer, **wanted.values}
    latest: dict[tuple[str, str], _Latest] = {}
    people = []
    for row in await fetch_on_driver(connection, _versions_and_people(connection.dialect.name), values):
        person_id, number, code, cancelled, doc_type, version, state, content_hash = row
        if doc_type is None:
            people.append((person_id, number, code, cancelled))
            continue
        key = (doc_type, number)
        if key in keys and (key not in latest or version > latest[key].version):
            latest[key] = _Latest(person_id, version, state, content_hash)
    return latest, PersonIndex.of_rows(wanted, people)


@functools.cache
def _versions_and_people(dialect: str) -> CompoundSelect[Any]:
    """Every version of the documents numbered one of :document_numbers by :issuer (id, number, two nulls, type,
    version, state, content hash), and the people `people_named` gives (their four columns, four nulls)."""
    versions = select(
        Document.id,
        Document.number,
        null(),
        null(),
        Document.doc_type,
        Document.version,
        Document.state,
        Document.content_hash,
    ).where(one_of_named(dialect, Document.number, "document_numbers"), Document.issuer == bindparam("issuer"))
    people = (part.add_columns(null(), null(), null(), null()) for part in people_named(dialect))
    return union_all(versions, *people)


def _row(
    document: NewDocument,
    submission_id: uuid.UUID,
    issuer: str,
    version: int,
    content_hash: str,
    previous: _Latest | None,
    people: PersonIndex,
    *,
    now: dt.datetime,
) -> dict[str, Any]:
    person_id = people.person_of(document.subject)
    return {
        "id": new_id(),
        "submission_id": submission_id,
        "issuer": issuer,
        "doc_type": document.doc_type,
        "number": document.number,
        "version": version,
        "content_hash": content_hash,
        "state": DocumentState.CURRENT.value,
        "supersedes_id": previous.id if previous is not None else None,
        "position": document.position,
        "episode": document.episode,
        "issued_on": document.issued_on,
        "fields": document.fields,
        "person_id": person_id,
        "link_state": (LinkState.LINKED if person_id is not None else LinkState.UNMATCHED).value,
        "subject_personal_id": document.subject.personal_id,
        "subject_bhxh_code": document.subject.code,
        "subject_card_number": document.subject.card_number,
        "child_card_code": document.child_card_code,
        "received_at": now,
        "changed_at": now,
        "revoked_reason": None,
    }


def _audit(verified: VerifiedPayload, transaction_id: str, rows: Sequence[dict[str, Any]]) -> list[AuditEvent]:
    """One entry for the submission, and one per person whose documents it brought (who, which person, why)."""
    events = [
        AuditEvent(
            "document.receive",
            Purpose.EVIDENCE_INTAKE,
            details={
                "transaction_id": transaction_id,
                "sender": verified.sender,
                "kind": verified.kind.value,
                "documents": len(rows),
            },
        )
    ]
    people: dict[uuid.UUID, list[str]] = {}
    for row in rows:
        if row["person_id"] is not None:
            people.setdefault(row["person_id"], []).append(f"{row['doc_type']}/{row['number']}")
    events.extend(
        AuditEvent(
            "document.link",
            Purpose.EVIDENCE_INTAKE,
            person_id=person_id,
            details={"transaction_id": transaction_id, "documents": documents},
        )
        for person_id, documents in people.items()
    )
    return events
