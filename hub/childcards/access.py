"""Who may act on a child-card case: one answer, from where the case belongs (the registering office's commune and
province) and, for a reissue, where the child lives. A case out of reach is answered as unknown, and the attempt is
noted for the audit log."""

from __future__ import annotations

from hub.audit.refusals import RefusedRecord, note_refusal
from hub.childcards.models import ChildCardCase
from hub.clients.permissions import Principal, Role
from hub.persons.models import Person

# Registry offices read the cases they sent; BHXH's officers those of their province.
READ_ROLES = (Role.BIRTH_REGISTRATION_SUBMIT, Role.PERSON_READ)


def reaches(actor: Principal, case: ChildCardCase, *roles: Role) -> bool:
    """Whether the actor holds one of `roles` over the case's place; if not, the attempt is noted."""
    if any(actor.may(role, case.location) for role in roles):
        return True
    note_refusal(refused(case))
    return False


def may_reissue(actor: Principal, case: ChildCardCase, person: Person | None) -> bool:
    """An office may have a child's card reissued if it registered the child, or if the child lives in its area."""
    role = Role.BIRTH_REGISTRATION_SUBMIT
    if actor.may(role, case.location) or (person is not None and actor.may(role, person.location)):
        return True
    note_refusal(refused(case))
    return False


def refused(case: ChildCardCase) -> RefusedRecord:
    return RefusedRecord("childcard.case", case.reference, case.person_id)
