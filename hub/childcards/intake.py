"""Take a batch of birth registrations: check each, match or create the child, open or update its case, and queue
the card. Idempotent: the same record again gets the same answer and leaves one case."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.catalogs.models import HealthFacility
from hub.childcards.checks import check_record, cleaned_and_checked, office_location, placement_errors
from hub.childcards.errors import ChildCardErrorCode as E
from hub.childcards.errors import childcard_error
from hub.childcards.events import StateChange, change_states
from hub.childcards.issuance import queue_cards
from hub.childcards.loading import people_by_id
from hub.childcards.matching import Candidates, Match, MatchKind, match_among, match_children
from hub.childcards.models import CaseState, ChildCardCase, Registration, ReviewItem, ReviewState
from hub.childcards.records import BirthRecord
from hub.clients.permissions import Principal, Role
from hub.documents.newborns import link_newborns
from hub.infra.clock import vietnam_date
from hub.infra.db import Base, lock_keys, new_row, one_of, plan_for_batches, rows_in
from hub.infra.errors import BusinessError
from hub.infra.ids import new_id
from hub.infra.text import fold
from hub.persons.models import Gender, Person
from hub.persons.news import News, tell
from hub.persons.service import NewPerson, new_person

MAX_BATCH = 2000


@dataclass
class RecordOutcome:
    """The answer for one record of a batch, in the order sent."""

    index: int
    record: BirthRecord
    case: ChildCardCase | None = None
    errors: list[BusinessError] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.case is not None and self.case.state != CaseState.REJECTED.value


async def submit_registrations(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, records: Sequence[BirthRecord]
) -> list[RecordOutcome]:
    actor.require(Role.BIRTH_REGISTRATION_SUBMIT)
    if len(records) > MAX_BATCH:
        raise ValueError(f"a batch holds at most {MAX_BATCH} records")
    # Cleaned first: what is checked, hashed, stored and compared is the cleaned text. A record whose text breaks a
    # field's limits is answered before anything of it reaches the database, and the others go on.
    checked = [cleaned_and_checked(r) for r in records]
    records = [r for r, _ in checked]
    refused = {index: errors for index, (_, errors) in enumerate(checked) if errors}
    placed = [r for index, r in enumerate(records) if index not in refused]
    canonical = [r.canonical() for r in records]
    hashes = [r.content_hash(c) for r, c in zip(records, canonical, strict=True)]
    await plan_for_batches(session)
    # Overlapping batches, or records sharing a mother, queue on these locks rather than deadlock.
    await lock_keys(session, _lock_keys(placed))
    cases = await _cases_by_key(session, {r.key for r in placed})
    facilities = await _facilities(session, {r.facility_code for r in placed})
    matches = iter(await match_children(session, placed))
    linked = await people_by_id(session, (c.person_id for c in cases.values()))
    batch = _Batch(mothers=await known_mothers(session, placed), people=linked)
    today = vietnam_date(now)
    outcomes: list[RecordOutcome] = []
    first_in_batch: dict[tuple[str, str, str], tuple[int, str]] = {}
    for index, (birth, content_hash) in enumerate(zip(records, hashes, strict=True)):
        outcome = RecordOutcome(index, birth)
        outcomes.append(outcome)
        if index in refused:
            outcome.errors = refused[index]
            continue
        match = next(matches)
        seen = first_in_batch.setdefault(birth.key, (index, content_hash))
        if seen[0] != index:
            if seen[1] == content_hash:
                outcome.case, outcome.errors = outcomes[seen[0]].case, outcomes[seen[0]].errors
            else:
                outcome.errors = [childcard_error(E.DUPLICATE_IN_BATCH, field="recordNumber", first=seen[0])]
            continue
        outcome.errors = placement_errors(birth, actor)
        if outcome.errors:
            continue
        case = cases.get(birth.key)
        same = case is not None and case.content_hash == content_hash
        if case is not None and same and case.state != CaseState.REJECTED.value:
            outcome.case, outcome.errors = case, []  # the same record again: the same answer
            continue
        errors = check_record(birth, today=today, facility=facilities.get(birth.facility_code))
        errors += _number_held_by_another(birth, case, match, batch)
        if case is not None and same:
            # A rejected record sent again is checked again: its cause (a facility, the catalog) may be gone.
            if _codes(errors) == _codes(_stored_reasons(case)):
                outcome.case, outcome.errors = case, _stored_reasons(case)
                continue
        else:
            case = _open_version(batch.new.append, case, birth, (content_hash, canonical[index]), now, actor)
            cases[birth.key] = case
        assert case is not None
        outcome.case, outcome.errors = case, errors
        if errors:
            case.reasons = [_reason(e) for e in errors]
            batch.changes.append(StateChange(case, CaseState.REJECTED, {"reasons": case.reasons}))
            batch.audit.append(AuditEvent("childcard.reject", Purpose.CARD_ISSUANCE, None, {"case": case.reference}))
            continue
        case.reasons = []
        person = _child_person(session, case, birth, match, now, batch)
        if person is not None:
            batch.audit.append(
                AuditEvent("childcard.register", Purpose.CARD_ISSUANCE, person.id, {"case": case.reference})
            )
    await batch.write(session, now, actor)
    return outcomes


@dataclass
class _Batch:
    """What a batch writes once every record has been looked at: a few statements, whatever its size."""

    mothers: dict[str, Person]  # by identification number: known, or recorded by an earlier record of the batch
    people: dict[uuid.UUID, Person]  # the children already linked to the batch's known cases
    # Children created by an earlier record of the batch: a second registration of the same child (another office,
    # another book, the name spelled in another Unicode form) links to them, as it would in a later batch.
    created: Candidates = field(default_factory=Candidates)
    changes: list[StateChange] = field(default_factory=list)
    new: list[Base] = field(default_factory=list)  # people, cases and registrations, written without the ORM's flush
    to_issue: list[ChildCardCase] = field(default_factory=list)
    audit: list[AuditEvent] = field(default_factory=list)

    async def write(self, session: AsyncSession, now: dt.datetime, actor: Principal | None) -> None:
        await change_states(session, self.changes, now, new=self.new)  # writes the people, cases and registrations
        await queue_cards(session, self.to_issue, now)
        # The hospital's birth certificates of the new children's mothers, and the children's care under their
        # temporary card codes, now have their child.
        mothers = {p.mother_id for p in self.new if isinstance(p, Person) and p.mother_id}
        await link_newborns(session, mothers)
        await tell(session, News.BIRTH_REGISTERED, mothers, now=now)  # e.g. claims waiting for the birth extract
        await record(session, now=now, actor=actor, events=self.audit)


async def _cases_by_key(
    session: AsyncSession, keys: set[tuple[str, str, str]]
) -> dict[tuple[str, str, str], ChildCardCase]:
    if not keys:
        return {}
    key = (ChildCardCase.registry_office_code, ChildCardCase.book_number, ChildCardCase.record_number)
    # Row-locked: two overlapping batches carrying the same record serialise here instead of both opening a case.
    found = await session.scalars(
        select(ChildCardCase)
        .where(rows_in(session, key, keys))
        .order_by(ChildCardCase.id)  # the jobs' lock order
        .with_for_update()
    )
    return {(c.registry_office_code, c.book_number, c.record_number): c for c in found.all()}


async def _facilities(session: AsyncSession, codes: set[str]) -> dict[str, HealthFacility]:
    found = await session.scalars(select(HealthFacility).where(one_of(session, HealthFacility.code, codes)))
    return {f.code: f for f in found.all()}


def _open_version(
    add: Callable[[Base], None],
    case: ChildCardCase | None,
    birth: BirthRecord,
    content: tuple[str, dict[str, Any]],
    now: dt.datetime,
    actor: Principal,
) -> ChildCardCase:
    """Store the record (its hash and canonical form) as a new version of its case, opening it on first sight."""
    content_hash, canonical = content
    location = office_location(birth)
    if case is None:
        case = new_row(
            ChildCardCase,
            id=new_id(),
            reference=_reference(),
            registry_office_code=birth.registry_office_code,
            book_number=birth.key[1],
            record_number=birth.key[2],
            province_code=location.province_code or "00",
            commune_code=location.commune_code or birth.registry_office_code,
            version=0,
            state=CaseState.RECEIVED.value,
            reasons=[],
            received_at=now,
        )
        add(case)
    case.version += 1
    case.content_hash = content_hash
    case.registered_on = birth.registered_on
    case.child_name = birth.child.full_name
    case.child_name_key = fold(birth.child.full_name)
    case.facility_code = birth.facility_code
    case.child_personal_id = birth.child.personal_id_number
    case.updated_at = now
    add(
        new_row(
            Registration,
            id=new_id(),
            case_id=case.id,
            version=case.version,
            content_hash=content_hash,
            payload=canonical,
            received_at=now,
            client_id=actor.client_id,
        )
    )
    return case


def _child_person(
    session: AsyncSession,
    case: ChildCardCase,
    birth: BirthRecord,
    match: Match,
    now: dt.datetime,
    batch: _Batch,
) -> Person | None:
    """Link the case to the child and queue the card; a probable duplicate waits for an officer instead."""
    if match.kind is not MatchKind.SURE and case.person_id is None:
        among_batch = match_among(birth, batch.created)  # a child created by an earlier record of the batch
        if among_batch.kind is MatchKind.SURE or match.kind is MatchKind.NONE:
            match = among_batch
    if case.person_id is None and match.kind is MatchKind.PROBABLE and match.person is not None:
        session.add(
            ReviewItem(
                id=new_id(),
                case_id=case.id,
                candidate_person_id=match.person.id,
                reason=match.reason,
                state=ReviewState.OPEN.value,
                created_at=now,
            )
        )
        batch.changes.append(StateChange(case, CaseState.NEEDS_REVIEW, {"candidate": str(match.person.id)}))
        return None
    person = match.person if match.kind is MatchKind.SURE else None
    if case.person_id is not None:
        person = batch.people.get(case.person_id)
    if person is None:
        person = create_child(batch.new.append, birth, now, batch.audit, batch.mothers)
        batch.created.add(person, birth.mother.personal_id_number if birth.mother else None)
    elif birth.child.personal_id_number and not person.personal_id_number:
        person.personal_id_number = birth.child.personal_id_number
        batch.created.by_number[person.personal_id_number] = person  # held now: a later record finds it
    case.person_id = person.id
    batch.changes.append(card_requested(case))
    batch.to_issue.append(case)
    return person


def _number_held_by_another(
    birth: BirthRecord, case: ChildCardCase | None, match: Match, batch: _Batch
) -> list[BusinessError]:
    """A new version giving the child already linked to its case an identification number that another person
    holds (on record, or given by an earlier record of the batch): refused, as `amendBirthRegistration` refuses it,
    rather than failing the whole batch on the number's uniqueness."""
    number = birth.child.personal_id_number
    if case is None or case.person_id is None or not number:
        return []
    holders = (match.person if match.kind is MatchKind.SURE else None, batch.created.by_number.get(number))
    if any(h is not None and h.personal_id_number == number and h.id != case.person_id for h in holders):
        return [childcard_error(E.ID_NUMBER_HELD_BY_ANOTHER, field="child.personalIdNumber", number=number)]
    return []


def create_child(
    add: Callable[[Person], None],
    birth: BirthRecord,
    now: dt.datetime,
    audit: list[AuditEvent],
    mothers: dict[str, Person],
) -> Person:
    """Record the child (and the mother, when known by her number and not in `mothers` yet), handing each person to
    `add`, the mother first; the creations are added to `audit`."""
    location = office_location(birth)
    mother = _mother(add, birth, now, audit, mothers)
    child = new_person(
        now=now,
        purpose=Purpose.CARD_ISSUANCE,
        audit=audit,
        new=NewPerson(
            full_name=birth.child.full_name,
            gender=birth.child.gender,
            date_of_birth=birth.child.date_of_birth,
            province_code=location.province_code or "00",
            commune_code=location.commune_code or "",
            address=(birth.mother or birth.father or birth.registrant).address or "",
            personal_id_number=birth.child.personal_id_number,
            mother_id=mother.id if mother else None,
        ),
    )
    add(child)
    return child


async def known_mothers(session: AsyncSession, records: Sequence[BirthRecord]) -> dict[str, Person]:
    """The mothers of `records` already recorded, by identification number (one query for the batch)."""
    numbers = {r.mother.personal_id_number for r in records if r.mother and r.mother.personal_id_number}
    if not numbers:
        return {}
    found = await session.scalars(select(Person).where(one_of(session, Person.personal_id_number, numbers)))
    return {p.personal_id_number: p for p in found.all() if p.personal_id_number}


def _mother(
    add: Callable[[Person], None],
    birth: BirthRecord,
    now: dt.datetime,
    audit: list[AuditEvent],
    mothers: dict[str, Person],
) -> Person | None:
    """The mother, found or recorded by her identification number, so that her later children are matched by her.
    A mother known only by name is not recorded as a person."""
    mother = birth.mother
    if mother is None or not mother.personal_id_number or mother.date_of_birth is None:
        return None
    if mother.personal_id_number in mothers:
        return mothers[mother.personal_id_number]
    location = office_location(birth)
    mothers[mother.personal_id_number] = recorded = new_person(
        now=now,
        purpose=Purpose.CARD_ISSUANCE,
        audit=audit,
        new=NewPerson(
            full_name=mother.full_name,
            gender=Gender.FEMALE,
            date_of_birth=mother.date_of_birth,
            province_code=location.province_code or "00",
            commune_code=location.commune_code or "",
            address=mother.address or "",
            personal_id_number=mother.personal_id_number,
        ),
    )
    add(recorded)
    return recorded


def card_requested(case: ChildCardCase) -> StateChange:
    """The case (back) in RECEIVED at its current version: a card is on its way."""
    return StateChange(case, CaseState.RECEIVED, {"version": case.version})


def _reason(error: BusinessError) -> dict[str, str | None]:
    return {"code": error.code, "field": error.field, "message": error.message, "message_vi": error.message_vi}


def _codes(errors: Sequence[BusinessError]) -> list[tuple[str, str | None]]:
    return [(e.code, e.field) for e in errors]


def _stored_reasons(case: ChildCardCase) -> list[BusinessError]:
    if case.state != CaseState.REJECTED.value:
        return []
    return [BusinessError(E(r["code"]), r["message"], r["message_vi"], field=r["field"]) for r in case.reasons]


def _lock_keys(records: Sequence[BirthRecord]) -> set[str]:
    keys = {"registration:" + "/".join(r.key) for r in records}
    keys |= {f"person:{r.child.personal_id_number}" for r in records if r.child.personal_id_number}
    keys |= {f"person:{r.mother.personal_id_number}" for r in records if r.mother and r.mother.personal_id_number}
    return keys


def _reference() -> str:
    return "TE" + uuid.uuid4().hex[:12].upper()
