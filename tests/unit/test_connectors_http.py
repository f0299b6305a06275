"""The connectors' HTTP base: how every failure becomes a TransientError or a PermanentError."""

import datetime as dt
import email.utils
import json

import httpx
import pytest

from connectors import ConnectorError, PermanentError, TransientError
from connectors.http import JsonHttpClient, unparsed
from connectors.wire import JsonObject

BASE = "http://external.test"


def client_answering(handler, **kw) -> JsonHttpClient:
    return JsonHttpClient(BASE, transport=httpx.MockTransport(handler), **kw)


def answer(status: int, body: object = None, headers: dict[str, str] | None = None):
    def handler(request: httpx.Request) -> httpx.Response:
        if body is None:
            return httpx.Response(status, headers=headers)
        if isinstance(body, bytes):
            return httpx.Response(status, content=body, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return handler


def raising(exc: Exception):
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


async def call(client: JsonHttpClient, parse=unparsed) -> object:
    async with client:
        return await client.request("POST", "/v1/thing", body={"a": 1}, parse=parse)


def test_errors_form_one_tree():
    assert issubclass(TransientError, ConnectorError)
    assert issubclass(PermanentError, ConnectorError)
    assert not issubclass(TransientError, PermanentError)


async def test_a_json_answer_is_parsed_and_the_body_sent_as_json():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    assert await call(client_answering(handler)) == {"ok": True}
    assert seen[0].method == "POST"
    assert str(seen[0].url) == f"{BASE}/v1/thing"
    assert json.loads(seen[0].content) == {"a": 1}
    assert seen[0].headers["content-type"] == "application/json"
    assert seen[0].headers["accept"] == "application/json"


async def test_the_bearer_token_is_sent_when_given_and_only_then():
    headers: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        headers.append(request.headers)
        return httpx.Response(200, json={})

    await call(client_answering(handler, token="s3cret"))
    await call(client_answering(handler))
    assert headers[0]["authorization"] == "Bearer s3cret"
    assert "authorization" not in headers[1]


async def test_an_empty_answer_is_parsed_as_none():
    assert await call(client_answering(answer(204))) is None


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (503, {"error": "unavailable", "reason": "down for maintenance"}, "down for maintenance"),
        (500, None, "Internal Server Error"),
        (502, b"<html>bad gateway</html>", "Bad Gateway"),
        (429, {"reason": "slow down"}, "slow down"),
        (408, None, "Request Timeout"),
    ],
)
async def test_server_errors_and_throttling_are_transient_with_status_and_reason(status, body, reason):
    with pytest.raises(TransientError) as caught:
        await call(client_answering(answer(status, body)))
    assert caught.value.status == status
    assert caught.value.reason == f"POST /v1/thing: {reason}"
    assert caught.value.retry_after is None
    assert str(status) in str(caught.value)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), ("0", 0.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("soon", None), ("-3", None)],
)
async def test_retry_after_is_read_as_seconds_or_an_http_date(header, seconds):
    with pytest.raises(TransientError) as caught:
        await call(client_answering(answer(503, None, {"Retry-After": header})))
    assert caught.value.retry_after == seconds


async def test_retry_after_as_a_date_counts_down_from_now():
    in_a_minute = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60), usegmt=True)
    with pytest.raises(TransientError) as caught:
        await call(client_answering(answer(429, None, {"Retry-After": in_a_minute})))
    assert caught.value.retry_after is not None and 55.0 <= caught.value.retry_after <= 60.0


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (400, {"error": "malformed", "reason": "gender: expected one of male, female"}, "gender: expected"),
        (401, None, "Unauthorized"),
        (404, {"detail": "no such route"}, "Not Found"),
        (409, {"reason": "  "}, "Conflict"),
        (302, None, "Found"),
    ],
)
async def test_other_answers_are_permanent_with_status_and_reason(status, body, reason):
    with pytest.raises(PermanentError) as caught:
        await call(client_answering(answer(status, body)))
    assert caught.value.status == status
    assert reason in caught.value.reason


async def test_a_long_reason_is_cut_short():
    with pytest.raises(PermanentError) as caught:
        await call(client_answering(answer(400, {"reason": "x" * 5000})))
    assert len(caught.value.reason) < 250


async def test_an_answer_that_is_not_json_is_permanent():
    with pytest.raises(PermanentError) as caught:
        await call(client_answering(answer(200, b"<html>hello</html>")))
    assert caught.value.status == 200
    assert "not JSON" in caught.value.reason


async def test_an_answer_the_parser_refuses_is_permanent():
    def parse(value: object) -> str:
        return JsonObject(value).text("name")

    with pytest.raises(PermanentError) as caught:
        await call(client_answering(answer(200, {"name": 42})), parse=parse)
    assert "malformed answer: name: expected a non-empty string" in caught.value.reason


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (httpx.ConnectError("refused"), "could not connect"),
        (httpx.ConnectTimeout("slow"), "timed out"),
        (httpx.ReadTimeout("slow"), "timed out"),
        (httpx.ReadError("reset"), "connection failed (ReadError)"),
        (httpx.RemoteProtocolError("server hung up"), "connection failed (RemoteProtocolError)"),
    ],
)
async def test_network_failures_are_transient_without_status(exc, reason):
    with pytest.raises(TransientError) as caught:
        await call(client_answering(raising(exc)))
    assert caught.value.status is None
    assert caught.value.reason == f"POST /v1/thing: {reason}"
    assert isinstance(caught.value.__cause__, httpx.TransportError)


async def test_a_request_we_cannot_send_is_permanent():
    with pytest.raises(PermanentError):
        await call(client_answering(raising(httpx.UnsupportedProtocol("ftp://"))))


async def test_leaving_the_context_closes_the_client():
    client = client_answering(answer(200, {}))
    async with client:
        pass
    with pytest.raises(RuntimeError, match="closed"):
        await client.request("GET", "/", parse=unparsed)
