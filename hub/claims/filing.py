"""Claims filed by hand: an employer's list of employees (Mẫu 01B-HSB) or one employee's file, each merged into the
claim for the same event if there is one, never a second claim, or refused if it overlaps another claim's days
(hub.claims.overlap)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.refusals import RefusedRecord, note_refusal
from hub.claims.children import child_by_identifier, parents_of
from hub.claims.details import CHILD_BORN_UNKNOWN, ChildCareDetails, ClaimDetails, event_date
from hub.claims.errors import ClaimErrorCode as E
from hub.claims.errors import claim_error
from hub.claims.models import Claim, ClaimKind, ClaimOrigin, FiledBy
from hub.claims.routing import settling_province
from hub.claims.service import Opening, open_or_refuse
from hub.clients.permissions import JurisdictionLevel, Location, Principal, Role
from hub.contributions.models import ContributionMonthRow, Employer
from hub.infra.clock import vietnam_date
from hub.infra.errors import BusinessError
from hub.persons.identity import people_by_identifiers
from hub.persons.models import Person

MAX_FILINGS = 1_000  # per call: an employer's monthly list fits


@dataclass(frozen=True)
class Filing:
    """One line of a filing: whose claim (by identification number or BHXH code), which benefit, its details."""

    kind: ClaimKind
    details: ClaimDetails
    personal_id: str | None = None
    bhxh_code: str | None = None
    filed_on: dt.date | None = None
    child: str | None = None  # child care: the child's personal ID number, BHXH code or card number


FilingOutcome = Claim | BusinessError


async def file_claims(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, filings: Sequence[Filing]
) -> list[FilingOutcome]:
    """File each claim, in order: the claim it opened or merged into, or why it was refused (an unknown person, or
    one outside the caller's jurisdiction: another province's, another employer's employee, someone else; or
    CLAIM_OVERLAPS, naming the claim whose days it overlaps)."""
    actor.require(Role.CLAIM_FILE)
    if len(filings) > MAX_FILINGS:
        raise claim_error(E.TOO_MANY_FILINGS, count=len(filings), limit=MAX_FILINGS)
    people = await _people(session, filings)
    employers = await _employers(
        session, [(p.id, event_date(f.details)) for f, p in zip(filings, people, strict=True) if p]
    )
    outcomes: list[FilingOutcome | Opening] = []
    for filing, person in zip(filings, people, strict=True):
        employer = employers.get((person.id, event_date(filing.details))) if person else None
        if person is None or not actor.jurisdiction.covers(_place(person, employer)):
            outcomes.append(_not_filed(actor, person))
            continue
        details = await _with_child(session, filing, person)
        if isinstance(details, BusinessError):
            outcomes.append(details)
            continue
        outcomes.append(
            Opening(
                filing.kind,
                person.id,
                settling_province(person.province_code, employer),
                details,
                employer_id=employer.id if employer else None,
                filed_on=filing.filed_on or vietnam_date(now),
                filed_by=filed_by(actor),
            )
        )
    openings = [o for o in outcomes if isinstance(o, Opening)]
    opened = iter(await open_or_refuse(session, openings, now=now, actor=actor, origin=ClaimOrigin.MANUAL))
    return [next(opened) if isinstance(o, Opening) else o for o in outcomes]


async def _with_child(session: AsyncSession, filing: Filing, person: Person) -> ClaimDetails | BusinessError:
    """A child-care filing's details with the child it names: its person and birth date. Refused when no child
    of this person has that identifier (a child whose parents the hub knows must have this person among them)."""
    details = filing.details
    if not isinstance(details, ChildCareDetails):
        return details
    if not filing.child:
        if details.child_born == CHILD_BORN_UNKNOWN:
            return claim_error(
                E.DETAILS_INVALID, field="childBorn", detail="a child-care claim needs child or childBorn"
            )
        return details
    child = await child_by_identifier(session, filing.child)
    parents = (await parents_of(session, {child.id})).get(child.id, []) if child else []
    if child is None or (parents and person.id not in {parent.person_id for parent in parents}):
        return claim_error(E.CHILD_NOT_FOUND, field="child", child=filing.child)
    if details.child_born not in (CHILD_BORN_UNKNOWN, child.date_of_birth):
        detail = f"childBorn {details.child_born} is not the child's birth date"
        return claim_error(E.DETAILS_INVALID, field="childBorn", detail=detail)
    return dataclasses.replace(
        details,
        child_born=child.date_of_birth,
        child_id=str(child.id),
        child_personal_id=child.personal_id_number or details.child_personal_id,
    )


def filed_by(actor: Principal) -> FiledBy:
    """Who is filing: the insured person (a citizen client), their employer, or BHXH's processor."""
    level = actor.jurisdiction.level
    if level is JurisdictionLevel.PERSON:
        return FiledBy.EMPLOYEE
    return FiledBy.EMPLOYER if level is JurisdictionLevel.EMPLOYER else FiledBy.BHXH


def _place(person: Person, employer: Employer | None) -> Location:
    """Where a filing for this person belongs: the province settling it (their employer's that month, else their
    home's), their employer, themself."""
    return Location(
        province_code=settling_province(person.province_code, employer),
        employer_code=employer.code if employer else None,
        personal_id=person.personal_id_number,
    )


def _not_filed(actor: Principal, person: Person | None) -> BusinessError:
    """Why a filing is refused. Only a national caller learns that a number is unknown: to anyone else an unknown
    person and one out of reach look the same, so that filings cannot probe who is insured."""
    if person is None and actor.jurisdiction.level is JurisdictionLevel.NATIONAL:
        return claim_error(E.PERSON_UNKNOWN, field="personalId")
    if person is not None:
        note_refusal(RefusedRecord("person", person.personal_id_number or person.bhxh_code or "", person.id))
    return claim_error(E.NOT_PERMITTED, field="personalId")


async def file_claim(session: AsyncSession, *, now: dt.datetime, actor: Principal, filing: Filing) -> Claim:
    """File one claim; a refusal is raised."""
    (outcome,) = await file_claims(session, now=now, actor=actor, filings=[filing])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


async def _people(session: AsyncSession, filings: Sequence[Filing]) -> list[Person | None]:
    """Each filing's person, by the identifier it gives (its ID number, else its BHXH code). Either field accepts
    either: from 1/8/2025 BHXH uses the 12-digit ID number in place of the BHXH code, so a 12-digit value is an ID
    number (current or cancelled: the identity history) and a 10-digit one a BHXH code (hub.persons.identity)."""
    named = [(f.personal_id or f.bhxh_code or "").strip() for f in filings]
    found = await people_by_identifiers(session, named)
    return [found.get(text) if text else None for text in named]


async def _employers(
    session: AsyncSession, wanted: Sequence[tuple[uuid.UUID, dt.date]]
) -> dict[tuple[uuid.UUID, dt.date], Employer]:
    """For each (person, day): the employer the person last contributed for, up to that day. One query per month
    the days fall in (a list's leaves fall in a few), each a backward step along the (person, month) index per
    person: a grouped `max(month)` joined back has the planner scan every contribution month stored."""
    by_month: dict[dt.date, set[uuid.UUID]] = defaultdict(set)
    for person_id, day in wanted:
        by_month[day.replace(day=1)].add(person_id)
    months = ContributionMonthRow
    employer_of: dict[tuple[uuid.UUID, dt.date], uuid.UUID] = {}
    for month, people in by_month.items():
        last = (
            select(months.employer_id)
            .where(months.person_id == Person.id, months.employer_id.is_not(None), months.month <= month)
            .order_by(months.month.desc())
            .limit(1)
            .correlate(Person)
            .scalar_subquery()
        )
        rows = await session.execute(select(Person.id, last).where(Person.id.in_(people)))
        employer_of.update({(person_id, month): employer_id for person_id, employer_id in rows if employer_id})
    found = await session.scalars(select(Employer).where(Employer.id.in_(set(employer_of.values()))))
    employers = {employer.id: employer for employer in found}
    return {
        (person_id, day): employers[employer_of[(person_id, day.replace(day=1))]]
        for person_id, day in wanted
        if (person_id, day.replace(day=1)) in employer_of
    }
