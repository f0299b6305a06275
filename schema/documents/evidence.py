"""GraphQL for claim roles: fetch signed civil-status extracts and population checks, stored as documents."""

from __future__ import annotations

import datetime as dt

import strawberry

from hub.claims.access import require_evidence_reach
from hub.documents.errors import DocumentErrorCode as E
from hub.documents.errors import document_error
from hub.documents.evidence import IdentityQuery, RelationshipKind
from hub.documents.evidence_intake import (
    BirthExtractQuery,
    DeathExtractQuery,
    EvidenceQuery,
    RelationshipQuery,
    fetch,
    store,
    subjects,
)
from hub.documents.queries import read_fetched_evidence
from hub.infra.errors import BusinessError
from hub.persons.models import Gender
from schema.context import Info, read, write
from schema.documents.types import DocumentError, DocumentType, SubmissionReceipt
from schema.errors import payload_errors

strawberry.enum(RelationshipKind, name="RelationshipKind")


@strawberry.type
class EvidencePayload:
    receipt: SubmissionReceipt | None
    document: DocumentType | None = strawberry.field(description="The current version of the evidence.")
    errors: list[DocumentError]


async def _evidence(info: Info, query: EvidenceQuery) -> EvidencePayload:
    services = info.context.services
    personal_ids, office = subjects(query)
    # Before the other system is asked: only about people (or an office) within the caller's reach.
    await read(
        info, lambda s: require_evidence_reach(s, info.context.principal, personal_ids=personal_ids, office=office)
    )
    try:
        answer = await fetch(services.connectors, query)  # outside any transaction: the other system may be slow
        stored = await write(
            info, lambda s, now, actor: store(s, services.intake, query, answer, now=now, actor=actor), retries=2
        )
    except BusinessError as exc:
        return EvidencePayload(receipt=None, document=None, errors=payload_errors(DocumentError, exc))
    line = stored.lines[0]
    view = await write(
        info,
        lambda s, now, actor: read_fetched_evidence(
            s, now=now, actor=actor, issuer=stored.sender, doc_type=line.doc_type, number=line.number
        ),
    )
    document = DocumentType.of(view) if view else None
    return EvidencePayload(receipt=SubmissionReceipt.of(stored), document=document, errors=[])


@strawberry.type
class EvidenceMutation:
    @strawberry.mutation(
        description="The birth-registration extract (trích lục khai sinh), by the child's ID number or by the "
        "registry office + book + number; signed by the office and stored as a document."
    )
    async def fetch_birth_extract(
        self,
        info: Info,
        personal_id: str | None = None,
        office: str | None = None,
        book: str | None = None,
        number: str | None = None,
    ) -> EvidencePayload:
        return await _evidence(info, BirthExtractQuery(personal_id, office, book, number))

    @strawberry.mutation(description="The death extract (trích lục khai tử) of a citizen, by ID number.")
    async def fetch_death_extract(self, info: Info, personal_id: str) -> EvidencePayload:
        return await _evidence(info, DeathExtractQuery(personal_id.strip()))

    @strawberry.mutation(description="Ask the population database to confirm a citizen's identity (signed answer).")
    async def verify_citizen_identity(
        self, info: Info, personal_id: str, full_name: str, date_of_birth: dt.date, gender: Gender | None = None
    ) -> EvidencePayload:
        try:
            query = IdentityQuery(personal_id.strip(), full_name.strip(), date_of_birth, gender)
        except ValueError as exc:
            error = document_error(E.EVIDENCE_QUERY_INVALID, detail=str(exc))
            return EvidencePayload(receipt=None, document=None, errors=payload_errors(DocumentError, error))
        return await _evidence(info, query)

    @strawberry.mutation(
        description="Ask the population database to confirm a family relationship: mother or father (first) and "
        "child (second), or spouses (signed answer)."
    )
    async def verify_family_relationship(
        self, info: Info, kind: RelationshipKind, first_personal_id: str, second_personal_id: str
    ) -> EvidencePayload:
        query = RelationshipQuery(kind, first_personal_id.strip(), second_personal_id.strip())
        return await _evidence(info, query)
