"""The console's routes and its sign-in: who is signed in, the form tokens (CSRF), and the page groups of
processors, registry officers, supervisors and operators, each running GraphQL operations as the officer."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Awaitable, Callable
from importlib.resources import files
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from hub.clients.officers import SignedIn, end_session, open_session, signed_in
from hub.entry.console.api import ApiRefused, ConsoleApi
from hub.entry.console.childcards import ChildCardPages
from hub.entry.console.claims import ClaimPages
from hub.entry.console.i18n import LANGUAGES
from hub.entry.console.identity import PasswordSignIn, SignInMethod
from hub.entry.console.operations import OperationPages
from hub.entry.console.pages import LANGUAGE_COOKIE, PREFIX, local
from hub.entry.console.supervision import SupervisionPages
from schema.context import Services

SIGN_IN_COOKIE = "hub_console_signin"  # the sign-in form's double-submit token (no session yet)
CSRF_HEADER = "x-csrf-token"
Handler = Callable[[Request, SignedIn], Awaitable[Response]]


class Console(ClaimPages, ChildCardPages, SupervisionPages, OperationPages):
    """The whole console: its routes, and the session every page but the sign-in needs."""

    def __init__(self, services: Services, api: ConsoleApi, sign_in_method: SignInMethod | None = None) -> None:
        super().__init__(services, api)
        self.method: SignInMethod = sign_in_method or PasswordSignIn()
        # A __Host- cookie is only set over HTTPS, for the whole host, by the host itself.
        self.session_cookie = "__Host-hub_console" if self.secure else "hub_console"

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
            Route(f"{PREFIX}/claims/{{reference}}/take", page(self.take), methods=["POST"]),
            Route(f"{PREFIX}/claims/{{reference}}/release", page(self.release), methods=["POST"]),
            Route(f"{PREFIX}/claims/{{reference}}/long-term-disease", page(self.declare_disease), methods=["POST"]),
            Route(f"{PREFIX}/cases", page(self.cases)),
            Route(f"{PREFIX}/cases/{{reference}}", page(self.case)),
            Route(f"{PREFIX}/reviews", page(self.reviews)),
            Route(f"{PREFIX}/reviews/{{id}}", page(self.decide_review), methods=["POST"]),
            Route(f"{PREFIX}/facility-requests", page(self.facility_requests)),
            Route(f"{PREFIX}/facility-requests/{{id}}", page(self.decide_facility_request), methods=["POST"]),
            Route(f"{PREFIX}/supervisor", page(self.supervisor)),
            Route(f"{PREFIX}/supervisor/child-cards.xlsx", page(self.report_xlsx)),
            Route(f"{PREFIX}/supervisor/claims.xlsx", page(self.claims_xlsx)),
            Route(f"{PREFIX}/operator/jobs", page(self.failed_jobs)),
            Route(f"{PREFIX}/operator/jobs/{{id}}/retry", page(self.retry_job), methods=["POST"]),
            Route(f"{PREFIX}/operator/clients", page(self.clients)),
            Route(f"{PREFIX}/operator/facilities", page(self.facilities)),
            Route(f"{PREFIX}/operator/facilities", page(self.import_facilities), methods=["POST"]),
            Route(f"{PREFIX}/operator/facilities/imports/{{id}}", page(self.facility_import)),
            Route(f"{PREFIX}/operator/officers", page(self.create_officer), methods=["POST"]),
            Route(f"{PREFIX}/operator/officers/unlock", page(self.unlock_officer), methods=["POST"]),
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

    # Signing in and out

    async def root(self, request: Request) -> Response:
        return self._redirect(f"{PREFIX}/")

    async def language(self, request: Request) -> Response:
        code = request.path_params["code"]
        back = request.query_params.get("next", f"{PREFIX}/")
        response = self._redirect(back if local(back) else f"{PREFIX}/")
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
            {"signin_token": token, "failed": failed, "next": next_url if local(next_url) else ""},
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
        response = self._redirect(next_url if local(next_url) else f"{PREFIX}/")
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
