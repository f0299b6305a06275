"""The supervisors' page: the child-card figures with their Excel workbook, and the claims backlog by age."""

from __future__ import annotations

import base64

from starlette.requests import Request
from starlette.responses import Response

from hub.clients.officers import SignedIn
from hub.clients.permissions import Role
from hub.entry.console import queries as q
from hub.entry.console.api import ApiProblem, ApiRefused
from hub.entry.console.pages import Pages


class SupervisionPages(Pages):
    """Timeliness and backlog, for supervisors (and the claims backlog for processors)."""

    def _report_days(self, request: Request) -> tuple[str, str]:
        today = self.services.clock.now().date()
        first = request.query_params.get("first") or today.replace(day=1).isoformat()
        last = request.query_params.get("last") or today.isoformat()
        return first, last

    async def supervisor(self, request: Request, officer: SignedIn) -> Response:
        first, last = self._report_days(request)
        report = None
        if Role.CHILD_CARD_REVIEW in officer.principal.roles:
            variables = {"first": first, "last": last}
            report = (await self.api.run(officer.principal, q.REPORT, variables))["childCardReport"]
        claims = None
        if Role.CLAIM_READ in officer.principal.roles:
            variables = {"first": first, "last": last}
            claims = (await self.api.run(officer.principal, q.CLAIMS_REPORT, variables))["claimsReport"]
            widest = max((sum(r["byAge"]) for r in claims["rows"]), default=0) or 1
            for row in claims["rows"]:
                row["widths"] = [round(100 * count / widest) for count in row["byAge"]]
        if report is None and claims is None:
            raise ApiRefused([ApiProblem("FORBIDDEN", "Neither the report nor the claims are yours to read.")])
        values = {"report": report, "first": first, "last": last, "claims": claims}
        return self._render(request, "supervisor.html", officer, values)

    async def claims_xlsx(self, request: Request, officer: SignedIn) -> Response:
        return await self._xlsx(request, officer, q.CLAIMS_REPORT, "claimsReport", "giai-quyet-che-do")

    async def report_xlsx(self, request: Request, officer: SignedIn) -> Response:
        return await self._xlsx(request, officer, q.REPORT, "childCardReport", "the-tre-em")

    async def _xlsx(self, request: Request, officer: SignedIn, document: str, field: str, name: str) -> Response:
        """A report's Excel workbook, as a download named after it and its days."""
        first, last = self._report_days(request)
        data = await self.api.run(officer.principal, document, {"first": first, "last": last, "xlsx": True})
        return Response(
            base64.b64decode(data[field]["xlsxBase64"]),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}-{first}-{last}.xlsx"'},
        )
