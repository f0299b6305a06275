"""Find the child among people already known before creating one (no duplicate persons, "trùng nhân khẩu").

Sure match: the same personal identification number; or, without one, the same folded name, date of birth and
gender and the same mother (by her identification number). Probable match: the same name, date of birth and
gender, but the mother cannot be compared (one side does not know her number): a BHXH officer decides.
A candidate whose own identification number differs is a different person.
"""

from __future__ import annotations

import enum
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.childcards.records import BirthRecord
from hub.infra.db import one_of, rows_in
from hub.infra.text import fold
from hub.persons.models import Person


class MatchKind(enum.StrEnum):
    SURE = "sure"
    PROBABLE = "probable"
    NONE = "none"


@dataclass(frozen=True)
class Match:
    kind: MatchKind
    person: Person | None = None
    reason: str = ""


@dataclass
class Candidates:
    """People a record's child may be, indexed as `_match` looks them up."""

    by_number: dict[str | None, Person] = field(default_factory=dict)
    by_key: defaultdict[tuple[str, object], list[Person]] = field(default_factory=lambda: defaultdict(list))
    mother_numbers: dict[uuid.UUID, str | None] = field(default_factory=dict)

    def add(self, person: Person, mother_number: str | None) -> None:
        """A person just recorded, with their mother's identification number (None: unknown)."""
        if person.personal_id_number:
            self.by_number[person.personal_id_number] = person
        self.by_key[(person.name_key, person.date_of_birth)].append(person)
        if person.mother_id is not None:
            self.mother_numbers[person.mother_id] = mother_number


def match_among(record: BirthRecord, candidates: Candidates) -> Match:
    """The match for a record's child among `candidates` (the children an earlier record of the batch created)."""
    return _match(record, candidates.by_number, candidates.by_key, candidates.mother_numbers)


async def match_children(session: AsyncSession, records: Sequence[BirthRecord]) -> list[Match]:
    """The match for each record's child, found with three queries for the whole batch."""
    numbers = {r.child.personal_id_number for r in records if r.child.personal_id_number}
    by_number = (
        {
            p.personal_id_number: p
            for p in (
                await session.scalars(select(Person).where(one_of(session, Person.personal_id_number, numbers)))
            ).all()
        }
        if numbers
        else {}
    )
    keys = {(fold(r.child.full_name), r.child.date_of_birth) for r in records}
    candidates: dict[tuple[str, object], list[Person]] = defaultdict(list)
    if keys:
        found = await session.scalars(
            select(Person).where(rows_in(session, (Person.name_key, Person.date_of_birth), keys))
        )
        for person in found.all():
            candidates[(person.name_key, person.date_of_birth)].append(person)
    mother_ids = {p.mother_id for group in candidates.values() for p in group if p.mother_id}
    mother_numbers: dict[uuid.UUID, str | None] = {}
    if mother_ids:
        rows = await session.execute(
            select(Person.id, Person.personal_id_number).where(one_of(session, Person.id, mother_ids))
        )
        mother_numbers = {row.id: row.personal_id_number for row in rows}
    return [_match(r, by_number, candidates, mother_numbers) for r in records]


def _match(
    record: BirthRecord,
    by_number: Mapping[str | None, Person],
    candidates: Mapping[tuple[str, object], list[Person]],
    mother_numbers: Mapping[uuid.UUID, str | None],
) -> Match:
    child = record.child
    if child.personal_id_number and child.personal_id_number in by_number:
        return Match(MatchKind.SURE, by_number[child.personal_id_number], "same personal identification number")
    mother_number = record.mother.personal_id_number if record.mother else None
    probable = None
    for person in candidates.get((fold(child.full_name), child.date_of_birth), []):
        if person.gender != child.gender.value:
            continue
        if person.personal_id_number and child.personal_id_number:
            continue  # both have numbers, and they differ: two people
        known_mother = mother_numbers.get(person.mother_id) if person.mother_id else None
        if known_mother and mother_number:
            if known_mother == mother_number:
                return Match(MatchKind.SURE, person, "same name, date of birth, gender and mother")
            continue  # different mothers: two people
        probable = probable or person
    if probable is not None:
        return Match(MatchKind.PROBABLE, probable, "same name, date of birth and gender; mother not comparable")
    return Match(MatchKind.NONE)
