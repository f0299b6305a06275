"""Limits on what a request may send, over ASGI with a hand-driven `receive` and over a real uvicorn server:
a body cap on /graphql, a deadline for every body, 400 for a body that is not a JSON object, quiet aborted uploads."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any, Literal

import pytest
import uvicorn

from hub.clients.permissions import ClientKind
from hub.entry.app import create_app
from hub.entry.asgi import SERVER_HTTP
from hub.entry.gateway_http import UPLOAD_PATH
from hub.infra.settings import HttpLimits
from tests.helpers import make_client
from tests.integration.documents_kit import rows_left

CAP = 1024
TIMEOUT = 0.5
SUBMIT = b'{"query": "mutation($input: SubmitHospitalDossiersInput!) { submitHospitalDossiers(input: $input) { x } }"'


@pytest.fixture
async def limited(settings, clock, signer):
    """The hub with small limits (a 1 KiB /graphql body, every body due within half a second) and a token for it."""
    http = HttpLimits(max_graphql_body_bytes=CAP, body_timeout_seconds=TIMEOUT)
    app = create_app(dataclasses.replace(settings, http=http), clock=clock)
    async with app.router.lifespan_context(app):
        db = app.state.hub.services.db
        _, token = await make_client(db, signer, clock, "operator", ClientKind.OPERATOR, "national")
        yield app, token


@dataclasses.dataclass
class Exchange:
    """What the application answered to one request, and how many body chunks it asked for."""

    messages: list[dict[str, Any]]
    chunks_read: int

    @property
    def status(self) -> int | None:
        return next((m["status"] for m in self.messages if m["type"] == "http.response.start"), None)

    @property
    def headers(self) -> dict[str, str]:
        start = next(m for m in self.messages if m["type"] == "http.response.start")
        return {k.decode(): v.decode() for k, v in start["headers"]}

    def json(self) -> Any:
        return json.loads(b"".join(m.get("body", b"") for m in self.messages if m["type"] == "http.response.body"))


async def exchange(
    app: Any,
    path: str,
    chunks: list[bytes],
    *,
    then: Literal["end", "stall", "disconnect"] = "end",
    token: str | None = None,
    length: int | None = None,
    content_type: str = "application/json",
) -> Exchange:
    """POST `chunks` to `path` with our own `receive`; after the last one the body ends, stalls or the client leaves.
    Without `length` the body is sent chunked."""
    headers = [(b"host", b"hub"), (b"content-type", content_type.encode())]
    headers.append(
        (b"content-length", str(length).encode()) if length is not None else (b"transfer-encoding", b"chunked")
    )
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("hub", 80),
    }
    pending = list(chunks)
    answered = asyncio.Event()
    result = Exchange([], 0)

    async def receive() -> dict[str, Any]:
        if pending:
            result.chunks_read += 1
            body = pending.pop(0)
            return {"type": "http.request", "body": body, "more_body": bool(pending) or then != "end"}
        if then == "stall" and not answered.is_set():
            await answered.wait()  # the rest of the body never comes
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        result.messages.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            answered.set()

    async with asyncio.timeout(10):
        await app(scope, receive, send)
    return result


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_a_declared_body_over_the_cap_is_refused_with_413_before_it_is_read(limited, caplog):
    app, token = limited
    answer = await exchange(app, "/graphql", [b"{" * 4096], token=token, length=30 * 1024 * 1024)
    assert answer.status == 413 and answer.chunks_read == 0
    assert answer.headers["connection"] == "close"
    error = answer.json()["errors"][0]
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE" and str(CAP) in error["message"]
    assert [r.levelname for r in caplog.records if r.name == "hub.entry.http_limits"] == ["WARNING"]


async def test_a_streamed_body_is_refused_with_413_once_past_the_cap(limited, caplog):
    app, token = limited
    answer = await exchange(app, "/graphql", [SUBMIT] + [b" " * 256] * 100, token=token)
    assert answer.status == 413 and answer.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert answer.chunks_read == 1 + CAP // 256  # the chunk that passed the cap is the last one read
    assert errors_logged(caplog) == []


async def test_the_cap_is_for_graphql_only(limited):
    """The gateway's upload keeps its own, larger limit (tested in test_gateway)."""
    app, _ = limited
    form = b"username=x&password=" + b"p" * (2 * CAP)
    answer = await exchange(app, "/api/token/take", [form], length=len(form), content_type="text/plain")
    assert answer.status == 200 and answer.json()["maKetQua"] == "401"


@pytest.mark.parametrize("path", ["/graphql", UPLOAD_PATH])
async def test_a_slow_sender_is_answered_408_and_abandoned(limited, caplog, path):
    app, token = limited
    loop = asyncio.get_running_loop()
    started = loop.time()
    answer = await exchange(app, path, [SUBMIT[:40]], then="stall", token=token, length=900)
    assert TIMEOUT <= loop.time() - started < TIMEOUT + 2
    assert answer.status == 408 and answer.headers["connection"] == "close"
    assert answer.json()["errors"][0]["extensions"]["code"] == "REQUEST_TIMEOUT"
    warnings = [r for r in caplog.records if r.name == "hub.entry.http_limits"]
    assert [r.levelname for r in warnings] == ["WARNING"] and f"POST {path}" in warnings[0].getMessage()
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("path", ["/graphql", UPLOAD_PATH])
async def test_an_aborted_upload_is_one_info_line_and_stores_nothing(limited, caplog, path):
    app, token = limited
    caplog.set_level(logging.INFO, logger="hub.entry.http_limits")
    answer = await exchange(app, path, [SUBMIT[:40], b" " * 100], then="disconnect", token=token, length=900)
    assert answer.messages == []  # nobody is left to answer
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    lines = [r for r in caplog.records if r.name == "hub.entry.http_limits"]
    assert [r.levelname for r in lines] == ["INFO"] and "140 bytes" in lines[0].getMessage()
    assert errors_logged(caplog) == []
    assert await rows_left(app.state.hub) == {}


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"null", "application/json", "not null"),
        (b"[]", "application/json", "not an array"),
        (b'"x"', "application/json", "not a string"),
        (b"1", "application/json", "not a number"),
        (b'{"query": ', "application/json", "not valid JSON"),
        (b'{"query": "\xc3"}', "application/json", "not UTF-8"),
        (b"[" * 100_000, "application/json", "nested too deeply"),
        (b'{"query": "{ viewer { name } }"}', "text/plain", "Unsupported content type"),
    ],
)
async def test_a_body_that_is_not_a_json_object_gets_400_with_a_message(
    hub, signer, clock, caplog, body, content_type, reason
):
    client, state = hub
    _, token = await make_client(state.services.db, signer, clock, "operator", ClientKind.OPERATOR, "national")
    headers = {"authorization": f"Bearer {token}", "content-type": content_type}
    response = await client.post("/graphql", content=body, headers=headers)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert reason in error["message"] and error["extensions"]["code"] == "BAD_REQUEST"
    assert errors_logged(caplog) == []


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[int]:
    """The application behind a real uvicorn server on a free port of 127.0.0.1, as `hub serve` runs it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, lifespan="off", http=SERVER_HTTP, ws="none", log_config=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        async with asyncio.timeout(10):
            while not server.started:  # noqa: ASYNC110 (uvicorn offers a flag, not an event)
                await asyncio.sleep(0.01)
        yield listener.getsockname()[1]
    finally:
        server.should_exit = True
        try:
            async with asyncio.timeout(5):
                await asyncio.shield(task)
        except TimeoutError:  # a request still running (a server without these limits waits for its body forever)
            server.force_exit = True
            await task
        listener.close()


@contextlib.asynccontextmanager
async def connection(port: int) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        yield reader, writer
    finally:
        writer.close()


async def answer_of(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(65536):
            received += chunk
    return received


def request_head(token: str, length: int) -> bytes:
    return (
        f"POST /graphql HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


async def trickle(writer: asyncio.StreamWriter) -> None:
    """A byte every 0.2 s: a 900-byte body would take three minutes."""
    with contextlib.suppress(ConnectionError):
        while True:
            await asyncio.sleep(0.2)
            writer.write(b" ")
            await writer.drain()


async def test_a_real_server_cuts_off_a_trickling_sender(limited, caplog):
    app, token = limited
    loop = asyncio.get_running_loop()
    async with serving(app) as port, connection(port) as (reader, writer):
        writer.write(request_head(token, 900) + SUBMIT[:40])
        trickling = asyncio.create_task(trickle(writer))
        started = loop.time()
        try:
            async with asyncio.timeout(5):
                answer = await answer_of(reader)
        finally:
            trickling.cancel()
        elapsed = loop.time() - started
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"REQUEST_TIMEOUT" in answer and TIMEOUT <= elapsed < TIMEOUT + 2
    assert errors_logged(caplog) == []


async def test_a_real_server_refuses_a_declared_30_mb_body_unread_and_closes(limited, caplog):
    app, token = limited
    async with serving(app) as port, connection(port) as (reader, writer):
        writer.write(request_head(token, 30 * 1024 * 1024))
        async with asyncio.timeout(5):
            answer = await answer_of(reader)  # ends: the server closed the connection
    assert answer.startswith(b"HTTP/1.1 413 "), answer
    assert b"PAYLOAD_TOO_LARGE" in answer
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("path", ["/graphql", UPLOAD_PATH])
async def test_a_real_server_logs_a_client_gone_mid_body_at_info_without_a_traceback(limited, caplog, path):
    app, token = limited
    caplog.set_level(logging.INFO)
    async with serving(app) as port:
        # Given a client that sends half of a body it declared, then closes its socket
        raw = socket.create_connection(("127.0.0.1", port))
        head = request_head(token, 900).replace(b"POST /graphql ", f"POST {path} ".encode())
        raw.sendall(head + SUBMIT[:40] + b" " * 100)
        await asyncio.sleep(0.2)
        raw.close()
        # Then the server logs one line at INFO, and nothing at ERROR, with no traceback
        for _ in range(100):
            gone = [r for r in caplog.records if "disconnected" in r.getMessage()]
            if gone:
                break
            await asyncio.sleep(0.02)
    assert [(r.name, r.levelname) for r in gone] == [("hub.entry.http_limits", "INFO")]
    assert "140 bytes" in gone[0].getMessage() and f"POST {path}" in gone[0].getMessage()
    assert errors_logged(caplog) == []
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert await rows_left(app.state.hub) == {}
