"""Which claims arriving evidence opens: a sick-leave certificate (XML11) of an insured employee → sickness; a birth
certificate (XML9) whose mother is insured → maternity (twins' certificates, one per child, meet in one claim)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.claims.details import BirthDetails, ClaimDetails, SicknessDetails, event_date
from hub.claims.models import Claim, ClaimKind
from hub.claims.routing import offices
from hub.claims.service import CLAIM_USE, Opening
from hub.contributions.models import ContributionMonthRow
from hub.documents.models import Document, DocumentUse

SICK_LEAVE, BIRTH_CERTIFICATE = "XML11", "XML9"
INSURED_WITHIN_MONTHS = 12  # a person with compulsory contributions in the year before the event is insured


def _date(text: str | None) -> dt.date | None:
    """yyyymmdd (or the date part of yyyymmddHHMM), as QĐ 4750 writes dates."""
    if not text or len(text) < 8:
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def details_of(document: Document) -> tuple[ClaimKind, ClaimDetails] | None:
    """The claim a document is evidence for, with what it says; None for other documents or unusable ones."""
    fields = document.fields
    if document.doc_type == SICK_LEAVE:
        start, end = _date(fields.get("TU_NGAY")), _date(fields.get("DEN_NGAY"))
        if start is None or end is None or end < start:
            return None
        certificate = f"{document.issuer}/{document.number}"
        return ClaimKind.SICKNESS, SicknessDetails(start, end, certificate=certificate)
    if document.doc_type == BIRTH_CERTIFICATE:
        born = _date(fields.get("NGAY_SINH_CON"))
        if born is None:
            return None
        return ClaimKind.MATERNITY, BirthDetails(
            born=born,
            children=int(fields.get("SO_CON") or 1),
            caesarean=fields.get("SINHCON_PHAUTHUAT") == "1",
            under_32_weeks=fields.get("SINHCON_DUOI32TUAN") == "1",
        )
    return None


async def openings_from_documents(
    session: AsyncSession, documents: Sequence[Document], *, merge_into: Claim | None = None
) -> list[Opening]:
    """The claims these documents open for insured people, each routed to its employer's BHXH office (three queries
    for the whole batch)."""
    handled = set() if merge_into is not None else await _replacing_used(session, documents)
    found = [
        (document, read)
        for document in documents
        if document.person_id is not None and document.id not in handled and (read := details_of(document)) is not None
    ]
    if not found:
        return []
    people = {document.person_id for document, _ in found if document.person_id is not None}
    earliest = min(event_date(details) for _, (_, details) in found)
    months = await _compulsory_months(session, people, since=add_months_to(earliest, -INSURED_WITHIN_MONTHS))
    at = [
        (document, kind, details, _employer_at(months.get(document.person_id, []), event_date(details)))
        for document, (kind, details) in found
        if document.person_id is not None
    ]
    places = await offices(session, people, [employer for *_, (_, employer) in at])
    openings = []
    for document, kind, details, (insured, employer) in at:
        assert document.person_id is not None
        if not insured and merge_into is None:
            continue  # no compulsory contributions in the year before: no claim opens by itself
        openings.append(
            Opening(
                kind=kind,
                person_id=document.person_id,
                province_code=places.province(document.person_id, employer),
                details=details,
                employer_id=employer,
                documents=(document.id,),
                key=merge_into.event_key if merge_into is not None else None,
                replacing=merge_into is not None,
            )
        )
    return openings


def add_months_to(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` away from `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


async def insured_employers(
    session: AsyncSession, people: set[uuid.UUID], event: dt.date
) -> dict[uuid.UUID, uuid.UUID | None]:
    """The people insured at `event` (compulsory contributions in the year before), with their last employer."""
    months = await _compulsory_months(session, people, since=add_months_to(event, -INSURED_WITHIN_MONTHS))
    found = {person_id: _employer_at(rows, event) for person_id, rows in months.items()}
    return {person_id: employer for person_id, (insured, employer) in found.items() if insured}


def _employer_at(rows: list[tuple[dt.date, uuid.UUID | None]], event: dt.date) -> tuple[bool, uuid.UUID | None]:
    """Whether the person contributed compulsorily in the year up to the event, and for which employer last."""
    window = add_months_to(event, -INSURED_WITHIN_MONTHS)
    inside = [(month, employer) for month, employer in rows if window <= month <= event]
    return (True, inside[-1][1]) if inside else (False, None)


async def _compulsory_months(
    session: AsyncSession, people: set[uuid.UUID], *, since: dt.date
) -> dict[uuid.UUID, list[tuple[dt.date, uuid.UUID | None]]]:
    """Each person's compulsory months from `since`, oldest first, with their employer."""
    rows = await session.execute(
        select(ContributionMonthRow.person_id, ContributionMonthRow.month, ContributionMonthRow.employer_id)
        .where(
            ContributionMonthRow.person_id.in_(people),
            ContributionMonthRow.kind == "compulsory",
            ContributionMonthRow.month >= since,
        )
        .order_by(ContributionMonthRow.month)
    )
    months: dict[uuid.UUID, list[tuple[dt.date, uuid.UUID | None]]] = {}
    for person_id, month, employer_id in rows:
        months.setdefault(person_id, []).append((month, employer_id))
    return months


async def _replacing_used(session: AsyncSession, documents: Sequence[Document]) -> set[uuid.UUID]:
    """The new versions of documents a claim already used: they reach that claim as a change instead
    (hub.claims.jobs.recompute_on_change), which keeps the claim even if the event's key changed."""
    replaced = {d.supersedes_id: d.id for d in documents if d.supersedes_id is not None}
    if not replaced:
        return set()
    used = await session.scalars(
        select(DocumentUse.document_id).where(
            DocumentUse.document_id.in_(list(replaced)), DocumentUse.user_kind == CLAIM_USE
        )
    )
    return {replaced[document_id] for document_id in used}
