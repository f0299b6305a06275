"""Reading signed documents within the caller's reach (`hub.documents.access`); every document read is audited.
Medical content (diagnoses, treatment) is masked for those who may not see it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.refusals import note_refusal
from hub.audit.service import AuditEvent, record
from hub.clients.permissions import ClientKind, Principal
from hub.documents.access import medical_visible, readable, refused
from hub.documents.models import Document, DocumentState, DocumentUse, Submission
from hub.infra.errors import Forbidden

MAX_PAGE = 200
# Fields that tell about a patient's health: shown only to the issuer and to MEDICAL_ROLES.
# A pregnancy ended, a child who died, a delivery by caesarean or before 32 weeks are health facts too.
_MEDICAL_PREFIXES = (
    "CHAN_DOAN",
    "MA_BENH",
    "PP_DIEU",
    "QT_BENHLY",
    "TOMTAT_KQ",
    "DAU_HIEU_LS",
    "NGUYENNHAN",
    "SINHCON_",
)
_MEDICAL_FIELDS = frozenset(
    {
        "LY_DO_VV",
        "LY_DO_VNT",
        "MA_LY_DO_VNT",
        "MA_PTTT_QT",
        "MA_TAI_NAN",
        "KET_QUA_DTRI",
        "TEN_DICH_VU",
        "TEN_THUOC",
        "GHI_CHU",
        "HUONG_DIEU_TRI",
        "TINH_TRANG_CON",
        "MA_DINH_CHI_THAI",
        "THOIGIAN_DINHCHI",
        "TUOI_THAI",
        "NGAY_CONCHET",
        "SO_CONCHET",
    }
)
_PURPOSES = {
    ClientKind.HOSPITAL: Purpose.EVIDENCE_INTAKE,
    ClientKind.CLAIM_PROCESSOR: Purpose.CLAIM_SETTLEMENT,
    ClientKind.SUPERVISOR: Purpose.SUPERVISION,
}


def is_medical(field: str) -> bool:
    return field in _MEDICAL_FIELDS or field.startswith(_MEDICAL_PREFIXES)


@dataclass(frozen=True)
class DocumentView:
    """A document as one caller may see it."""

    document: Document
    fields: dict[str, str]
    """The fields, medical ones left out unless `medical_visible`."""
    medical_visible: bool
    transaction_id: str
    verification: dict[str, Any]


@dataclass(frozen=True)
class DocumentFilter:
    person_id: uuid.UUID | None = None
    facility_code: str | None = None
    issuer: str | None = None
    number: str | None = None
    child_card_code: str | None = None  # a newborn's temporary card code (MA_THE_TAM)
    used_by: uuid.UUID | None = None  # a claim (or other record) that relied on the documents
    doc_types: tuple[str, ...] = ()
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None
    received_from: dt.datetime | None = None
    received_to: dt.datetime | None = None
    unmatched_only: bool = False
    current_only: bool = True
    ids: tuple[uuid.UUID, ...] | None = None


@dataclass(frozen=True)
class DocumentPage:
    documents: Sequence[DocumentView]
    total: int
    has_next: bool


async def search_documents(
    session: AsyncSession,
    *,
    now: dt.datetime,
    actor: Principal,
    where: DocumentFilter,
    first: int = 50,
    after: tuple[dt.datetime, uuid.UUID] | None = None,
) -> DocumentPage:
    """Documents newest first (received time, then id), with the total matching; each one returned is audited."""
    conditions = [readable(actor), *_conditions(where)]
    total = await session.scalar(select(func.count()).select_from(Document).where(*conditions)) or 0
    query = select(Document).where(*conditions)
    if after is not None:
        query = query.where(tuple_(Document.received_at, Document.id) < tuple_(*after))
    limit = max(1, min(first, MAX_PAGE))
    documents = (
        await session.scalars(query.order_by(Document.received_at.desc(), Document.id.desc()).limit(limit + 1))
    ).all()
    views = await _views(session, now=now, actor=actor, documents=documents[:limit])
    return DocumentPage(views, total, len(documents) > limit)


async def read_document(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, document_id: uuid.UUID
) -> DocumentView:
    """One document; one out of reach looks like no document at all."""
    found = (await session.execute(select(Document, readable(actor)).where(Document.id == document_id))).one_or_none()
    if found is None:
        raise Forbidden()
    document, reachable = found
    if not reachable:
        note_refusal(refused(document))
        raise Forbidden()
    return (await _views(session, now=now, actor=actor, documents=[document]))[0]


async def read_fetched_evidence(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, issuer: str, doc_type: str, number: str
) -> DocumentView | None:
    """The current version of evidence the caller has just fetched. Its reach was checked before the fetch (its
    subject is in the caller's jurisdiction), so this holds even when another client fetched the same signed bytes
    first; read and audited as any document."""
    document = await session.scalar(
        select(Document).where(
            Document.issuer == issuer,
            Document.doc_type == doc_type,
            Document.number == number,
            Document.state == DocumentState.CURRENT.value,
        )
    )
    views = await _views(session, now=now, actor=actor, documents=[document] if document else [])
    return views[0] if views else None


async def document_history(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, document_id: uuid.UUID
) -> Sequence[DocumentView]:
    """Every version of the document with this id's issuer, type and number, oldest first."""
    current = await read_document(session, now=now, actor=actor, document_id=document_id)
    d = current.document
    versions = (
        await session.scalars(
            select(Document)
            .where(Document.issuer == d.issuer, Document.doc_type == d.doc_type, Document.number == d.number)
            .order_by(Document.version)
        )
    ).all()
    return await _views(session, now=now, actor=actor, documents=versions)


def _conditions(where: DocumentFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.ids is not None:
        conditions.append(Document.id.in_(where.ids))
    if where.person_id is not None:  # about the person, or (a newborn's documents) about their birth
        conditions.append(or_(Document.person_id == where.person_id, Document.child_id == where.person_id))
    if where.facility_code:  # compared as given: a code no facility has (or a malformed one) matches nothing
        conditions.append(Document.issuer == f"facility:{where.facility_code}")
    if where.used_by is not None:
        conditions.append(Document.id.in_(select(DocumentUse.document_id).where(DocumentUse.user_id == where.used_by)))
    if where.issuer:
        conditions.append(Document.issuer == where.issuer)
    if where.number:
        conditions.append(Document.number == where.number)
    if where.child_card_code:
        conditions.append(Document.child_card_code == where.child_card_code)
    if where.doc_types:
        conditions.append(Document.doc_type.in_(where.doc_types))
    if where.issued_from:
        conditions.append(Document.issued_on >= where.issued_from)
    if where.issued_to:
        conditions.append(Document.issued_on <= where.issued_to)
    if where.received_from:
        conditions.append(Document.received_at >= where.received_from)
    if where.received_to:
        conditions.append(Document.received_at < where.received_to)
    if where.unmatched_only:
        conditions.append(Document.person_id.is_(None))
    if where.current_only:
        conditions.append(Document.state == "current")
    return conditions


async def _views(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, documents: Sequence[Document]
) -> list[DocumentView]:
    if not documents:
        return []
    submissions = {
        row.id: row
        for row in (
            await session.execute(
                select(Submission.id, Submission.transaction_id, Submission.verification).where(
                    Submission.id.in_({d.submission_id for d in documents})
                )
            )
        ).all()
    }
    views = []
    for document in documents:
        medical = medical_visible(actor, document)
        fields = document.fields if medical else {k: v for k, v in document.fields.items() if not is_medical(k)}
        submission = submissions[document.submission_id]
        views.append(DocumentView(document, fields, medical, submission.transaction_id, submission.verification))
    purpose = _PURPOSES.get(actor.kind, Purpose.SUPERVISION)
    await record(
        session,
        now=now,
        actor=actor,
        # Each person a document is about gets the entry on their trail: a birth certificate names the mother
        # and, once registered, the child.
        events=[
            AuditEvent(
                "document.read",
                purpose,
                person_id=person_id,
                details={
                    "document": str(view.document.id),
                    "type": view.document.doc_type,
                    "medical": view.medical_visible,
                },
            )
            for view in views
            for person_id in _people_of(view.document)
        ],
    )
    return views


def _people_of(document: Document) -> list[uuid.UUID | None]:
    """The people a document is about (None: not linked to anyone yet)."""
    return [p for p in dict.fromkeys([document.person_id, document.child_id]) if p is not None] or [None]
