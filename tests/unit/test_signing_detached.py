"""Detached signatures of outbound messages: what a receiver checks, and every alteration it catches."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
from starlette.requests import Request

from connectors.civil_registry import CivilRegistryClient
from connectors.simulators.kit import signed_by
from signing.detached import CERTIFICATE_HEADER, SIGNATURE_HEADER, MessageSigner, verify_message
from signing.devpki import generate_identity
from signing.parties import HUB

NOW = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)


@pytest.fixture(scope="module", params=["rsa", "ec"])
def identity(request):
    return generate_identity(HUB, not_before=NOW, not_after=NOW + dt.timedelta(days=30), key_type=request.param)


def test_a_signed_message_verifies_and_any_change_does_not(identity):
    headers = MessageSigner(identity).headers("POST", "/v1/outcomes?x=1", b'{"a":1}')
    signature = headers[SIGNATURE_HEADER]
    certificate = identity.certificate
    assert verify_message(certificate, "POST", "/v1/outcomes?x=1", b'{"a":1}', signature)
    assert not verify_message(certificate, "POST", "/v1/outcomes?x=1", b'{"a":2}', signature)
    assert not verify_message(certificate, "PUT", "/v1/outcomes?x=1", b'{"a":1}', signature)
    assert not verify_message(certificate, "POST", "/v1/outcomes?x=2", b'{"a":1}', signature)
    assert not verify_message(certificate, "POST", "/v1/outcomes?x=1", b'{"a":1}', "not base64!")
    other = generate_identity(HUB, not_before=NOW, not_after=NOW + dt.timedelta(days=1), key_type="ec")
    assert not verify_message(other.certificate, "POST", "/v1/outcomes?x=1", b'{"a":1}', signature)
    assert len(headers[CERTIFICATE_HEADER]) == 64


async def test_a_connector_signs_what_it_sends(identity):
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"outcomes": []})

    transport = httpx.MockTransport(answer)
    async with CivilRegistryClient("http://registry", transport=transport, signer=MessageSigner(identity)) as client:
        await client.request("GET", "/v1/outcomes", params={"office": "20242"}, parse=lambda value: value)
        await client.send("POST", "/v1/outcomes/batch", body={"outcomes": []}, accept=lambda r: True)
    get, post = seen
    assert verify_message(identity.certificate, "GET", "/v1/outcomes?office=20242", b"", get.headers[SIGNATURE_HEADER])
    assert json.loads(post.content) == {"outcomes": []}
    assert verify_message(
        identity.certificate, "POST", "/v1/outcomes/batch", post.content, post.headers[SIGNATURE_HEADER]
    )


def _request(method: str, raw_path: bytes, query: bytes, body: bytes, headers: dict[str, str]) -> Request:
    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "method": method,
        "path": raw_path.decode(),
        "raw_path": raw_path,
        "query_string": query,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    return Request(scope, receive)


async def test_a_simulator_takes_only_what_the_hub_signed(identity):
    """What the simulators check (`kit.signed_by`): method, path, query and body, by that certificate."""
    body = b'{"outcomes":[]}'
    headers = MessageSigner(identity).headers("POST", "/v1/outcomes?batch=7", body)
    certificate = identity.certificate
    assert await signed_by(certificate, _request("POST", b"/v1/outcomes", b"batch=7", body, headers))
    assert await signed_by(certificate, _request("POST", b"/v1/outcomes?batch=7", b"batch=7", body, headers))
    assert not await signed_by(certificate, _request("POST", b"/v1/outcomes", b"batch=8", body, headers))
    assert not await signed_by(certificate, _request("POST", b"/v1/outcomes", b"batch=7", body + b" ", headers))
    assert not await signed_by(certificate, _request("POST", b"/v1/outcomes", b"batch=7", body, {}))
    other = generate_identity(HUB, not_before=NOW, not_after=NOW + dt.timedelta(days=1), key_type="ec")
    assert not await signed_by(other.certificate, _request("POST", b"/v1/outcomes", b"batch=7", body, headers))
