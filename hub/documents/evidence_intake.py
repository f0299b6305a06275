"""Fetch signed evidence from the civil registry and the population database, and store it like a hospital's
documents: the answer byte for byte, verified against the issuer's certificate, read strictly, versioned, linked.

The call to the external system happens before, and outside, the storing transaction: `fetch` then `store`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree  # type: ignore[import-untyped, unused-ignore]  # no stubs installed (see types-lxml)
from sqlalchemy.ext.asyncio import AsyncSession

from connectors import ConnectorError, PermanentError
from connectors.civil_status import CivilStatusClient
from connectors.population_evidence import PopulationEvidenceClient
from connectors.signed import SignedAnswer
from hub.clients.permissions import Principal, Role
from hub.documents.errors import DocumentErrorCode as E
from hub.documents.errors import document_error
from hub.documents.evidence import (
    BirthExtract,
    DeathExtract,
    EvidenceRecord,
    EvidenceUnreadable,
    IdentityCheck,
    IdentityQuery,
    RelationshipCheck,
    RelationshipKind,
    parse_evidence,
)
from hub.documents.intake import Intake, verify
from hub.documents.linking import Subject
from hub.documents.models import Channel, SubmissionKind
from hub.documents.storage import NewDocument, StoredSubmission, VerifiedPayload, find_submission, store_submission
from hub.errors import BusinessError
from hub.integrations import Connectors
from signing.parties import POPULATION_DATABASE

CIVIL_STATUS = ("civil-status software", "phần mềm hộ tịch")
POPULATION = ("population database", "Cơ sở dữ liệu quốc gia về dân cư")
KINDS: dict[type[EvidenceRecord], SubmissionKind] = {
    BirthExtract: SubmissionKind.BIRTH_EXTRACT,
    DeathExtract: SubmissionKind.DEATH_EXTRACT,
    IdentityCheck: SubmissionKind.IDENTITY_CHECK,
    RelationshipCheck: SubmissionKind.RELATIONSHIP_CHECK,
}


@dataclass(frozen=True)
class BirthExtractQuery:
    """By the child's ID number, or by the registry office + book + number of the registration."""

    personal_id: str | None = None
    office: str | None = None
    book: str | None = None
    number: str | None = None


@dataclass(frozen=True)
class DeathExtractQuery:
    personal_id: str


@dataclass(frozen=True)
class RelationshipQuery:
    kind: RelationshipKind
    first_personal_id: str  # the parent, or a spouse
    second_personal_id: str


EvidenceQuery = BirthExtractQuery | DeathExtractQuery | IdentityQuery | RelationshipQuery


def require_reader(actor: Principal) -> None:
    """Evidence is fetched to settle claims: claim roles only."""
    actor.require(Role.CLAIM_READ)


async def fetch(connectors: Connectors, query: EvidenceQuery) -> SignedAnswer:
    """Ask the external system; BusinessError when it is not connected, fails, or holds no such record."""
    client: CivilStatusClient | PopulationEvidenceClient | None
    if isinstance(query, IdentityQuery | RelationshipQuery):
        source, client = POPULATION, connectors.population_evidence()
    else:
        source, client = CIVIL_STATUS, connectors.civil_status()
    if client is None:
        raise _source_error(E.CONNECTOR_UNAVAILABLE, source)
    try:
        answer = await _ask(client, query)
    except ValueError as exc:  # a malformed number or reference, refused before any call
        raise document_error(E.EVIDENCE_QUERY_INVALID, detail=str(exc)) from None
    except PermanentError as exc:
        raise _source_error(E.EVIDENCE_UNREADABLE, source, detail=str(exc)) from None
    except ConnectorError:
        raise _source_error(E.CONNECTOR_UNAVAILABLE, source) from None
    if answer is None:
        raise _source_error(E.EVIDENCE_NOT_FOUND, source)
    return answer


async def _ask(client: CivilStatusClient | PopulationEvidenceClient, query: EvidenceQuery) -> SignedAnswer | None:
    if isinstance(client, PopulationEvidenceClient):
        if isinstance(query, IdentityQuery):
            return await client.verify_identity(query)
        if isinstance(query, RelationshipQuery):
            return await client.verify_relationship(query.kind, query.first_personal_id, query.second_personal_id)
    elif isinstance(query, DeathExtractQuery):
        return await client.death_extract(query.personal_id)
    elif isinstance(query, BirthExtractQuery):
        if query.personal_id:
            return await client.birth_extract_by_id(query.personal_id)
        if query.office and query.book and query.number:
            return await client.birth_extract_by_record(query.office, query.book, query.number)
    raise ValueError("give the child's personal identification number, or the office, book and record number")


def _source_error(reason: E, source: tuple[str, str], *, detail: str = "") -> BusinessError:
    return document_error(reason, source=source[0], source_vi=source[1], detail=detail)


async def store(
    session: AsyncSession, intake: Intake, answer: SignedAnswer, *, now: dt.datetime, actor: Principal | None
) -> StoredSubmission:
    """Verify the answer against the party it names, read it, and store it (the first receipt for the same bytes)."""
    signer = answer.signer or POPULATION_DATABASE
    if not (signer == POPULATION_DATABASE or signer.startswith("civil-registry:")):
        raise _source_error(E.EVIDENCE_UNREADABLE, CIVIL_STATUS, detail=f"unexpected signer {signer!r}")
    repeated = await find_submission(session, signer, answer.sha256)
    if repeated is not None:
        return repeated
    verified = await verify(intake, answer.payload, signer=signer, at=now)
    try:
        record = parse_evidence(verified.signed_root)
    except EvidenceUnreadable as exc:
        raise BusinessError(exc.reason, exc.message, exc.message_vi) from None
    if record.issuer_party != signer:
        raise _source_error(E.EVIDENCE_UNREADABLE, CIVIL_STATUS, detail=f"issued by {record.issuer_party}")
    kind = KINDS[type(record)]
    document = NewDocument(
        doc_type=kind.value,
        number=record.document_number,
        fields=flatten(verified.signed_root),
        subject=Subject.of(_subject_id(record), None, None),
        issued_on=_issued_on(record),
    )
    payload = VerifiedPayload(
        kind,
        signer,
        Channel.CONNECTOR,
        answer.payload,
        verified.report.as_dict(),
        client_id=actor.client_id if actor else None,
    )
    return await store_submission(session, payload, [document], now=now, identity=intake.identity, actor=actor)


def _subject_id(record: EvidenceRecord) -> str | None:
    """Whom the evidence is about: the child, the deceased, the citizen checked, the parent (or first spouse)."""
    if isinstance(record, BirthExtract):
        return record.child.personal_id
    if isinstance(record, DeathExtract):
        return record.personal_id
    if isinstance(record, IdentityCheck):
        return record.query.personal_id
    return record.first_personal_id


def _issued_on(record: EvidenceRecord) -> dt.date:
    if isinstance(record, BirthExtract | DeathExtract):
        return record.registered_on
    return record.checked_at.date()


def flatten(root: etree._Element) -> dict[str, str]:
    """Every element with text, by its path under the root (`ME/HO_TEN`; repeats numbered: `SAI_LECH/TRUONG[2]`)."""
    fields: dict[str, str] = {}

    def walk(element: etree._Element, prefix: str) -> None:
        counts: dict[str, int] = {}
        for child in element:
            if not isinstance(child.tag, str) or child.tag == "CHUKYDONVI":
                continue
            counts[child.tag] = counts.get(child.tag, 0) + 1
            name = child.tag if counts[child.tag] == 1 else f"{child.tag}[{counts[child.tag]}]"
            path = f"{prefix}{name}"
            if len(child):
                walk(child, f"{path}/")
            elif child.text and child.text.strip():
                fields[path] = child.text.strip()

    walk(root, "")
    return fields
