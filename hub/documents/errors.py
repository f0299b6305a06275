"""Why a signed submission, a certificate or a document operation is refused: codes with English and Vietnamese
messages. QĐ 130/4750 content problems keep their own codes (hub.documents.qd4750.errors); signature problems keep
the code of the signing error (signing.errors), so a sender sees exactly which check failed."""

from __future__ import annotations

import enum

from hub.infra.errors import BusinessError, Templates, business_error
from signing.report import VerificationReport


class DocumentErrorCode(enum.StrEnum):
    NOT_A_FACILITY_CLIENT = "NOT_A_FACILITY_CLIENT"
    FACILITY_NOT_SENDER = "FACILITY_NOT_SENDER"
    TABLE_NOT_FOR_SENDER = "TABLE_NOT_FOR_SENDER"
    PAYLOAD_EMPTY = "PAYLOAD_EMPTY"
    PAYLOAD_NOT_BASE64 = "PAYLOAD_NOT_BASE64"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    DOCUMENT_REPEATED = "DOCUMENT_REPEATED"
    CERTIFICATE_UNREADABLE = "CERTIFICATE_UNREADABLE"
    PARTY_INVALID = "PARTY_INVALID"
    FACILITY_UNKNOWN = "FACILITY_UNKNOWN"
    CERTIFICATE_OF_ANOTHER_PARTY = "CERTIFICATE_OF_ANOTHER_PARTY"
    CERTIFICATE_NOT_FOUND = "CERTIFICATE_NOT_FOUND"
    DOCUMENT_NOT_FOUND = "DOCUMENT_NOT_FOUND"
    DOCUMENT_NOT_CURRENT = "DOCUMENT_NOT_CURRENT"
    REASON_REQUIRED = "REASON_REQUIRED"
    EVIDENCE_NOT_FOUND = "EVIDENCE_NOT_FOUND"
    EVIDENCE_QUERY_INVALID = "EVIDENCE_QUERY_INVALID"
    EVIDENCE_UNREADABLE = "EVIDENCE_UNREADABLE"
    EVIDENCE_MISMATCH = "EVIDENCE_MISMATCH"
    CONNECTOR_UNAVAILABLE = "CONNECTOR_UNAVAILABLE"


E = DocumentErrorCode
MESSAGES: Templates = {
    E.NOT_A_FACILITY_CLIENT: (
        "Only a health facility's client may submit hospital documents.",
        "Chỉ tài khoản của cơ sở khám chữa bệnh mới được gửi hồ sơ.",
    ),
    E.FACILITY_NOT_SENDER: (
        "The file is from facility {found!r} but you are signed in as facility {expected!r}.",
        "Tệp là của cơ sở {found!r} nhưng tài khoản đăng nhập là của cơ sở {expected!r}.",
    ),
    E.TABLE_NOT_FOR_SENDER: (
        "Table {table} cannot come from this sender: assessment minutes (XML12) come from medical assessment "
        "councils only, and councils send nothing else.",
        "Bảng {table} không thuộc loại bên gửi này được gửi: biên bản giám định y khoa (XML12) chỉ do hội đồng giám "
        "định y khoa gửi, và hội đồng không gửi bảng khác.",
    ),
    E.PAYLOAD_EMPTY: ("The file is empty.", "Tệp rỗng."),
    E.PAYLOAD_NOT_BASE64: ("The file is not valid base64.", "Tệp không phải chuỗi base64 hợp lệ."),
    E.PAYLOAD_TOO_LARGE: (
        "The file is {size} bytes; at most {limit} are accepted.",
        "Tệp có {size} byte; tối đa {limit} byte.",
    ),
    E.DOCUMENT_REPEATED: (
        "{doc_type} number {number!r} appears more than once in the file.",
        "Chứng từ {doc_type} số {number!r} xuất hiện nhiều lần trong tệp.",
    ),
    E.CERTIFICATE_UNREADABLE: (
        "Not a PEM or DER X.509 certificate: {detail}",
        "Không đọc được chứng thư số (PEM hoặc DER X.509): {detail}",
    ),
    E.PARTY_INVALID: (
        "{party!r} is not a party: use facility:XXXXX, civil-registry:CODE, population-database or hub.",
        "{party!r} không phải tên đơn vị: dùng facility:XXXXX, civil-registry:MÃ, population-database hoặc hub.",
    ),
    E.FACILITY_UNKNOWN: (
        "No health facility has the code {code!r}.",
        "Không có cơ sở khám chữa bệnh mã {code!r}.",
    ),
    E.CERTIFICATE_OF_ANOTHER_PARTY: (
        "This certificate is already trusted for {party!r}; a certificate belongs to one party only.",
        "Chứng thư số này đã được tin cậy cho {party!r}; mỗi chứng thư chỉ thuộc một đơn vị.",
    ),
    E.CERTIFICATE_NOT_FOUND: (
        "No certificate has the fingerprint {fingerprint!r}.",
        "Không có chứng thư số có dấu vân tay {fingerprint!r}.",
    ),
    E.DOCUMENT_NOT_FOUND: ("No such document.", "Không tìm thấy chứng từ."),
    E.DOCUMENT_NOT_CURRENT: (
        "This version is {state}; only the current version can be revoked.",
        "Phiên bản này đã {state_vi}; chỉ thu hồi được phiên bản hiện hành.",
    ),
    E.REASON_REQUIRED: ("A reason is required.", "Cần nêu lý do."),
    E.EVIDENCE_NOT_FOUND: (
        "The {source} has no record for this query.",
        "{source_vi} không có bản ghi phù hợp.",
    ),
    E.EVIDENCE_QUERY_INVALID: ("The query is not valid: {detail}", "Thông tin tra cứu không hợp lệ: {detail}"),
    E.EVIDENCE_UNREADABLE: (
        "The answer of the {source} could not be read: {detail}",
        "Không đọc được kết quả trả về từ {source_vi}: {detail}",
    ),
    E.EVIDENCE_MISMATCH: (
        "The {source} answered another question than the one asked: {detail}; nothing was stored.",
        "{source_vi} trả lời không đúng nội dung được hỏi: {detail}; không lưu kết quả này.",
    ),
    E.CONNECTOR_UNAVAILABLE: (
        "The {source} is not connected or did not answer; try again later.",
        "Chưa kết nối được hoặc {source_vi} không phản hồi; vui lòng thử lại sau.",
    ),
}


class SignatureCode(enum.StrEnum):
    """The codes of signing.errors, for refusals of a payload's XML or signature."""

    XML_MALFORMED = "XML_MALFORMED"
    XML_UNSAFE = "XML_UNSAFE"
    XML_TOO_LARGE = "XML_TOO_LARGE"
    XML_INVALID = "XML_INVALID"
    SIGNATURE_INVALID = "SIGNATURE_INVALID"
    SIGNATURE_MISSING = "SIGNATURE_MISSING"
    SIGNATURE_MULTIPLE = "SIGNATURE_MULTIPLE"
    SIGNATURE_MISPLACED = "SIGNATURE_MISPLACED"
    SIGNATURE_MALFORMED = "SIGNATURE_MALFORMED"
    REFERENCES_UNEXPECTED = "REFERENCES_UNEXPECTED"
    ALGORITHM_REFUSED = "ALGORITHM_REFUSED"
    CERTIFICATE_MISSING = "CERTIFICATE_MISSING"
    CERTIFICATE_UNKNOWN = "CERTIFICATE_UNKNOWN"
    SIGNER_UNEXPECTED = "SIGNER_UNEXPECTED"
    CERTIFICATE_EXPIRED = "CERTIFICATE_EXPIRED"
    CERTIFICATE_NOT_YET_VALID = "CERTIFICATE_NOT_YET_VALID"
    CERTIFICATE_INVALID = "CERTIFICATE_INVALID"
    DIGEST_MISMATCH = "DIGEST_MISMATCH"


SIGNATURE_MESSAGES_VI: dict[SignatureCode, str] = {
    SignatureCode.XML_MALFORMED: "tệp không phải XML hợp lệ",
    SignatureCode.XML_UNSAFE: "tệp chứa khai báo DTD hoặc thực thể (entity), không được chấp nhận",
    SignatureCode.XML_TOO_LARGE: "tệp quá lớn",
    SignatureCode.XML_INVALID: "tệp XML không đọc được",
    SignatureCode.SIGNATURE_INVALID: "giá trị chữ ký không khớp với khóa của đơn vị ký",
    SignatureCode.SIGNATURE_MISSING: "không có chữ ký số trong CHUKYDONVI",
    SignatureCode.SIGNATURE_MULTIPLE: "tệp có nhiều hơn một chữ ký số",
    SignatureCode.SIGNATURE_MISPLACED: "chữ ký số không nằm trong CHUKYDONVI ngay dưới phần tử gốc",
    SignatureCode.SIGNATURE_MALFORMED: "chữ ký số thiếu thành phần hoặc sai cấu trúc XMLDSig",
    SignatureCode.REFERENCES_UNEXPECTED: "chữ ký số không bao trùm toàn bộ tệp",
    SignatureCode.ALGORITHM_REFUSED: "thuật toán ký hoặc băm không được chấp nhận (ví dụ SHA-1)",
    SignatureCode.CERTIFICATE_MISSING: "chữ ký không kèm chứng thư số",
    SignatureCode.CERTIFICATE_UNKNOWN: "chứng thư số chưa được đăng ký với BHXH",
    SignatureCode.SIGNER_UNEXPECTED: "tệp được ký bằng chứng thư số của đơn vị khác",
    SignatureCode.CERTIFICATE_EXPIRED: "chứng thư số đã hết hạn",
    SignatureCode.CERTIFICATE_NOT_YET_VALID: "chứng thư số chưa đến thời gian hiệu lực",
    SignatureCode.CERTIFICATE_INVALID: "chứng thư số không hợp lệ",
    SignatureCode.DIGEST_MISMATCH: "nội dung tệp đã bị thay đổi sau khi ký",
}


class SignatureRefused(BusinessError):
    """A refused signature, with the report of the check that refused it (signer, certificate, algorithm, reason)."""

    def __init__(self, reason: SignatureCode, message: str, message_vi: str, report: VerificationReport | None) -> None:
        super().__init__(reason, message, message_vi)
        self.report = report


def signature_error(code: str, message: str, *, report: VerificationReport | None = None) -> SignatureRefused:
    """A refused signature or unreadable signed XML as a BusinessError with the signing error's own code."""
    reason = SignatureCode(code)
    return SignatureRefused(
        reason,
        f"The digital signature was refused: {message}",
        f"Chữ ký số không hợp lệ: {SIGNATURE_MESSAGES_VI[reason]}.",
        report,
    )


def document_error(reason: DocumentErrorCode, /, *, field: str | None = None, **values: object) -> BusinessError:
    """A BusinessError for `reason`, its messages filled with `values`."""
    return business_error(reason, MESSAGES, field=field, **values)
