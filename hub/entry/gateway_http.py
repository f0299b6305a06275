"""The endpoints of BHXH's existing gateway that hospitals' software calls, so that it can switch to the hub by
changing only its base URL:

    POST /api/token/take                 username, password (JSON or form) → maKetQua, APIKey{access_token, id_token,
                                         token_type, username, expires_in}
    POST /api/qd130/guiHoSoXmlQD3176     the dossiers (QĐ 3176's name; guiHoSoXmlQD4750, the name before it, is the
    POST /api/qd130/guiHoSoXmlQD4750     same endpoint): username, loaiHoSo (130), maTinh, maCSKCB, fileHSBase64;
                                         headers accessToken, tokenId, passwordHash
                                         → maKetQua, maGiaoDich, thoiGianTiepNhan, thongDiep
    POST /api/qd130/checkInKcbQd3176     the check-in (XML0; checkInKcbQd4750 before QĐ 3176): the same fields with
    POST /api/qd130/checkInKcbQd4750     loaiHoSo 0, the same answer

The fields come as a form (`application/x-www-form-urlencoded`, or `multipart/form-data` with fileHSBase64 as a
plain field or a file) or as a JSON object (some software sends the check-in so). The password is the MD5 of the
real one in uppercase hex, as BHXH's guide has it (`hub.documents.gateway`).

Answers are HTTP 200 with the outcome in `maKetQua` (200 accepted; 400 refused content, a field missing or
repeated; 401 not logged in; 403 wrong facility or province; 413 too large; 500 the hub failed), as the gateway does,
and `thongDiep` "Tiếp nhận thành công" on success, the text software compares. An upload's answer also carries
`bienNhan` (the hub's signed receipt, base64) and `loi` (every reason for a refusal, with its field).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message

from hub.catalogs.facilities import get_facility
from hub.clients.permissions import JurisdictionLevel
from hub.documents.gateway import gateway_principal, take_token
from hub.documents.intake import receive_envelope, refusal_of
from hub.documents.models import Channel
from hub.documents.qd4750 import decode_base64
from hub.documents.receipts import VIETNAM, local_stamp
from hub.infra.errors import BusinessError, BusinessErrors, Unauthenticated
from hub.infra.streams import FormInvalid, UrlencodedForm
from schema.context import Services

log = logging.getLogger(__name__)
TOKEN_PATH = "/api/token/take"
UPLOAD_PATH = "/api/qd130/guiHoSoXmlQD4750"  # the name before QĐ 3176, still called
UPLOAD_PATHS = ("/api/qd130/guiHoSoXmlQD3176", UPLOAD_PATH)
CHECK_IN_PATHS = ("/api/qd130/checkInKcbQd3176", "/api/qd130/checkInKcbQd4750")
PATHS = (TOKEN_PATH, *UPLOAD_PATHS, *CHECK_IN_PATHS)
LOAI_HO_SO = "130"
LOAI_CHECK_IN = "0"
REQUIRED = ("username", "loaiHoSo", "maTinh", "maCSKCB", "fileHSBase64")
FILE_FIELD = "fileHSBase64"
RECEIVED = "Tiếp nhận thành công"  # compared as is by hospitals' software: no full stop
FORM_OVERHEAD = 64 * 1024  # the other form fields, around the base64 file
MAX_FIELDS = 32


class _BodyOverLimit(Exception):
    """The body passed the endpoint's limit while it was read."""


def _answer(code: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"maKetQua": str(code), "thongDiep": message, **extra})


@dataclass
class _Form:
    """The fields of a request's form, its file (fileHSBase64) apart: decoded, or None and why."""

    fields: dict[str, str]
    file: bytes | None = None
    file_sent: bool = False  # and not base64 if `file` is None


async def _fields(request: Request, limit: int) -> _Form | JSONResponse:
    """The form (or JSON object) fields of the request, the file decoded from base64; or the gateway's refusal:
    413 for a body over `limit` bytes, 400 for a form that cannot be read, a field sent twice or one holding NUL.

    The body is counted as it arrives, so that no more than `limit` bytes are read. A urlencoded form (what
    hospitals' software sends) is read as it arrives and its file decoded on the way (UrlencodedForm): the upload is
    held once, decoded, where reading the form whole held it some eight times over (the body, its text, the
    percent-decoded text, and unquote's pieces; then three copies for the base64 decode). Starlette parses a
    multipart form (a part may be as large as the limit; larger files are spooled to disk) and JSON is read whole."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
        return _too_large(limit)
    capped = Request(request.scope, _capped(request, limit))
    content_type = request.headers.get("content-type", "").lower()
    streamed: UrlencodedForm | None = None
    try:
        if content_type.startswith("application/json"):
            pairs = _json_pairs(await capped.body())
        elif content_type.startswith("multipart/form-data"):
            async with capped.form(max_files=1, max_fields=MAX_FIELDS, max_part_size=limit) as form:
                pairs = [(name, await _text(value)) for name, value in form.multi_items()]
        else:  # urlencoded; a body labelled otherwise, or not at all, is read so too, as it always was
            streamed = UrlencodedForm(FILE_FIELD, max_fields=MAX_FIELDS)
            async for chunk in capped.stream():
                streamed.feed(chunk)
            streamed.finish()
            pairs = streamed.pairs
    except _BodyOverLimit:
        return _too_large(limit)
    except (HTTPException, MultiPartException, FormInvalid) as exc:  # malformed, or over max_files or max_fields
        reason = exc.detail if isinstance(exc, HTTPException) else getattr(exc, "message", str(exc))
        return _answer(400, f"Không đọc được biểu mẫu: {reason}", loi=[{"ma": "FORM_INVALID"}])
    refused = _refuse_repeated(pairs) or _refuse_nul(pairs)
    if refused is not None:
        return refused
    fields = dict(pairs)
    if streamed is not None:
        fields.pop(FILE_FIELD, None)
        return _Form(fields, streamed.decoded, streamed.decoded is not None or streamed.invalid)
    text = fields.pop(FILE_FIELD, None)
    if text is None:
        return _Form(fields)
    try:
        return _Form(fields, decode_base64(text), True)
    except (ValueError, binascii.Error):
        return _Form(fields, None, True)


def _capped(request: Request, limit: int) -> Any:
    """The request's `receive`, raising _BodyOverLimit once more than `limit` bytes of body have come."""
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise _BodyOverLimit
        return message

    return receive


def _json_pairs(body: bytes) -> list[tuple[str, str]]:
    try:
        parsed = json.loads(body)
    except ValueError:
        return []
    return [(str(k), str(v)) for k, v in parsed.items()] if isinstance(parsed, dict) else []


async def _text(value: str | UploadFile) -> str:
    """A field's value; a file's content (base64 is ASCII: any other byte is refused as such later)."""
    return value if isinstance(value, str) else (await value.read()).decode("latin-1")


def _too_large(limit: int) -> JSONResponse:
    return _answer(413, f"Dữ liệu gửi lên vượt quá dung lượng cho phép ({limit} byte).")


def _refuse_repeated(pairs: list[tuple[str, str]]) -> JSONResponse | None:
    """A 400 naming the fields sent more than once (two files, say): which one was meant cannot be known."""
    repeated = [name for name, count in Counter(name for name, _ in pairs).items() if count > 1]
    if not repeated:
        return None
    return _answer(
        400,
        f"Trường gửi nhiều lần: {', '.join(repeated)}.",
        loi=[{"ma": "FIELD_REPEATED", "truong": name} for name in repeated],
    )


def _refuse_nul(pairs: list[tuple[str, str]]) -> JSONResponse | None:
    """A 400 naming the first field holding U+0000, which no stored text may hold (PostgreSQL's driver refuses it)."""
    name = next((name for name, value in pairs if "\x00" in name or "\x00" in value), None)
    if name is None:
        return None
    return _answer(400, f"Trường {name!r} chứa ký tự NUL (U+0000), không hợp lệ.", loi=[{"ma": "NUL_CHARACTER"}])


async def token_take(request: Request) -> Response:
    services: Services = request.app.state.hub.services
    form = await _fields(request, FORM_OVERHEAD)
    if isinstance(form, Response):
        return form
    fields = form.fields
    if not fields.get("username") or not fields.get("password"):
        return _answer(400, "Thiếu username hoặc password.")
    ttl = dt.timedelta(minutes=services.settings.documents.gateway_token_minutes)
    try:
        token = await take_token(
            services.db,
            services.signer,
            now=services.clock.now(),
            username=fields["username"],
            password=fields["password"],
            ttl=ttl,
        )
    except Unauthenticated:
        return _answer(401, "Sai tên đăng nhập hoặc mật khẩu.")
    return _answer(
        200,
        "Thành công.",
        APIKey={
            "access_token": token.access_token,
            "id_token": token.id_token,
            "token_type": "Bearer",
            "username": token.username,
            "expires_in": token.expires_at.astimezone(VIETNAM).isoformat(),
        },
    )


async def upload_dossiers(request: Request) -> Response:
    """guiHoSoXmlQD3176 and guiHoSoXmlQD4750: a GIAMDINHHS envelope of dossiers, loaiHoSo 130."""
    return await _receive(request, LOAI_HO_SO)


async def check_in(request: Request) -> Response:
    """checkInKcbQd3176 and checkInKcbQd4750: a patient's check-in (XML0), loaiHoSo 0."""
    return await _receive(request, LOAI_CHECK_IN)


async def _receive(request: Request, loai_ho_so: str) -> Response:
    """Check the form, the token and the facility, then hand the file to the intake; the gateway's answer."""
    services: Services = request.app.state.hub.services
    intake = services.intake
    form = await _fields(request, intake.max_bytes * 4 // 3 + FORM_OVERHEAD)
    if isinstance(form, Response):
        return form
    fields = form.fields
    no_file = form.file == b"" or not form.file_sent  # empty (or blanks only) counts as not sent, as it always did
    if missing := [name for name in REQUIRED if (not fields.get(name, "").strip(), no_file)[name == FILE_FIELD]]:
        return _answer(
            400,
            f"Thiếu trường bắt buộc: {', '.join(missing)}.",
            loi=[{"ma": "FIELD_REQUIRED", "truong": name} for name in missing],
        )
    now = services.clock.now()
    headers = request.headers
    try:
        async with services.db.sessions() as session:
            principal = await gateway_principal(
                session,
                services.signer,
                now=now,
                username=fields["username"],
                access_token=headers.get("accessToken", ""),
                token_id=headers.get("tokenId", ""),
                password_hash=headers.get("passwordHash", ""),
            )
            facility = await get_facility(session, fields["maCSKCB"].strip().upper())
    except Unauthenticated:
        return _answer(401, "Phiên đăng nhập không hợp lệ hoặc đã hết hạn: gọi lại api/token/take.")
    own_code = principal.jurisdiction.code if principal.jurisdiction.level is JurisdictionLevel.FACILITY else None
    if facility is None or facility.code != own_code or fields["maTinh"].strip() != facility.province_code:
        return _answer(403, "maCSKCB hoặc maTinh không khớp với cơ sở của tài khoản.")
    if fields["loaiHoSo"].strip() != loai_ho_so:
        return _answer(400, f"loaiHoSo phải là {loai_ho_so}.", loi=[{"ma": "LOAI_HO_SO", "truong": "loaiHoSo"}])
    data = form.file
    del form  # the envelope is held once, as `data`
    if data is None:
        return _answer(400, f"{FILE_FIELD} không phải chuỗi base64 hợp lệ.", loi=[{"ma": "PAYLOAD_NOT_BASE64"}])
    try:
        stored = await receive_envelope(
            services.db, intake, data=data, principal=principal, now=now, channel=Channel.GATEWAY
        )
    except (BusinessError, BusinessErrors) as exc:
        errors = exc.errors if isinstance(exc, BusinessErrors) else [exc]
        code = 413 if any(e.code == "PAYLOAD_TOO_LARGE" for e in errors) else 400
        refusal = refusal_of(intake, principal, data, now=now, error=exc)
        return _answer(
            code,
            "; ".join(e.message_vi for e in errors[:20]),
            loi=[{"ma": e.code, "truong": e.field, "thongDiep": e.message_vi, "message": e.message} for e in errors],
            bienNhan=base64.b64encode(refusal).decode("ascii"),
        )
    # The same message for a resend (same maGiaoDich, first time of receipt): software takes any other as a failure.
    return _answer(
        200,
        RECEIVED,
        maGiaoDich=stored.transaction_id,
        thoiGianTiepNhan=local_stamp(stored.received_at),
        bienNhan=base64.b64encode(stored.receipt).decode("ascii"),
    )
