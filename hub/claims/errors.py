"""Why a claim operation is refused: codes with English and Vietnamese messages."""

from __future__ import annotations

import enum

from hub.infra.errors import BusinessError, Templates, business_error


class ClaimErrorCode(enum.StrEnum):
    NOT_DECIDABLE = "NOT_DECIDABLE"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    NOT_PAYABLE = "NOT_PAYABLE"
    NOTHING_TO_CONFIRM = "NOTHING_TO_CONFIRM"
    CONFIRM_FIRST = "CONFIRM_FIRST"
    REASON_REQUIRED = "REASON_REQUIRED"
    PERSON_UNKNOWN = "PERSON_UNKNOWN"
    EMPLOYER_UNKNOWN = "EMPLOYER_UNKNOWN"
    DETAILS_INVALID = "DETAILS_INVALID"
    CLAIM_NOT_FOUND = "CLAIM_NOT_FOUND"
    NOT_PERMITTED = "NOT_PERMITTED"
    TOO_MANY_FILINGS = "TOO_MANY_FILINGS"
    CLAIM_OVERLAPS = "CLAIM_OVERLAPS"
    NOT_DECLARABLE = "NOT_DECLARABLE"
    CHILD_NOT_FOUND = "CHILD_NOT_FOUND"
    ASSIGNED_TO_ANOTHER = "ASSIGNED_TO_ANOTHER"
    NOT_ASSIGNED_TO_YOU = "NOT_ASSIGNED_TO_YOU"
    NOT_REFUSED = "NOT_REFUSED"


E = ClaimErrorCode
MESSAGES: Templates = {
    E.NOT_DECIDABLE: (
        "The claim is {state}; only a computed claim can be decided.",
        "Hồ sơ đang ở trạng thái {state}; chỉ hồ sơ đã tính xong mới được quyết định.",
    ),
    E.NOT_ELIGIBLE: (
        "The computation found the claim not eligible; reject it or return it for more evidence.",
        "Kết quả tính cho thấy không đủ điều kiện hưởng; hãy từ chối hoặc trả lại để bổ sung hồ sơ.",
    ),
    E.NOT_PAYABLE: (
        "The claim is {state}; only an approved claim can be paid.",
        "Hồ sơ đang ở trạng thái {state}; chỉ hồ sơ đã duyệt mới được chi trả.",
    ),
    E.NOTHING_TO_CONFIRM: (
        "No recalculated amount waits for confirmation.",
        "Không có khoản điều chỉnh nào chờ xác nhận.",
    ),
    E.CONFIRM_FIRST: (
        "A recalculation changed the amount to {amount} đồng: confirm it before paying.",
        "Số tiền đã được tính lại thành {amount} đồng: hãy xác nhận trước khi chi trả.",
    ),
    E.REASON_REQUIRED: ("A reason is required.", "Cần nêu lý do."),
    E.PERSON_UNKNOWN: (
        "No insured person has this identification number or BHXH code.",
        "Không tìm thấy người tham gia BHXH có số định danh hoặc mã số BHXH này.",
    ),
    E.EMPLOYER_UNKNOWN: ("No employer has the code {code!r}.", "Không có đơn vị sử dụng lao động mã {code!r}."),
    E.DETAILS_INVALID: ("The claim's details are not valid: {detail}", "Thông tin hồ sơ không hợp lệ: {detail}"),
    E.CLAIM_NOT_FOUND: ("No such claim.", "Không tìm thấy hồ sơ."),
    E.NOT_PERMITTED: (
        "You may not file a claim for this person (not known as insured, in another province, another employer's "
        "employee, someone else).",
        "Không được nộp hồ sơ cho người này (chưa có thông tin tham gia BHXH, tỉnh khác, người lao động của đơn vị "
        "khác, người khác).",
    ),
    E.TOO_MANY_FILINGS: (
        "{count} claims in one call; at most {limit}.",
        "{count} hồ sơ trong một lần gửi; tối đa {limit}.",
    ),
    E.CLAIM_OVERLAPS: (
        "This {kind} claim overlaps claim {reference} ({held_kind}) on {first} to {last}: {why_en}. Add to that "
        "claim, or have it rejected first.",
        "Hồ sơ {kind_vi} này trùng với hồ sơ {reference} ({held_kind_vi}) từ ngày {first} đến ngày {last}: "
        "{why_vi}. Hãy bổ sung vào hồ sơ đó, hoặc đề nghị từ chối hồ sơ đó trước.",
    ),
    E.CHILD_NOT_FOUND: (
        "No child of this person is known by {child!r} (a personal ID number, BHXH code or card number).",
        "Không tìm thấy con của người này có số định danh, mã số BHXH hoặc mã thẻ {child!r}.",
    ),
    E.NOT_REFUSED: (
        "The claim is {state}; a refusal letter is issued only for a rejected claim.",
        "Hồ sơ đang ở trạng thái {state}; chỉ hồ sơ đã bị từ chối mới có văn bản từ chối.",
    ),
    E.NOT_DECLARABLE: (
        "A long-term disease is declared on a sickness claim that is not rejected; this one is a {state} {kind} claim.",
        "Chỉ xác định bệnh dài ngày cho hồ sơ ốm đau chưa bị từ chối; hồ sơ này là hồ sơ {kind} ở trạng thái {state}.",
    ),
    E.ASSIGNED_TO_ANOTHER: (
        "The claim is being worked by {assignee}; it must be released first.",
        "Hồ sơ đang do {assignee} xử lý; cần được trả lại trước.",
    ),
    E.NOT_ASSIGNED_TO_YOU: ("You are not working this claim.", "Bạn không phải người đang xử lý hồ sơ này."),
}


def claim_error(reason: ClaimErrorCode, /, *, field: str | None = None, **values: object) -> BusinessError:
    return business_error(reason, MESSAGES, field=field, **values)
