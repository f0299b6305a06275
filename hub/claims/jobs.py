"""The claim jobs and listeners: claims computed in batches, evidence gathered for maternity claims (calling other
systems with no transaction open), claims opened when evidence arrives and recomputed when it changes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hub.claims.computing import compute_claims, recount_later
from hub.claims.evidence import (
    GATHER_EVIDENCE,
    FatherToConfirm,
    GatherEvidence,
    Proof,
    ask,
    births_to_prove,
    count_children,
    father_to_confirm,
    mothers_to_ask,
    store_children_counts,
    store_evidence,
)
from hub.claims.models import Claim, ClaimOrigin
from hub.claims.opening import BIRTH_CERTIFICATE, PREGNANCY_REST, openings_from_documents
from hub.claims.reevaluation import mothers_of, open_from, open_remaining, reevaluate
from hub.claims.remaining import FINDINGS
from hub.claims.service import (
    CLAIM_USE,
    COMPUTE_CLAIMS,
    ComputeClaims,
    evidence_revoked,
    open_claims,
    request_computation,
)
from hub.documents.intake import Intake
from hub.documents.models import Document, DocumentState, SubmissionKind
from hub.documents.uses import DocumentChange, on_document_change, on_documents_arrived
from hub.jobs import CallContext, JobContext, calling_job, job
from hub.persons.news import News, on_news

CANCELLED = "cancelled"  # TINH_TRANG of a civil-status extract whose record was cancelled
BIRTH_EXTRACT = SubmissionKind.BIRTH_EXTRACT.value  # about the child: its mother's evidence too


@job(COMPUTE_CLAIMS)
async def compute(ctx: JobContext, request: ComputeClaims) -> None:
    await compute_claims(ctx.session, request, ctx.clock.now())


@calling_job(GATHER_EVIDENCE)
async def gather_evidence(ctx: CallContext, request: GatherEvidence) -> None:
    """For each maternity claim: for a birth from 1/7/2026, ask the population database for the mother's children;
    fetch the birth extract, attach it, and open the insured father's paternity claim once the population database
    confirms he is the child's father."""
    intake = ctx.resources.get(Intake)
    civil = intake is not None and ctx.connectors.civil_status() is not None
    population = ctx.connectors.population()
    if not civil and population is None:
        return  # not connected: the claims are settled on the hospital's evidence alone
    now = ctx.clock.now()
    async with ctx.reading() as session:
        births = await births_to_prove(session, request) if civil else []
        mothers = await mothers_to_ask(session, request) if population is not None else []
    counts = [await count_children(population, mother) for mother in mothers] if population is not None else []
    if intake is None or not births:
        async with ctx.completing() as job:
            await store_children_counts(job.session, counts, now=now)
        return
    extracts = [(birth, await ask(ctx.connectors, intake, birth.query, now=now)) for birth in births]
    found = [(birth, extract) for birth, extract in extracts if extract is not None]
    fathers: list[FatherToConfirm | None] = []
    async with ctx.reading() as session:
        for birth, extract in found:
            fathers.append(await father_to_confirm(session, birth, extract))
    relationships: list[Proof | None] = [
        None if father is None else await ask(ctx.connectors, intake, father.query, now=now) for father in fathers
    ]
    proven = [
        (birth, extract, father, relationship)
        for (birth, extract), father, relationship in zip(found, fathers, relationships, strict=True)
    ]
    async with ctx.completing() as job:
        await store_children_counts(job.session, counts, now=now)
        await store_evidence(job, intake, proven, counts)


@on_documents_arrived
async def open_from_documents(session: AsyncSession, documents: Sequence[Document], now: dt.datetime) -> None:
    """A sick-leave certificate of an insured employee opens a sickness claim; a birth certificate whose mother is
    insured opens a maternity claim, whose birth extract is then fetched (hub.claims.evidence). Any document about a
    person is evidence their waiting claims may need: they are looked at again (hub.claims.reevaluation); a birth
    extract about a child, its mother's too; a pregnancy-rest certificate (XML10), the mother's maternity claims
    refused for eligibility (Art 50: 3 of 12 months may now be enough)."""
    claims = await open_from(session, documents, now=now)
    people = {document.person_id for document in documents if document.person_id is not None}
    children = {d.person_id for d in documents if d.doc_type == BIRTH_EXTRACT and d.person_id is not None}
    mothers = await mothers_of(session, children)
    people |= mothers
    # The mother's death or a council's finding, her birth certificate, her child's registration: the father's claim
    # for the rest of her leave may now open.
    mothers |= {d.person_id for d in documents if d.doc_type in (*FINDINGS, BIRTH_CERTIFICATE) and d.person_id}
    claims += await open_remaining(session, mothers, now=now)
    rested = {d.person_id for d in documents if d.doc_type == PREGNANCY_REST and d.person_id is not None}
    await reevaluate(
        session,
        people,
        now=now,
        births=bool(children),
        rested=rested,
        except_claims={claim.id for claim in claims},
    )


@on_news
async def reevaluate_on_news(session: AsyncSession, news: News, people: frozenset[uuid.UUID], now: dt.datetime) -> None:
    """A birth registered: the mothers' maternity claims can have their birth extract (and the father his claim);
    contributions stored: certificates of people not known as insured before open their claims. A birth registered
    names the father: his claim for the rest of the mother's leave opens if a finding about her is held."""
    if news is News.BIRTH_REGISTERED:
        await open_remaining(session, people, now=now)
    await reevaluate(
        session,
        people,
        now=now,
        births=news is News.BIRTH_REGISTERED,
        unused_certificates=news is News.CONTRIBUTIONS_STORED,
    )


@on_document_change(CLAIM_USE)
async def recompute_on_change(session: AsyncSession, change: DocumentChange) -> None:
    """A document a claim used was superseded (the replacement is read into the claim, which is recomputed) or
    revoked (the claim loses that evidence: an open claim waits for new evidence, a decided one owes it all back)."""
    claim = await session.get(Claim, change.user_id, with_for_update=True)
    if claim is None:
        return
    now = change.changed_at
    replacement = await session.get(Document, change.replacement_id) if change.replacement_id else None
    cancelled = replacement is not None and replacement.fields.get("TINH_TRANG") == CANCELLED
    if change.state is DocumentState.REVOKED or cancelled:
        # A cancelled civil-status record (entered in error, wrong authority) is as good as revoked.
        reason = change.reason if change.state is DocumentState.REVOKED else "civil-status record cancelled"
        await evidence_revoked(session, claim, change.document_id, reason, now=now)
        await recount_later(session, [claim], {claim.id}, now=now)  # its days no longer count before theirs
        return
    if replacement is not None and replacement.state == DocumentState.CURRENT.value:
        openings = await openings_from_documents(session, [replacement], merge_into=claim)
        if openings:
            await open_claims(session, openings, now=now, actor=None, origin=ClaimOrigin.DOCUMENT)
            return
    await request_computation(session, [claim.id], now=now)
