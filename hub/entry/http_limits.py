"""Limits on what one HTTP request may send: a body cap per path, and a deadline for the whole body.

`RequestLimits` wraps the application's `receive`. A body declared (Content-Length) over its path's cap is refused
with 413 before any of it is read; a streamed body is refused as soon as it passes the cap; a body not received in
full `body_timeout_seconds` after the request started is answered 408. A client that disconnects mid-body is
logged at INFO, in one line: nothing of its request was processed, and clients leave every day. Refusals close
the connection, so the rest of the body is never read, and are answered in the GraphQL error shape.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Mapping

from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.infra.heap import MemoryRelease

log = logging.getLogger(__name__)
MAX_LENGTH_DIGITS = 18  # below sys.maxsize; int() of thousands of digits is slow, and refused past 4,300


class RequestRefused(Exception):
    """A request broke a limit; raised from `receive`, answered by RequestLimits with its status and code."""

    status: int
    code: str


class BodyTooLarge(RequestRefused):
    """The request body passed its path's cap."""

    status = 413
    code = "PAYLOAD_TOO_LARGE"


class BodyTimeout(RequestRefused):
    """The request body did not arrive in full before its deadline."""

    status = 408
    code = "REQUEST_TIMEOUT"


def refusal(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """A request refused at the HTTP edge, in the GraphQL error shape."""
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status, headers=headers)


class RequestLimits:
    """ASGI middleware holding every request to a body cap (for the paths given one) and a body deadline."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        body_caps: Mapping[str, int],
        body_timeout_seconds: float,
        release_memory_after_bytes: int = 0,
    ) -> None:
        self.app = app
        self.body_caps = dict(body_caps)
        self.body_timeout_seconds = body_timeout_seconds
        self.release_memory_after_bytes = release_memory_after_bytes
        self.memory = MemoryRelease()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        body = _Body(
            receive,
            scope,
            cap=self.body_caps.get(scope["path"]),
            deadline=loop.time() + self.body_timeout_seconds,
        )
        if body.cap is not None and body.declared is not None and body.declared > body.cap:
            log.warning("%s: refused, a body of %d bytes declared, over the %d-byte cap", body, body.declared, body.cap)
            await _refuse(BodyTooLarge(_too_large(body.cap)), scope, send)
            return
        response = _Response(scope, send, body)
        try:
            await self._run(scope, body, response)
        finally:
            if 0 < self.release_memory_after_bytes <= body.received:
                # What a large body cost (its copies, its trees) is freed by now: hand it back to the system.
                await self.memory.release()

    async def _run(self, scope: Scope, body: _Body, response: _Response) -> None:
        try:
            await self.app(scope, body.receive, response.send)
        except BodyTooLarge as exc:
            log.warning("%s: refused, the body passed the %d-byte cap after %d bytes", body, body.cap, body.received)
            await response.refuse(exc)
        except BodyTimeout as exc:
            log.warning(
                "%s: cut off, the body was not received within %g s (%d bytes arrived)",
                body,
                self.body_timeout_seconds,
                body.received,
            )
            await response.refuse(exc)
        except ClientDisconnect:
            # Not the hub's failure and nothing was processed: a line at INFO, not a traceback.
            log.info("%s: the client disconnected after %d bytes of the body; nothing processed", body, body.received)


class _Body:
    """One request's body as it arrives: its declared size, how much came, its cap, its deadline."""

    def __init__(self, receive: Receive, scope: Scope, *, cap: int | None, deadline: float) -> None:
        self._receive = receive
        self._scope = scope
        self.cap = cap
        self.deadline = deadline
        headers = dict(scope["headers"])
        self.declared = _declared_length(headers.get(b"content-length"))
        self.complete = self.declared in (None, 0) and b"transfer-encoding" not in headers
        self.received = 0

    async def receive(self) -> Message:
        if self.complete:
            return await self._receive()
        try:
            async with asyncio.timeout_at(self.deadline):
                message = await self._receive()
        except TimeoutError:
            raise BodyTimeout("The request body was not received in time.") from None
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.cap is not None and self.received > self.cap:
                raise BodyTooLarge(_too_large(self.cap))
            self.complete = not message.get("more_body", False)
        return message

    def __str__(self) -> str:
        client = self._scope.get("client")
        where = f"{client[0]}:{client[1]}" if client else "unknown client"
        return f"{self._scope['method']} {self._scope['path']} from {where}"


class _Response:
    """The response side of one request: whether it started, and `connection: close` while a body is unread."""

    def __init__(self, scope: Scope, send: Send, body: _Body) -> None:
        self._scope = scope
        self._send = send
        self._body = body
        self.started = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            if not self._body.complete:
                # Answered before its body arrived (a 401, a route that reads none): uvicorn would go on reading it.
                message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
        await self._send(message)

    async def refuse(self, exc: RequestRefused) -> None:
        if not self.started:  # otherwise the half-sent answer ends with the abandoned request
            await _refuse(exc, self._scope, self._send)


async def _refuse(exc: RequestRefused, scope: Scope, send: Send) -> None:
    response = refusal(exc.status, exc.code, str(exc), headers={"connection": "close"})
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    raise RuntimeError("a refusal reads nothing of the request")


def _declared_length(value: bytes | None) -> int | None:
    """The Content-Length as a number; too many digits to be honest count as more than any cap."""
    value = (value or b"").strip()
    if not value.isdigit():
        return None
    return int(value) if len(value) <= MAX_LENGTH_DIGITS else sys.maxsize


def _too_large(cap: int) -> str:
    return f"The request body is larger than the {cap} bytes allowed."
