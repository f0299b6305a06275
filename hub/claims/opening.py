"""Which claims arriving evidence opens: a sick-leave certificate (XML11) of an insured employee → sickness; a sick
child's own certificate (a child under 7) → child care for each insured parent the child-card flow knows
(hub.claims.children); a sick-leave certificate or a discharge paper (XML7) saying a pregnancy ended → pregnancy
loss; a birth certificate (XML9) whose mother is insured → maternity (twins' certificates, one per
child, meet in one claim), with the mother's living children before the birth from `LAN_SINH` and `SO_CON_SONG`
(a second child from 1/7/2026 gets the longer leave; the claims' evidence job then asks the population database for
the mother's children, whose count wins when it answers: hub.claims.evidence)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.claims.children import named_on_certificate, parents_of
from hub.claims.details import (
    BirthDetails,
    ChildCareDetails,
    ClaimDetails,
    PregnancyLossDetails,
    SicknessDetails,
    event_date,
)
from hub.claims.models import Claim, ClaimKind
from hub.claims.routing import Offices, employer_provinces
from hub.claims.rules.long_term import codes_in, first_listed
from hub.claims.rules.months import full_years
from hub.claims.rules.sickness import CHILD_AGE_LIMIT_YEARS
from hub.claims.rules.tables import living_children_before
from hub.claims.service import CLAIM_USE, Opening
from hub.contributions.models import ContributionMonthRow
from hub.documents.models import Document, DocumentState, DocumentUse
from hub.persons.models import Person

SICK_LEAVE, BIRTH_CERTIFICATE, VISIT_SUMMARY = "XML11", "XML9", "XML1"
PREGNANCY_REST, DISCHARGE_PAPER = "XML10", "XML7"
# Where a sick leave's ICD-10 codes are written: XML11 has CHAN_DOAN_RV, where a long-term disease is written as its
# code (QĐ 4750; the name when it has none); code fields, should a later version add them; and the main disease of
# the same episode's XML1 (MA_BENH_CHINH).
DIAGNOSIS_FIELDS = ("CHAN_DOAN_RV", "MA_BENH_CHINH", "MA_BENH")
MAIN_DISEASE = "MA_BENH_CHINH"
INSURED_WITHIN_MONTHS = 12  # a person with compulsory contributions in the year before the event is insured


def _date(text: str | None) -> dt.date | None:
    """yyyymmdd (or the date part of yyyymmddHHMM), as QĐ 4750 writes dates."""
    if not text or len(text) < 8:
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def document_date(text: object) -> dt.date | None:
    """A date field of a stored document (yyyymmdd), None when absent or not a date."""
    return _date(text) if isinstance(text, str) else None


def _count(text: object) -> int | None:
    """A count field of QĐ 4750 (Số, 2 digits); None when absent or not a number."""
    try:
        value = int(str(text).strip()) if text is not None and str(text).strip() else None
    except ValueError:
        return None
    return value if value is None or value >= 0 else None


def details_of(document: Document, visit_codes: Sequence[str] = ()) -> tuple[ClaimKind, ClaimDetails] | None:
    """The claim a document is evidence for, with what it says; None for other documents or unusable ones.

    A sick-leave certificate whose diagnosis (CHAN_DOAN_RV, the ICD-10 code fields, or `visit_codes`: those of the
    same episode's XML1) names a disease on the long-term list is a long-term disease."""
    fields = document.fields
    if (loss := _pregnancy_loss(document)) is not None:
        return ClaimKind.PREGNANCY_LOSS, loss
    if document.doc_type == SICK_LEAVE:
        start, end = _date(fields.get("TU_NGAY")), _date(fields.get("DEN_NGAY"))
        if start is None or end is None or end < start:
            return None
        certificate = f"{document.issuer}/{document.number}"
        codes = codes_in([*(fields.get(name) for name in DIAGNOSIS_FIELDS), *visit_codes])
        listed = first_listed(codes)
        return ClaimKind.SICKNESS, SicknessDetails(
            start, end, certificate=certificate, long_term_disease=listed is not None, diagnosis=listed
        )
    if document.doc_type == BIRTH_CERTIFICATE:
        born = _date(fields.get("NGAY_SINH_CON"))
        if born is None:
            return None
        children = _count(fields.get("SO_CON")) or 1
        return ClaimKind.MATERNITY, BirthDetails(
            born=born,
            children=children,
            caesarean=fields.get("SINHCON_PHAUTHUAT") == "1",
            under_32_weeks=fields.get("SINHCON_DUOI32TUAN") == "1",
            living_children_before=living_children_before(
                _count(fields.get("LAN_SINH")), _count(fields.get("SO_CON_SONG")), children
            ),
        )
    return None


def _pregnancy_loss(document: Document) -> PregnancyLossDetails | None:
    """A pregnancy ended (`MA_DINH_CHI_THAI` 1, with `TUOI_THAI` weeks) on a sick-leave certificate (XML11: the leave
    from `TU_NGAY`) or a discharge paper (XML7: from the day it ended, `THOIGIAN_DINHCHI`, else admission,
    `NGAY_VAO` [to confirm pregnancy-loss-start])."""
    fields = document.fields
    if document.doc_type not in (SICK_LEAVE, DISCHARGE_PAPER) or str(fields.get("MA_DINH_CHI_THAI")) != "1":
        return None
    weeks = _count(fields.get("TUOI_THAI"))
    if document.doc_type == SICK_LEAVE:
        start = _date(fields.get("TU_NGAY"))
    else:
        start = _date(fields.get("THOIGIAN_DINHCHI")) or _date(fields.get("NGAY_VAO"))
    if start is None or weeks is None or not 1 <= weeks <= 42:
        return None
    return PregnancyLossDetails(start, weeks, certificate=f"{document.issuer}/{document.number}")


async def openings_from_documents(
    session: AsyncSession, documents: Sequence[Document], *, merge_into: Claim | None = None
) -> list[Opening]:
    """The claims these documents open for insured people, each routed to its employer's BHXH office (a few queries
    for the whole batch, whatever its size)."""
    handled = set() if merge_into is not None else await _replacing_used(session, documents)
    visits = await _visit_codes(session, documents)
    found = [
        (document, read)
        for document in documents
        if document.person_id is not None
        and document.id not in handled
        and (read := details_of(document, visits.get((document.issuer, document.episode), ()))) is not None
    ]
    if not found:
        return []
    people = {document.person_id for document, _ in found if document.person_id is not None}
    rows = (
        await session.execute(
            select(Person.id, Person.date_of_birth, Person.province_code).where(Person.id.in_(people))
        )
    ).all()
    born = {person_id: day for person_id, day, _ in rows}
    provinces = {person_id: province for person_id, _, province in rows}
    children = {
        document.id: document.person_id
        for document, (_, details) in found
        if isinstance(details, SicknessDetails)
        and document.person_id is not None
        and full_years(born[document.person_id], details.start) < CHILD_AGE_LIMIT_YEARS
    }
    parents = await parents_of(session, set(children.values())) if children else {}
    everyone = people | {parent.person_id for known in parents.values() for parent in known}
    earliest = min(event_date(details) for _, (_, details) in found)
    months = await _compulsory_months(session, everyone, since=add_months_to(earliest, -INSURED_WITHIN_MONTHS))
    if everyone - people:  # the parents of sick children
        query = select(Person.id, Person.province_code).where(Person.id.in_(everyone - people))
        provinces.update(dict((await session.execute(query)).all()))
    openings = []
    for document, (kind, details) in found:
        assert document.person_id is not None
        if document.id in children and isinstance(details, SicknessDetails):
            child = document.person_id
            for parent in parents.get(child, []):
                if merge_into is not None and parent.person_id != merge_into.person_id:
                    continue  # an amended certificate reaches the claim it rests on, nobody else's
                if not named_on_certificate(
                    parent, document.fields.get("HO_TEN_ME"), document.fields.get("HO_TEN_CHA")
                ):
                    continue
                insured, employer = _employer_at(months.get(parent.person_id, []), details.start)
                if not insured and merge_into is None:
                    continue
                care = ChildCareDetails(
                    born[child], details.start, details.end, child_id=str(child), certificate=details.certificate
                )
                openings.append(
                    Opening(
                        kind=ClaimKind.CHILD_CARE,
                        person_id=parent.person_id,
                        province_code=provinces[parent.person_id],
                        details=care,
                        employer_id=employer,
                        documents=(document.id,),
                        key=merge_into.event_key if merge_into is not None else None,
                        replacing=merge_into is not None,
                    )
                )
            continue
        insured, employer = _employer_at(months.get(document.person_id, []), event_date(details))
        if not insured and merge_into is None:
            continue  # no compulsory contributions in the year before: no claim opens by itself
        openings.append(
            Opening(
                kind=kind,
                person_id=document.person_id,
                province_code=provinces[document.person_id],
                details=details,
                employer_id=employer,
                documents=(document.id,),
                key=merge_into.event_key if merge_into is not None else None,
                replacing=merge_into is not None,
            )
        )
    # Each claim goes to the office of its employer's contributions, the home province without one (hub.claims.routing).
    places = Offices(provinces, await employer_provinces(session, [o.employer_id for o in openings]))
    return [replace(o, province_code=places.province(o.person_id, o.employer_id)) for o in openings]


async def _visit_codes(session: AsyncSession, documents: Sequence[Document]) -> dict[tuple[str, str | None], list[str]]:
    """The diagnosis fields of the XML1 of each sick-leave certificate's episode (same facility, same MA_LK), one
    query for the batch; an XML1 sent with the certificate is among `documents` already."""
    episodes = {(d.issuer, d.episode) for d in documents if d.doc_type == SICK_LEAVE and d.episode}
    if not episodes:
        return {}
    visits = [d for d in documents if d.doc_type == VISIT_SUMMARY and (d.issuer, d.episode) in episodes]
    known = {d.id for d in visits}
    stored = await session.scalars(
        select(Document).where(
            Document.number.in_({episode for _, episode in episodes}),  # an XML1's number is its MA_LK
            Document.doc_type == VISIT_SUMMARY,
            Document.state == DocumentState.CURRENT.value,
        )
    )
    visits += [d for d in stored if d.id not in known and (d.issuer, d.episode) in episodes]
    codes: dict[tuple[str, str | None], list[str]] = {}
    for visit in visits:
        if main := visit.fields.get(MAIN_DISEASE):  # the main disease only: the others are not the leave's cause
            codes.setdefault((visit.issuer, visit.episode), []).append(str(main))
    return codes


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
