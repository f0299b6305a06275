"""Fetch signed evidence from the civil registry and the population database, and store it like a hospital's
documents: the answer byte for byte, verified against the issuer's certificate, read strictly, versioned, linked.

The call to the external system happens before, and outside, the storing transaction: `fetch` then `store`.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from lxml import etree  # type: ignore[import-untyped, unused-ignore]  # no stubs installed (see types-lxml)
from sqlalchemy.ext.asyncio import AsyncSession

from connectors import ConnectorError, PermanentError
from connectors.civil_status import CivilStatusClient
from connectors.connections import Connectors
from connectors.population_evidence import PopulationEvidenceClient
from connectors.signed import SignedAnswer
from hub.clients.permissions import Principal
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
from hub.infra.errors import BusinessError
from signing.parties import POPULATION_DATABASE
from signing.verify import Verified

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


def subjects(query: EvidenceQuery) -> tuple[list[str], str | None]:
    """Whom a question is about, for the caller's reach: the people's ID numbers, and the registry office asked
    for one of its registrations."""
    match query:
        case BirthExtractQuery(personal_id=personal_id, office=office):
            return ([personal_id] if personal_id else []), (None if personal_id else office)
        case DeathExtractQuery(personal_id=personal_id) | IdentityQuery(personal_id=personal_id):
            return [personal_id], None
        case RelationshipQuery(first_personal_id=first, second_personal_id=second):
            return [first, second], None
    raise AssertionError(f"no subjects for {type(query).__name__}")


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


@dataclass(frozen=True)
class ReadAnswer:
    """An answer verified against the party it names and read: the signed root and the record it holds."""

    signer: str
    verified: Verified
    record: EvidenceRecord


async def read_answer(intake: Intake, query: EvidenceQuery, answer: SignedAnswer, *, now: dt.datetime) -> ReadAnswer:
    """Verify the answer to `query` against the party it names, read it, and check that it answers `query`."""
    source = POPULATION if isinstance(query, IdentityQuery | RelationshipQuery) else CIVIL_STATUS
    signer = answer.signer or POPULATION_DATABASE
    if not (signer == POPULATION_DATABASE or signer.startswith("civil-registry:")):
        raise _source_error(E.EVIDENCE_UNREADABLE, source, detail=f"unexpected signer {signer!r}")
    verified = await verify(intake, answer.payload, signer=signer, at=now)
    try:
        record = parse_evidence(verified.signed_root)
    except EvidenceUnreadable as exc:
        raise BusinessError(exc.reason, exc.message, exc.message_vi) from None
    if record.issuer_party != signer:
        raise _source_error(E.EVIDENCE_UNREADABLE, source, detail=f"issued by {record.issuer_party}")
    # A well-signed answer about someone else, or to another question, is no evidence for this one. Checked before
    # the same bytes are looked up: an answer stored for one question is not returned for another.
    if (mismatch := mismatch_of(record, query)) is not None:
        raise _source_error(E.EVIDENCE_MISMATCH, source, detail=mismatch)
    return ReadAnswer(signer, verified, record)


async def store(
    session: AsyncSession,
    intake: Intake,
    query: EvidenceQuery,
    answer: SignedAnswer,
    *,
    now: dt.datetime,
    actor: Principal | None,
    read: ReadAnswer | None = None,
) -> StoredSubmission:
    """Store the answer to `query` (the first receipt for the same bytes), once verified and read (`read_answer`,
    done here unless `read` is given)."""
    read = read or await read_answer(intake, query, answer, now=now)
    repeated = await find_submission(session, read.signer, answer.sha256)
    if repeated is not None:
        return repeated
    record = read.record
    kind = KINDS[type(record)]
    document = NewDocument(
        doc_type=kind.value,
        number=record.document_number,
        fields=flatten(read.verified.signed_root),
        subject=Subject.of(_subject_id(record), None, None),
        issued_on=_issued_on(record),
    )
    payload = VerifiedPayload(
        kind,
        read.signer,
        Channel.CONNECTOR,
        answer.payload,
        read.verified.report.as_dict(),
        client_id=actor.client_id if actor else None,
    )
    return await store_submission(session, payload, [document], now=now, identity=intake.identity, actor=actor)


# The kind of record that answers each kind of question.
ANSWERS: dict[type[EvidenceQuery], type[EvidenceRecord]] = {
    BirthExtractQuery: BirthExtract,
    DeathExtractQuery: DeathExtract,
    IdentityQuery: IdentityCheck,
    RelationshipQuery: RelationshipCheck,
}


def mismatch_of(record: EvidenceRecord, query: EvidenceQuery) -> str | None:
    """Why `record` does not answer `query`, or None when it does."""
    wanted = ANSWERS[type(query)]
    if not isinstance(record, wanted):
        return f"an answer of kind '{record.TITLE[0]}' to a question of kind '{wanted.TITLE[0]}'"
    if isinstance(record, BirthExtract) and isinstance(query, BirthExtractQuery):
        if query.personal_id:
            return None if record.child.personal_id == query.personal_id else "the extract is of another child"
        place = (record.office_code, record.book_number, record.record_number)
        return None if place == (query.office, query.book, query.number) else "the extract is of another record"
    if isinstance(record, DeathExtract) and isinstance(query, DeathExtractQuery):
        return None if record.personal_id == query.personal_id else "the extract is of another person"
    if isinstance(record, IdentityCheck) and isinstance(query, IdentityQuery):
        return None if _same_identity(record.query, query) else "the check is of other particulars"
    if isinstance(record, RelationshipCheck) and isinstance(query, RelationshipQuery):
        asked = (query.kind, query.first_personal_id, query.second_personal_id)
        answered = (record.kind, record.first_personal_id, record.second_personal_id)
        return None if asked == answered else "the check is of another relationship or other people"
    raise AssertionError(f"no rule for {type(query).__name__}")


def _same_identity(echoed: IdentityQuery, asked: IdentityQuery) -> bool:
    """The particulars the register echoes are those asked; a name compares as text, whatever its Unicode form,
    case or spacing."""
    return (echoed.personal_id, echoed.date_of_birth, echoed.gender) == (
        asked.personal_id,
        asked.date_of_birth,
        asked.gender,
    ) and _name_key(echoed.full_name) == _name_key(asked.full_name)


def _name_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


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
