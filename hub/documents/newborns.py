"""A newborn's documents and the child they are about: a birth certificate (XML9) names the mother, the child's day of
birth and gender, and the temporary card code (MA_THE_TAM) the child was treated under before its card; once the civil
registry's birth registration brings the child in, the certificate, and every document carrying that code, are linked
to the child (`Document.child_id`). The mother stays the person a birth certificate is about."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.documents.models import Document, DocumentState
from hub.infra.db import one_of, update_rows
from hub.persons.models import Gender, Person

BIRTH_CERTIFICATE = "XML9"
_GENDERS = {"1": Gender.MALE.value, "2": Gender.FEMALE.value}  # GIOI_TINH_CON; 3, not determined, fits either


async def link_newborns(session: AsyncSession, mother_ids: Collection[uuid.UUID]) -> int:
    """Link the current birth certificates of these mothers to their children, each with the documents carrying its
    temporary card code; returns how many certificates were linked.

    The child is the mother's child born that day, of that gender. When two children or two certificates fit (twins
    of one gender, a gender not determined at birth beside a sibling), nothing is linked: a wrong link is worse than
    none, and the documents stay found by their code."""
    if not mother_ids:
        return 0
    births = (
        await session.execute(
            select(Document.id, Document.person_id, Document.fields, Document.child_card_code, Document.child_id).where(
                one_of(session, Document.person_id, mother_ids),
                Document.doc_type == BIRTH_CERTIFICATE,
                Document.state == DocumentState.CURRENT.value,
            )
        )
    ).all()
    waiting = [birth for birth in births if birth.child_id is None]
    if not waiting:
        return 0
    children = (
        await session.execute(
            select(Person.id, Person.mother_id, Person.date_of_birth, Person.gender).where(
                one_of(session, Person.mother_id, {birth.person_id for birth in waiting})
            )
        )
    ).all()
    found: dict[uuid.UUID, uuid.UUID] = {}  # certificate → child
    codes: dict[str, uuid.UUID] = {}  # temporary card code → child
    for birth in waiting:
        day, gender = _born(birth.fields)
        fitting = [c.id for c in children if c.mother_id == birth.person_id and _fits(day, gender, c)]
        twins = [b for b in births if b.person_id == birth.person_id and _same_birth(_born(b.fields), day, gender)]
        if day is None or len(fitting) != 1 or len(twins) != 1:
            continue
        found[birth.id] = fitting[0]
        if birth.child_card_code:
            codes[birth.child_card_code] = fitting[0]
    await update_rows(session, Document, [{"id": birth, "child_id": child} for birth, child in found.items()])
    await follow_codes(session, codes)
    return len(found)


async def follow_codes(session: AsyncSession, children: dict[str, uuid.UUID]) -> None:
    """Link the documents carrying each temporary card code, not linked to a child yet, to that code's child (two
    statements, whatever the number of codes)."""
    if not children:
        return
    carrying = await session.execute(
        select(Document.id, Document.child_card_code).where(
            one_of(session, Document.child_card_code, children), Document.child_id.is_(None)
        )
    )
    await update_rows(session, Document, [{"id": i, "child_id": children[code]} for i, code in carrying if code])


def _born(fields: dict[str, Any]) -> tuple[dt.date | None, str | None]:
    """The child's day of birth (NGAY_SINH_CON, yyyymmddHHMM) and gender, as the certificate gives them."""
    text = str(fields.get("NGAY_SINH_CON", ""))[:8]
    try:
        day = dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        day = None
    return day, _GENDERS.get(str(fields.get("GIOI_TINH_CON", "")))


def _fits(day: dt.date | None, gender: str | None, child: Any) -> bool:
    return child.date_of_birth == day and (gender is None or child.gender == gender)


def _same_birth(other: tuple[dt.date | None, str | None], day: dt.date | None, gender: str | None) -> bool:
    """Whether another certificate of the mother could be of the same child: that day, and a gender that fits."""
    other_day, other_gender = other
    return other_day == day and (gender is None or other_gender is None or other_gender == gender)
