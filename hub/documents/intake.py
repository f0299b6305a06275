"""Receive a facility's signed GIAMDINHHS envelope: verify the signature against the facility's certificate, read
every table from what was signed, and store it all, or refuse it with every reason and store nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from hub.clients.permissions import ClientKind, JurisdictionLevel, Principal, Role
from hub.documents.errors import DocumentErrorCode as E
from hub.documents.errors import SignatureRefused, document_error, signature_error
from hub.documents.linking import Subject
from hub.documents.models import Channel, SubmissionKind
from hub.documents.qd4750 import (
    AssessmentMinutes,
    BirthCertificate,
    Envelope,
    SickLeaveCertificate,
    VisitSummary,
    parsed_fields,
    read_envelope,
)
from hub.documents.qd4750.base import is_record_of
from hub.documents.qd4750.errors import EnvelopeUnreadable
from hub.documents.qd4750.records import Record
from hub.documents.receipts import LineStatus, ReceiptLine, Refusal, signed_refusal
from hub.documents.storage import (
    NewDocument,
    StoredSubmission,
    VerifiedPayload,
    find_submission,
    sha256_of,
    store_received,
)
from hub.infra.db import Database
from hub.infra.errors import BusinessError, BusinessErrors
from hub.signatures.certificates import TrustCache
from signing.errors import CertificateUnknown, SignatureError, SignerUnexpected, XmlError
from signing.keys import SigningIdentity
from signing.parties import facility
from signing.verify import Verified, verify_enveloped


@dataclass(frozen=True)
class Intake:
    """What a process needs to receive signed payloads: its trust store, its own identity, the size limits (of an
    envelope, and of each table in it, decoded; the envelope's when not given)."""

    trust: TrustCache
    identity: SigningIdentity
    max_bytes: int
    max_table_bytes: int | None = None


ASSESSMENT_TABLE = "XML12"  # minutes of a medical assessment council


async def receive_envelope(
    db: Database, intake: Intake, *, data: bytes, principal: Principal, now: dt.datetime, channel: Channel
) -> StoredSubmission:
    """Store a GIAMDINHHS envelope from the facility `principal` stands for; the first receipt if sent before.

    The signature is checked and the tables read before the storing transaction opens, so that it holds its locks
    only for the writes. Raises BusinessError (or BusinessErrors, listing every violation with its path) and stores
    nothing when the envelope is refused.

    Whether the same bytes came before is asked in the storing transaction, not in one of its own ahead of the
    checks: a resend, which is rare, is checked again for nothing, and every first sending saves a transaction.
    A resend that would be refused now (its certificate has expired since) still gets its first receipt."""
    code = _facility_code(principal)
    if not data:
        raise document_error(E.PAYLOAD_EMPTY)
    if len(data) > intake.max_bytes:
        raise document_error(E.PAYLOAD_TOO_LARGE, size=len(data), limit=intake.max_bytes)
    sender, digest = facility(code), sha256_of(data)
    try:
        verified = await verify(intake, data, signer=sender, at=now)
        table_limit = intake.max_bytes if intake.max_table_bytes is None else intake.max_table_bytes
        documents, kept = _read(verified, code, max_bytes=table_limit, council=_is_council(principal))
        report = verified.report.as_dict()
        # The signed tree and its canonical bytes (about 2.5 envelopes) are not held across the storing transaction.
        del verified
    except (BusinessError, BusinessErrors):
        async with db.sessions() as session:
            repeated = await find_submission(session, sender, digest)
        if repeated is not None:
            return repeated
        raise
    payload = VerifiedPayload(
        SubmissionKind.QD4750, sender, channel, data, report, client_id=principal.client_id, sha256=digest
    )
    # Sent before, or by a twin at the same moment: the first receipt (see store_submission).
    return await store_received(db, payload, documents, now=now, identity=intake.identity, actor=principal, kept=kept)


def refusal_of(
    intake: Intake, principal: Principal, data: bytes, *, now: dt.datetime, error: BusinessError | BusinessErrors
) -> bytes:
    """The hub's signed refusal of `data` sent by `principal`, giving every reason of `error`."""
    errors = error.errors if isinstance(error, BusinessErrors) else [error]
    jurisdiction = principal.jurisdiction
    own = jurisdiction.level is JurisdictionLevel.FACILITY and jurisdiction.code is not None
    sender = facility(str(jurisdiction.code)) if own else principal.name
    reasons = [(e.code, e.field, e.message_vi) for e in errors]
    check = next((e.report for e in errors if isinstance(e, SignatureRefused) and e.report is not None), None)
    report = check.as_dict() if check is not None else None
    refusal = Refusal(now, sender, SubmissionKind.QD4750.value, sha256_of(data), reasons, report)
    return signed_refusal(refusal, intake.identity)


def _is_council(principal: Principal) -> bool:
    return principal.kind is ClientKind.ASSESSMENT_COUNCIL


def _read(
    verified: Verified, code: str, *, max_bytes: int, council: bool = False
) -> tuple[list[NewDocument], list[ReceiptLine]]:
    """The documents of a verified envelope of facility `code` (or of the assessment council `code`), read from what
    was signed, and the lines that acknowledge its tables kept as sent; refused whole on any violation. Minutes of
    medical assessment (XML12) come from councils only (domain-rules §6), and councils send nothing else."""
    try:
        envelope = read_envelope(verified.signed_root, max_table_bytes=max_bytes, keep_kept=False)
    except EnvelopeUnreadable as exc:
        raise BusinessErrors([exc]) from None
    if envelope.macskcb != code:
        raise document_error(E.FACILITY_NOT_SENDER, field="MACSKCB", found=envelope.macskcb, expected=code)
    misplaced = sorted(
        {
            item.loaihoso
            for hoso in envelope.hoso
            for item in hoso.files
            if (item.loaihoso == ASSESSMENT_TABLE) != council
        }
    )
    if misplaced:
        raise BusinessErrors(
            [document_error(E.TABLE_NOT_FOR_SENDER, field="LOAIHOSO", table=table) for table in misplaced]
        )
    if envelope.violations:
        raise BusinessErrors([violation.as_error() for violation in envelope.violations])
    documents = envelope_documents(envelope)
    _refuse_repeats(documents)
    return documents, kept_tables(envelope)


async def verify(intake: Intake, data: bytes, *, signer: str, at: dt.datetime) -> Verified:
    """Verify `data` as signed by `signer`; a certificate this process does not know yet reloads the store once."""
    store = await intake.trust.store()
    for attempt in (1, 2):
        try:
            return verify_enveloped(data, store, expected_signer=signer, at=at, max_bytes=intake.max_bytes)
        except (CertificateUnknown, SignerUnexpected) as exc:
            if attempt == 2:
                raise signature_error(exc.code, str(exc), report=exc.report) from None
            store = await intake.trust.reload()  # imported by another process since this one loaded it?
        except (SignatureError, XmlError) as exc:
            raise signature_error(exc.code, str(exc), report=exc.report) from None
    raise AssertionError("unreachable")


def _facility_code(principal: Principal) -> str:
    principal.require(Role.DOCUMENT_SUBMIT)
    jurisdiction = principal.jurisdiction
    if jurisdiction.level is not JurisdictionLevel.FACILITY or jurisdiction.code is None:
        raise document_error(E.NOT_A_FACILITY_CLIENT)
    return jurisdiction.code


def envelope_documents(envelope: Envelope) -> list[NewDocument]:
    """Every record of every parsed table, as a document about the patient of its HOSO (or, for a birth
    certificate, about the mother; a sick-leave certificate names its insured person itself)."""
    documents: list[NewDocument] = []
    for h, hoso in enumerate(envelope.hoso):
        visit = hoso.visit
        patient = Subject.of(visit.so_cccd, None, visit.ma_the_bhyt) if visit is not None else Subject()
        for f, item in enumerate(hoso.files):
            table = item.table
            for r, record in enumerate(table.records if table else ()):
                documents.append(
                    NewDocument(
                        doc_type=item.loaihoso,
                        number=record.document_number,
                        # made while reading the table (the same as parsed_fields), unless it was made elsewhere
                        fields=table.fields[r] if table and table.fields else parsed_fields(record),
                        subject=_subject(record, patient),
                        position={"hoso": h, "file": f, "record": r},
                        episode=record.ma_lk,
                        issued_on=_issued_on(record),
                        child_card_code=getattr(record, "ma_the_tam", None),
                        standard=item.standard.code if item.standard else "",
                    )
                )
    return documents


def kept_tables(envelope: Envelope) -> list[ReceiptLine]:
    """A receipt line for each table kept as sent, unread (XML0, XML2–6 and the like): its type, its episode (the
    MA_LK of the HOSO's XML1, or the table's own for a check-in) and the version its fields follow."""
    return [
        ReceiptLine(
            item.loaihoso,
            hoso.visit.ma_lk if hoso.visit else item.episode or "",
            0,
            LineStatus.KEPT,
            item.standard.code if item.standard else "",
        )
        for hoso in envelope.hoso
        for item in hoso.files
        if item.table is None
    ]


def _subject(record: Record, patient: Subject) -> Subject:
    if is_record_of(record, AssessmentMinutes):  # SO_CCCD the ID number, MA_BHXH the code: either may carry either
        return Subject.of(record.so_cccd, record.ma_bhxh, record.ma_the_bhyt)
    if is_record_of(record, BirthCertificate):
        return Subject.of(record.so_cccd_nnd, record.ma_bhxh_nnd, record.ma_the_nnd)
    if is_record_of(record, SickLeaveCertificate):
        own = Subject.of(None, record.ma_bhxh, record.ma_the_bhyt)
        return Subject(patient.personal_id, own.bhxh_code, own.card_number or patient.card_number)
    return patient


def _issued_on(record: Record) -> dt.date | None:
    issued = getattr(record, "ngay_ct", None)
    if isinstance(issued, dt.date):
        return issued
    if is_record_of(record, VisitSummary):
        return record.ngay_ra.date()
    if is_record_of(record, AssessmentMinutes):
        return record.ngay_chung_tu or record.ngay_hop
    return None


def _refuse_repeats(documents: list[NewDocument]) -> None:
    counts = Counter((d.doc_type, d.number) for d in documents)
    repeats: list[BusinessError] = [
        document_error(E.DOCUMENT_REPEATED, field=doc_type, doc_type=doc_type, number=number)
        for (doc_type, number), count in counts.items()
        if count > 1
    ]
    if repeats:
        raise BusinessErrors(repeats)
