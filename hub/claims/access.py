"""Who may act on a claim: one answer, from where the claim belongs (its province) and whose it is. BHXH's roles act
on the claims of their province (or all); an employer reads those of its employees, a citizen their own. A refusal
on a named claim is noted for the audit log, on the insured person's trail."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, true

from hub.audit.refusals import RefusedRecord
from hub.claims.models import Claim, Employer
from hub.clients.permissions import JurisdictionLevel, Location, Principal, Role
from hub.errors import Forbidden
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


def require(actor: Principal, role: Role, claim: Claim) -> None:
    """Forbidden unless `actor` holds `role` over the claim's province (deciding, paying, confirming)."""
    actor.require(role, Location(province_code=claim.province_code), record=refused(claim))


def refused(claim: Claim) -> RefusedRecord:
    return RefusedRecord("claim", claim.reference, claim.person_id)
