"""Imports every table so that the metadata is complete (for migrations and tests)."""

from hub.audit.models import AuditEntry, AuditHead
from hub.clients.models import Client
from hub.jobs.models import OutboxJob
from hub.persons.models import Person

__all__ = ["AuditEntry", "AuditHead", "Client", "OutboxJob", "Person"]
