"""The base of the connectors' JSON-over-HTTP clients: request methods that turn every failure into a
`TransientError` (retry later) or a `PermanentError` (do not), with the HTTP status and a short reason."""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Self, TypeVar

import httpx
import orjson

from connectors import PermanentError, TransientError
from connectors.wire import MalformedJson
from signing.detached import MessageSigner

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 10.0
# 408 and 429 are the only 4xx that say "not now" rather than "not this".
TRANSIENT_4XX = frozenset({408, 429})
MAX_REASON_LENGTH = 200
JSON_BODY = {"Content-Type": "application/json"}


def unparsed(value: object) -> object:
    """A `parse` for `JsonHttpClient.request` that keeps the decoded JSON as it came (for tests and diagnostics)."""
    return value


class JsonHttpClient:
    """A client of one external system at `base_url`; an async context manager that closes its connections.

    `transport` replaces the network (tests pass `httpx.MockTransport`); `token`, when given, is sent as
    `Authorization: Bearer <token>`; `timeout` bounds connecting, each read and each write, in seconds; `signer`,
    when given, signs every request (signing.detached: X-Hub-Signature, X-Hub-Certificate).
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        transport: httpx.AsyncBaseTransport | None = None,
        signer: MessageSigner | None = None,
    ) -> None:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport, headers=headers)
        self._signer = signer

    @property
    def base_url(self) -> str:
        return str(self._client.base_url)

    async def request(
        self,
        method: str,
        path: str,
        *,
        parse: Callable[[object], T],
        body: object = None,
        params: Mapping[str, str] | None = None,
    ) -> T:
        """Send `body` as JSON, decode the JSON answer and hand it to `parse` (None when the answer is empty).

        Raises `TransientError` for a failed connection, a timeout, a 5xx, 408 or 429 answer (with the Retry-After
        hint); `PermanentError` for any other non-2xx answer, an answer that is not JSON, or one `parse` refuses
        (`parse` signals that with `MalformedJson` or `ValueError`).
        """
        where = f"{method} {path}"
        response = await self.send(method, path, body=body, params=params)
        status = response.status_code
        try:
            decoded = orjson.loads(response.content) if response.content else None
        except ValueError:
            raise PermanentError(f"{where}: the answer is not JSON", status=status) from None
        try:
            return parse(decoded)
        except (MalformedJson, ValueError) as exc:
            raise PermanentError(f"{where}: malformed answer: {exc}", status=status) from None

    async def send(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        accept: Callable[[httpx.Response], bool] | None = None,
    ) -> httpx.Response:
        """Send `body` as JSON (with `headers` added to the client's) and return the answer as it came, undecoded.

        Failures split as in `request`: `TransientError` for a failed connection, a timeout, a 5xx, 408 or 429
        answer; `PermanentError` for any other non-2xx answer, unless `accept` returns True for it (a 404 that
        means "no such record", say), in which case it is returned like a 2xx.
        """
        where = f"{method} {path}"
        # JSON written and read by orjson, several times faster than the json module (outcomes go 500 a call).
        content = None if body is None else orjson.dumps(body)
        if content is not None:
            headers = {**JSON_BODY, **(headers or {})}
        request = self._client.build_request(method, path, content=content, params=params, headers=headers)
        if self._signer is not None:
            target = request.url.raw_path.decode("ascii")
            request.headers.update(self._signer.headers(request.method, target, request.content))
        try:
            response = await self._client.send(request)
        except httpx.TimeoutException as exc:
            raise TransientError(f"{where}: timed out") from exc
        except httpx.ConnectError as exc:
            raise TransientError(f"{where}: could not connect") from exc
        except (httpx.UnsupportedProtocol, httpx.LocalProtocolError) as exc:
            # Our own request is wrong (a bad base URL, an invalid header): it will be wrong next time too.
            raise PermanentError(f"{where}: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"{where}: connection failed ({type(exc).__name__})") from exc

        status = response.status_code
        if status >= 500 or status in TRANSIENT_4XX:
            raise TransientError(f"{where}: {_reason(response)}", status=status, retry_after=_retry_after(response))
        if not 200 <= status < 300 and not (accept is not None and accept(response)):
            raise PermanentError(f"{where}: {_reason(response)}", status=status)
        return response

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


def _reason(response: httpx.Response) -> str:
    """The `reason` the system gave in a JSON error body, else the HTTP reason phrase; kept short."""
    reason = response.reason_phrase or f"HTTP {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("reason"), str) and body["reason"].strip():
        reason = body["reason"].strip()
    return reason[:MAX_REASON_LENGTH]


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from a Retry-After header (a number of seconds or an HTTP date); None when absent or garbled."""
    raw = response.headers.get("Retry-After", "").strip()
    if not raw:
        return None
    if raw.isascii() and raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT by definition
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
