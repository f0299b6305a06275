"""GraphQL for facilities: send a signed GIAMDINHHS envelope (as text or base64), revoke a document."""

from __future__ import annotations

import binascii
import enum

import strawberry

from hub.documents.errors import DocumentErrorCode as E
from hub.documents.errors import document_error
from hub.documents.intake import receive_envelope, refusal_of
from hub.documents.models import Channel
from hub.documents.qd4750 import decode_base64
from hub.documents.queries import read_document
from hub.documents.uses import revoke_document
from hub.infra.errors import BusinessError, BusinessErrors
from schema.context import Info, write
from schema.documents.types import DocumentError, DocumentType, SubmissionReceipt
from schema.errors import payload_errors
from schema.ids import parse_uuid


@strawberry.enum
class PayloadEncoding(enum.Enum):
    TEXT = "text"
    BASE64 = "base64"


@strawberry.type
class SubmitDossiersPayload:
    receipt: SubmissionReceipt | None
    errors: list[DocumentError]
    signed_refusal: str | None = strawberry.field(
        default=None,
        description="When refused: the hub's signed refusal of these bytes (TUCHOI, XML, like signedReceipt), with "
        "every reason, so that the facility can prove what was refused, when and why.",
    )


@strawberry.type
class RevokeDocumentPayload:
    document: DocumentType | None
    errors: list[DocumentError]


def envelope_bytes(envelope: str, encoding: PayloadEncoding) -> bytes:
    """The bytes of the file: UTF-8 of the text, or the decoded base64 (strict: only the alphabet and line breaks)."""
    if encoding is PayloadEncoding.TEXT:
        return envelope.encode("utf-8")
    try:
        return decode_base64(envelope)
    except (ValueError, binascii.Error):
        raise document_error(E.PAYLOAD_NOT_BASE64) from None


@strawberry.type
class DocumentSubmissionMutation:
    @strawberry.mutation(
        description="Send a GIAMDINHHS envelope signed in CHUKYDONVI by your facility's certificate. Accepted whole "
        "(with a receipt signed by the hub) or refused with every reason, storing nothing. The same bytes sent "
        "again return the first receipt."
    )
    async def submit_hospital_dossiers(
        self, info: Info, envelope: str, encoding: PayloadEncoding = PayloadEncoding.TEXT
    ) -> SubmitDossiersPayload:
        services, principal = info.context.services, info.context.principal
        now, data = services.clock.now(), None
        try:
            data = envelope_bytes(envelope, encoding)
            stored = await receive_envelope(
                services.db, services.intake, data=data, principal=principal, now=now, channel=Channel.GRAPHQL
            )
        except (BusinessError, BusinessErrors) as exc:
            # Refused before it decoded (not base64): the refusal names the bytes of the text as sent.
            sent = envelope.encode("utf-8") if data is None else data
            refusal = refusal_of(services.intake, principal, sent, now=now, error=exc)
            return SubmitDossiersPayload(
                receipt=None,
                errors=payload_errors(DocumentError, exc),
                signed_refusal=refusal.decode("utf-8"),
            )
        return SubmitDossiersPayload(receipt=SubmissionReceipt.of(stored), errors=[])

    @strawberry.mutation(description="Revoke the current version of a document your facility issued; users are told.")
    async def revoke_document(self, info: Info, id: strawberry.ID, reason: str) -> RevokeDocumentPayload:
        document_id = parse_uuid(id)
        try:
            await write(
                info,
                lambda s, now, actor: revoke_document(s, now=now, actor=actor, document_id=document_id, reason=reason),
            )
        except BusinessError as exc:
            return RevokeDocumentPayload(document=None, errors=payload_errors(DocumentError, exc))
        view = await write(info, lambda s, now, actor: read_document(s, now=now, actor=actor, document_id=document_id))
        return RevokeDocumentPayload(document=DocumentType.of(view), errors=[])
