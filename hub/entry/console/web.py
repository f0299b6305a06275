"""The console's routes: sign-in and sign-out, and the pages of processors, registry officers, supervisors and
operators. Each page runs GraphQL operations (`queries`) as the officer; none touches a table."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Awaitable, Callable, Mapping
from importlib.resources import files
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from hub.clients.officers import SignedIn, end_session, open_session, signed_in
from hub.clients.permissions import JurisdictionLevel, Role
from hub.entry.console import queries as q
from hub.entry.console.api import ApiProblem, ApiRefused, ConsoleApi
from hub.entry.console.i18n import LANGUAGES, enum_label, translator
from hub.entry.console.identity import PasswordSignIn, SignInMethod
from hub.infra.text import fold
from schema.context import Services

PREFIX = "/console"
LANGUAGE_COOKIE = "hub_console_lang"
SIGN_IN_COOKIE = "hub_console_signin"  # the sign-in form's double-submit token (no session yet)
CSRF_HEADER = "x-csrf-token"
SEARCH_WINDOW = 200  # the claims a name search looks through (the claims query has no name filter yet)
BACKLOG_STATES = ["EVIDENCE_PENDING", "COMPUTED", "APPROVED", "RETURNED"]
WAITING_STATES = ["EVIDENCE_PENDING", "COMPUTED", "APPROVED"]  # evidence to await, a decision to take, a payment
AGE_BUCKETS = ((0, 7), (8, 14), (15, 30), (31, None))
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
Handler = Callable[[Request, SignedIn], Awaitable[Response]]


class NotSignedIn(Exception):
    pass


class Console:
    def __init__(self, services: Services, api: ConsoleApi, sign_in_method: SignInMethod | None = None) -> None:
        self.services = services
        self.api = api
        self.method: SignInMethod = sign_in_method or PasswordSignIn()
        self.secure = services.settings.console.secure_cookies
        # A __Host- cookie is only set over HTTPS, for the whole host, by the host itself.
        self.session_cookie = "__Host-hub_console" if self.secure else "hub_console"
        self.templates = Environment(
            loader=PackageLoader("hub.entry.console", "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.filters["moment"] = _moment
        self.templates.filters["day"] = _day

    def routes(self) -> list[BaseRoute]:
        static = str(files("hub.entry.console") / "static")
        page = self._page
        return [
            Route("/", self.root),
            Route(f"{PREFIX}/", page(self.home)),
            Route(f"{PREFIX}/sign-in", self.sign_in_form, methods=["GET"]),
            Route(f"{PREFIX}/sign-in", self.sign_in, methods=["POST"]),
            Route(f"{PREFIX}/sign-out", page(self.sign_out), methods=["POST"]),
            Route(f"{PREFIX}/language/{{code}}", self.language),
            Route(f"{PREFIX}/claims", page(self.worklist)),
            Route(f"{PREFIX}/claims/{{reference}}", page(self.claim)),
            Route(f"{PREFIX}/claims/{{reference}}/decide", page(self.decide), methods=["POST"]),
            Route(f"{PREFIX}/claims/{{reference}}/pay", page(self.pay), methods=["POST"]),
            Route(f"{PREFIX}/claims/{{reference}}/confirm", page(self.confirm), methods=["POST"]),
            Route(f"{PREFIX}/cases", page(self.cases)),
            Route(f"{PREFIX}/cases/{{reference}}", page(self.case)),
            Route(f"{PREFIX}/reviews", page(self.reviews)),
            Route(f"{PREFIX}/reviews/{{id}}", page(self.decide_review), methods=["POST"]),
            Route(f"{PREFIX}/facility-requests", page(self.facility_requests)),
            Route(f"{PREFIX}/facility-requests/{{id}}", page(self.decide_facility_request), methods=["POST"]),
            Route(f"{PREFIX}/supervisor", page(self.supervisor)),
            Route(f"{PREFIX}/supervisor/child-cards.xlsx", page(self.report_xlsx)),
            Route(f"{PREFIX}/operator/jobs", page(self.failed_jobs)),
            Route(f"{PREFIX}/operator/clients", page(self.clients)),
            Route(f"{PREFIX}/operator/certificates", page(self.certificates)),
            Route(f"{PREFIX}/operator/certificates", page(self.import_certificate), methods=["POST"]),
            Route(f"{PREFIX}/operator/certificates/retire", page(self.retire_certificate), methods=["POST"]),
            Mount(f"{PREFIX}/static", StaticFiles(directory=static), name="console-static"),
        ]

    # Plumbing: who is signed in, CSRF, rendering

    def _page(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            officer = await self._officer(request)
            if officer is None:
                if request.method == "GET":
                    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    return self._redirect(f"{PREFIX}/sign-in?{urlencode({'next': back})}")
                return self._secured(Response("Sign in first.", status_code=401))
            if request.method == "POST" and not await self._csrf_ok(request, officer.csrf_token):
                return self._render(request, "error.html", officer, {"message": "csrf_failed"}, status=403)
            try:
                return self._secured(await handler(request, officer))
            except ApiRefused as refused:
                key = "forbidden" if "FORBIDDEN" in refused.codes and request.method == "POST" else "not_found"
                status = 403 if key == "forbidden" else 404
                return self._render(request, "error.html", officer, {"message": key}, status=status)

        return endpoint

    async def _officer(self, request: Request) -> SignedIn | None:
        token = request.cookies.get(self.session_cookie)
        if not token:
            return None
        now = self.services.clock.now()
        async with self.services.db.sessions() as session:
            return await signed_in(session, now=now, token=token)

    async def _csrf_ok(self, request: Request, expected: str) -> bool:
        sent = request.headers.get(CSRF_HEADER) or str((await request.form()).get("csrf", ""))
        return bool(sent) and secrets.compare_digest(sent, expected)

    def _language(self, request: Request) -> str:
        chosen = request.cookies.get(LANGUAGE_COOKIE, "vi")
        return chosen if chosen in LANGUAGES else "vi"

    def _render(
        self,
        request: Request,
        template: str,
        officer: SignedIn | None,
        values: Mapping[str, Any],
        *,
        status: int = 200,
    ) -> Response:
        language = self._language(request)
        roles = officer.principal.roles if officer else frozenset()
        html = self.templates.get_template(template).render(
            t=translator(language),
            label=enum_label(language),
            lang=language,
            officer=officer,
            csrf=officer.csrf_token if officer else "",
            may={role.name.lower(): role in roles for role in Role},
            kind=officer.principal.kind.value if officer else "",
            national=officer is not None and officer.principal.jurisdiction.level is JurisdictionLevel.NATIONAL,
            path=request.url.path,
            partial=request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == "results",
            money=_money,
            **values,
        )
        return self._secured(HTMLResponse(html, status_code=status))

    def _secured(self, response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    def _redirect(self, url: str) -> Response:
        return self._secured(RedirectResponse(url, status_code=303))

    def _cookie(self, response: Response, name: str, value: str, *, max_age: int | None) -> None:
        response.set_cookie(
            name, value, max_age=max_age, path="/", secure=self.secure, httponly=True, samesite="strict"
        )

    # Signing in and out

    async def root(self, request: Request) -> Response:
        return self._redirect(f"{PREFIX}/")

    async def language(self, request: Request) -> Response:
        code = request.path_params["code"]
        back = request.query_params.get("next", f"{PREFIX}/")
        response = self._redirect(back if _local(back) else f"{PREFIX}/")
        if code in LANGUAGES:
            response.set_cookie(
                LANGUAGE_COOKIE, code, max_age=365 * 86400, path="/", secure=self.secure, samesite="lax"
            )
        return response

    async def sign_in_form(self, request: Request, *, failed: str = "", status: int = 200) -> Response:
        token = secrets.token_urlsafe(32)
        next_url = request.query_params.get("next", "")
        response = self._render(
            request,
            "sign_in.html",
            None,
            {"signin_token": token, "failed": failed, "next": next_url if _local(next_url) else ""},
            status=status,
        )
        self._cookie(response, SIGN_IN_COOKIE, token, max_age=1800)
        return response

    async def sign_in(self, request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        expected = request.cookies.get(SIGN_IN_COOKIE, "")
        if not expected or not secrets.compare_digest(form.get("csrf", ""), expected):
            return await self.sign_in_form(request, failed="csrf_failed", status=403)
        now = self.services.clock.now()
        ttl = dt.timedelta(minutes=self.services.settings.console.session_minutes)

        async def identify_and_open(session: Any) -> Any:
            officer = await self.method.identify(session, now=now, form=form)
            return None if officer is None else await open_session(session, now=now, officer=officer, ttl=ttl)

        opened = await self.services.db.run(identify_and_open)
        if opened is None:
            return await self.sign_in_form(request, failed="sign_in_failed", status=401)
        next_url = form.get("next", "")
        response = self._redirect(next_url if _local(next_url) else f"{PREFIX}/")
        self._cookie(response, self.session_cookie, opened.token, max_age=int(ttl.total_seconds()))
        response.delete_cookie(SIGN_IN_COOKIE, path="/")
        return response

    async def sign_out(self, request: Request, officer: SignedIn) -> Response:
        token = request.cookies.get(self.session_cookie, "")
        now = self.services.clock.now()
        await self.services.db.run(lambda session: end_session(session, now=now, token=token))
        response = self._redirect(f"{PREFIX}/sign-in")
        response.delete_cookie(self.session_cookie, path="/", secure=self.secure, httponly=True, samesite="strict")
        return response

    async def home(self, request: Request, officer: SignedIn) -> Response:
        return self._render(request, "home.html", officer, {})

    # Claims

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
        data = await self.api.run(
            officer.principal,
            q.WORKLIST,
            {"filter": claim_filter or None, "first": SEARCH_WINDOW if local else 50, "after": params.get("after")},
        )
        connection = data["claims"]
        claims = [edge["node"] for edge in connection["edges"]]
        if search:
            key = fold(search)
            claims = [c for c in claims if key in fold(c["personName"]) or search.upper() == c["reference"].upper()]
        today = self.services.clock.now().date()
        if due == "today":
            claims = [c for c in claims if c["dueOn"] and dt.date.fromisoformat(c["dueOn"]) <= today]
        elif due == "week":
            claims = [c for c in claims if c["dueOn"] and dt.date.fromisoformat(c["dueOn"]) <= today + _days(7)]
        claims.sort(key=lambda c: (c["dueOn"] is None, c["dueOn"] or "", c["reference"]))
        values = {
            "claims": claims,
            "total": connection["totalCount"],
            "local": local,
            "next_cursor": connection["pageInfo"]["endCursor"] if connection["pageInfo"]["hasNextPage"] else None,
            "params": dict(params),
            "states": ["EVIDENCE_PENDING", "COMPUTED", "APPROVED", "RETURNED", "REJECTED", "PAID"],
            "kinds": ["SICKNESS", "CHILD_CARE", "MATERNITY", "PATERNITY", "CONVALESCENCE"],
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

    # Child cards

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

    # Supervisors

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

    # Operators

    async def failed_jobs(self, request: Request, officer: SignedIn) -> Response:
        data = await self.api.run(officer.principal, q.FAILED_JOBS, {"after": request.query_params.get("after")})
        connection = data["failedJobs"]
        values = {
            "jobs": [edge["node"] for edge in connection["edges"]],
            "total": connection["totalCount"],
            "next_cursor": connection["pageInfo"]["endCursor"] if connection["pageInfo"]["hasNextPage"] else None,
        }
        return self._render(request, "failed_jobs.html", officer, values)

    async def certificates(self, request: Request, officer: SignedIn) -> Response:
        party = request.query_params.get("party", "").strip() or None
        include_retired = bool(request.query_params.get("all"))
        data = await self.api.run(officer.principal, q.CERTIFICATES, {"party": party, "all": include_retired})
        values = {
            "certificates": data["certificates"],
            "party": party or "",
            "all": include_retired,
            "errors": request.query_params.getlist("error"),
            "done": request.query_params.get("done"),
        }
        return self._render(request, "certificates.html", officer, values)

    async def import_certificate(self, request: Request, officer: SignedIn) -> Response:
        form = await request.form()
        variables = {"party": str(form.get("party", "")).strip(), "pem": str(form.get("pem", ""))}
        payload = (await self.api.run(officer.principal, q.IMPORT_CERTIFICATE, variables))["importCertificate"]
        return self._redirect(f"{PREFIX}/operator/certificates?{self._errors_query(request, payload)}")

    async def retire_certificate(self, request: Request, officer: SignedIn) -> Response:
        form = await request.form()
        variables = {"fingerprint": str(form.get("fingerprint", "")), "reason": str(form.get("reason", "")).strip()}
        payload = (await self.api.run(officer.principal, q.RETIRE_CERTIFICATE, variables))["retireCertificate"]
        return self._redirect(f"{PREFIX}/operator/certificates?{self._errors_query(request, payload)}")

    def _errors_query(self, request: Request, payload: Mapping[str, Any]) -> str:
        """A payload's errors, in the officer's language, for the page redirected to (or that it was done)."""
        vi = self._language(request) == "vi"
        errors = [e["messageVi"] if vi else e["message"] for e in payload["errors"]]
        return urlencode([("error", e) for e in errors] or [("done", "1")])

    async def clients(self, request: Request, officer: SignedIn) -> Response:
        data = await self.api.run(officer.principal, q.CLIENTS)
        values = {"clients": data["clients"], "officers": data["officers"]}
        return self._render(request, "clients.html", officer, values)


def _local(url: str) -> bool:
    """Only a path of this site: never an open redirect."""
    return url.startswith("/") and not url.startswith("//") and "\\" not in url


def _days(count: int) -> dt.timedelta:
    return dt.timedelta(days=count)


def _moment(value: str | None) -> str:
    """An instant as officers read it: Vietnam's time, day first (`06/12/2026 14:18`)."""
    if not value:
        return ""
    return dt.datetime.fromisoformat(value).astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


def _day(value: str | None) -> str:
    return dt.date.fromisoformat(value).strftime("%d/%m/%Y") if value else ""


def _money(amount: int | None) -> str:
    return "" if amount is None else f"{amount:,}".replace(",", ".")
