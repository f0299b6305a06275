"""The endpoints of BHXH's existing gateway, with the exact form fields, headers and answers hospitals use."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import re

import httpx
import pytest
from sqlalchemy import select

from devkit.qd4750_samples import FACILITY
from hub.documents.gateway import add_account
from hub.documents.models import GatewayAccount
from hub.entry.app import create_app
from signing.parties import HUB
from signing.trust import TrustStore
from signing.verify import verify_enveloped
from tests.conftest import START
from tests.helpers import post_graphql
from tests.integration.documents_kit import documents_world, rows_left, signed_by_hub, signed_envelope, stored_rows
from tests.integration.test_documents_refusals import SICK, _tamper, edit

USERNAME = "48001_BVDN"
PASSWORD = "e10adc3949ba59abbe56e057f20f883e"  # what the software sends: the MD5 of the real password


@pytest.fixture
async def gateway(hub, signer, clock, backend):
    _, state = hub
    await documents_world(hub, signer, clock, backend)
    async with state.services.db.transaction() as session:
        await add_account(
            session, now=clock.now(), actor=None, client_name="bv-48001", username=USERNAME, password=PASSWORD
        )


async def take(client, username: str = USERNAME, password: str = PASSWORD) -> dict:
    response = await client.post("/api/token/take", data={"username": username, "password": password})
    assert response.status_code == 200
    return response.json()


async def upload(client, data: bytes, *, key: dict | None = None, password: str = PASSWORD, **form: str) -> dict:
    key = key or (await take(client))["APIKey"]
    fields = {
        "username": USERNAME,
        "loaiHoSo": "130",
        "maTinh": "48",
        "maCSKCB": FACILITY,
        "fileHSBase64": base64.b64encode(data).decode(),
        **form,
    }
    headers = {"accessToken": key["access_token"], "tokenId": key["id_token"], "passwordHash": password}
    response = await client.post("/api/qd130/guiHoSoXmlQD4750", data=fields, headers=headers)
    assert response.status_code == 200
    return response.json()


async def test_token_take_answers_like_the_gateway(hub, gateway):
    client, state = hub
    answer = await take(client)
    assert answer["maKetQua"] == "200"
    key = answer["APIKey"]
    assert set(key) == {"access_token", "id_token", "token_type", "username", "expires_in"}
    assert key["token_type"] == "Bearer" and key["username"] == USERNAME and key["expires_in"].endswith("+07:00")
    assert (await take(client, password="wrong-password"))["maKetQua"] == "401"
    assert (await take(client, username="nobody"))["maKetQua"] == "401"
    assert (await client.post("/api/token/take", data={"username": USERNAME})).json()["maKetQua"] == "400"
    nul = (await take(client, username="48001_BVDN\x00"))["loi"]
    assert nul == [{"ma": "NUL_CHARACTER"}]
    async with state.services.db.sessions() as session:
        stored = (await session.scalars(select(GatewayAccount))).one().password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


async def test_an_upload_is_received_with_a_transaction_id_and_a_signed_receipt(hub, gateway):
    client, state = hub
    data = signed_envelope()
    answer = await upload(client, data)
    assert answer["maKetQua"] == "200", answer
    assert re.fullmatch(r"\d{14}", answer["thoiGianTiepNhan"]) and answer["maGiaoDich"] and answer["thongDiep"]
    receipt = base64.b64decode(answer["bienNhan"])
    store = TrustStore()
    store.add_certificate(HUB, state.services.intake.identity.certificate)
    verified = verify_enveloped(receipt, store, expected_signer=HUB, at=state.services.clock.now())
    assert verified.signed_root.findtext("MA_GIAO_DICH") == answer["maGiaoDich"]
    again = await upload(client, data)
    assert again["maKetQua"] == "200" and again["maGiaoDich"] == answer["maGiaoDich"]
    submissions, documents = await stored_rows(state)
    assert submissions == 1 and documents > 0


@pytest.mark.parametrize(
    ("form", "password", "code"),
    [
        ({}, "not-the-password", "401"),
        ({"username": "someone-else"}, PASSWORD, "401"),
        ({"maCSKCB": "48002"}, PASSWORD, "403"),
        ({"maTinh": "01"}, PASSWORD, "403"),
        ({"loaiHoSo": "4210"}, PASSWORD, "400"),
        ({"fileHSBase64": "@@@"}, PASSWORD, "400"),
        ({"username": "48001_BVDN\x00"}, PASSWORD, "400"),  # PostgreSQL's text cannot hold U+0000 (it was a 500)
        ({"maCSKCB": "48001\x00"}, PASSWORD, "400"),
    ],
)
async def test_uploads_that_do_not_belong_are_refused(hub, gateway, form, password, code):
    client, state = hub
    answer = await upload(client, signed_envelope([SICK]), password=password, **form)
    assert answer["maKetQua"] == code and answer["thongDiep"]
    assert await rows_left(state) == {}


async def test_a_refused_envelope_gets_every_reason_and_stores_nothing(hub, gateway):
    client, state = hub
    answer = await upload(client, edit(signed_envelope([SICK]), _tamper))
    assert answer["maKetQua"] == "400"
    assert [e["ma"] for e in answer["loi"]] == ["DIGEST_MISMATCH"]
    assert "maGiaoDich" not in answer
    refusal = signed_by_hub(state, base64.b64decode(answer["bienNhan"]), at=START)
    assert [e.findtext("MA") for e in refusal.iterfind("DANHSACHLOI/LOI")] == ["DIGEST_MISMATCH"]
    assert await rows_left(state) == {}


async def test_an_ordinary_bearer_token_cannot_upload(hub, gateway, signer):
    client, state = hub
    key = (await take(client))["APIKey"]
    async with state.services.db.sessions() as session:
        account = (await session.scalars(select(GatewayAccount))).one()
    plain = signer.issue(account.client_id, now=state.services.clock.now(), ttl=dt.timedelta(hours=1))
    answer = await upload(client, signed_envelope([SICK]), key={**key, "access_token": plain})
    assert answer["maKetQua"] == "401"


async def test_a_gateway_access_token_is_refused_by_graphql_and_still_uploads(hub, gateway):
    """Alone, without its id token and password proof, the access token reads nothing (documents least of all)."""
    client, state = hub
    key = (await take(client))["APIKey"]
    for query in ("{ viewer { name } }", "{ documents(first: 5) { edges { node { id } } } }"):
        response = await post_graphql(client, query, token=key["access_token"])
        assert response.status_code == 401, response.text
        assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]
    answer = await upload(client, signed_envelope([SICK]), key=key)
    assert answer["maKetQua"] == "200", answer
    assert (await stored_rows(state))[0] == 1


async def test_an_upload_over_the_size_limit_is_refused_with_413(settings, clock, signer, backend):
    """Over HUB_MAX_ENVELOPE_BYTES: refused before reading (the form itself too large) or on receipt (the file), with
    the gateway's 413, nothing stored."""
    limited = dataclasses.replace(settings, documents=dataclasses.replace(settings.documents, max_envelope_bytes=4096))
    app = create_app(limited, clock=clock)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
    ):
        state = app.state.hub
        await documents_world((client, state), signer, clock, backend)
        async with state.services.db.transaction() as session:
            await add_account(
                session, now=clock.now(), actor=None, client_name="bv-48001", username=USERNAME, password=PASSWORD
            )
        envelope = signed_envelope([SICK])
        over_limit = await upload(client, envelope)
        assert len(envelope) > 4096 and over_limit["maKetQua"] == "413"
        assert [e["ma"] for e in over_limit["loi"]] == ["PAYLOAD_TOO_LARGE"] and over_limit["bienNhan"]
        form_too_large = await upload(client, envelope * 20)  # past the form limit (the file plus FORM_OVERHEAD)
        assert form_too_large["maKetQua"] == "413" and "loi" not in form_too_large
        assert await rows_left(state) == {}
