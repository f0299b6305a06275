"""The claim jobs and listeners: claims computed in batches, evidence gathered for maternity claims (calling other
systems with no transaction open), claims opened when evidence arrives and recomputed when it changes."""

from __future__ import annotations

import datetime as dt
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
    father_to_confirm,
    store_evidence,
)
from hub.claims.models import Claim, ClaimKind, ClaimOrigin
from hub.claims.opening import openings_from_documents
from hub.claims.service import (
    CLAIM_USE,
    COMPUTE_CLAIMS,
    ComputeClaims,
    evidence_revoked,
    open_claims,
    request_computation,
)
from hub.documents.intake import Intake
from hub.documents.models import Document, DocumentState
from hub.documents.uses import DocumentChange, on_document_change, on_documents_arrived
from hub.jobs import CallContext, JobContext, calling_job, enqueue, job

CANCELLED = "cancelled"  # TINH_TRANG of a civil-status extract whose record was cancelled


@job(COMPUTE_CLAIMS)
async def compute(ctx: JobContext, request: ComputeClaims) -> None:
    await compute_claims(ctx.session, request, ctx.clock.now())


@calling_job(GATHER_EVIDENCE)
async def gather_evidence(ctx: CallContext, request: GatherEvidence) -> None:
    """For each maternity claim: fetch the birth extract, attach it, and open the insured father's paternity claim
    once the population database confirms he is the child's father."""
    intake = ctx.resources.get(Intake)
    if intake is None or ctx.connectors.civil_status() is None:
        return  # not connected: the claims are settled on the hospital's evidence alone
    now = ctx.clock.now()
    async with ctx.reading() as session:
        births = await births_to_prove(session, request)
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
        await store_evidence(job, intake, proven)


@on_documents_arrived
async def open_from_documents(session: AsyncSession, documents: Sequence[Document], now: dt.datetime) -> None:
    """A sick-leave certificate of an insured employee opens a sickness claim; a birth certificate whose mother is
    insured opens a maternity claim, whose birth extract is then fetched (hub.claims.evidence)."""
    openings = await openings_from_documents(session, documents)
    if openings:
        claims = await open_claims(session, openings, now=now, actor=None, origin=ClaimOrigin.DOCUMENT)
        births = [claim.id for claim in claims if claim.kind == ClaimKind.MATERNITY]
        if births:  # the birth extract, and through it the father's paternity claim
            await enqueue(session, GATHER_EVIDENCE, GatherEvidence(births), now=now)


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
