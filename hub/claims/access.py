"""Who may act on a claim: one answer, from where the claim belongs (its province) and whose it is. BHXH's roles act
on the claims of their province (or all); an employer reads those of its employees, a citizen their own. A refusal
on a named claim is noted for the audit log, on the insured person's trail."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.refusals import RefusedRecord, note_refusal
from hub.catalogs.places import commune_location, current_province
from hub.claims.models import Claim
from hub.clients.permissions import JurisdictionLevel, Location, Principal, Role
from hub.contributions.models import Employer
from hub.infra.errors import Forbidden
from hub.persons.id_numbers import InvalidPersonalId, decode_personal_id
from hub.persons.models import Person


def readable(actor: Principal) -> ColumnElement[bool]:
    """The claims `actor` may read, as a condition on Claim; Forbidden for a client that reads none."""
    jurisdiction = actor.jurisdiction
    if Role.CLAIM_READ in actor.roles:
        if jurisdiction.level is JurisdictionLevel.NATIONAL:
            return true()
        if jurisdiction.level is JurisdictionLevel.PROVINCE:
            return Claim.province_code == jurisdiction.code
    if Role.CLAIM_READ_OWN in actor.roles:
        if jurisdiction.level is JurisdictionLevel.EMPLOYER:
            return Claim.employer_id.in_(select(Employer.id).where(Employer.code == jurisdiction.code))
        if jurisdiction.level is JurisdictionLevel.PERSON:
            return Claim.person_id.in_(select(Person.id).where(Person.personal_id_number == jurisdiction.code))
    raise Forbidden()


async def require_letter_reader(session: AsyncSession, actor: Principal, claim: Claim) -> None:
    """A refusal letter goes to those it is addressed to: the claim's person (a citizen client), their employer on
    the claim, and the processors of the claim's province. Forbidden to anyone else, the attempt noted."""
    if actor.may(Role.CLAIM_DECIDE, Location(province_code=claim.province_code)):
        return
    own = actor.jurisdiction.level in (JurisdictionLevel.EMPLOYER, JurisdictionLevel.PERSON)
    if (
        own
        and Role.CLAIM_READ_OWN in actor.roles
        and await session.scalar(select(exists().where(Claim.id == claim.id, readable(actor))))
    ):
        return
    note_refusal(refused(claim))
    raise Forbidden()


def require(actor: Principal, role: Role, claim: Claim) -> None:
    """Forbidden unless `actor` holds `role` over the claim's province (deciding, paying, confirming)."""
    actor.require(role, Location(province_code=claim.province_code), record=refused(claim))


def refused(claim: Claim) -> RefusedRecord:
    return RefusedRecord("claim", claim.reference, claim.person_id)


async def require_evidence_reach(
    session: AsyncSession, actor: Principal, *, personal_ids: Sequence[str], office: str | None = None
) -> None:
    """Evidence is fetched to settle claims, about people the caller's jurisdiction covers: someone living there,
    someone whose claim it reads, or, for someone the hub does not know (a newborn not yet registered, the deceased),
    someone whose number was issued there (its first three digits: the province of birth registration); or a
    registration of an office there. For a relationship, one of the two people suffices (a claimant and their child
    or spouse). Checked before the other system is asked; Forbidden otherwise, the attempt noted."""
    actor.require(Role.CLAIM_READ)
    if actor.jurisdiction.level is JurisdictionLevel.NATIONAL:
        return
    if office is not None and actor.jurisdiction.covers(commune_location(office)):
        return
    personal_ids = [p for p in personal_ids if _issued_in(p) is not None]
    if not personal_ids and office is None:
        return  # no well-formed number: the question is refused as malformed before anyone is asked
    people = {
        p.personal_id_number: p
        for p in (await session.scalars(select(Person).where(Person.personal_id_number.in_(personal_ids)))).all()
    }
    for personal_id in personal_ids:
        person = people.get(personal_id)
        if person is None and actor.jurisdiction.covers(Location(province_code=_issued_in(personal_id))):
            return
        if person is not None and (
            actor.jurisdiction.covers(person.location) or await _has_claim_read_by(session, actor, person)
        ):
            return
    for person in people.values():
        note_refusal(RefusedRecord("person", person.personal_id_number or "", person.id))
    raise Forbidden()


async def _has_claim_read_by(session: AsyncSession, actor: Principal, person: Person) -> bool:
    return await session.scalar(select(exists().where(Claim.person_id == person.id, readable(actor)))) or False


def _issued_in(personal_id: str) -> str | None:
    """The current province where a number's birth was registered (None: not a well-formed number)."""
    try:
        return current_province(decode_personal_id(personal_id).legacy_province_code)
    except InvalidPersonalId:
        return None
