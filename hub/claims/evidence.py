"""Evidence workers gather for claims: the civil-status birth extract of a maternity claim's birth (attached to the
claim), and with it the father: if he is insured and the population database confirms he is the child's father,
his paternity claim opens (waiting for his leave periods, which his employer files)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.childcards.models import ChildCardCase
from hub.claims.details import BirthDetails, from_json
from hub.claims.models import Claim, ClaimKind, ClaimOrigin, ClaimState
from hub.claims.opening import insured_employers
from hub.claims.service import CLAIM_USE, Opening, open_claims
from hub.documents.changes import record_use
from hub.documents.errors import DocumentErrorCode
from hub.documents.evidence import RelationshipKind
from hub.documents.evidence_intake import BirthExtractQuery, EvidenceQuery, RelationshipQuery, fetch, store
from hub.documents.models import Document
from hub.errors import BusinessError
from hub.jobs import JobContext, PermanentJobError, job
from hub.persons.models import Person

log = logging.getLogger(__name__)
FATHER_ID, CHILD_ID = "CHA/SO_DINH_DANH", "NGUOI_DUOC_KHAI_SINH/SO_DINH_DANH"
CONFIRMED = "confirmed"


@dataclass(frozen=True)
class GatherEvidence:
    claim_ids: list[uuid.UUID]


@job("claims.gather_evidence", queue="claims", max_attempts=50)
async def gather_evidence(ctx: JobContext, request: GatherEvidence) -> None:
    """For each maternity claim: fetch the birth extract, attach it, and open the insured father's paternity claim."""
    if ctx.intake is None or ctx.connectors.civil_status() is None:
        return  # not connected: the claims are settled on the hospital's evidence alone
    session, now = ctx.session, ctx.clock.now()
    claims = (
        await session.scalars(
            select(Claim).where(
                Claim.id.in_(request.claim_ids),
                Claim.kind == ClaimKind.MATERNITY.value,
                Claim.state != ClaimState.REJECTED.value,
            )
        )
    ).all()
    for claim in claims:
        birth = from_json(ClaimKind.MATERNITY, claim.details)
        assert isinstance(birth, BirthDetails)
        query = await _extract_query(session, claim.person_id, birth.born)
        if query is None:
            log.info("claim %s: no registered birth found yet for %s", claim.reference, birth.born)
            continue
        extract = await _evidence(ctx, query, now=now)
        if extract is None:
            continue
        await record_use(session, document_id=extract.id, user_kind=CLAIM_USE, user_id=claim.id, now=now)
        await _open_paternity(ctx, claim, birth, extract, now=now)


async def _extract_query(session: AsyncSession, mother_id: uuid.UUID, born: dt.date) -> BirthExtractQuery | None:
    """How the registry finds this birth: the child's ID number, or the registration's office, book and number."""
    children = (
        await session.execute(
            select(Person.id, Person.personal_id_number).where(
                Person.mother_id == mother_id, Person.date_of_birth == born
            )
        )
    ).all()
    for _, number in children:
        if number:
            return BirthExtractQuery(personal_id=number)
    case = await session.scalar(
        select(ChildCardCase).where(ChildCardCase.person_id.in_([child_id for child_id, _ in children])).limit(1)
    )
    if case is None:
        return None
    return BirthExtractQuery(office=case.registry_office_code, book=case.book_number, number=case.record_number)


async def _evidence(ctx: JobContext, query: EvidenceQuery, *, now: dt.datetime) -> Document | None:
    """Fetch, verify and store one piece of evidence; None if the other system has no such record."""
    assert ctx.intake is not None
    try:
        answer = await fetch(ctx.connectors, query)
        stored = await store(ctx.session, ctx.intake, query, answer, now=now, actor=None)
    except BusinessError as exc:
        if exc.code == DocumentErrorCode.CONNECTOR_UNAVAILABLE:
            raise  # retried with backoff
        if exc.code == DocumentErrorCode.EVIDENCE_NOT_FOUND:
            return None
        raise PermanentJobError(f"evidence refused: {exc.code}: {exc.message}") from exc
    line = stored.lines[0]
    return await ctx.session.scalar(
        select(Document)
        .where(Document.issuer == stored.sender, Document.doc_type == line.doc_type, Document.number == line.number)
        .order_by(Document.version.desc())
        .limit(1)
    )


async def _open_paternity(
    ctx: JobContext, maternity: Claim, birth: BirthDetails, extract: Document, *, now: dt.datetime
) -> None:
    father_number, child_number = extract.fields.get(FATHER_ID), extract.fields.get(CHILD_ID)
    if not father_number or not child_number:
        return  # no father on the registration, or a child without an ID number yet: nothing to check
    father = await ctx.session.scalar(select(Person).where(Person.personal_id_number == father_number))
    if father is None:
        return
    insured = await insured_employers(ctx.session, {father.id}, birth.born)
    if father.id not in insured:
        return
    relationship = await _evidence(
        ctx, RelationshipQuery(RelationshipKind.FATHER_CHILD, father_number, child_number), now=now
    )
    if relationship is None or relationship.fields.get("KET_QUA") != CONFIRMED:
        log.info("claim %s: the father's relationship to the child is not confirmed", maternity.reference)
        return
    details = BirthDetails(birth.born, birth.children, birth.caesarean, birth.under_32_weeks)
    opening = Opening(
        ClaimKind.PATERNITY,
        father.id,
        father.province_code,
        details,
        employer_id=insured[father.id],
        documents=(extract.id, relationship.id),
    )
    await open_claims(ctx.session, [opening], now=now, actor=None, origin=ClaimOrigin.DOCUMENT)
