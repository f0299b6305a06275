"""The endpoints of BHXH's existing gateway, with the exact form fields, headers and answers hospitals use."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import re
from typing import Literal

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from devkit.qd4750_samples import FACILITY
from hub.documents.gateway import add_account
from hub.documents.models import GatewayAccount
from hub.entry.app import create_app
from hub.entry.gateway_http import CHECK_IN_PATHS, RECEIVED, UPLOAD_PATH, UPLOAD_PATHS
from signing.parties import HUB
from signing.trust import TrustStore
from signing.verify import verify_enveloped
from tests.conftest import START
from tests.helpers import post_graphql
from tests.integration.documents_kit import documents_world, rows_left, signed_by_hub, signed_envelope, stored_rows
from tests.integration.test_documents_refusals import SICK, _tamper, edit

USERNAME = "48001_BVDN"
REAL_PASSWORD = "Bv48001@2026"  # what BHXH issued, given to `hub client gateway-account`
PASSWORD = hashlib.md5(REAL_PASSWORD.encode()).hexdigest().upper()  # what the software sends: its MD5, uppercase
Encoding = Literal["urlencoded", "multipart", "multipart-file", "json"]


@pytest.fixture
async def gateway(hub, signer, clock, backend):
    _, state = hub
    await documents_world(hub, signer, clock, backend)
    async with state.services.db.transaction() as session:
        await add_account(
            session, now=clock.now(), actor=None, client_name="bv-48001", username=USERNAME, password=REAL_PASSWORD
        )


async def take(client, username: str = USERNAME, password: str = PASSWORD) -> dict:
    response = await client.post("/api/token/take", data={"username": username, "password": password})
    assert response.status_code == 200
    return response.json()


async def upload(
    client,
    data: bytes,
    *,
    key: dict | None = None,
    password: str = PASSWORD,
    path: str = UPLOAD_PATH,
    encoding: Encoding = "urlencoded",
    **form: str,
) -> dict:
    key = key or (await take(client))["APIKey"]
    fields = {
        "username": USERNAME,
        "loaiHoSo": "0" if path in CHECK_IN_PATHS else "130",
        "maTinh": "48",
        "maCSKCB": FACILITY,
        "fileHSBase64": base64.b64encode(data).decode(),
        **form,
    }
    headers = {"accessToken": key["access_token"], "tokenId": key["id_token"], "passwordHash": password}
    response = await send(client, path, fields, headers, encoding)
    assert response.status_code == 200
    return response.json()


async def send(client, path: str, fields: dict[str, str], headers: dict[str, str], encoding: Encoding):
    """POST the fields as hospitals' software does: urlencoded, multipart (fileHSBase64 a field or a file), JSON."""
    match encoding:
        case "urlencoded":
            return await client.post(path, data=fields, headers=headers)
        case "json":
            return await client.post(path, json=fields, headers=headers)
        case "multipart":
            parts = [(name, (None, value)) for name, value in fields.items()]
            return await client.post(path, files=parts, headers=headers)
        case "multipart-file":
            plain = {name: value for name, value in fields.items() if name != "fileHSBase64"}
            upload = ("hoso.txt", fields["fileHSBase64"].encode(), "text/plain")
            return await client.post(path, data=plain, files={"fileHSBase64": upload}, headers=headers)


async def test_token_take_answers_like_the_gateway(hub, gateway):
    client, state = hub
    answer = await take(client)
    assert answer["maKetQua"] == "200"
    key = answer["APIKey"]
    assert set(key) == {"access_token", "id_token", "token_type", "username", "expires_in"}
    assert key["token_type"] == "Bearer" and key["username"] == USERNAME and key["expires_in"].endswith("+07:00")
    assert (await take(client, password="wrong-password"))["maKetQua"] == "401"
    assert (await take(client, password=hashlib.md5(b"wrong-password").hexdigest().upper()))["maKetQua"] == "401"
    assert (await take(client, username="nobody"))["maKetQua"] == "401"
    assert (await client.post("/api/token/take", data={"username": USERNAME})).json()["maKetQua"] == "400"
    nul = (await take(client, username="48001_BVDN\x00"))["loi"]
    assert nul == [{"ma": "NUL_CHARACTER"}]
    async with state.services.db.sessions() as session:
        stored = (await session.scalars(select(GatewayAccount))).one().password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored and PASSWORD.lower() not in stored


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
                session, now=clock.now(), actor=None, client_name="bv-48001", username=USERNAME, password=REAL_PASSWORD
            )
        envelope = signed_envelope([SICK])
        over_limit = await upload(client, envelope)
        assert len(envelope) > 4096 and over_limit["maKetQua"] == "413"
        assert [e["ma"] for e in over_limit["loi"]] == ["PAYLOAD_TOO_LARGE"] and over_limit["bienNhan"]
        for encoding in ("urlencoded", "multipart", "multipart-file"):
            # past the form limit (the file plus FORM_OVERHEAD): refused as it arrives, before it is parsed
            form_too_large = await upload(client, envelope * 20, encoding=encoding)
            assert form_too_large["maKetQua"] == "413" and "loi" not in form_too_large, encoding
        assert await rows_left(state) == {}


@pytest.mark.parametrize("path", UPLOAD_PATHS)
@pytest.mark.parametrize("encoding", ["urlencoded", "multipart", "multipart-file", "json"])
async def test_both_names_receive_the_dossiers_however_the_form_is_sent(hub, gateway, path, encoding):
    """guiHoSoXmlQD3176 (QĐ 3176) and guiHoSoXmlQD4750 (older software): the same endpoint, with the answer the
    software compares word for word."""
    client, state = hub
    answer = await upload(client, signed_envelope([SICK]), path=path, encoding=encoding)
    assert answer["maKetQua"] == "200", answer
    assert answer["thongDiep"] == RECEIVED and answer["maGiaoDich"] and answer["bienNhan"]
    assert re.fullmatch(r"\d{14}", answer["thoiGianTiepNhan"])
    assert (await stored_rows(state))[0] == 1


@pytest.mark.parametrize("path", CHECK_IN_PATHS)
async def test_a_check_in_is_received_and_acknowledged(hub, gateway, path):
    client, state = hub
    answer = await upload(client, signed_envelope([[("XML0", CHECK_IN)]]), path=path, encoding="multipart-file")
    assert answer["maKetQua"] == "200", answer
    assert answer["thongDiep"] == RECEIVED and answer["maGiaoDich"] and answer["bienNhan"]
    assert (await stored_rows(state))[0] == 1


CHECK_IN = (
    b"<CHI_TIEU_TRANG_THAI_KCB><DSACH_TRANG_THAI_KCB><TRANG_THAI_KCB>"
    b"<MA_LK>LK48001-0001</MA_LK><STT>1</STT><MA_BN>BN0001</MA_BN><HO_TEN>Nguy\xe1\xbb\x85n Th\xe1\xbb\x8b Lan</HO_TEN>"
    b"<SO_CCCD>048190000123</SO_CCCD><NGAY_SINH>199001010000</NGAY_SINH><GIOI_TINH>2</GIOI_TINH>"
    b"<MA_THE_BHYT>GD4484821234567</MA_THE_BHYT><MA_DKBD>48001</MA_DKBD><GT_THE_TU>20250101</GT_THE_TU>"
    b"<GT_THE_DEN>20251231</GT_THE_DEN><MA_DOITUONG_KCB>1.1</MA_DOITUONG_KCB><NGAY_VAO>202503100800</NGAY_VAO>"
    b"<NGAY_VAO_NOI_TRU></NGAY_VAO_NOI_TRU><LY_DO_VNT></LY_DO_VNT><MA_LY_DO_VNT></MA_LY_DO_VNT>"
    b"<MA_LOAI_KCB>01</MA_LOAI_KCB><MA_CSKCB>48001</MA_CSKCB><MA_DICH_VU>02.1896</MA_DICH_VU>"
    b"<TEN_DICH_VU>Kh\xc3\xa1m S\xe1\xba\xa3n</TEN_DICH_VU><MA_THUOC></MA_THUOC><TEN_THUOC></TEN_THUOC>"
    b"<MA_VAT_TU></MA_VAT_TU><TEN_VAT_TU></TEN_VAT_TU><NGAY_YL>202503100805</NGAY_YL><DU_PHONG></DU_PHONG>"
    b"</TRANG_THAI_KCB></DSACH_TRANG_THAI_KCB></CHI_TIEU_TRANG_THAI_KCB>"
)
"""A check-in (XML0) as BHXH's guide lays it out: the patient's arrival and the first service."""


@pytest.mark.parametrize("path", CHECK_IN_PATHS)
async def test_a_dossier_sent_as_a_check_in_is_refused(hub, gateway, path):
    client, state = hub
    answer = await upload(client, signed_envelope([SICK]), path=path, loaiHoSo="130")
    assert answer["maKetQua"] == "400" and answer["loi"] == [{"ma": "LOAI_HO_SO", "truong": "loaiHoSo"}]
    assert await rows_left(state) == {}


@pytest.mark.parametrize(
    "sent",
    [PASSWORD, PASSWORD.lower(), REAL_PASSWORD],
    ids=["md5-uppercase", "md5-lowercase", "plain"],
)
async def test_the_password_logs_in_as_its_md5_in_either_case_or_as_itself(hub, gateway, sent):
    """The token and every upload with it: passwordHash in the form the software sends, whichever that is."""
    client, _ = hub
    answer = await take(client, password=sent)
    assert answer["maKetQua"] == "200", answer
    for password_hash in (sent, PASSWORD):
        uploaded = await upload(client, signed_envelope([SICK]), key=answer["APIKey"], password=password_hash)
        assert uploaded["maKetQua"] == "200", uploaded
    wrong = await upload(client, signed_envelope([SICK]), key=answer["APIKey"], password=PASSWORD[:-1] + "0")
    assert wrong["maKetQua"] == "401"


async def test_an_account_added_before_keeps_its_login_and_gets_the_new_hash(hub, gateway):
    """An account whose argon2 hash is of the lowercase MD5, as the hub kept it before: that string still logs in,
    once, and the hash of the uppercase form replaces it, so that every form logs in from then on."""
    client, state = hub
    async with state.services.db.transaction() as session:
        account = (await session.scalars(select(GatewayAccount))).one()
        account.password_hash = PasswordHasher().hash(PASSWORD.lower())
        before = account.password_hash
    assert (await take(client, password="not-the-password"))["maKetQua"] == "401"
    assert (await take(client, password=PASSWORD.lower()))["maKetQua"] == "200"
    async with state.services.db.sessions() as session:
        after = (await session.scalars(select(GatewayAccount))).one().password_hash
    assert after != before and PasswordHasher().verify(after, PASSWORD)
    for sent in (PASSWORD, PASSWORD.lower(), REAL_PASSWORD):
        assert (await take(client, password=sent))["maKetQua"] == "200", sent


async def test_a_form_with_two_files_or_a_field_twice_or_missing_is_refused(hub, gateway):
    client, state = hub
    key = (await take(client))["APIKey"]
    headers = {"accessToken": key["access_token"], "tokenId": key["id_token"], "passwordHash": PASSWORD}
    file = base64.b64encode(signed_envelope([SICK]))
    fields = {"username": USERNAME, "loaiHoSo": "130", "maTinh": "48", "maCSKCB": FACILITY}
    two_files = [("fileHSBase64", ("a.txt", file)), ("fileHSBase64", ("b.txt", file))]
    answer = (await client.post(UPLOAD_PATH, data=fields, files=two_files, headers=headers)).json()
    assert answer["maKetQua"] == "400" and answer["loi"] == [{"ma": "FORM_INVALID"}], answer
    twice = [*((name, (None, value)) for name, value in fields.items()), *[("maTinh", (None, "48"))] * 2]
    answer = (await client.post(UPLOAD_PATH, files=[*twice, ("fileHSBase64", (None, file))], headers=headers)).json()
    assert answer["maKetQua"] == "400" and answer["loi"] == [{"ma": "FIELD_REPEATED", "truong": "maTinh"}]
    for encoding in ("urlencoded", "multipart"):
        answer = (await send(client, UPLOAD_PATH, {**fields, "maCSKCB": " "}, headers, encoding)).json()
        assert answer["maKetQua"] == "400", answer
        assert answer["loi"] == [
            {"ma": "FIELD_REQUIRED", "truong": "maCSKCB"},
            {"ma": "FIELD_REQUIRED", "truong": "fileHSBase64"},
        ]
    assert await rows_left(state) == {}
