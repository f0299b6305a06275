"""When a document is superseded or revoked, whatever used it is told: uses are recorded by their owners (a claim
records the documents it was computed from), and each owner registers a listener for its kind of use."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.refusals import note_refusal
from hub.audit.service import AuditEvent, record
from hub.clients.permissions import JurisdictionLevel, Principal, Role
from hub.documents.access import issued_by, refused
from hub.documents.errors import DocumentErrorCode as E
from hub.documents.errors import document_error
from hub.documents.models import Document, DocumentState, DocumentUse
from hub.infra.db import insert_for
from hub.infra.errors import Forbidden
from hub.infra.ids import new_id
from hub.jobs import JobKind, enqueue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentChange:
    """A document one of your records used is no longer current: superseded by `replacement_id`, or revoked."""

    document_id: uuid.UUID
    user_id: uuid.UUID
    state: DocumentState
    replacement_id: uuid.UUID | None
    reason: str | None
    changed_at: dt.datetime


Listener = Callable[[AsyncSession, DocumentChange], Awaitable[None]]
_listeners: dict[str, Listener] = {}
ArrivalListener = Callable[[AsyncSession, Sequence[Document], dt.datetime], Awaitable[None]]
_arrival_listeners: list[ArrivalListener] = []


def on_documents_arrived(listener: ArrivalListener) -> ArrivalListener:
    """Register a listener told of documents newly stored, or newly linked to a person (e.g. claims opening)."""
    if listener not in _arrival_listeners:
        _arrival_listeners.append(listener)
    return listener


@dataclass(frozen=True)
class AnnounceDocuments:
    document_ids: list[uuid.UUID]


# Left to the relay: no one waits for the listeners (claims opened, newborns linked) within the second it may take,
# and the web process that received the documents is spared a broker round trip per envelope.
ANNOUNCE_DOCUMENTS = JobKind("documents.announce", AnnounceDocuments, queue="documents", relayed=True)


async def tell_arrival_listeners(session: AsyncSession, request: AnnounceDocuments, now: dt.datetime) -> None:
    """Hand new (or newly linked) current documents to every arrival listener; listeners are idempotent."""
    documents = (
        await session.scalars(
            select(Document)
            .where(Document.id.in_(request.document_ids), Document.state == DocumentState.CURRENT.value)
            .order_by(Document.id)
        )
    ).all()
    if documents:
        for listener in _arrival_listeners:
            await listener(session, documents, now)


async def announce(session: AsyncSession, document_ids: Sequence[uuid.UUID], *, now: dt.datetime) -> None:
    """Have the arrival listeners told of these documents, after this transaction commits."""
    if document_ids:
        await enqueue(session, ANNOUNCE_DOCUMENTS, AnnounceDocuments(list(document_ids)), now=now)


def on_document_change(user_kind: str) -> Callable[[Listener], Listener]:
    """Register the listener told about changes to documents used by records of `user_kind` (e.g. "claim")."""

    def register(listener: Listener) -> Listener:
        if user_kind in _listeners and _listeners[user_kind] is not listener:
            raise ValueError(f"a listener for {user_kind!r} document uses is already registered")
        _listeners[user_kind] = listener
        return listener

    return register


async def record_use(
    session: AsyncSession, *, document_id: uuid.UUID, user_kind: str, user_id: uuid.UUID, now: dt.datetime
) -> None:
    """Note that `user_id` (of `user_kind`) relies on this document; noting it again changes nothing."""
    statement = insert_for(session)(DocumentUse).values(
        id=new_id(), document_id=document_id, user_kind=user_kind, user_id=user_id, used_at=now
    )
    await session.execute(statement.on_conflict_do_nothing(index_elements=["document_id", "user_kind", "user_id"]))


@dataclass(frozen=True)
class NotifyChanges:
    document_ids: list[uuid.UUID]


NOTIFY_CHANGES = JobKind("documents.notify_changes", NotifyChanges, queue="documents")


async def tell_change_listeners(session: AsyncSession, request: NotifyChanges) -> None:
    """Tell the users of each changed document; a listener's failure retries the job (listeners are idempotent)."""
    changed = {
        d.id: d for d in (await session.scalars(select(Document).where(Document.id.in_(request.document_ids)))).all()
    }
    replacements = dict(
        (
            await session.execute(
                select(Document.supersedes_id, Document.id).where(Document.supersedes_id.in_(list(changed)))
            )
        ).all()
    )
    uses = (
        await session.scalars(
            select(DocumentUse).where(DocumentUse.document_id.in_(list(changed))).order_by(DocumentUse.used_at)
        )
    ).all()
    for use in uses:
        listener = _listeners.get(use.user_kind)
        if listener is None:
            log.warning("no listener for %r uses of documents; document %s changed", use.user_kind, use.document_id)
            continue
        document = changed[use.document_id]
        await listener(
            session,
            DocumentChange(
                document.id,
                use.user_id,
                DocumentState(document.state),
                replacements.get(document.id),
                document.revoked_reason,
                document.changed_at,
            ),
        )


async def revoke_document(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, document_id: uuid.UUID, reason: str
) -> Document:
    """Revoke the current version of a document, as the facility that issued it; its users are told."""
    actor.require(Role.DOCUMENT_SUBMIT)
    if actor.jurisdiction.level is not JurisdictionLevel.FACILITY or actor.jurisdiction.code is None:
        raise Forbidden()
    document = await session.get(Document, document_id, with_for_update=True)
    if document is not None and not issued_by(actor, document):
        note_refusal(refused(document))
        document = None  # another issuer's document is answered as unknown
    if document is None:
        raise document_error(E.DOCUMENT_NOT_FOUND, field="id")
    if not reason.strip():
        raise document_error(E.REASON_REQUIRED, field="reason")
    if document.state != DocumentState.CURRENT:
        state_vi = "bị thay thế" if document.state == DocumentState.SUPERSEDED else "bị thu hồi"
        raise document_error(E.DOCUMENT_NOT_CURRENT, field="id", state=document.state, state_vi=state_vi)
    document.state = DocumentState.REVOKED.value
    document.revoked_reason = reason.strip()
    document.changed_at = now
    await session.flush()
    await enqueue(session, NOTIFY_CHANGES, NotifyChanges([document.id]), now=now)
    await record(
        session,
        now=now,
        actor=actor,
        events=[
            AuditEvent(
                "document.revoke",
                Purpose.EVIDENCE_INTAKE,
                person_id=document.person_id,
                details={"document": f"{document.doc_type}/{document.number}", "version": document.version},
            )
        ],
    )
    return document
