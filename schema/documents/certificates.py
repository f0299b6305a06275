"""GraphQL for operators: the certificates the hub trusts for each facility, registry office and agency."""

from __future__ import annotations

import strawberry

from hub.documents.errors import DocumentErrorCode as E
from hub.documents.errors import document_error
from hub.infra.errors import BusinessError
from hub.signatures.certificates import import_certificates, list_certificates, retire_certificate
from schema.context import Info, read, write
from schema.documents.types import DocumentError, TrustedCertificateType
from schema.errors import payload_errors


@strawberry.type
class ImportCertificatePayload:
    certificates: list[TrustedCertificateType]
    errors: list[DocumentError]


@strawberry.type
class RetireCertificatePayload:
    certificate: TrustedCertificateType | None
    errors: list[DocumentError]


@strawberry.type
class CertificateQuery:
    @strawberry.field(description="Trusted certificates, by party; retired ones only if asked.")
    async def certificates(
        self, info: Info, party: str | None = None, include_retired: bool = False
    ) -> list[TrustedCertificateType]:
        actor = info.context.principal
        rows = await read(info, lambda s: list_certificates(s, actor, party=party, include_retired=include_retired))
        return [TrustedCertificateType.of(row) for row in rows]


@strawberry.type
class CertificateMutation:
    @strawberry.mutation(
        description="Trust the certificates in a PEM text (one or more blocks) for a party: facility:XXXXX, "
        "civil-registry:CODE, population-database. Importing one again changes nothing."
    )
    async def import_certificate(self, info: Info, party: str, pem: str) -> ImportCertificatePayload:
        try:
            if "-----BEGIN" not in pem:
                raise document_error(E.CERTIFICATE_UNREADABLE, field="pem", detail="no PEM block")
            rows = await write(
                info,
                lambda s, now, actor: import_certificates(s, now=now, actor=actor, party=party, data=pem.encode()),
            )
        except BusinessError as exc:
            return ImportCertificatePayload(certificates=[], errors=payload_errors(DocumentError, exc))
        info.context.services.intake.trust.invalidate()
        return ImportCertificatePayload(certificates=[TrustedCertificateType.of(r) for r in rows], errors=[])

    @strawberry.mutation(description="Stop trusting a certificate for new signatures; what it verified stays.")
    async def retire_certificate(self, info: Info, fingerprint: str, reason: str) -> RetireCertificatePayload:
        try:
            row = await write(
                info,
                lambda s, now, actor: retire_certificate(
                    s, now=now, actor=actor, fingerprint=fingerprint, reason=reason
                ),
            )
        except BusinessError as exc:
            return RetireCertificatePayload(certificate=None, errors=payload_errors(DocumentError, exc))
        info.context.services.intake.trust.invalidate()  # at once here; other processes within their refresh time
        return RetireCertificatePayload(certificate=TrustedCertificateType.of(row), errors=[])
