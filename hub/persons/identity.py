"""Which person a number names: the 12-digit personal ID number (which BHXH uses in place of the BHXH code from
1/8/2025, domain-rules §6 [secondary]) or the 10-digit BHXH code, either accepted wherever a person is named, and
each person's identity history, so that a record naming a cancelled ID number still finds its person.

A personal ID number is cancelled and a new one established when the gender is re-determined, the year of birth is
corrected or the number was established in error (NĐ 70/2024/NĐ-CP Art 11(7), (8), (11)); cancelled numbers are
never reissued. The person row holds the current number; `person_identity_numbers` holds every number that changed,
the cancelled ones with their day and reason."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from hub.infra.db import one_of
from hub.persons.models import NumberChangeReason, Person, PersonIdentityNumber

ID_NUMBER_LENGTH = 12
BHXH_CODE_LENGTH = 10
CARD_LENGTH = 15  # a health-insurance card number: its last 10 characters are the BHXH code


class IdentifierKind(enum.StrEnum):
    PERSONAL_ID = "personal_id"
    BHXH_CODE = "bhxh_code"


def classify(identifier: str | None) -> tuple[IdentifierKind, str] | None:
    """What a written identifier is: 12 digits an ID number, 10 digits a BHXH code, a 15-character card number its
    BHXH code; None for anything else."""
    text = (identifier or "").strip().upper()
    if len(text) == CARD_LENGTH and text[-BHXH_CODE_LENGTH:].isdigit() and text.isalnum():
        text = text[-BHXH_CODE_LENGTH:]
    if not (text.isascii() and text.isdigit()):
        return None
    if len(text) == ID_NUMBER_LENGTH:
        return IdentifierKind.PERSONAL_ID, text
    if len(text) == BHXH_CODE_LENGTH:
        return IdentifierKind.BHXH_CODE, text
    return None


async def former_holders(session: AsyncSession, numbers: Iterable[str]) -> dict[str, uuid.UUID]:
    """For each number that some person held before (a cancelled ID number), that person; one query."""
    wanted = set(numbers)
    if not wanted:
        return {}
    rows = await session.execute(
        select(PersonIdentityNumber.number, PersonIdentityNumber.person_id).where(
            one_of(session, PersonIdentityNumber.number, wanted), PersonIdentityNumber.cancelled_on.is_not(None)
        )
    )
    return {number: person_id for number, person_id in rows}


async def people_by_identifiers(session: AsyncSession, identifiers: Iterable[str | None]) -> dict[str, Person]:
    """Each identifier (as written) that names a known person: an ID number, current or cancelled, or a BHXH code
    (or a card number). At most two queries for the current numbers and codes, and the history for the rest."""
    kinds = {text: named for text in identifiers if text and (named := classify(text))}
    numbers = {value for kind, value in kinds.values() if kind is IdentifierKind.PERSONAL_ID}
    codes = {value for kind, value in kinds.values() if kind is IdentifierKind.BHXH_CODE}
    if not kinds:
        return {}
    people = (
        await session.scalars(
            select(Person).where(
                or_(one_of(session, Person.personal_id_number, numbers), one_of(session, Person.bhxh_code, codes))
            )
        )
    ).all()
    by_number: dict[str, Person] = {p.personal_id_number: p for p in people if p.personal_id_number}
    by_code: dict[str, Person] = {p.bhxh_code: p for p in people if p.bhxh_code}
    former = await former_holders(session, numbers - by_number.keys())
    for number, person_id in former.items():
        person = await session.get(Person, person_id)
        if person is not None:
            by_number[number] = person
    found: dict[str, Person] = {}
    for text, (kind, value) in kinds.items():
        person = (by_number if kind is IdentifierKind.PERSONAL_ID else by_code).get(value)
        if person is not None:
            found[text] = person
    return found


async def person_by_identifier(session: AsyncSession, identifier: str | None) -> Person | None:
    """The person an ID number (current or cancelled), a BHXH code or a card number names."""
    if not identifier:
        return None
    return (await people_by_identifiers(session, [identifier])).get(identifier)


async def record_number_change(
    session: AsyncSession,
    *,
    person_id: uuid.UUID,
    old: str | None,
    new: str,
    on: dt.date,
    reason: NumberChangeReason,
    now: dt.datetime,
) -> None:
    """Keep the history of a person's ID number changing from `old` (cancelled on `on`, for `reason`) to `new`
    (valid from `on`). The caller has made `new` the person's number and checked that no one holds it."""
    if old and old != new:
        row = await session.get(PersonIdentityNumber, old)
        if row is None:
            row = PersonIdentityNumber(number=old, person_id=person_id, valid_from=None, recorded_at=now)
            session.add(row)
        row.cancelled_on, row.reason = on, reason.value
    current = await session.get(PersonIdentityNumber, new)
    if current is None:
        session.add(PersonIdentityNumber(number=new, person_id=person_id, valid_from=on, recorded_at=now))
    else:
        current.cancelled_on, current.reason, current.valid_from = None, None, on


async def number_is_taken(session: AsyncSession, number: str, person_id: uuid.UUID) -> bool:
    """Whether someone other than this person holds or held `number` (a cancelled number is never reissued)."""
    holder = await session.scalar(select(Person.id).where(Person.personal_id_number == number))
    if holder is not None and holder != person_id:
        return True
    former = await former_holders(session, [number])
    return number in former and former[number] != person_id


async def identity_history(session: AsyncSession, person_id: uuid.UUID) -> list[PersonIdentityNumber]:
    """The person's ID numbers that changed, oldest first."""
    rows = await session.scalars(select(PersonIdentityNumber).where(PersonIdentityNumber.person_id == person_id))
    return sorted(rows, key=lambda r: (r.valid_from or dt.date.min, r.cancelled_on or dt.date.max))


def names_person(column: QueryableAttribute[Any], identifier: str) -> ColumnElement[bool]:
    """`column` (a person id) is the person `identifier` names: an ID number, current or cancelled, a BHXH code or a
    card number; false for anything else. For filters written as one statement."""
    found = classify(identifier)
    if found is None:
        return false()
    kind, value = found
    if kind is IdentifierKind.BHXH_CODE:
        return column.in_(select(Person.id).where(Person.bhxh_code == value))
    former = select(PersonIdentityNumber.person_id).where(PersonIdentityNumber.number == value)
    return or_(column.in_(select(Person.id).where(Person.personal_id_number == value)), column.in_(former))
