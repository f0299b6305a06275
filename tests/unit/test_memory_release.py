"""The C heap is handed back after a large request body, at most once per interval, never after small ones."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from hub.entry.http_limits import RequestLimits
from hub.infra.heap import MemoryRelease


async def _read_all(scope: Any, receive: Any, send: Any) -> None:
    while (await receive()).get("more_body", False):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def _post(app: RequestLimits, size: int) -> None:
    scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": [(b"content-length", b"%d" % size)]}
    chunks = [b"x" * min(500, size - start) for start in range(0, size, 500)]

    async def receive() -> dict[str, Any]:
        body = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": body, "more_body": bool(chunks)}

    async def send(message: MutableMapping[str, Any]) -> None:
        pass

    await app(scope, receive, send)


def _recorder(trims: list[int]) -> Callable[[int], int]:
    def trim(pad: int) -> int:
        trims.append(pad)
        return 1

    return trim


async def test_a_large_body_hands_memory_back_at_most_once_per_interval():
    app = RequestLimits(_read_all, body_caps={}, body_timeout_seconds=5, release_memory_after_bytes=1_000)
    trims: list[int] = []
    app.memory._trim = _recorder(trims)
    await _post(app, 999)
    assert trims == []  # below the threshold
    await _post(app, 1_000)
    await _post(app, 5_000)
    assert trims == [0]  # the second within the interval
    app.memory._last -= app.memory.interval_s
    await _post(app, 5_000)
    assert trims == [0, 0] and app.memory.releases == 2


async def test_zero_never_hands_memory_back():
    app = RequestLimits(_read_all, body_caps={}, body_timeout_seconds=5, release_memory_after_bytes=0)
    trims: list[int] = []
    app.memory._trim = _recorder(trims)
    await _post(app, 50_000)
    assert trims == []


async def test_glibcs_malloc_trim_is_found_and_runs():
    release = MemoryRelease()
    if release.available:  # glibc: the machines the hub runs on
        await release.release()
        assert release.releases == 1
