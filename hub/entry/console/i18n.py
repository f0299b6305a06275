"""The console's words, Vietnamese first (the default) and English. Every label of the pages is here."""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("vi", "en")

WORDS: dict[str, tuple[str, str]] = {
    "app": ("Cổng cán bộ BHXH", "BHXH officers' console"),
    "skip": ("Bỏ qua đến nội dung chính", "Skip to the main content"),
    "sign_in": ("Đăng nhập", "Sign in"),
    "sign_out": ("Đăng xuất", "Sign out"),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "sign_in_failed": (
        "Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đã bị khóa.",
        "Wrong username or password, or the account is locked.",
    ),
    "csrf_failed": ("Phiên làm việc đã hết hạn. Vui lòng thử lại.", "The form expired. Please try again."),
    "signed_in_as": ("Đăng nhập với tên", "Signed in as"),
    "language": ("Ngôn ngữ", "Language"),
    "other_language": ("English", "Tiếng Việt"),
    "home": ("Trang chủ", "Home"),
    "claims": ("Hồ sơ hưởng chế độ", "Claims"),
    "worklist": ("Danh sách công việc", "Worklist"),
    "cases": ("Hồ sơ cấp thẻ BHYT trẻ em", "Child-card cases"),
    "reviews": ("Rà soát trùng lặp", "Duplicate reviews"),
    "facility_requests": ("Đề nghị bổ sung cơ sở KCB", "Facility requests"),
    "supervisor": ("Giám sát", "Supervision"),
    "operator": ("Vận hành", "Operations"),
    "failed_jobs": ("Tác vụ lỗi", "Failed jobs"),
    "clients": ("Ứng dụng kết nối", "Clients"),
    "officers": ("Cán bộ", "Officers"),
    "api": ("GraphQL API", "GraphQL API"),
    "search": ("Tìm kiếm", "Search"),
    "search_hint": (
        "Họ tên (có hoặc không dấu) hoặc mã hồ sơ",
        "Name (with or without diacritics) or reference",
    ),
    "state": ("Trạng thái", "State"),
    "kind": ("Chế độ", "Benefit"),
    "any": ("Tất cả", "Any"),
    "due": ("Thời hạn", "Due"),
    "due_today": ("Đến hạn hôm nay", "Due today"),
    "due_week": ("Đến hạn trong tuần", "Due this week"),
    "overdue": ("Quá hạn", "Overdue"),
    "needs_confirmation": ("Chờ xác nhận điều chỉnh", "Adjustment to confirm"),
    "filter": ("Lọc", "Filter"),
    "reference": ("Mã hồ sơ", "Reference"),
    "person": ("Người hưởng", "Person"),
    "province": ("Tỉnh", "Province"),
    "event_date": ("Ngày phát sinh", "Event date"),
    "due_on": ("Hạn giải quyết", "Due on"),
    "amount": ("Số tiền (đồng)", "Amount (VND)"),
    "origin": ("Nguồn", "Channel"),
    "total": ("Tổng số", "Total"),
    "shown": ("đang hiển thị", "shown"),
    "none_found": ("Không có hồ sơ nào.", "Nothing found."),
    "claim": ("Hồ sơ", "Claim"),
    "computation": ("Cách tính", "Computation"),
    "law": ("Căn cứ pháp lý", "Law"),
    "eligible": ("Đủ điều kiện", "Eligible"),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
    "paid_days": ("Số ngày hưởng", "Days paid"),
    "reasons": ("Lý do", "Reasons"),
    "explanation": ("Diễn giải", "Explanation"),
    "history": ("Lịch sử", "History"),
    "payments": ("Chi trả", "Payments"),
    "evidence": ("Chứng từ", "Evidence"),
    "decide": ("Quyết định", "Decision"),
    "approve": ("Duyệt", "Approve"),
    "return": ("Trả lại", "Return"),
    "reject": ("Từ chối", "Reject"),
    "reason": ("Lý do (bắt buộc khi trả lại hoặc từ chối)", "Reason (required to return or reject)"),
    "pay": ("Lập lệnh chi", "Pay"),
    "confirm_adjustment": ("Xác nhận điều chỉnh", "Confirm the adjustment"),
    "done": ("Đã thực hiện.", "Done."),
    "decision_reason": ("Lý do quyết định", "Decision reason"),
    "decided_by": ("Người quyết định", "Decided by"),
    "when": ("Thời điểm", "When"),
    "actor": ("Người thực hiện", "By"),
    "details": ("Chi tiết", "Details"),
    "full_name": ("Họ và tên", "Full name"),
    "date_of_birth": ("Ngày sinh", "Date of birth"),
    "gender": ("Giới tính", "Gender"),
    "personal_id": ("Số định danh cá nhân", "Personal ID number"),
    "bhxh_code": ("Mã số BHXH", "BHXH code"),
    "address": ("Địa chỉ", "Address"),
    "commune": ("Xã/phường", "Commune"),
    "not_found": ("Không tìm thấy, hoặc bạn không có quyền xem.", "Not found, or not yours to see."),
    "forbidden": ("Bạn không có quyền thực hiện thao tác này.", "You may not do this."),
    "child_name": ("Tên trẻ", "Child's name"),
    "registry_office": ("Cơ quan đăng ký hộ tịch", "Registry office"),
    "book_record": ("Quyển / số", "Book / number"),
    "registered_on": ("Ngày đăng ký", "Registered on"),
    "received_at": ("Ngày nhận", "Received"),
    "issued_at": ("Ngày cấp thẻ", "Issued"),
    "registered_from": ("Đăng ký từ ngày", "Registered from"),
    "registered_to": ("Đến ngày", "Registered to"),
    "cards": ("Các phiên bản thẻ", "Card versions"),
    "card_number": ("Số thẻ", "Card number"),
    "valid": ("Hiệu lực", "Valid"),
    "version": ("Phiên bản", "Version"),
    "facility": ("Cơ sở KCB", "Facility"),
    "new_record": ("Hồ sơ mới", "New record"),
    "existing_person": ("Người đã có trong CSDL", "Person on record"),
    "same_person": ("Cùng một người (liên kết)", "The same person (link)"),
    "different_person": ("Khác người", "A different person"),
    "review_reason": ("Căn cứ nghi trùng", "Why it may be the same person"),
    "no_reviews": ("Không có hồ sơ chờ rà soát.", "No review waiting."),
    "code": ("Mã", "Code"),
    "name": ("Tên", "Name"),
    "note": ("Ghi chú", "Note"),
    "requested_by": ("Người đề nghị", "Requested by"),
    "first_day": ("Từ ngày", "First day"),
    "last_day": ("Đến ngày", "Last day"),
    "show": ("Xem", "Show"),
    "download_excel": ("Tải Excel", "Download Excel"),
    "child_cards_report": ("Thẻ BHYT trẻ em: tiếp nhận, cấp, quá hạn", "Child cards: received, issued, overdue"),
    "received": ("Tiếp nhận", "Received"),
    "issued": ("Đã cấp", "Issued"),
    "rejected": ("Từ chối", "Rejected"),
    "cancelled": ("Hủy", "Cancelled"),
    "waiting": ("Đang chờ", "Waiting"),
    "claims_backlog": ("Hồ sơ tồn theo thời gian chờ", "Claims backlog by age"),
    "age": ("Thời gian chờ", "Age"),
    "count": ("Số hồ sơ", "Claims"),
    "on_time": ("Còn trong hạn", "On time"),
    "days": ("ngày", "days"),
    "job": ("Tác vụ", "Job"),
    "queue": ("Hàng đợi", "Queue"),
    "attempts": ("Số lần chạy", "Attempts"),
    "last_error": ("Lỗi cuối", "Last error"),
    "finished_at": ("Kết thúc", "Finished"),
    "retry_hint": ("Chạy lại bằng lệnh: hub jobs retry ID", "Run one again with: hub jobs retry ID"),
    "roles": ("Quyền", "Roles"),
    "jurisdiction": ("Địa bàn", "Jurisdiction"),
    "client": ("Ứng dụng", "Client"),
    "revoked": ("Đã thu hồi", "Revoked"),
    "locked": ("Đã khóa", "Locked"),
    "active": ("Đang hoạt động", "Active"),
    "last_sign_in": ("Đăng nhập gần nhất", "Last sign-in"),
    "welcome": ("Chọn công việc trong menu.", "Choose your work in the menu."),
    "token": ("Token (Bearer)", "Token (Bearer)"),
    "prev": ("Trang trước", "Previous"),
    "next": ("Trang sau", "Next"),
    "search_limit": (
        "Tìm theo tên trong 200 hồ sơ đầu tiên của bộ lọc.",
        "The name search looks through the filter's first 200 claims.",
    ),
}

ENUMS: dict[str, tuple[str, str]] = {
    # claim states
    "EVIDENCE_PENDING": ("Chờ chứng từ", "Evidence pending"),
    "COMPUTED": ("Đã tính, chờ duyệt", "Computed, to decide"),
    "APPROVED": ("Đã duyệt", "Approved"),
    "REJECTED": ("Từ chối", "Rejected"),
    "RETURNED": ("Trả lại", "Returned"),
    "PAID": ("Đã chi trả", "Paid"),
    # claim kinds
    "SICKNESS": ("Ốm đau", "Sickness"),
    "CHILD_CARE": ("Con ốm", "Child care"),
    "MATERNITY": ("Thai sản", "Maternity"),
    "PATERNITY": ("Thai sản (cha)", "Paternity"),
    "CONVALESCENCE": ("Dưỡng sức", "Convalescence"),
    # case states
    "RECEIVED": ("Đã tiếp nhận", "Received"),
    "CARD_ISSUED": ("Đã cấp thẻ", "Card issued"),
    "NEEDS_REVIEW": ("Chờ rà soát", "Needs review"),
    "CARD_CHANGED": ("Thẻ đã điều chỉnh", "Card changed"),
    "CARD_REVOKED": ("Thẻ đã thu hồi", "Card revoked"),
    # facility requests
    "PENDING": ("Chờ duyệt", "Pending"),
    # payments, gender
    "PAYMENT": ("Chi trả", "Payment"),
    "TOP_UP": ("Chi bổ sung", "Top-up"),
    "RECOVERY": ("Thu hồi", "Recovery"),
    "MALE": ("Nam", "Male"),
    "FEMALE": ("Nữ", "Female"),
}


def translator(language: str) -> Callable[[str], str]:
    index = 1 if language == "en" else 0

    def t(key: str) -> str:
        return WORDS[key][index]

    return t


def enum_label(language: str) -> Callable[[object], str]:
    index = 1 if language == "en" else 0

    def label(value: object) -> str:
        text = str(value)
        return ENUMS[text][index] if text in ENUMS else text

    return label
