"""GraphQL for signed documents: facilities submit and revoke, BHXH roles read, operators manage certificates."""

from __future__ import annotations

import strawberry

from schema.documents.certificates import CertificateMutation, CertificateQuery
from schema.documents.evidence import EvidenceMutation
from schema.documents.reading import DocumentQuery
from schema.documents.submissions import DocumentSubmissionMutation


@strawberry.type
class DocumentsQuery(DocumentQuery, CertificateQuery):
    pass


@strawberry.type
class DocumentsMutation(DocumentSubmissionMutation, CertificateMutation, EvidenceMutation):
    pass
