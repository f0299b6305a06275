"""GraphQL types of signed documents: receipts, documents with their verification report, errors, certificates."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from hub.documents.models import DocumentState, LinkState
from hub.documents.queries import DocumentView
from hub.documents.receipts import LineStatus, ReceiptLine
from hub.documents.storage import StoredSubmission
from hub.signatures.models import TrustedCertificateRow

strawberry.enum(DocumentState, name="DocumentState")
strawberry.enum(LinkState, name="LinkState")
strawberry.enum(LineStatus, name="ReceiptLineStatus")


@strawberry.type
class DocumentError:
    field: str | None = strawberry.field(description="Where: a field, or a path such as HOSO[2]/XML9[1]/SO_CON.")
    code: str = strawberry.field(
        description="A DocumentErrorCode, a signature code (e.g. DIGEST_MISMATCH) or a QĐ 4750 code (FIELD_TOO_LONG)."
    )
    message: str
    message_vi: str


@strawberry.type
class ReceiptDocument:
    doc_type: str
    number: str
    version: int
    status: LineStatus
    standard: str | None = strawberry.field(
        description="The version of the hospital XML standard the table was read under (QD4750, QD3176 …); null on "
        "receipts issued before versions were named."
    )

    @classmethod
    def of(cls, line: ReceiptLine) -> ReceiptDocument:
        return cls(
            doc_type=line.doc_type,
            number=line.number,
            version=line.version,
            status=line.status,
            standard=line.standard or None,
        )


@strawberry.type
class SubmissionReceipt:
    transaction_id: str = strawberry.field(description="Mã giao dịch.")
    received_at: dt.datetime
    sha256: str = strawberry.field(description="SHA-256 of the bytes received, as stored.")
    repeated: bool = strawberry.field(description="These exact bytes were received before: this is the first receipt.")
    documents: list[ReceiptDocument]
    signed_receipt: str = strawberry.field(description="The receipt as XML signed by the hub (BIENNHAN).")

    @classmethod
    def of(cls, stored: StoredSubmission) -> SubmissionReceipt:
        return cls(
            transaction_id=stored.transaction_id,
            received_at=stored.received_at,
            sha256=stored.sha256,
            repeated=stored.repeated,
            documents=[ReceiptDocument.of(line) for line in stored.lines],
            signed_receipt=stored.receipt.decode("utf-8"),
        )


@strawberry.type
class VerificationReportType:
    result: str
    reason_code: str
    signer: str | None
    certificate_subject: str | None
    certificate_serial: str | None
    certificate_not_before: str | None
    certificate_not_after: str | None
    certificate_fingerprint: str | None
    signature_algorithm: str | None
    digest_algorithm: str | None
    digest_value: str | None
    checked_at: str

    @classmethod
    def of(cls, report: dict[str, str | None]) -> VerificationReportType:
        return cls(**{name: report.get(name) for name in cls.__annotations__})  # type: ignore[arg-type]


@strawberry.type(name="Document")
class DocumentType:
    id: strawberry.ID
    issuer: str = strawberry.field(description="The signing party: facility:48001, civil-registry:…, …")
    doc_type: str = strawberry.field(description="XML1, XML7 … XML13, or birth_extract, death_extract …")
    number: str
    version: int
    state: DocumentState
    episode: str | None = strawberry.field(description="MA_LK: the treatment episode.")
    issued_on: dt.date | None
    received_at: dt.datetime
    person_id: strawberry.ID | None
    child_id: strawberry.ID | None = strawberry.field(
        description="A newborn's documents (its birth certificate, its care under a temporary card code): the child, "
        "once registered; personId stays the mother for a birth certificate."
    )
    link_state: LinkState
    child_card_code: str | None
    revoked_reason: str | None
    transaction_id: str
    fields: JSON = strawberry.field(description="Official field name → text; medical fields only if you may see them.")
    medical_fields_visible: bool
    verification: VerificationReportType

    @classmethod
    def of(cls, view: DocumentView) -> DocumentType:
        d = view.document
        return cls(
            id=strawberry.ID(str(d.id)),
            issuer=d.issuer,
            doc_type=d.doc_type,
            number=d.number,
            version=d.version,
            state=DocumentState(d.state),
            episode=d.episode,
            issued_on=d.issued_on,
            received_at=d.received_at,
            person_id=strawberry.ID(str(d.person_id)) if d.person_id else None,
            child_id=strawberry.ID(str(d.child_id)) if d.child_id else None,
            link_state=LinkState(d.link_state),
            child_card_code=d.child_card_code,
            revoked_reason=d.revoked_reason,
            transaction_id=view.transaction_id,
            fields=JSON(view.fields),
            medical_fields_visible=view.medical_visible,
            verification=VerificationReportType.of(view.verification),
        )


@strawberry.type(name="TrustedCertificate")
class TrustedCertificateType:
    party: str
    fingerprint: str
    subject: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    added_at: dt.datetime
    added_by: str
    retired_at: dt.datetime | None
    retired_reason: str | None

    @classmethod
    def of(cls, row: TrustedCertificateRow) -> TrustedCertificateType:
        return cls(
            party=row.party,
            fingerprint=row.fingerprint,
            subject=row.subject,
            serial=row.serial,
            not_before=row.not_before,
            not_after=row.not_after,
            added_at=row.added_at,
            added_by=row.added_by,
            retired_at=row.retired_at,
            retired_reason=row.retired_reason,
        )
