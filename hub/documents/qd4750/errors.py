"""Why a QĐ 130/4750 file, table or field is refused: codes with English and Vietnamese messages, and exceptions.

Qd4750Error (hub.infra.errors.BusinessError)   a QĐ 130/4750 payload the hub will not read
├── EnvelopeUnreadable                    the GIAMDINHHS envelope itself: not XML, unsafe, too large, wrong shape
└── TableUnreadable                       one table: not XML, unsafe, too large, wrong root, LOAIHOSO not parsed

Everything below the envelope (a file that does not decode, a field too long ...) is not raised but collected as
a Violation, so that one pass reports every problem with its place.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hub.infra.errors import BusinessError, Templates


class Qd4750ErrorCode(enum.StrEnum):
    ENVELOPE_NOT_XML = "ENVELOPE_NOT_XML"
    ENVELOPE_UNSAFE = "ENVELOPE_UNSAFE"
    ENVELOPE_TOO_LARGE = "ENVELOPE_TOO_LARGE"
    ENVELOPE_ROOT_WRONG = "ENVELOPE_ROOT_WRONG"
    ENVELOPE_ELEMENT_MISSING = "ENVELOPE_ELEMENT_MISSING"
    COUNT_MISMATCH = "COUNT_MISMATCH"
    LOAIHOSO_UNKNOWN = "LOAIHOSO_UNKNOWN"
    LOAIHOSO_NOT_PARSED = "LOAIHOSO_NOT_PARSED"
    LOAIHOSO_REPEATED = "LOAIHOSO_REPEATED"
    XML1_MISSING = "XML1_MISSING"
    MA_LK_MISMATCH = "MA_LK_MISMATCH"
    FACILITY_MISMATCH = "FACILITY_MISMATCH"
    BASE64_INVALID = "BASE64_INVALID"
    PAYLOAD_NOT_XML = "PAYLOAD_NOT_XML"
    PAYLOAD_UNSAFE = "PAYLOAD_UNSAFE"
    TABLE_TOO_LARGE = "TABLE_TOO_LARGE"
    ROOT_ELEMENT_WRONG = "ROOT_ELEMENT_WRONG"
    RECORD_MISSING = "RECORD_MISSING"
    FIELD_REQUIRED = "FIELD_REQUIRED"
    FIELD_TOO_LONG = "FIELD_TOO_LONG"
    FIELD_NOT_A_NUMBER = "FIELD_NOT_A_NUMBER"
    FIELD_BAD_DATE = "FIELD_BAD_DATE"
    FIELD_NOT_IN_CODE_LIST = "FIELD_NOT_IN_CODE_LIST"
    FIELD_OUT_OF_RANGE = "FIELD_OUT_OF_RANGE"
    FIELD_UNKNOWN = "FIELD_UNKNOWN"
    FIELD_REPEATED = "FIELD_REPEATED"
    ENVELOPE_EMPTY = "ENVELOPE_EMPTY"
    ENVELOPE_ELEMENT_UNKNOWN = "ENVELOPE_ELEMENT_UNKNOWN"
    XINCLUDE_REFUSED = "XINCLUDE_REFUSED"
    DATES_OUT_OF_ORDER = "DATES_OUT_OF_ORDER"
    CCCD_INVALID = "CCCD_INVALID"
    BIRTH_CERTIFICATE_NUMBER_INVALID = "BIRTH_CERTIFICATE_NUMBER_INVALID"
    LEAVE_TOO_LONG = "LEAVE_TOO_LONG"
    LEAVE_NOT_FROM_VISIT = "LEAVE_NOT_FROM_VISIT"


E = Qd4750ErrorCode
MESSAGES: Templates = {
    E.ENVELOPE_NOT_XML: ("The file is not well-formed XML: {detail}", "Tệp không phải XML hợp lệ: {detail}"),
    E.ENVELOPE_UNSAFE: (
        "The file carries a DTD or entity declarations, which are refused.",
        "Tệp chứa khai báo DTD hoặc thực thể (entity), không được chấp nhận.",
    ),
    E.ENVELOPE_TOO_LARGE: ("The file is too large: {detail}", "Tệp quá lớn: {detail}"),
    E.ENVELOPE_ROOT_WRONG: (
        "The file's root element is <{found}>; expected <GIAMDINHHS>.",
        "Phần tử gốc của tệp là <{found}>; phải là <GIAMDINHHS>.",
    ),
    E.ENVELOPE_ELEMENT_MISSING: ("The file has no {element}.", "Tệp thiếu phần tử {element}."),
    E.COUNT_MISMATCH: (
        "SOLUONGHOSO says {declared} but the file holds {found} HOSO.",
        "SOLUONGHOSO ghi {declared} nhưng tệp có {found} HOSO.",
    ),
    E.LOAIHOSO_UNKNOWN: (
        "LOAIHOSO {loaihoso!r} is not a table of QĐ 130/4750 (XML0 to XML15).",
        "LOAIHOSO {loaihoso!r} không phải bảng của QĐ 130/4750 (XML0 đến XML15).",
    ),
    E.LOAIHOSO_NOT_PARSED: (
        "Table {loaihoso} is kept as sent; the hub does not read its fields.",
        "Bảng {loaihoso} được lưu nguyên văn; hệ thống không đọc các chỉ tiêu của bảng này.",
    ),
    E.LOAIHOSO_REPEATED: (
        "Table {loaihoso} appears more than once in the same HOSO.",
        "Bảng {loaihoso} xuất hiện nhiều lần trong cùng một HOSO.",
    ),
    E.XML1_MISSING: (
        "The HOSO has no XML1, which names the patient of its documents.",
        "HOSO không có bảng XML1 (thông tin người bệnh của các chứng từ).",
    ),
    E.MA_LK_MISMATCH: (
        "MA_LK {found!r} differs from the XML1 of the same HOSO ({expected!r}).",
        "MA_LK {found!r} khác với MA_LK của bảng XML1 trong cùng HOSO ({expected!r}).",
    ),
    E.FACILITY_MISMATCH: (
        "MA_CSKCB {found!r} differs from the sending facility {expected!r}.",
        "MA_CSKCB {found!r} khác với cơ sở gửi dữ liệu {expected!r}.",
    ),
    E.BASE64_INVALID: (
        "NOIDUNGFILE of {loaihoso} is not valid base64.",
        "NOIDUNGFILE của {loaihoso} không phải chuỗi base64 hợp lệ.",
    ),
    E.PAYLOAD_NOT_XML: (
        "Table {loaihoso} is not well-formed XML: {detail}",
        "Bảng {loaihoso} không phải XML hợp lệ: {detail}",
    ),
    E.PAYLOAD_UNSAFE: (
        "Table {loaihoso} carries a DTD or entity declarations, which are refused.",
        "Bảng {loaihoso} chứa khai báo DTD hoặc thực thể (entity), không được chấp nhận.",
    ),
    E.TABLE_TOO_LARGE: (
        "Table {loaihoso} is over the size limit of one table (HUB_MAX_TABLE_BYTES): {detail}",
        "Bảng {loaihoso} vượt quá dung lượng cho phép của một bảng (HUB_MAX_TABLE_BYTES): {detail}",
    ),
    E.ROOT_ELEMENT_WRONG: (
        "The root element of {loaihoso} is <{found}>; expected <{expected}>.",
        "Phần tử gốc của {loaihoso} là <{found}>; phải là <{expected}>.",
    ),
    E.RECORD_MISSING: (
        "Table {loaihoso} holds no <{element}>.",
        "Bảng {loaihoso} không có phần tử <{element}> nào.",
    ),
    E.FIELD_REQUIRED: ("{field} is required.", "Chỉ tiêu {field} là bắt buộc."),
    E.FIELD_TOO_LONG: (
        "{field} is {length} characters long; at most {size} are allowed.",
        "Chỉ tiêu {field} dài {length} ký tự; tối đa {size} ký tự.",
    ),
    E.FIELD_NOT_A_NUMBER: (
        "{field} must be a number ({format}); got {value!r}.",
        "Chỉ tiêu {field} phải là số ({format_vi}); giá trị nhận được {value!r}.",
    ),
    E.FIELD_BAD_DATE: (
        "{field} must be a valid date or time as {format}; got {value!r}.",
        "Chỉ tiêu {field} phải là ngày hoặc thời điểm hợp lệ dạng {format_vi}; giá trị nhận được {value!r}.",
    ),
    E.FIELD_NOT_IN_CODE_LIST: (
        "{field} must be one of {codes}; got {value!r}.",
        "Chỉ tiêu {field} phải là một trong các mã {codes}; giá trị nhận được {value!r}.",
    ),
    E.FIELD_OUT_OF_RANGE: (
        "{field} must be between {minimum} and {maximum}; got {value}.",
        "Chỉ tiêu {field} phải từ {minimum} đến {maximum}; giá trị nhận được {value}.",
    ),
    E.FIELD_UNKNOWN: (
        "<{field}> is not a field of {loaihoso} under {standard}.",
        "<{field}> không phải chỉ tiêu của bảng {loaihoso} theo {standard}.",
    ),
    E.FIELD_REPEATED: ("{field} appears more than once.", "Chỉ tiêu {field} xuất hiện nhiều lần."),
    E.ENVELOPE_EMPTY: (
        "The file holds no HOSO: there is nothing to receive.",
        "Tệp không có HOSO nào: không có dữ liệu để tiếp nhận.",
    ),
    E.ENVELOPE_ELEMENT_UNKNOWN: (
        "<{element}> is not an element of the GIAMDINHHS file under <{parent}>.",
        "<{element}> không phải phần tử của tệp GIAMDINHHS trong <{parent}>.",
    ),
    E.XINCLUDE_REFUSED: (
        "The file carries an XInclude element <{element}>, which is never resolved and is refused.",
        "Tệp chứa phần tử XInclude <{element}>; hệ thống không xử lý XInclude và không chấp nhận tệp.",
    ),
    E.DATES_OUT_OF_ORDER: (
        "{field} ({later}) is before {earlier_field} ({earlier}).",
        "Chỉ tiêu {field} ({later}) trước {earlier_field} ({earlier}).",
    ),
    E.CCCD_INVALID: (
        "{field} {value!r} is all digits but not a 12-digit personal identification number{old}.",
        "Chỉ tiêu {field} {value!r} gồm toàn chữ số nhưng không phải số định danh cá nhân 12 chữ số{old_vi}.",
    ),
    E.BIRTH_CERTIFICATE_NUMBER_INVALID: (
        "SO {value!r} is not a birth-certificate number of the form XXXXX.GCS.{facility}.YY (TT 22/2025/TT-BYT, "
        "required for certificates issued from 01/10/2025){detail}.",
        "SO {value!r} không đúng dạng số giấy chứng sinh XXXXX.GCS.{facility}.YY (Thông tư 22/2025/TT-BYT, bắt buộc "
        "với giấy cấp từ 01/10/2025){detail_vi}.",
    ),
    E.LEAVE_TOO_LONG: (
        "{field} gives {days} days; {rule} allows at most {limit} days ({citation}).",
        "Chỉ tiêu {field} ghi {days} ngày; {rule_vi} tối đa {limit} ngày ({citation}).",
    ),
    E.LEAVE_NOT_FROM_VISIT: (
        "{field} is {found}; a certificate issued from 01/07/2025 starts and is issued on the visit date {visit} "
        "(TT 25/2025/TT-BYT).",
        "Chỉ tiêu {field} là {found}; giấy cấp từ 01/07/2025 phải có ngày bắt đầu nghỉ và ngày cấp bằng ngày khám "
        "{visit} (Thông tư 25/2025/TT-BYT).",
    ),
}


@dataclass(frozen=True, slots=True)
class Violation:
    """One problem found in a file, with where it is.

    Indexes are 0-based (`hoso` in the envelope, `file` in its HOSO, `record` in its table); `path` shows them
    1-based, as XPath does: `HOSO[2]/XML9[1]/SO_CON`.
    """

    code: Qd4750ErrorCode
    message: str
    message_vi: str
    hoso: int | None = None
    file: int | None = None
    table: str | None = None
    record: int | None = None
    field: str | None = None

    @property
    def path(self) -> str:
        """Where the problem is, from the envelope down to the field ("" for the envelope as a whole)."""
        parts = []
        if self.hoso is not None:
            parts.append(f"HOSO[{self.hoso + 1}]")
        if self.table is not None:
            parts.append(self.table if self.record is None else f"{self.table}[{self.record + 1}]")
        elif self.file is not None:
            parts.append(f"FILEHOSO[{self.file + 1}]")
        if self.field is not None:
            parts.append(self.field)
        return "/".join(parts)

    def as_error(self) -> BusinessError:
        """The same problem as the hub's BusinessError, its `field` being the path."""
        return BusinessError(self.code, self.message, self.message_vi, field=self.path or None)


def violation(
    code: Qd4750ErrorCode,
    /,
    *,
    hoso: int | None = None,
    file: int | None = None,
    table: str | None = None,
    record: int | None = None,
    field: str | None = None,
    **values: object,
) -> Violation:
    """A Violation whose messages come from MESSAGES[code], filled with `values` (and `field`)."""
    english, vietnamese = MESSAGES[code]
    fill = {"field": field, **values}
    return Violation(code, english.format(**fill), vietnamese.format(**fill), hoso, file, table, record, field)


class Qd4750Error(BusinessError):
    """A QĐ 130/4750 payload the hub will not read at all."""

    def __init__(self, code: Qd4750ErrorCode, /, **values: object) -> None:
        english, vietnamese = MESSAGES[code]
        super().__init__(code, english.format(**values), vietnamese.format(**values))


class EnvelopeUnreadable(Qd4750Error):
    """The GIAMDINHHS envelope is not XML, is unsafe or too large, or lacks what routing needs (MACSKCB, HOSO list)."""


class TableUnreadable(Qd4750Error):
    """One table's payload is not XML, is unsafe or too large, has the wrong root, or is of a table not parsed."""
