"""What the simulators share: an injectable clock, injected failures and latency, bearer-token checks and JSON
error answers (`{"error": "<code>", "reason": "<text>"}`)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connectors.wire import JsonObject, MalformedJson
from hub.clock import Clock

T = TypeVar("T")

# A clock object (`hub.clock.SystemClock`, `FixedClock`) or a bare function returning aware datetimes.
ClockLike = Clock | Callable[[], dt.datetime]
Endpoint = Callable[[Request], Awaitable[Response]]

# Seconds a simulated outage asks callers to wait, in Retry-After.
OUTAGE_RETRY_AFTER_S = 1


def now_function(clock: ClockLike) -> Callable[[], dt.datetime]:
    """A function giving the current instant in UTC from either kind of clock; a naive datetime is a bug."""
    read: Callable[[], dt.datetime] = getattr(clock, "now", None) or clock  # type: ignore[assignment]

    def now() -> dt.datetime:
        moment = read()
        if moment.tzinfo is None:
            raise ValueError("the simulator's clock must return timezone-aware datetimes")
        return moment.astimezone(dt.UTC)

    return now


def error_response(status: int, code: str, reason: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "reason": reason}, status_code=status, headers=headers)


async def read_json(request: Request) -> object:
    """The request's body decoded as JSON; `MalformedJson` when it is not."""
    try:
        return await request.json()
    except ValueError:
        raise MalformedJson("body: not valid JSON") from None


async def read_batch(request: Request, name: str, limit: int, parse: Callable[[JsonObject], T]) -> list[T]:
    """The list `name` of the request's JSON body, each item read with `parse`; `ValueError` (a 400 for the caller)
    when the body is malformed, any item is, or there are more than `limit`: a batch is taken whole or not at all."""
    items = JsonObject(await read_json(request)).objects(name)
    if len(items) > limit:
        raise ValueError(f"a batch holds at most {limit} {name}, not {len(items)}")
    return [parse(item) for item in items]


class ApiGuard:
    """Wraps a simulator's API endpoints: sleeps `latency_ms`, answers 503 to a share `failure_rate` of calls (the
    same calls for the same `seed`), and answers 401 when a `token` is set and the call does not carry it."""

    def __init__(self, *, failure_rate: float, latency_ms: int, seed: int, token: str | None) -> None:
        if not 0.0 <= failure_rate <= 1.0:
            raise ValueError(f"failure_rate must be between 0 and 1, got {failure_rate}")
        if latency_ms < 0:
            raise ValueError(f"latency_ms must not be negative, got {latency_ms}")
        self._failure_rate = failure_rate
        self._latency_s = latency_ms / 1000
        self._random = random.Random(seed)
        self._authorization = f"Bearer {token}" if token else None

    def __call__(self, endpoint: Endpoint) -> Endpoint:
        async def guarded(request: Request) -> Response:
            if self._latency_s:
                await asyncio.sleep(self._latency_s)
            # Drawn on every call, so that the sequence of failures depends only on the seed and the call order.
            if self._random.random() < self._failure_rate:
                return error_response(
                    503, "unavailable", "simulated outage", headers={"Retry-After": str(OUTAGE_RETRY_AFTER_S)}
                )
            given = request.headers.get("Authorization", "")
            if self._authorization and not hmac.compare_digest(given.encode(), self._authorization.encode()):
                return error_response(401, "unauthorised", "missing or wrong bearer token")
            return await endpoint(request)

        return guarded
