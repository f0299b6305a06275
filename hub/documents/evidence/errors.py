"""Why signed evidence is refused: codes with English and Vietnamese messages, and the exception the parser raises.

EvidenceUnreadable (hub.infra.errors.BusinessError)   the document as a whole: ROOT_UNKNOWN, ROOT_UNEXPECTED or
                                                CONTENT_INVALID, with `problems`, one BusinessError per bad field
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from hub.infra.errors import BusinessError, Templates, business_error


class EvidenceErrorCode(enum.StrEnum):
    ROOT_UNKNOWN = "ROOT_UNKNOWN"
    ROOT_UNEXPECTED = "ROOT_UNEXPECTED"
    CONTENT_INVALID = "CONTENT_INVALID"
    FIELD_REQUIRED = "FIELD_REQUIRED"
    FIELD_REPEATED = "FIELD_REPEATED"
    FIELD_UNKNOWN = "FIELD_UNKNOWN"
    FIELD_NOT_TEXT = "FIELD_NOT_TEXT"
    FIELD_TOO_LONG = "FIELD_TOO_LONG"
    FIELD_BAD_DATE = "FIELD_BAD_DATE"
    FIELD_BAD_TIMESTAMP = "FIELD_BAD_TIMESTAMP"
    FIELD_BAD_PERSONAL_ID = "FIELD_BAD_PERSONAL_ID"
    FIELD_BAD_OFFICE_CODE = "FIELD_BAD_OFFICE_CODE"
    FIELD_NOT_IN_CODE_LIST = "FIELD_NOT_IN_CODE_LIST"
    FIELD_NOT_ALLOWED = "FIELD_NOT_ALLOWED"


C = EvidenceErrorCode
# `{path}` is the element's path in the document (NGUOI_DUOC_KHAI_SINH/HO_TEN, SAI_LECH/TRUONG[2]).
MESSAGES: Templates = {
    C.ROOT_UNKNOWN: (
        "<{found}> is not an evidence document the hub reads ({expected}).",
        "<{found}> không phải loại chứng cứ hệ thống đọc được ({expected}).",
    ),
    C.ROOT_UNEXPECTED: (
        "The document is a <{found}>; expected <{expected}>.",
        "Tài liệu là <{found}>; phải là <{expected}>.",
    ),
    C.CONTENT_INVALID: ("The {document} is refused: {details}", "{document_vi} không hợp lệ: {details_vi}"),
    C.FIELD_REQUIRED: ("{path} is required.", "Trường {path} là bắt buộc."),
    C.FIELD_REPEATED: ("{path} appears more than once.", "Trường {path} xuất hiện nhiều lần."),
    C.FIELD_UNKNOWN: ("{path} is not a field of this document.", "{path} không phải trường của tài liệu này."),
    C.FIELD_NOT_TEXT: (
        "{path} must hold text, not elements.",
        "Trường {path} phải là văn bản, không chứa phần tử con.",
    ),
    C.FIELD_TOO_LONG: (
        "{path} is {length} characters long; at most {size} are allowed.",
        "Trường {path} dài {length} ký tự; tối đa {size} ký tự.",
    ),
    C.FIELD_BAD_DATE: (
        "{path} must be a date as yyyymmdd; got {value!r}.",
        "Trường {path} phải là ngày dạng yyyymmdd; giá trị nhận được {value!r}.",
    ),
    C.FIELD_BAD_TIMESTAMP: (
        "{path} must be an ISO 8601 timestamp with a time zone; got {value!r}.",
        "Trường {path} phải là thời điểm ISO 8601 có múi giờ; giá trị nhận được {value!r}.",
    ),
    # The value is left out: it is a personal identification number, or close to one.
    C.FIELD_BAD_PERSONAL_ID: (
        "{path} must be a 12-digit personal identification number.",
        "Trường {path} phải là số định danh cá nhân gồm 12 chữ số.",
    ),
    C.FIELD_BAD_OFFICE_CODE: (
        "{path} must be 1 to 20 letters, digits, '.', '_' or '-'; got {value!r}.",
        "Trường {path} phải gồm 1 đến 20 chữ cái, chữ số, '.', '_' hoặc '-'; giá trị nhận được {value!r}.",
    ),
    C.FIELD_NOT_IN_CODE_LIST: (
        "{path} must be one of {codes}; got {value!r}.",
        "Trường {path} phải là một trong các mã {codes}; giá trị nhận được {value!r}.",
    ),
    C.FIELD_NOT_ALLOWED: (
        "{path} is not allowed when {condition}.",
        "Trường {path} không được có khi {condition_vi}.",
    ),
}


def evidence_error(reason: EvidenceErrorCode, path: str | None, /, **values: object) -> BusinessError:
    """A BusinessError for `reason` at the element `path` (its `field`), the messages filled with `values`."""
    return business_error(reason, MESSAGES, field=path, path=path, **values)


class EvidenceUnreadable(BusinessError):
    """Evidence the hub will not read: an unknown or unexpected root (ROOT_UNKNOWN, ROOT_UNEXPECTED) or fields that
    break the format (CONTENT_INVALID). `problems` lists each problem found, its `field` being the element's path."""

    def __init__(self, code: EvidenceErrorCode, problems: Sequence[BusinessError], /, **values: object) -> None:
        english, vietnamese = MESSAGES[code]
        super().__init__(code, english.format(**values), vietnamese.format(**values))
        self.problems = tuple(problems)

    @property
    def codes(self) -> tuple[str, ...]:
        """The code of every problem, in document order."""
        return tuple(problem.code for problem in self.problems)
