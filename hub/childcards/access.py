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


def may_review(actor: Principal, case: ChildCardCase, candidate: Person | None, *, note: bool = False) -> bool:
    """A probable duplicate is reviewed by an officer whose jurisdiction covers both the new case and the person it
    may be: matching is national, and a case of one province must not show or change a person of another (such a
    pair waits for a national officer). With `note`, a refusal is noted for the audit log."""
    role = Role.CHILD_CARD_REVIEW
    if actor.may(role, case.location) and candidate is not None and actor.may(role, candidate.location):
        return True
    if note:  # on the trail of the person the review would have shown or changed
        note_refusal(refused(case, candidate))
    return False


def refused(case: ChildCardCase, person: Person | None = None) -> RefusedRecord:
    """A case a caller was refused, on the trail of `person` (by default the case's child, once known)."""
    return RefusedRecord("childcard.case", case.reference, person.id if person else case.person_id)
