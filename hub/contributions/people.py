"""Who each contribution record is about: the hub's person found by ID number, then BHXH code, and given the
identifier they lacked, or created; a record whose identifiers or identity disagree with the hub's is refused."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent
from hub.contributions.errors import ContributionErrorCode as C
from hub.contributions.errors import contribution_error
from hub.contributions.records import ContributionRecord, ContributionSource
from hub.infra.errors import BusinessError
from hub.persons.models import Person
from hub.persons.service import NewPerson, add_person

PURPOSE = Purpose.CLAIM_SETTLEMENT  # contributions are held to settle benefits


class _Known(NamedTuple):
    """A person already in the hub, as much of them as matching needs."""

    id: uuid.UUID
    personal_id_number: str | None
    bhxh_code: str | None
    date_of_birth: dt.date
    gender: str


@dataclass
class PersonMatch:
    """The person a valid record of the batch is about."""

    index: int
    record: ContributionRecord
    person_id: uuid.UUID
    created: bool
    attach: dict[str, str]  # identifiers the person lacked and the record gives: column → value


def reject_repeated_identifiers(
    records: Sequence[ContributionRecord], rejected: dict[int, list[BusinessError]]
) -> None:
    """A person appears once per batch: a record repeating an earlier one's ID number or BHXH code is refused."""
    first_by_key: dict[str, int] = {}
    for index, candidate in enumerate(records):
        if index in rejected:
            continue
        keys = _record_keys(candidate)
        first = next((first_by_key[key] for key in keys if key in first_by_key), None)
        if first is not None:
            rejected[index] = [contribution_error(C.DUPLICATE_PERSON, first=first + 1)]
            continue
        first_by_key.update(dict.fromkeys(keys, index))


def _record_keys(candidate: ContributionRecord) -> list[str]:
    keys = []
    if candidate.personal_id_number:
        keys.append(f"person:{candidate.personal_id_number}")
    if candidate.bhxh_code:
        keys.append(f"bhxh:{candidate.bhxh_code}")
    return keys


def identity_keys(records: Iterable[ContributionRecord]) -> set[str]:
    """Lock keys for the people of the batch; `person:<ID number>` is the child-card intake's key as well, so that
    both queue rather than create the same person twice."""
    return {key for candidate in records for key in _record_keys(candidate)}


async def match_people(
    session: AsyncSession,
    records: Sequence[ContributionRecord],
    valid: list[int],
    rejected: dict[int, list[BusinessError]],
    *,
    now: dt.datetime,
    audit: list[AuditEvent],
) -> list[PersonMatch]:
    """Find each record's person (ID number first, then BHXH code) in one query; create those not found."""
    numbers = {n for index in valid if (n := records[index].personal_id_number)}
    codes = {c for index in valid if (c := records[index].bhxh_code)}
    by_number: dict[str, _Known] = {}
    by_code: dict[str, _Known] = {}
    if numbers or codes:
        columns = (Person.id, Person.personal_id_number, Person.bhxh_code, Person.date_of_birth, Person.gender)
        conditions = []
        if numbers:
            conditions.append(Person.personal_id_number.in_(numbers))
        if codes:
            conditions.append(Person.bhxh_code.in_(codes))
        for row in (await session.execute(select(*columns).where(or_(*conditions)))).all():
            held = _Known(*row)
            if held.personal_id_number:
                by_number[held.personal_id_number] = held
            if held.bhxh_code:
                by_code[held.bhxh_code] = held

    matches: list[PersonMatch] = []
    claimed: dict[uuid.UUID, int] = {}
    created = False
    for index in valid:
        candidate = records[index]
        known, errors = _find(candidate, by_number, by_code)
        if known is not None and known.id in claimed:
            errors.append(contribution_error(C.DUPLICATE_PERSON, first=claimed[known.id] + 1))
        if errors:
            rejected[index] = errors
            continue
        if known is None:
            person = add_person(session, now=now, purpose=PURPOSE, new=_new_person(candidate), audit=audit)
            matches.append(PersonMatch(index, candidate, person.id, True, {}))
            created = True
            continue
        claimed[known.id] = index
        attach = {}
        if candidate.personal_id_number and not known.personal_id_number:
            attach["personal_id_number"] = candidate.personal_id_number
        if candidate.bhxh_code and not known.bhxh_code:
            attach["bhxh_code"] = candidate.bhxh_code
        matches.append(PersonMatch(index, candidate, known.id, False, attach))
    if created:
        await session.flush()
    return matches


def _find(
    candidate: ContributionRecord, by_number: dict[str, _Known], by_code: dict[str, _Known]
) -> tuple[_Known | None, list[BusinessError]]:
    """The known person the record is about, or None; errors when its identifiers or identity disagree."""
    with_number = by_number.get(candidate.personal_id_number) if candidate.personal_id_number else None
    with_code = by_code.get(candidate.bhxh_code) if candidate.bhxh_code else None
    if with_number is not None and with_code is not None and with_number.id != with_code.id:
        return None, [
            _conflict(
                "bhxhCode",
                "The personal identification number and the BHXH code belong to two different people.",
                "Số định danh cá nhân và mã số BHXH thuộc về hai người khác nhau.",
            )
        ]
    known = with_number or with_code
    if known is None:
        return None, []
    errors = []
    if candidate.personal_id_number and known.personal_id_number not in (None, candidate.personal_id_number):
        errors.append(
            _conflict(
                "personalIdNumber",
                "The person with this BHXH code has another personal identification number.",
                "Người có mã số BHXH này đã có số định danh cá nhân khác.",
            )
        )
    if candidate.bhxh_code and known.bhxh_code not in (None, candidate.bhxh_code):
        errors.append(
            _conflict(
                "bhxhCode",
                "The person with this personal identification number has another BHXH code.",
                "Người có số định danh cá nhân này đã có mã số BHXH khác.",
            )
        )
    differing = [
        (english, vietnamese)
        for differs, english, vietnamese in (
            (known.date_of_birth != candidate.date_of_birth, "date of birth", "ngày sinh"),
            (known.gender != candidate.gender.value, "gender", "giới tính"),
        )
        if differs
    ]
    if differing:
        errors.append(
            contribution_error(
                C.PERSON_MISMATCH,
                field="dateOfBirth" if known.date_of_birth != candidate.date_of_birth else "gender",
                fields=" and ".join(english for english, _ in differing),
                fields_vi=" và ".join(vietnamese for _, vietnamese in differing),
            )
        )
    return known, errors


def _conflict(api_field: str, english: str, vietnamese: str) -> BusinessError:
    return contribution_error(C.IDENTITY_CONFLICT, field=api_field, detail=english, detail_vi=vietnamese)


def _new_person(candidate: ContributionRecord) -> NewPerson:
    return NewPerson(
        full_name=" ".join(candidate.full_name.split()),
        gender=candidate.gender,
        date_of_birth=candidate.date_of_birth,
        province_code=candidate.province_code,
        commune_code=candidate.commune_code,
        address=candidate.address.strip(),
        personal_id_number=candidate.personal_id_number,
        bhxh_code=candidate.bhxh_code,
    )


async def attach_identifiers(
    session: AsyncSession,
    matches: list[PersonMatch],
    *,
    now: dt.datetime,
    source: ContributionSource,
    audit: list[AuditEvent],
) -> None:
    """Give people found the ID number or BHXH code they lacked (one statement for the batch)."""
    changes: list[dict[str, Any]] = []
    for match in matches:
        if match.attach:
            changes.append({"id": match.person_id, **match.attach, "updated_at": now})
            audit.append(
                AuditEvent(
                    "contributions.attach_identifier",
                    PURPOSE,
                    match.person_id,
                    {"fields": sorted(match.attach), "source": source.value},
                )
            )
    if changes:
        await session.execute(update(Person), changes)
