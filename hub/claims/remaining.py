"""The rest of a mother's maternity leave, opened by itself for the father (Luật BHXH 41/2024 Art 53, 2014 law Art 34;
the rules: hub.claims.rules.death_incapacity) when the hub holds, for a woman whose child it knows:

- the civil-status death extract of the mother (`fetchDeathExtract`, `NGAY_CHET`), or
- a medical assessment council's minutes (XML12) finding that she cannot care for the child (on `NGAY_HOP`),

within a year of the birth. The taker is the father the child's birth registration names (as the child-card flow
received it, hub.claims.children, or as the registry's birth extract gives it), if he is insured when his leave
starts; a caregiver who is not a parent is not known to the hub from any evidence, and
files by hand. Whatever arrives first (the finding, her birth certificate and maternity claim, the child's
registration) the claim opens once all are there: each of them looks again (hub.claims.jobs). It is computed once
her maternity claim is (her leave is what is left to take), or at once if she was not insured."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.claims.children import parents_of
from hub.claims.details import RemainingLeaveDetails
from hub.claims.models import ClaimKind
from hub.claims.opening import document_date, insured_employers
from hub.claims.routing import offices
from hub.claims.rules.death_incapacity import Finding, finding_in_death_extract, finding_in_document
from hub.claims.rules.months import add_months
from hub.claims.service import Opening
from hub.documents.intake import ASSESSMENT_TABLE
from hub.documents.models import Document, DocumentState, SubmissionKind
from hub.persons.models import Person

DEATH_EXTRACT = SubmissionKind.DEATH_EXTRACT.value
FINDINGS = (DEATH_EXTRACT, ASSESSMENT_TABLE)
CANCELLED = "cancelled"  # TINH_TRANG of a civil-status record cancelled
WITHIN_MONTHS = 12  # a finding later than this after the birth leaves nothing of the birth's leave to take


def finding_of(document: Document) -> Finding | None:
    """What a stored document says happened to the woman it is about: her death, or the council's finding."""
    if document.doc_type == DEATH_EXTRACT:
        died = document_date(document.fields.get("NGAY_CHET"))
        if died is None or document.fields.get("TINH_TRANG") == CANCELLED:
            return None
        return finding_in_death_extract(died, is_mother=True)
    return finding_in_document(document.doc_type, document.fields)


async def remaining_openings(session: AsyncSession, mothers: Collection[uuid.UUID]) -> list[Opening]:
    """The claims for the rest of these women's maternity leave that their evidence now supports (the earliest
    finding after each birth of theirs the hub knows), one per birth, for the insured father."""
    if not mothers:
        return []
    documents = (
        await session.scalars(
            select(Document)
            .where(
                Document.person_id.in_(set(mothers)),
                Document.doc_type.in_(FINDINGS),
                Document.state == DocumentState.CURRENT.value,
            )
            .order_by(Document.id)
        )
    ).all()
    findings: dict[uuid.UUID, list[tuple[Finding, Document]]] = defaultdict(list)
    for document in documents:
        if document.person_id is not None and (found := finding_of(document)) is not None:
            findings[document.person_id].append((found, document))
    if not findings:
        return []
    children = (
        await session.execute(
            select(Person.id, Person.mother_id, Person.date_of_birth).where(Person.mother_id.in_(set(findings)))
        )
    ).all()
    births: dict[tuple[uuid.UUID, dt.date], list[uuid.UUID]] = defaultdict(list)
    for child_id, mother_id, born in children:
        if mother_id is not None:
            births[(mother_id, born)].append(child_id)
    everyone = {child for known in births.values() for child in known}
    parents = await parents_of(session, everyone)
    named = await _fathers_on_extracts(session, everyone)
    wanted: list[tuple[uuid.UUID, RemainingLeaveDetails, Document]] = []
    for (mother_id, born), twins in sorted(births.items()):
        after = [
            (found, document)
            for found, document in findings[mother_id]
            if born <= found.on < add_months(born, WITHIN_MONTHS)
        ]
        fathers = {p.person_id for child in twins for p in parents.get(child, []) if p.role == "father"}
        fathers |= {father for child in twins for father in named.get(child, ())}
        if not after or len(fathers) != 1:
            continue  # no finding after this birth, or no single father known
        found, document = min(after, key=lambda pair: pair[0].on)
        details = RemainingLeaveDetails(
            born, found.on, found.event.value, str(mother_id), children=len(twins), evidence=found.evidence
        )
        wanted.append((fathers.pop(), details, document))
    return await _insured(session, wanted)


async def _fathers_on_extracts(
    session: AsyncSession, children: Collection[uuid.UUID]
) -> dict[uuid.UUID, set[uuid.UUID]]:
    """The fathers the current birth extracts of these children name (`CHA/SO_DINH_DANH`), as known people."""
    if not children:
        return {}
    extracts = (
        await session.execute(
            select(Document.person_id, Document.fields).where(
                Document.person_id.in_(set(children)),
                Document.doc_type == SubmissionKind.BIRTH_EXTRACT.value,
                Document.state == DocumentState.CURRENT.value,
            )
        )
    ).all()
    numbers = {
        child: str(fields["CHA/SO_DINH_DANH"])
        for child, fields in extracts
        if fields.get("CHA/SO_DINH_DANH") and fields.get("TINH_TRANG") != CANCELLED
    }
    if not numbers:
        return {}
    people = dict(
        (
            await session.execute(
                select(Person.personal_id_number, Person.id).where(Person.personal_id_number.in_(set(numbers.values())))
            )
        ).all()
    )
    found: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for child, number in numbers.items():
        if number in people:
            found[child].add(people[number])
    return found


async def _insured(
    session: AsyncSession, wanted: Sequence[tuple[uuid.UUID, RemainingLeaveDetails, Document]]
) -> list[Opening]:
    """The openings of the fathers insured when their leave starts, routed to their employer's office."""
    openings = []
    for father_id, details, document in wanted:
        insured = await insured_employers(session, {father_id}, details.start)
        if father_id not in insured:
            continue
        places = await offices(session, [father_id], [insured[father_id]])
        openings.append(
            Opening(
                ClaimKind.REMAINING_MATERNITY,
                father_id,
                places.province(father_id, insured[father_id]),
                details,
                employer_id=insured[father_id],
                documents=(document.id,),
            )
        )
    return openings
