"""The processors' pages: the worklist and a claim, with its decision, payment and adjustment."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from hub.claims.models import ClaimKind
from hub.clients.officers import SignedIn
from hub.clients.permissions import Role
from hub.entry.console import queries as q
from hub.entry.console.api import ApiRefused
from hub.entry.console.pages import PREFIX, Pages
from hub.infra.text import fold

SEARCH_WINDOW = 200  # the claims a name search looks through (the claims query has no name filter yet)
WAITING_STATES = ["EVIDENCE_PENDING", "COMPUTED", "APPROVED"]  # evidence to await, a decision to take, a payment


class ClaimPages(Pages):
    """Claims: `claim:read` to see them, `claim:decide` to act."""

    async def worklist(self, request: Request, officer: SignedIn) -> Response:
        params = request.query_params
        search, due = params.get("q", "").strip(), params.get("due", "")
        claim_filter: dict[str, Any] = {}
        state = params.get("state", "")
        if state != "ALL":  # the default is the waiting work: what a processor still has to act on
            claim_filter["states"] = [state] if state else WAITING_STATES
        if params.get("kind"):
            claim_filter["kinds"] = [params["kind"]]
        if due == "overdue":
            claim_filter["overdue"] = True
        if params.get("confirm"):
            claim_filter["needsConfirmation"] = True
        local = bool(search) or due in ("today", "week")
        first = SEARCH_WINDOW if local else 50
        if not state and not params.get("after"):
            claims, total = await self._waiting_work(officer, claim_filter, first)
            next_cursor = None
        else:
            variables = {"filter": claim_filter or None, "first": first, "after": params.get("after")}
            connection = (await self.api.run(officer.principal, q.WORKLIST, variables))["claims"]
            claims, total = [edge["node"] for edge in connection["edges"]], connection["totalCount"]
            next_cursor = connection["pageInfo"]["endCursor"] if connection["pageInfo"]["hasNextPage"] else None
        if search:
            key = fold(search)
            claims = [c for c in claims if key in fold(c["personName"]) or search.upper() == c["reference"].upper()]
        today = self.services.clock.now().date()
        if due in ("today", "week"):
            until = today if due == "today" else today + dt.timedelta(days=7)
            claims = [c for c in claims if c["dueOn"] and dt.date.fromisoformat(c["dueOn"]) <= until]
        claims.sort(key=lambda c: (c["dueOn"] is None, c["dueOn"] or "", c["reference"]))
        values = {
            "claims": claims,
            "total": total,
            "local": local,
            "waiting": not state,
            "next_cursor": next_cursor,
            "params": dict(params),
            "states": ["EVIDENCE_PENDING", "COMPUTED", "APPROVED", "RETURNED", "REJECTED", "PAID"],
            "kinds": [kind.name for kind in ClaimKind],
        }
        return self._render(request, "worklist.html", officer, values)

    async def _waiting_work(
        self, officer: SignedIn, claim_filter: dict[str, Any], first: int
    ) -> tuple[list[dict[str, Any]], int]:
        """The first claims of each waiting state, and their total: one operation, its three fields run at once."""
        variables: dict[str, Any] = {
            name: {**claim_filter, "states": [state]}
            for name, state in (("evidence", "EVIDENCE_PENDING"), ("computed", "COMPUTED"), ("approved", "APPROVED"))
        }
        data = await self.api.run(officer.principal, q.WAITING_WORKLIST, {**variables, "first": first})
        claims = [edge["node"] for page in data.values() for edge in page["edges"]]
        return claims, sum(page["totalCount"] for page in data.values())

    async def claim(self, request: Request, officer: SignedIn) -> Response:
        reference = request.path_params["reference"]
        detail = (await self.api.run(officer.principal, q.CLAIM, {"reference": reference}))["claim"]
        person = None
        purpose = "SUPERVISION" if officer.principal.kind.value == "supervisor" else "CLAIM_SETTLEMENT"
        if Role.PERSON_READ in officer.principal.roles:
            try:
                found = await self.api.run(
                    officer.principal, q.PERSON, {"id": detail["claim"]["personId"], "purpose": purpose}
                )
                person = found["person"]
            except ApiRefused:
                person = None
        values = {
            "detail": detail,
            "c": detail["claim"],
            "person": person,
            "errors": request.query_params.getlist("error"),
            "done": request.query_params.get("done"),
        }
        return self._render(request, "claim.html", officer, values)

    async def decide(self, request: Request, officer: SignedIn) -> Response:
        form = await request.form()
        variables = {
            "reference": request.path_params["reference"],
            "decision": str(form.get("decision", "")),
            "reason": str(form.get("reason", "")).strip(),
        }
        return await self._claim_action(request, officer, q.DECIDE, variables, "decideClaim")

    async def pay(self, request: Request, officer: SignedIn) -> Response:
        variables = {"reference": request.path_params["reference"]}
        return await self._claim_action(request, officer, q.PAY, variables, "payClaim")

    async def confirm(self, request: Request, officer: SignedIn) -> Response:
        variables = {"reference": request.path_params["reference"]}
        return await self._claim_action(request, officer, q.CONFIRM, variables, "confirmClaimAdjustment")

    async def _claim_action(
        self, request: Request, officer: SignedIn, document: str, variables: dict[str, Any], field: str
    ) -> Response:
        payload = (await self.api.run(officer.principal, document, variables))[field]
        vi = self._language(request) == "vi"
        errors = [e["messageVi"] if vi else e["message"] for e in payload["errors"]]
        query = urlencode([("error", e) for e in errors] or [("done", field)])
        return self._redirect(f"{PREFIX}/claims/{variables['reference']}?{query}")
