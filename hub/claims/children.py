"""A child's parents, as the child-card flow knows them: the mother linked to the child's person (`mother_id`) and
the parents named by personal ID number on the child's birth registration (the registry's record, latest
version). Child-care claims use them: a sick child's own certificate opens the claim of each insured parent, and a
filing for a child is refused for someone who is not one of its known parents."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.childcards.models import ChildCardCase, Registration
from hub.infra.text import fold
from hub.persons.identity import person_by_identifier
from hub.persons.models import Person


@dataclass(frozen=True)
class Parent:
    person_id: uuid.UUID
    role: str  # "mother" | "father"
    name_key: str  # the name folded (hub.infra.text.fold), to compare with a certificate's HO_TEN_ME / HO_TEN_CHA


async def parents_of(session: AsyncSession, child_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[Parent]]:
    """Each child's known parents (three queries for the batch); a child without any: an empty list."""
    children = set(child_ids)
    if not children:
        return {}
    mothers = dict((await session.execute(select(Person.id, Person.mother_id).where(Person.id.in_(children)))).all())
    payloads = (
        await session.execute(
            select(ChildCardCase.person_id, Registration.version, Registration.payload)
            .join(Registration, Registration.case_id == ChildCardCase.id)
            .where(ChildCardCase.person_id.in_(children))
        )
    ).all()
    latest: dict[uuid.UUID, tuple[int, dict[str, Any]]] = {}
    for child_id, version, payload in payloads:
        if child_id is not None and (child_id not in latest or version > latest[child_id][0]):
            latest[child_id] = (version, payload)
    named: dict[uuid.UUID, dict[str, str]] = {}
    for child_id, (_, payload) in latest.items():
        for role in ("mother", "father"):
            number = (payload.get(role) or {}).get("personal_id_number")
            if number:
                named.setdefault(child_id, {})[role] = number
    numbers = {number for roles in named.values() for number in roles.values()}
    ids = {mother for mother in mothers.values() if mother}
    people = (
        await session.execute(
            select(Person.id, Person.personal_id_number, Person.full_name).where(
                or_(Person.id.in_(ids), Person.personal_id_number.in_(numbers))
            )
        )
    ).all()
    by_id = {person_id: (person_id, name) for person_id, _, name in people}
    by_number = {number: (person_id, name) for person_id, number, name in people if number}
    found: dict[uuid.UUID, list[Parent]] = {}
    for child_id in children:
        parents: dict[uuid.UUID, Parent] = {}
        mother = mothers.get(child_id)
        candidates = [("mother", by_id.get(mother) if mother else None)]
        candidates += [(role, by_number.get(number)) for role, number in named.get(child_id, {}).items()]
        for role, person in candidates:
            if person is not None and person[0] not in parents:
                parents[person[0]] = Parent(person[0], role, fold(person[1]))
        found[child_id] = list(parents.values())
    return found


def named_on_certificate(parent: Parent, mother_name: str | None, father_name: str | None) -> bool:
    """Whether the certificate's parent names (HO_TEN_ME, HO_TEN_CHA) allow this parent: a name given for the
    parent's role must be theirs (diacritics, case and spacing aside); a role left blank allows the known parent."""
    given = mother_name if parent.role == "mother" else father_name
    return not (given or "").strip() or fold(given or "") == parent.name_key


async def child_by_identifier(session: AsyncSession, identifier: str) -> Person | None:
    """The child named by a personal ID number (12 digits, current or cancelled), a BHXH code (10 digits) or a card
    number (15 characters, whose last 10 are the BHXH code)."""
    return await person_by_identifier(session, identifier)
