"""Store a verified submission: the payload byte for byte, its report, the hub's signed receipt, and its documents as
versions of (issuer, type, number), linked to the people they name. Everything in one transaction, in a handful of
statements whatever the number of documents; called only after the whole submission verified and parsed."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Insert, Select, Table, bindparam, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.base import Executable

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.clients.permissions import Principal
from hub.documents.linking import PersonIndex, Subject
from hub.documents.models import Channel, Document, DocumentState, LinkState, Submission, SubmissionKind
from hub.documents.receipts import (
    LineStatus,
    ReceiptContent,
    ReceiptLine,
    new_transaction_id,
    receipt_lines,
    signed_receipt,
)
from hub.documents.uses import NOTIFY_CHANGES, NotifyChanges, announce
from hub.infra.canonical import canonical_json
from hub.infra.db import insert_for_dialect, insert_rows, one_of, one_of_named, unnest_arrays, unnested
from hub.infra.ids import new_id
from hub.jobs import enqueue
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
        return hashlib.sha256(canonical_json([self.doc_type, self.fields]).encode()).hexdigest()


@dataclass(frozen=True)
class VerifiedPayload:
    """A payload whose signature verified, with the report of that check."""

    kind: SubmissionKind
    sender: str
    channel: Channel
    payload: bytes
    report: dict[str, str | None]
    client_id: uuid.UUID | None = None

    @functools.cached_property
    def sha256(self) -> str:
        """Taken once: the receipt, the row and the answer each name it."""
        return sha256_of(self.payload)


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


async def find_submission(session: AsyncSession, sender: str, sha256: str) -> StoredSubmission | None:
    """The submission of these exact bytes by `sender`, if it was received before (then with `repeated`)."""
    connection = await session.connection()
    row = (await connection.execute(_SUBMISSION_OF_BYTES, {"sender": sender, "sha256": sha256})).one_or_none()
    if row is None:
        return None
    lines = receipt_lines(row.receipt)
    return StoredSubmission(row.id, row.transaction_id, row.received_at, sender, sha256, row.receipt, lines, True)


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
    await session.flush()  # what the session holds is seen by the statements below, which skip the ORM
    connection = await session.connection()
    submission_id = new_id()
    transaction_id = new_transaction_id(now)
    latest = await _latest_versions(connection, verified.sender, documents)
    people = await PersonIndex.load(session, (d.subject for d in documents))
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
    if not await _insert_submission(session, submission, rows):
        first = await find_submission(session, verified.sender, verified.sha256)
        assert first is not None, "a submission of the same bytes took the key, and it is committed"
        return first
    if superseded:
        await session.execute(
            update(Document)
            .where(one_of(session, Document.id, superseded))
            .values(state=DocumentState.SUPERSEDED.value, changed_at=now)
            .execution_options(synchronize_session=False)
        )
        await enqueue(session, NOTIFY_CHANGES, NotifyChanges(superseded), now=now)
    if rows:
        await announce(session, [row["id"] for row in rows], now=now)
    await record(session, now=now, actor=actor, events=_audit(verified, transaction_id, rows))
    return StoredSubmission(
        submission_id, transaction_id, now, verified.sender, verified.sha256, receipt, tuple(lines), False
    )


async def _insert_submission(
    session: AsyncSession, submission: dict[str, Any], documents: Sequence[dict[str, Any]]
) -> bool:
    """Write the submission and its documents, unless the same bytes came from the same sender before; whether they
    were written. On PostgreSQL in one statement."""
    connection = await session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql" and documents:
        keys = tuple(documents[0])
        values = {**submission, **unnest_arrays(keys, documents)}
        return (await connection.execute(_with_documents(keys), values)).first() is not None
    if (await connection.execute(_new_submission(dialect), submission)).first() is None:
        return False
    await insert_rows(session, DOCUMENTS, documents)
    return True


@functools.cache
def _with_documents(keys: tuple[str, ...]) -> Executable:
    """PostgreSQL: the submission's INSERT (see `_new_submission`) with its documents', columns `keys`, which are
    written only if the submission is: one round trip for both."""
    submission = _new_submission("postgresql").cte("submission")
    rows = select(*unnested(DOCUMENTS, keys).c).where(exists(select(submission.c.id)))
    documents = insert(DOCUMENTS).from_select(keys, rows).cte("documents")
    return select(submission.c.id).add_cte(documents)


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


async def _latest_versions(
    connection: AsyncConnection, issuer: str, documents: Sequence[NewDocument]
) -> dict[tuple[str, str], _Latest]:
    """The latest version of each (type, number) of `issuer` among `documents`, in one query."""
    keys = {(d.doc_type, d.number) for d in documents}
    if not keys:
        return {}
    numbers = [*{number for _, number in keys}]
    rows = await connection.execute(_versions_of(connection.dialect.name), {"numbers": numbers, "issuer": issuer})
    # Ordered by version: the last row seen for a key is its latest version.
    return {(t, n): _Latest(i, v, s, h) for t, n, i, v, s, h in rows if (t, n) in keys}


@functools.cache
def _versions_of(dialect: str) -> Select[str, str, uuid.UUID, int, str, str]:
    """Every version of the documents numbered one of :numbers by :issuer, oldest first."""
    return (
        select(Document.doc_type, Document.number, Document.id, Document.version, Document.state, Document.content_hash)
        .where(one_of_named(dialect, Document.number, "numbers"), Document.issuer == bindparam("issuer"))
        .order_by(Document.version)
    )


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
