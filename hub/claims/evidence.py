"""Evidence gathered for claims (the claims.gather_evidence job, hub.claims.jobs): the civil-status birth extract of
a maternity claim's birth (attached to the claim), and with it the father: if he is insured and the population
database confirms he is the child's father, his paternity claim opens (waiting for his leave periods, which his
employer files). For a birth from 1/7/2026 the population database is also asked for the mother's children (family
relationships): those born before this birth and alive at it make the count of living children that decides a second
child, over the birth certificate's (hub.claims.rules.tables.living_children_at_birth); not connected, or no answer:
the certificate's count stands, and the explanation says so. What to ask is read first, the other systems are called
with no transaction open, and what they answered is stored at the end."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors import ConnectorError
from connectors.connections import Connectors
from connectors.population import PopulationClient
from connectors.signed import SignedAnswer
from hub.childcards.models import ChildCardCase
from hub.claims.details import BirthDetails, LumpSumDetails, from_json, to_json
from hub.claims.models import Claim, ClaimKind, ClaimOrigin, ClaimState
from hub.claims.opening import insured_employers
from hub.claims.routing import offices
from hub.claims.rules import RegisterCheck
from hub.claims.rules.tables import SECOND_CHILD_FROM
from hub.claims.service import CLAIM_USE, Opening, open_claims, request_computation
from hub.documents.errors import DocumentErrorCode
from hub.documents.evidence import BirthExtract, RelationshipCheck, RelationshipKind, RelationshipResult
from hub.documents.evidence_intake import (
    BirthExtractQuery,
    EvidenceQuery,
    ReadAnswer,
    RelationshipQuery,
    fetch,
    read_answer,
    store,
)
from hub.documents.intake import Intake
from hub.documents.models import Document
from hub.documents.uses import record_use
from hub.infra.errors import BusinessError
from hub.jobs import JobContext, JobKind, PermanentJobError
from hub.persons.models import Person

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GatherEvidence:
    claim_ids: list[uuid.UUID]


GATHER_EVIDENCE = JobKind("claims.gather_evidence", GatherEvidence, queue="claims", max_attempts=50)


@dataclass(frozen=True)
class BirthToProve:
    """A maternity claim, and how the civil-status software finds the birth it is for."""

    claim_id: uuid.UUID
    reference: str
    birth: BirthDetails
    query: BirthExtractQuery


@dataclass(frozen=True)
class Proof:
    """A piece of evidence an other system gave: the question, its answer, and the answer read."""

    query: EvidenceQuery
    answer: SignedAnswer
    read: ReadAnswer


@dataclass(frozen=True)
class FatherToConfirm:
    """An insured father named on a birth extract, whose relationship to the child is asked."""

    father_id: uuid.UUID
    province_code: str
    employer_id: uuid.UUID | None  # None: voluntarily insured
    query: RelationshipQuery


@dataclass(frozen=True)
class MotherToAsk:
    """A maternity claim for a birth from 1/7/2026 whose mother the population database can be asked about."""

    claim_id: uuid.UUID
    reference: str
    born: dt.date
    personal_id: str


@dataclass(frozen=True)
class ChildrenCount:
    """What the population database said of a mother's children: `living`, with ANSWERED only, those born before
    the birth and alive at it."""

    claim_id: uuid.UUID
    check: RegisterCheck
    living: int | None = None


async def mothers_to_ask(session: AsyncSession, request: GatherEvidence) -> list[MotherToAsk]:
    """The maternity claims of the job for a birth from SECOND_CHILD_FROM whose mother has a personal ID number."""
    claims = (
        await session.execute(
            select(Claim.id, Claim.reference, Claim.details, Person.personal_id_number)
            .join(Person, Person.id == Claim.person_id)
            .where(
                Claim.id.in_(request.claim_ids),
                Claim.kind == ClaimKind.MATERNITY.value,
                Claim.state != ClaimState.REJECTED.value,
            )
        )
    ).all()
    mothers = []
    for claim_id, reference, details, number in claims:
        birth = from_json(ClaimKind.MATERNITY, details)
        assert isinstance(birth, BirthDetails)
        if birth.born >= SECOND_CHILD_FROM and number:
            mothers.append(MotherToAsk(claim_id, reference, birth.born, number))
    return mothers


async def count_children(population: PopulationClient, mother: MotherToAsk) -> ChildrenCount:
    """Ask the population database for the mother's children (no transaction is open). Failing or refusing is no
    answer: the birth certificate's count stands."""
    try:
        answer = await population.children_of(mother.personal_id)
    except ConnectorError as exc:
        log.warning(
            "claim %s: the population database did not answer about the mother's children: %s", mother.reference, exc
        )
        return ChildrenCount(mother.claim_id, RegisterCheck.NO_ANSWER)
    if not answer.found:
        return ChildrenCount(mother.claim_id, RegisterCheck.MOTHER_NOT_FOUND)
    return ChildrenCount(mother.claim_id, RegisterCheck.ANSWERED, answer.living_before(mother.born))


async def store_children_counts(session: AsyncSession, counts: Sequence[ChildrenCount], *, now: dt.datetime) -> None:
    """Keep each answer with its claim's birth and have the claims it changes computed again; no answer never
    replaces one the register gave before."""
    changed = []
    for count in counts:
        claim = await session.get(Claim, count.claim_id)
        if claim is None or claim.state == ClaimState.REJECTED.value:
            continue
        birth = from_json(ClaimKind.MATERNITY, claim.details)
        assert isinstance(birth, BirthDetails)
        if count.check is RegisterCheck.NO_ANSWER and birth.register_check not in (None, RegisterCheck.NO_ANSWER):
            continue
        told = replace(birth, register_check=count.check, register_living_children=count.living)
        if told != birth:
            claim.details = to_json(told)
            claim.updated_at = now
            changed.append(claim.id)
    await request_computation(session, changed, now=now)


async def births_to_prove(session: AsyncSession, request: GatherEvidence) -> list[BirthToProve]:
    """The maternity claims of the job whose birth the registry can be asked about."""
    claims = (
        await session.execute(
            select(Claim.id, Claim.reference, Claim.person_id, Claim.details).where(
                Claim.id.in_(request.claim_ids),
                Claim.kind == ClaimKind.MATERNITY.value,
                Claim.state != ClaimState.REJECTED.value,
            )
        )
    ).all()
    births = []
    for claim in claims:
        birth = from_json(ClaimKind.MATERNITY, claim.details)
        assert isinstance(birth, BirthDetails)
        query = await _extract_query(session, claim.person_id, birth.born)
        if query is None:
            log.info("claim %s: no registered birth found yet for %s", claim.reference, birth.born)
            continue
        births.append(BirthToProve(claim.id, claim.reference, birth, query))
    return births


async def ask(connectors: Connectors, intake: Intake, query: EvidenceQuery, *, now: dt.datetime) -> Proof | None:
    """Ask another system for one piece of evidence and read its answer (no transaction is open); None if it has
    no such record. Not connected or failing: a BusinessError the job is retried on; refused: for good."""
    try:
        answer = await fetch(connectors, query)
        return Proof(query, answer, await read_answer(intake, query, answer, now=now))
    except BusinessError as exc:
        if exc.code == DocumentErrorCode.CONNECTOR_UNAVAILABLE:
            raise  # retried with backoff
        if exc.code == DocumentErrorCode.EVIDENCE_NOT_FOUND:
            return None
        raise PermanentJobError(f"evidence refused: {exc.code}: {exc.message}") from exc


async def father_to_confirm(session: AsyncSession, birth: BirthToProve, extract: Proof) -> FatherToConfirm | None:
    """The father the extract names, if he is insured on the day of the birth; None otherwise."""
    record = extract.read.record
    assert isinstance(record, BirthExtract)
    father_number = record.father.personal_id if record.father else None
    child_number = record.child.personal_id
    if not father_number or not child_number:
        return None  # no father on the registration, or a child without an ID number yet: nothing to check
    father = (
        await session.execute(select(Person.id, Person.province_code).where(Person.personal_id_number == father_number))
    ).one_or_none()
    if father is None:
        return None
    insured = await insured_employers(session, {father.id}, birth.birth.born)
    if father.id not in insured:
        return None
    query = RelationshipQuery(RelationshipKind.FATHER_CHILD, father_number, child_number)
    places = await offices(session, [father.id], [insured[father.id]])
    return FatherToConfirm(father.id, places.province(father.id, insured[father.id]), insured[father.id], query)


async def store_evidence(
    job: JobContext,
    intake: Intake,
    proven: Sequence[tuple[BirthToProve, Proof, FatherToConfirm | None, Proof | None]],
    counts: Sequence[ChildrenCount] = (),
) -> None:
    """Store each extract and attach it to its claim; where the father's relationship is confirmed, store that
    too and open his paternity claim, with what the population database said of the mother's children (`counts`)."""
    registered = {count.claim_id: count for count in counts}
    session, now = job.session, job.clock.now()
    for birth, extract, father, relationship in proven:
        extract_id = await _stored(session, intake, extract, now=now)
        await record_use(session, document_id=extract_id, user_kind=CLAIM_USE, user_id=birth.claim_id, now=now)
        if father is None:
            continue
        if relationship is None:
            log.info("claim %s: the father's relationship to the child is not confirmed", birth.reference)
            continue
        relationship_id = await _stored(session, intake, relationship, now=now)
        relationship_record = relationship.read.record
        assert isinstance(relationship_record, RelationshipCheck)
        if relationship_record.result is not RelationshipResult.CONFIRMED:
            log.info("claim %s: the father's relationship to the child is not confirmed", birth.reference)
            continue
        born = birth.birth
        if (count := registered.get(birth.claim_id)) is not None:
            born = replace(born, register_check=count.check, register_living_children=count.living)
        opening = Opening(
            ClaimKind.PATERNITY,
            father.father_id,
            father.province_code,
            BirthDetails(
                born.born,
                born.children,
                born.caesarean,
                born.under_32_weeks,
                living_children_before=born.living_children_before,  # a second child: 10 days (from 1/7/2026)
                register_check=born.register_check,
                register_living_children=born.register_living_children,
            ),
            employer_id=father.employer_id,
            documents=(extract_id, relationship_id),
        )
        openings = [opening]
        mother_eligible = await session.scalar(select(Claim.eligible).where(Claim.id == birth.claim_id))
        if mother_eligible is not True:
            # Art 58(1) [to confirm lump-sum-father]: the mother gave birth but is not eligible: the father may have
            # the lump sum. It is computed from her claim's outcome (it waits while she has none) and again whenever
            # hers is.
            lump_sum = LumpSumDetails(born.born, born.children, str(birth.claim_id))
            openings.append(replace(opening, kind=ClaimKind.LUMP_SUM, details=lump_sum))
        await open_claims(session, openings, now=now, actor=None, origin=ClaimOrigin.DOCUMENT)


async def _stored(session: AsyncSession, intake: Intake, proof: Proof, *, now: dt.datetime) -> uuid.UUID:
    """Store a piece of evidence read (the first receipt for the same bytes) and return its document's id."""
    try:
        stored = await store(session, intake, proof.query, proof.answer, now=now, actor=None, read=proof.read)
    except BusinessError as exc:
        raise PermanentJobError(f"evidence refused: {exc.code}: {exc.message}") from exc
    line = stored.lines[0]
    document_id = await session.scalar(
        select(Document.id)
        .where(Document.issuer == stored.sender, Document.doc_type == line.doc_type, Document.number == line.number)
        .order_by(Document.version.desc())
        .limit(1)
    )
    assert document_id is not None
    return document_id


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
