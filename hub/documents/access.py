"""Who may read or act on a signed document: one answer, from the document's own place (its issuer, the person it is
about, who fetched it). A facility reads only what it submitted. BHXH roles read documents issued in their province,
about a person living there, or fetched by themselves (civil-status and population evidence), or everything with a
national jurisdiction. Medical content is shown only to the issuing facility and to the roles that settle claims
(`MEDICAL_ROLES`)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true

from hub.audit.refusals import RefusedRecord
from hub.clients.permissions import JurisdictionLevel, Principal, Role
from hub.documents.models import Document, Submission
from hub.persons.models import Person
from signing.parties import facility

MEDICAL_ROLES = frozenset({Role.CLAIM_READ})


def readable(actor: Principal) -> ColumnElement[bool]:
    """The documents this caller may read at all, as a condition on Document (Forbidden without document:read)."""
    actor.require(Role.DOCUMENT_READ)
    jurisdiction = actor.jurisdiction
    match jurisdiction.level:
        case JurisdictionLevel.NATIONAL:
            return true()
        case JurisdictionLevel.FACILITY:
            assert jurisdiction.code is not None
            return Document.issuer == facility(jurisdiction.code)
        case JurisdictionLevel.PROVINCE:
            living_there = select(Person.id).where(Person.province_code == jurisdiction.code)
            fetched = select(Submission.id).where(Submission.client_id == actor.client_id)
            return or_(
                Document.issuer.startswith(f"facility:{jurisdiction.code}"),
                Document.person_id.in_(living_there),
                Document.submission_id.in_(fetched),  # evidence this client asked for
            )
        case _:
            return false()


def issued_by(actor: Principal, document: Document) -> bool:
    """Whether `actor` is the facility that issued the document (the only one that may revoke it)."""
    jurisdiction = actor.jurisdiction
    return (
        jurisdiction.level is JurisdictionLevel.FACILITY
        and jurisdiction.code is not None
        and document.issuer == facility(jurisdiction.code)
    )


def medical_visible(actor: Principal, document: Document) -> bool:
    if actor.jurisdiction.level is JurisdictionLevel.FACILITY:
        return issued_by(actor, document)
    return bool(MEDICAL_ROLES & actor.roles)


def refused(document: Document) -> RefusedRecord:
    """A document a caller was refused, for the audit log, on its person's trail."""
    return RefusedRecord("document", str(document.id), document.person_id or document.child_id)
