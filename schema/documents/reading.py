"""GraphQL reads of signed documents: by person, facility, type and dates, one with its history (audited)."""

from __future__ import annotations

import datetime as dt

import strawberry

from hub.documents.queries import DocumentFilter, document_history, read_document, search_documents
from schema.context import Info, write
from schema.documents.types import DocumentType
from schema.ids import parse_uuid
from schema.pagination import PageInfo, decode_time_cursor, page_info, time_cursor

CURSOR_KIND = "document"


@strawberry.input
class DocumentFilterInput:
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="Documents about the person, and a newborn's documents about their birth."
    )
    used_by: strawberry.ID | None = strawberry.field(
        default=None, description="Documents a claim (or another record) was computed from."
    )
    facility_code: str | None = None
    child_card_code: str | None = strawberry.field(
        default=None,
        description="Documents naming a newborn's temporary card code (MA_THE_TAM): the birth certificate, and the "
        "discharge papers, record summaries and sick-leave certificates of the child's care before its card.",
    )
    doc_types: list[str] | None = None
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None
    received_from: dt.datetime | None = None
    received_to: dt.datetime | None = None
    unmatched_only: bool = strawberry.field(default=False, description="Only documents linked to no one yet.")
    include_replaced: bool = strawberry.field(default=False, description="Superseded and revoked versions too.")

    def to_filter(self) -> DocumentFilter:
        return DocumentFilter(
            person_id=parse_uuid(self.person_id) if self.person_id else None,
            used_by=parse_uuid(self.used_by) if self.used_by else None,
            facility_code=self.facility_code.strip().upper() if self.facility_code else None,
            child_card_code=self.child_card_code.strip().upper() if self.child_card_code else None,
            doc_types=tuple(t.strip() for t in self.doc_types or ()),
            issued_from=self.issued_from,
            issued_to=self.issued_to,
            received_from=self.received_from,
            received_to=self.received_to,
            unmatched_only=self.unmatched_only,
            current_only=not self.include_replaced,
        )


@strawberry.type
class DocumentEdge:
    cursor: str
    node: DocumentType


@strawberry.type
class DocumentConnection:
    total_count: int
    edges: list[DocumentEdge]
    page_info: PageInfo


@strawberry.type
class DocumentQuery:
    @strawberry.field(description="Signed documents you may read, newest first, with the total (reads are audited).")
    async def documents(
        self, info: Info, filter: DocumentFilterInput | None = None, first: int = 50, after: str | None = None
    ) -> DocumentConnection:
        where = filter.to_filter() if filter else DocumentFilter()
        start = decode_time_cursor(CURSOR_KIND, after) if after else None
        page = await write(
            info,
            lambda s, now, actor: search_documents(s, now=now, actor=actor, where=where, first=first, after=start),
        )
        edges = [
            DocumentEdge(
                cursor=time_cursor(CURSOR_KIND, v.document.received_at, v.document.id),
                node=DocumentType.of(v),
            )
            for v in page.documents
        ]
        return DocumentConnection(
            total_count=page.total, edges=edges, page_info=page_info([e.cursor for e in edges], page.has_next)
        )

    @strawberry.field(description="One document with its verification report (the read is audited).")
    async def document(self, info: Info, id: strawberry.ID) -> DocumentType:
        document_id = parse_uuid(id)
        view = await write(info, lambda s, now, actor: read_document(s, now=now, actor=actor, document_id=document_id))
        return DocumentType.of(view)

    @strawberry.field(description="Every version of a document (same issuer, type and number), oldest first.")
    async def document_history(self, info: Info, id: strawberry.ID) -> list[DocumentType]:
        document_id = parse_uuid(id)
        views = await write(
            info, lambda s, now, actor: document_history(s, now=now, actor=actor, document_id=document_id)
        )
        return [DocumentType.of(v) for v in views]
