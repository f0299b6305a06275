"""The supervisors' page: the child-card figures with their Excel workbook, and the claims backlog by age."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from hub.clients.officers import SignedIn
from hub.clients.permissions import Role
from hub.entry.console import queries as q
from hub.entry.console.api import ApiProblem, ApiRefused
from hub.entry.console.pages import Pages

BACKLOG_STATES = ["EVIDENCE_PENDING", "COMPUTED", "APPROVED", "RETURNED"]
AGE_BUCKETS = ((0, 7), (8, 14), (15, 30), (31, None))


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
        backlog = None
        if Role.CLAIM_READ in officer.principal.roles:
            backlog = await self._backlog(officer)
        if report is None and backlog is None:
            raise ApiRefused([ApiProblem("FORBIDDEN", "Neither the report nor the claims are yours to read.")])
        values = {"report": report, "first": first, "last": last, "backlog": backlog}
        return self._render(request, "supervisor.html", officer, values)

    async def _backlog(self, officer: SignedIn) -> dict[str, Any]:
        """Open claims by age (from their creation), from the claims query, at most 1,000 of them."""
        today = self.services.clock.now().date()
        counts = [0] * len(AGE_BUCKETS)
        after, seen, total = None, 0, 0
        for _ in range(5):
            page = (
                await self.api.run(
                    officer.principal, q.BACKLOG, {"filter": {"states": BACKLOG_STATES}, "first": 200, "after": after}
                )
            )["claims"]
            total = page["totalCount"]
            for edge in page["edges"]:
                age = (today - dt.datetime.fromisoformat(edge["node"]["createdAt"]).date()).days
                for index, (low, high) in enumerate(AGE_BUCKETS):
                    if age >= low and (high is None or age <= high):
                        counts[index] += 1
                seen += 1
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        overdue = (
            await self.api.run(
                officer.principal, q.BACKLOG_TOTAL, {"filter": {"states": BACKLOG_STATES, "overdue": True}}
            )
        )["claims"]["totalCount"]
        widest = max(counts) or 1
        buckets = [
            {"low": low, "high": high, "count": count, "width": round(100 * count / widest)}
            for (low, high), count in zip(AGE_BUCKETS, counts, strict=True)
        ]
        return {"total": total, "seen": seen, "overdue": overdue, "on_time": total - overdue, "buckets": buckets}

    async def report_xlsx(self, request: Request, officer: SignedIn) -> Response:
        first, last = self._report_days(request)
        data = await self.api.run(officer.principal, q.REPORT_XLSX, {"first": first, "last": last})
        content = base64.b64decode(data["childCardReport"]["xlsxBase64"])
        return Response(
            content,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="the-tre-em-{first}-{last}.xlsx"'},
        )
