"""Imports every table so that the metadata is complete (for migrations and tests)."""

from hub.audit.models import AuditEntry, AuditHead
from hub.catalogs.models import BhxhUnit, BhxhUnitCommune, FacilityRequest, HealthFacility
from hub.childcards.models import (
    BhxhCodeCounter,
    CaseEvent,
    ChildCard,
    ChildCardCase,
    Registration,
    ReviewItem,
)
from hub.claims.models import Claim, ClaimEvent, ContributionMonthRow, Employer, PaymentOrder
from hub.clients.models import Client
from hub.documents.models import Document, DocumentUse, GatewayAccount, Submission, TrustedCertificateRow
from hub.jobs.models import OutboxJob
from hub.persons.models import Person

__all__ = [
    "AuditEntry",
    "AuditHead",
    "BhxhCodeCounter",
    "BhxhUnit",
    "BhxhUnitCommune",
    "CaseEvent",
    "ChildCard",
    "ChildCardCase",
    "Claim",
    "ClaimEvent",
    "Client",
    "ContributionMonthRow",
    "Document",
    "DocumentUse",
    "Employer",
    "FacilityRequest",
    "GatewayAccount",
    "HealthFacility",
    "OutboxJob",
    "PaymentOrder",
    "Person",
    "Registration",
    "ReviewItem",
    "Submission",
    "TrustedCertificateRow",
]
