"""GraphQL for benefit claims: processors' queue and decisions, filing by hand, the portal's case status."""

from __future__ import annotations

import strawberry

from schema.claims.decisions import ClaimMutation
from schema.claims.queue import ClaimQuery
from schema.claims.report import ClaimsReportQuery


@strawberry.type
class ClaimsQuery(ClaimQuery, ClaimsReportQuery):
    pass


@strawberry.type
class ClaimsMutation(ClaimMutation):
    pass
