"""The processors' pages: the worklist and a claim, with its decision, payment and adjustment."""

from __future__ import annotations

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

STATES = ["EVIDENCE_PENDING", "COMPUTED", "APPROVED", "RETURNED", "REJECTED", "PAID"]
DUE = {"today": "TODAY", "week": "THIS_WEEK", "overdue": "OVERDUE"}
OWNERS = {"mine": "mine", "unassigned": "unassigned"}


class ClaimPages(Pages):
    """Claims: `claim:read` to see them, `claim:decide` to act."""

    async def worklist(self, request: Request, officer: SignedIn) -> Response:
        """One page of the claims query: its filter does the searching, the due dates and the owner; by default the
        waiting work, by due date."""
        params = request.query_params
        claim_filter: dict[str, Any] = {}
        state = params.get("state", "")
        if state and state != "ALL":
            claim_filter["states"] = [state]
        elif state == "ALL":
            claim_filter["states"] = STATES
        if params.get("kind"):
            claim_filter["kinds"] = [params["kind"]]
        if params.get("due") in DUE:
            claim_filter["due"] = DUE[params["due"]]
        if params.get("owner") in OWNERS:
            claim_filter[OWNERS[params["owner"]]] = True
        if params.get("confirm"):
            claim_filter["needsConfirmation"] = True
        if params.get("q", "").strip():
            claim_filter["search"] = params["q"].strip()
        variables = {"filter": claim_filter or None, "first": 50, "after": params.get("after")}
        kept = {key: value for key, value in params.items() if key not in ("after", "error", "done")}
        connection = (await self.api.run(officer.principal, q.WORKLIST, variables))["claims"]
        values = {
            "claims": [edge["node"] for edge in connection["edges"]],
            "total": connection["totalCount"],
            "next_cursor": connection["pageInfo"]["endCursor"] if connection["pageInfo"]["hasNextPage"] else None,
            "params": kept,
            "errors": params.getlist("error"),
            "done": params.get("done"),
            "states": STATES,
            "kinds": [kind.name for kind in ClaimKind],
            "back": f"{PREFIX}/claims?{urlencode(kept)}",
        }
        return self._render(request, "worklist.html", officer, values)

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
        signatures = {d["id"]: d["verification"] for d in detail.get("evidence") or []}
        values = {
            "detail": detail,
            "signatures": signatures,
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

    async def take(self, request: Request, officer: SignedIn) -> Response:
        return await self._assignment(request, officer, q.TAKE, "takeClaim")

    async def release(self, request: Request, officer: SignedIn) -> Response:
        return await self._assignment(request, officer, q.RELEASE, "releaseClaim")

    async def _assignment(self, request: Request, officer: SignedIn, document: str, field: str) -> Response:
        """Take or release, then back to the worklist it was pressed on, or to the claim."""
        back = str((await request.form()).get("back", ""))
        variables = {"reference": request.path_params["reference"]}
        if not (back.startswith(f"{PREFIX}/claims?") or back == f"{PREFIX}/claims"):
            return await self._claim_action(request, officer, document, variables, field)
        payload = (await self.api.run(officer.principal, document, variables))[field]
        separator = "&" if "?" in back else "?"
        return self._redirect(f"{back}{separator}{self._errors_query(request, payload)}")

    async def declare_disease(self, request: Request, officer: SignedIn) -> Response:
        form = await request.form()
        variables = {"reference": request.path_params["reference"], "icd10": str(form.get("icd10", "")).strip()}
        return await self._claim_action(request, officer, q.DECLARE_DISEASE, variables, "declareLongTermDisease")

    async def _claim_action(
        self, request: Request, officer: SignedIn, document: str, variables: dict[str, Any], field: str
    ) -> Response:
        payload = (await self.api.run(officer.principal, document, variables))[field]
        vi = self._language(request) == "vi"
        errors = [e["messageVi"] if vi else e["message"] for e in payload["errors"]]
        query = urlencode([("error", e) for e in errors] or [("done", field)])
        return self._redirect(f"{PREFIX}/claims/{variables['reference']}?{query}")
