"""The registry's and child-card pages: cases, a case's timeline, duplicate reviews, facility requests."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from hub.clients.officers import SignedIn
from hub.entry.console import queries as q
from hub.entry.console.api import ApiRefused
from hub.entry.console.pages import PREFIX, Pages


class ChildCardPages(Pages):
    """Child-card cases and what registry offices, supervisors and operators decide about them."""

    async def cases(self, request: Request, officer: SignedIn) -> Response:
        params = request.query_params
        case_filter: dict[str, Any] = {}
        if params.get("state"):
            case_filter["states"] = [params["state"]]
        for param, name in (("name", "name"), ("pid", "personalIdNumber"), ("office", "registryOfficeCode")):
            if params.get(param, "").strip():
                case_filter[name] = params[param].strip()
        for param, name in (("from", "registeredFrom"), ("to", "registeredTo")):
            if params.get(param):
                case_filter[name] = params[param]
        data = await self.api.run(
            officer.principal, q.CASES, {"filter": case_filter or None, "first": 50, "after": params.get("after")}
        )
        connection = data["childCardCases"]
        values = {
            "cases": [edge["node"] for edge in connection["edges"]],
            "total": connection["totalCount"],
            "next_cursor": connection["pageInfo"]["endCursor"] if connection["pageInfo"]["hasNextPage"] else None,
            "params": dict(params),
            "states": ["RECEIVED", "CARD_ISSUED", "REJECTED", "NEEDS_REVIEW", "CARD_CHANGED", "CARD_REVOKED"],
        }
        return self._render(request, "cases.html", officer, values)

    async def case(self, request: Request, officer: SignedIn) -> Response:
        data = await self.api.run(officer.principal, q.CASE, {"reference": request.path_params["reference"]})
        return self._render(request, "case.html", officer, {"case": data["childCardCase"]})

    async def reviews(self, request: Request, officer: SignedIn) -> Response:
        reviews = (await self.api.run(officer.principal, q.REVIEWS))["childCardReviews"]
        pairs = []
        for review in reviews:
            try:
                case = (await self.api.run(officer.principal, q.CASE, {"reference": review["caseReference"]}))[
                    "childCardCase"
                ]
            except ApiRefused:
                case = None
            pairs.append((review, case))
        values = {"pairs": pairs, "errors": request.query_params.getlist("error")}
        return self._render(request, "reviews.html", officer, values)

    async def decide_review(self, request: Request, officer: SignedIn) -> Response:
        form = await request.form()
        variables = {"id": request.path_params["id"], "samePerson": form.get("same_person") == "yes"}
        payload = (await self.api.run(officer.principal, q.DECIDE_REVIEW, variables))["decideChildCardReview"]
        vi = self._language(request) == "vi"
        errors = [e["messageVi"] if vi else e["message"] for e in payload["errors"]]
        return self._redirect(f"{PREFIX}/reviews?{urlencode([('error', e) for e in errors])}")

    async def facility_requests(self, request: Request, officer: SignedIn) -> Response:
        state = request.query_params.get("state") or None
        data = await self.api.run(officer.principal, q.FACILITY_REQUESTS, {"state": state})
        values = {
            "requests": data["facilityRequests"],
            "state": state or "",
            "errors": request.query_params.getlist("error"),
            "levels": ["CENTRAL", "PROVINCE", "DISTRICT", "COMMUNE"],
        }
        return self._render(request, "facility_requests.html", officer, values)

    async def decide_facility_request(self, request: Request, officer: SignedIn) -> Response:
        form = await request.form()
        ident = request.path_params["id"]
        if form.get("decision") == "approve":
            approval = {
                "level": str(form.get("level", "")),
                "acceptsChildPrimaryCare": form.get("children") == "yes",
                "contractFrom": str(form.get("contract_from", "")) or None,
                "contractTo": str(form.get("contract_to", "")) or None,
            }
            variables: dict[str, Any] = {"id": ident, "input": approval}
            document, field = q.APPROVE_FACILITY_REQUEST, "approveFacilityRequest"
        else:
            variables = {"id": ident, "reason": str(form.get("reason", "")).strip()}
            document, field = q.REJECT_FACILITY_REQUEST, "rejectFacilityRequest"
        payload = (await self.api.run(officer.principal, document, variables))[field]
        return self._redirect(f"{PREFIX}/facility-requests?{self._errors_query(request, payload)}")
