"""Claims looked at again when evidence they may be waiting for arrives, whatever the order it comes in: a birth
registered (the child-card flow), a birth extract or a population answer stored, contributions stored, a certificate.

- A claim waiting for evidence (EVIDENCE_PENDING, its evidence not withdrawn) is computed again.
- A maternity claim without its birth extract has it fetched again (hub.claims.evidence): once the child is
  registered the registry can be asked, and the father's paternity claim opens, whether the hospital's birth
  certificate (XML9) or the registration came first.
- A certificate that opened no claim because the person was not known as insured opens it once their contributions
  arrive.
- The mother's death extract, a council's minutes finding she cannot care for the child (XML12), her birth
  certificate (XML9) or the child's registration: the father's claim for the rest of her leave opens once the
  finding, the birth and the father are all known (hub.claims.remaining).
- A pregnancy-rest certificate (XML10) arriving after the birth: the mother's maternity claims computed not eligible
  are computed again, since a doctor's order of rest makes 3 of the 12 months enough (Art 50)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.claims.evidence import GATHER_EVIDENCE, GatherEvidence
from hub.claims.models import Claim, ClaimKind, ClaimOrigin, ClaimState
from hub.claims.opening import BIRTH_CERTIFICATE, SICK_LEAVE, openings_from_documents
from hub.claims.remaining import remaining_openings
from hub.claims.service import CLAIM_USE, open_claims, request_computation
from hub.documents.models import Document, DocumentState, DocumentUse, SubmissionKind
from hub.jobs import enqueue
from hub.persons.models import Person


async def open_from(session: AsyncSession, documents: Sequence[Document], *, now: dt.datetime) -> list[Claim]:
    """Open (or merge into) the claims these documents are evidence for; a maternity claim's birth extract is then
    fetched, and through it the father's paternity claim."""
    openings = await openings_from_documents(session, documents)
    if not openings:
        return []
    claims = await open_claims(session, openings, now=now, actor=None, origin=ClaimOrigin.DOCUMENT)
    births = [claim.id for claim in claims if claim.kind == ClaimKind.MATERNITY]
    if births:
        await enqueue(session, GATHER_EVIDENCE, GatherEvidence(births), now=now)
    return claims


async def open_remaining(session: AsyncSession, mothers: Collection[uuid.UUID], *, now: dt.datetime) -> list[Claim]:
    """Open (or merge into) the fathers' claims for the rest of these women's maternity leave that their evidence
    supports (hub.claims.remaining)."""
    openings = await remaining_openings(session, mothers)
    if not openings:
        return []
    claims = await open_claims(session, openings, now=now, actor=None, origin=ClaimOrigin.DOCUMENT)
    # Her own leave now ends where the rest is handed over: her maternity claims for those births are computed again
    births = {(uuid.UUID(claim.details["mother_id"]), dt.date.fromisoformat(claim.details["born"])) for claim in claims}
    hers = await session.scalars(
        select(Claim.id).where(
            Claim.person_id.in_({mother for mother, _ in births}),
            Claim.kind == ClaimKind.MATERNITY.value,
            Claim.state != ClaimState.REJECTED.value,
        )
    )
    await request_computation(session, list(hers), now=now)
    return claims


async def reevaluate(
    session: AsyncSession,
    people: Collection[uuid.UUID],
    *,
    now: dt.datetime,
    births: bool = False,
    unused_certificates: bool = False,
    rested: Collection[uuid.UUID] = (),
    except_claims: Collection[uuid.UUID] = (),
) -> None:
    """Look again at these people's claims: compute those waiting for evidence; with `births`, fetch the birth
    extract of their maternity claims that have none; with `unused_certificates`, open the claims of their
    certificates that opened none; `rested`: those of them with a pregnancy-rest certificate just stored, whose
    maternity claims refused for eligibility are computed again. `except_claims`: claims just opened or merged,
    already being computed."""
    if not people:
        return
    if unused_certificates:
        opened = await open_from(session, await _unused_certificates(session, people), now=now)
        except_claims = {*except_claims, *(claim.id for claim in opened)}
    waiting = await session.scalars(
        select(Claim.id).where(
            Claim.person_id.in_(people),
            Claim.state == ClaimState.EVIDENCE_PENDING.value,
            Claim.withdrawn_evidence.is_(None),
        )
    )
    again = [*waiting, *await _refused_births(session, rested)]
    await request_computation(session, [claim_id for claim_id in again if claim_id not in except_claims], now=now)
    if births:
        unproven = [claim_id for claim_id in await _without_birth_extract(session, people)]
        if unproven:
            await enqueue(session, GATHER_EVIDENCE, GatherEvidence(unproven), now=now)


async def _refused_births(session: AsyncSession, mothers: Collection[uuid.UUID]) -> list[uuid.UUID]:
    """The maternity claims of these mothers computed not eligible and not decided yet: a pregnancy-rest
    certificate may make them eligible (hub.claims.computing.pregnancy_rests finds it when they are computed)."""
    if not mothers:
        return []
    found = await session.scalars(
        select(Claim.id)
        .where(
            Claim.person_id.in_(mothers),
            Claim.kind == ClaimKind.MATERNITY.value,
            Claim.state.in_((ClaimState.COMPUTED.value, ClaimState.RETURNED.value)),
            Claim.eligible.is_(False),
            Claim.withdrawn_evidence.is_(None),
        )
        .order_by(Claim.id)
    )
    return list(found)


async def mothers_of(session: AsyncSession, children: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """The mothers the hub knows of these people."""
    if not children:
        return set()
    found = await session.scalars(
        select(Person.mother_id).where(Person.id.in_(children), Person.mother_id.is_not(None))
    )
    return {mother_id for mother_id in found if mother_id is not None}


async def _without_birth_extract(session: AsyncSession, mothers: Collection[uuid.UUID]) -> list[uuid.UUID]:
    """The maternity claims of these mothers, not rejected, that use no birth extract yet."""
    extract_used = exists().where(
        DocumentUse.user_kind == CLAIM_USE,
        DocumentUse.user_id == Claim.id,
        DocumentUse.document_id == Document.id,
        Document.doc_type == SubmissionKind.BIRTH_EXTRACT.value,
    )
    found = await session.scalars(
        select(Claim.id)
        .where(
            Claim.person_id.in_(mothers),
            Claim.kind == ClaimKind.MATERNITY.value,
            Claim.state != ClaimState.REJECTED.value,
            ~extract_used,
        )
        .order_by(Claim.id)
    )
    return list(found)


async def _unused_certificates(session: AsyncSession, people: Collection[uuid.UUID]) -> Sequence[Document]:
    """These people's current sick-leave and birth certificates that no claim uses."""
    used = exists().where(DocumentUse.user_kind == CLAIM_USE, DocumentUse.document_id == Document.id)
    found = await session.scalars(
        select(Document)
        .where(
            Document.person_id.in_(people),
            Document.doc_type.in_((SICK_LEAVE, BIRTH_CERTIFICATE)),
            Document.state == DocumentState.CURRENT.value,
            ~used,
        )
        .order_by(Document.id)
    )
    return found.all()
