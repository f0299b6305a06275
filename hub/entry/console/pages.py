"""What every page of the console shares: the services, the officer's API, the templates and how an answer is
rendered and secured."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from hub.clients.officers import SignedIn
from hub.clients.permissions import JurisdictionLevel, Role
from hub.entry.console.api import ConsoleApi
from hub.entry.console.i18n import LANGUAGES, enum_label, translator
from schema.context import Services

PREFIX = "/console"
LANGUAGE_COOKIE = "hub_console_lang"
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


class Pages:
    """The base of the console's page groups (claims, child cards, supervision, operations) and of `Console`."""

    def __init__(self, services: Services, api: ConsoleApi) -> None:
        self.services = services
        self.api = api
        self.secure = services.settings.console.secure_cookies
        self.templates = Environment(
            loader=PackageLoader("hub.entry.console", "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.filters["moment"] = _moment
        self.templates.filters["day"] = _day

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

    def _errors_query(self, request: Request, payload: Mapping[str, Any]) -> str:
        """A payload's errors, in the officer's language, for the page redirected to (or that it was done)."""
        vi = self._language(request) == "vi"
        errors = [e["messageVi"] if vi else e["message"] for e in payload["errors"]]
        return urlencode([("error", e) for e in errors] or [("done", "1")])


def local(url: str) -> bool:
    """Only a path of this site: never an open redirect."""
    return url.startswith("/") and not url.startswith("//") and "\\" not in url


def _moment(value: str | None) -> str:
    """An instant as officers read it: Vietnam's time, day first (`06/12/2026 14:18`)."""
    if not value:
        return ""
    return dt.datetime.fromisoformat(value).astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


def _day(value: str | None) -> str:
    return dt.date.fromisoformat(value).strftime("%d/%m/%Y") if value else ""


def _money(amount: int | None) -> str:
    return "" if amount is None else f"{amount:,}".replace(",", ".")
