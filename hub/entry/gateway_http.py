"""The endpoints of BHXH's existing gateway that hospitals' software calls, so that it can switch to the hub by
changing only its base URL:

    POST /api/token/take                 username, password (JSON or form) → maKetQua, APIKey{access_token, id_token,
                                         token_type, username, expires_in}
    POST /api/qd130/guiHoSoXmlQD4750     form: username, loaiHoSo (130), maTinh, maCSKCB, fileHSBase64;
                                         headers accessToken, tokenId, passwordHash
                                         → maKetQua, maGiaoDich, thoiGianTiepNhan, thongDiep

Answers are HTTP 200 with the outcome in `maKetQua` (200 accepted; 400 refused content; 401 not logged in;
403 wrong facility or province; 413 too large; 500 the hub failed), as the gateway does. An upload's answer also
carries `bienNhan` (the hub's signed receipt, base64) and `loi` (every reason for a refusal, with its field).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.catalogs.facilities import get_facility
from hub.clients.permissions import JurisdictionLevel
from hub.documents.gateway import gateway_principal, take_token
from hub.documents.intake import receive_envelope, refusal_of
from hub.documents.models import Channel
from hub.documents.qd4750 import decode_base64
from hub.documents.receipts import VIETNAM, local_stamp
from hub.infra.errors import BusinessError, BusinessErrors, Unauthenticated
from schema.context import Services

log = logging.getLogger(__name__)
TOKEN_PATH = "/api/token/take"
UPLOAD_PATH = "/api/qd130/guiHoSoXmlQD4750"
LOAI_HO_SO = "130"
FORM_OVERHEAD = 64 * 1024  # the other form fields, around the base64 file


def _answer(code: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"maKetQua": str(code), "thongDiep": message, **extra})


async def _fields(request: Request, limit: int) -> Mapping[str, str] | None:
    """The form (or JSON object) fields of the request; None when the body is over `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            parsed = json.loads(body)
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {}
    try:
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=32)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {name: values[0] for name, values in form.items()}


def _refuse_nul(fields: Mapping[str, str]) -> JSONResponse | None:
    """A 400 naming the first field holding U+0000, which no stored text may hold (PostgreSQL's driver refuses it)."""
    name = next((name for name, value in fields.items() if "\x00" in name or "\x00" in value), None)
    if name is None:
        return None
    return _answer(400, f"Trường {name!r} chứa ký tự NUL (U+0000), không hợp lệ.", loi=[{"ma": "NUL_CHARACTER"}])


async def token_take(request: Request) -> Response:
    services: Services = request.app.state.hub.services
    fields = await _fields(request, FORM_OVERHEAD)
    if fields is not None and (refused := _refuse_nul(fields)):
        return refused
    if fields is None or not fields.get("username") or not fields.get("password"):
        return _answer(400, "Thiếu username hoặc password.")
    ttl = dt.timedelta(minutes=services.settings.documents.gateway_token_minutes)
    try:
        async with services.db.sessions() as session:
            token = await take_token(
                session,
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


async def upload_qd4750(request: Request) -> Response:
    services: Services = request.app.state.hub.services
    intake = services.intake
    fields = await _fields(request, intake.max_bytes * 4 // 3 + FORM_OVERHEAD)
    if fields is None:
        return _answer(413, f"Tệp vượt quá dung lượng cho phép ({intake.max_bytes} byte).")
    if refused := _refuse_nul(fields):
        return refused
    now = services.clock.now()
    headers = request.headers
    try:
        async with services.db.sessions() as session:
            principal = await gateway_principal(
                session,
                services.signer,
                now=now,
                username=fields.get("username", ""),
                access_token=headers.get("accessToken", ""),
                token_id=headers.get("tokenId", ""),
                password_hash=headers.get("passwordHash", ""),
            )
            facility = await get_facility(session, fields.get("maCSKCB", "").strip().upper())
    except Unauthenticated:
        return _answer(401, "Phiên đăng nhập không hợp lệ hoặc đã hết hạn: gọi lại api/token/take.")
    own_code = principal.jurisdiction.code if principal.jurisdiction.level is JurisdictionLevel.FACILITY else None
    if facility is None or facility.code != own_code or fields.get("maTinh", "").strip() != facility.province_code:
        return _answer(403, "maCSKCB hoặc maTinh không khớp với cơ sở của tài khoản.")
    if fields.get("loaiHoSo", "").strip() != LOAI_HO_SO:
        return _answer(400, f"loaiHoSo phải là {LOAI_HO_SO}.", loi=[{"ma": "LOAI_HO_SO", "truong": "loaiHoSo"}])
    try:
        data = decode_base64(fields.get("fileHSBase64", ""))
    except (ValueError, binascii.Error):
        return _answer(400, "fileHSBase64 không phải chuỗi base64 hợp lệ.", loi=[{"ma": "PAYLOAD_NOT_BASE64"}])
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
    return _answer(
        200,
        "Đã tiếp nhận lại hồ sơ đã gửi trước đó." if stored.repeated else "Tiếp nhận thành công.",
        maGiaoDich=stored.transaction_id,
        thoiGianTiepNhan=local_stamp(stored.received_at),
        bienNhan=base64.b64encode(stored.receipt).decode("ascii"),
    )
