"""Why a birth registration is refused or held, each reason a code with its English and Vietnamese message."""

from __future__ import annotations

import enum

from hub.infra.errors import BusinessError, Templates, business_error


class ChildCardErrorCode(enum.StrEnum):
    CHILD_NOT_UNDER_SIX = "CHILD_NOT_UNDER_SIX"
    ID_NUMBER_MALFORMED = "ID_NUMBER_MALFORMED"
    ID_NUMBER_BIRTH_DATE_MISMATCH = "ID_NUMBER_BIRTH_DATE_MISMATCH"
    ID_NUMBER_GENDER_MISMATCH = "ID_NUMBER_GENDER_MISMATCH"
    ID_NUMBER_PLACE_MISMATCH = "ID_NUMBER_PLACE_MISMATCH"
    BIRTH_DATE_IN_FUTURE = "BIRTH_DATE_IN_FUTURE"
    BIRTH_DATE_AFTER_REGISTRATION = "BIRTH_DATE_AFTER_REGISTRATION"
    FACILITY_UNKNOWN = "FACILITY_UNKNOWN"
    FACILITY_RETIRED = "FACILITY_RETIRED"
    FACILITY_NOT_FOR_CHILDREN = "FACILITY_NOT_FOR_CHILDREN"
    FACILITY_CONTRACT_NOT_VALID = "FACILITY_CONTRACT_NOT_VALID"
    COMMUNE_UNKNOWN = "COMMUNE_UNKNOWN"
    OFFICE_OUTSIDE_JURISDICTION = "OFFICE_OUTSIDE_JURISDICTION"
    GUARDIAN_MISSING = "GUARDIAN_MISSING"
    POSTAL_ADDRESS_MISSING = "POSTAL_ADDRESS_MISSING"
    DUPLICATE_IN_BATCH = "DUPLICATE_IN_BATCH"
    FIELD_BLANK = "FIELD_BLANK"
    FIELD_TOO_LONG = "FIELD_TOO_LONG"
    FIELD_CHARACTERS = "FIELD_CHARACTERS"
    PERSON_ID_NUMBER_INVALID = "PERSON_ID_NUMBER_INVALID"
    REGISTRATION_DATE_IN_FUTURE = "REGISTRATION_DATE_IN_FUTURE"
    CHILD_NOT_UNDER_SIX_ON_RECEIPT = "CHILD_NOT_UNDER_SIX_ON_RECEIPT"
    CASE_UNKNOWN = "CASE_UNKNOWN"
    ALREADY_CANCELLED = "ALREADY_CANCELLED"
    REASON_REQUIRED = "REASON_REQUIRED"
    REVIEW_UNKNOWN = "REVIEW_UNKNOWN"
    REVIEW_ALREADY_DECIDED = "REVIEW_ALREADY_DECIDED"
    CHILD_UNKNOWN = "CHILD_UNKNOWN"
    NO_CARD_YET = "NO_CARD_YET"
    CARD_FIELD_TOO_LONG = "CARD_FIELD_TOO_LONG"
    CARD_NOT_ISSUED = "CARD_NOT_ISSUED"
    POPULATION_CHECK_NOT_ASKED = "POPULATION_CHECK_NOT_ASKED"
    POPULATION_NUMBER_HELD = "POPULATION_NUMBER_HELD"
    # People, outcomes and the report (issue 18)
    ID_NUMBER_HELD_BY_ANOTHER = "ID_NUMBER_HELD_BY_ANOTHER"
    DELIVERY_ADDRESS_REQUIRED = "DELIVERY_ADDRESS_REQUIRED"
    REGISTRATION_CANCELLED = "REGISTRATION_CANCELLED"
    REPORT_DATES_REVERSED = "REPORT_DATES_REVERSED"


E = ChildCardErrorCode
MESSAGES: Templates = {
    E.CHILD_NOT_UNDER_SIX: (
        "The child was {months} months old when the registration was saved; cards here are for children under 6.",
        "Trẻ đã {months} tháng tuổi khi lưu đăng ký khai sinh; liên thông chỉ cấp thẻ cho trẻ dưới 6 tuổi.",
    ),
    E.ID_NUMBER_MALFORMED: (
        "The child's personal identification number {number!r} is not valid: {detail}",
        "Số định danh cá nhân của trẻ {number!r} không hợp lệ: {detail_vi}",
    ),
    E.ID_NUMBER_BIRTH_DATE_MISMATCH: (
        "The personal identification number says born {id_year}; the record says {year}.",
        "Số định danh cá nhân ghi năm sinh {id_year}; hồ sơ ghi năm {year}.",
    ),
    E.ID_NUMBER_GENDER_MISMATCH: (
        "The personal identification number says {id_gender}; the record says {gender}.",
        "Số định danh cá nhân ghi giới tính {id_gender_vi}; hồ sơ ghi {gender_vi}.",
    ),
    E.ID_NUMBER_PLACE_MISMATCH: (
        "The personal identification number was issued in {id_province}, not where the birth was registered.",
        "Số định danh cá nhân được cấp tại {id_province}, không phải nơi đăng ký khai sinh.",
    ),
    E.BIRTH_DATE_IN_FUTURE: (
        "The date of birth {day} is in the future.",
        "Ngày sinh {day} ở tương lai.",
    ),
    E.BIRTH_DATE_AFTER_REGISTRATION: (
        "The date of birth {day} is after the registration date {registered}.",
        "Ngày sinh {day} sau ngày đăng ký {registered}.",
    ),
    E.FACILITY_UNKNOWN: (
        "Primary-care facility {code!r} is not on the list.",
        "Nơi đăng ký KCB ban đầu {code!r} không có trong danh mục.",
    ),
    E.FACILITY_RETIRED: ("Facility {code} has been retired.", "Cơ sở KCB {code} đã ngừng hoạt động."),
    E.FACILITY_NOT_FOR_CHILDREN: (
        "Facility {code} does not take children's primary-care registration.",
        "Cơ sở KCB {code} không nhận đăng ký KCB ban đầu cho trẻ em.",
    ),
    E.FACILITY_CONTRACT_NOT_VALID: (
        "Facility {code} has no BHYT contract in force on {day}.",
        "Cơ sở KCB {code} không có hợp đồng KCB BHYT vào ngày {day}.",
    ),
    E.COMMUNE_UNKNOWN: (
        "Commune {code!r} did not exist on {day}.",
        "Không có xã mã {code!r} vào ngày {day}.",
    ),
    E.OFFICE_OUTSIDE_JURISDICTION: (
        "Registry office {code} is outside your jurisdiction.",
        "Cơ quan đăng ký {code} nằm ngoài địa bàn của bạn.",
    ),
    E.GUARDIAN_MISSING: (
        "The card's guardian is the {role}, but the record has no {role}.",
        "Người giám hộ trên thẻ là {role_vi} nhưng hồ sơ không có thông tin {role_vi}.",
    ),
    E.POSTAL_ADDRESS_MISSING: (
        "Delivery by post needs an address.",
        "Gửi thẻ qua bưu điện cần có địa chỉ nhận.",
    ),
    E.DUPLICATE_IN_BATCH: (
        "This record also appears at position {first} of the same batch with different content.",
        "Hồ sơ này đã có ở vị trí {first} của cùng lô với nội dung khác.",
    ),
    E.FIELD_BLANK: (
        "{name} is blank, or has no letter or digit.",
        "Trường {name} để trống hoặc không có chữ cái, chữ số nào.",
    ),
    E.FIELD_TOO_LONG: (
        "{name} holds {length} characters; at most {limit} are accepted.",
        "Trường {name} có {length} ký tự; chỉ chấp nhận tối đa {limit} ký tự.",
    ),
    E.FIELD_CHARACTERS: (
        "{name} holds characters not accepted there ({allowed}): {chars}.",
        "Trường {name} có ký tự không được chấp nhận ({allowed_vi}): {chars}.",
    ),
    E.PERSON_ID_NUMBER_INVALID: (
        "The {role}'s personal identification number {number!r} is not valid: {detail}",
        "Số định danh cá nhân của {role_vi} {number!r} không hợp lệ: {detail_vi}",
    ),
    E.REGISTRATION_DATE_IN_FUTURE: (
        "The registration date {day} is in the future.",
        "Ngày đăng ký {day} ở tương lai.",
    ),
    E.CHILD_NOT_UNDER_SIX_ON_RECEIPT: (
        "The child is {months} months old on {day}, when the hub received the record; cards here are for children "
        "under 6.",
        "Trẻ đã {months} tháng tuổi vào ngày {day}, khi hồ sơ được chuyển đến; liên thông chỉ cấp thẻ cho trẻ dưới 6 "
        "tuổi.",
    ),
    E.CASE_UNKNOWN: (
        "No registration {book}/{record} of office {office} has reached the hub.",
        "Hồ sơ đăng ký {book}/{record} của cơ quan {office} chưa được chuyển đến.",
    ),
    E.ALREADY_CANCELLED: ("This registration was already cancelled.", "Đăng ký này đã bị hủy trước đó."),
    E.REASON_REQUIRED: ("A reason is required.", "Cần nêu lý do."),
    E.REVIEW_UNKNOWN: ("No such review item.", "Không có hồ sơ cần xem xét này."),
    E.REVIEW_ALREADY_DECIDED: ("This review item was already decided.", "Hồ sơ này đã được quyết định."),
    E.CHILD_UNKNOWN: (
        "No registration of a child with personal identification number {number} has reached the hub.",
        "Chưa có hồ sơ khai sinh nào của trẻ có số định danh {number} được chuyển đến.",
    ),
    E.NO_CARD_YET: (
        "Case {reference} has no card in force ({state}).",
        "Hồ sơ {reference} chưa có thẻ còn hiệu lực ({state}).",
    ),
    E.CARD_FIELD_TOO_LONG: (
        "The {what} has {length} characters; a card holds at most {limit}. Correct the registration.",
        "{what_vi} dài {length} ký tự; thẻ chỉ ghi được tối đa {limit} ký tự. Cần đính chính đăng ký.",
    ),
    E.CARD_NOT_ISSUED: (
        "The card could not be issued from this record ({error}). Correct the registration or ask BHXH.",
        "Không cấp được thẻ từ hồ sơ này ({error}). Cần đính chính đăng ký hoặc liên hệ cơ quan BHXH.",
    ),
    E.POPULATION_CHECK_NOT_ASKED: (
        "The child could not be looked up in the population database: {problem}.",
        "Không tra cứu được trẻ trên Cơ sở dữ liệu quốc gia về dân cư: {problem}.",
    ),
    E.POPULATION_NUMBER_HELD: (
        "The population database gives number {number}, which another person known to the hub holds; an officer "
        "decides whether they are the same child.",
        "Cơ sở dữ liệu quốc gia về dân cư trả về số định danh {number}, trùng với một người khác đã có trong hệ thống; "
        "chờ cán bộ xác định có phải cùng một trẻ.",
    ),
    # People, outcomes and the report (issue 18)
    E.ID_NUMBER_HELD_BY_ANOTHER: (
        "The personal identification number {number} belongs to another person on record.",
        "Số định danh cá nhân {number} đã thuộc về một người khác trong cơ sở dữ liệu.",
    ),
    E.DELIVERY_ADDRESS_REQUIRED: (
        "Your office has no address of its own to collect the card at: give a delivery address.",
        "Cơ quan của bạn không có địa chỉ nhận thẻ riêng: cần nêu địa chỉ nhận thẻ.",
    ),
    E.REGISTRATION_CANCELLED: (
        "The birth registration was cancelled: {reason}",
        "Đăng ký khai sinh đã bị hủy: {reason}",
    ),
    E.REPORT_DATES_REVERSED: (
        "The first day {first_day} is after the last day {last_day}: the period is empty.",
        "Ngày bắt đầu {first_day} sau ngày kết thúc {last_day}: khoảng thời gian báo cáo trống.",
    ),
}


def childcard_error(reason: ChildCardErrorCode, /, *, field: str | None = None, **values: object) -> BusinessError:
    return business_error(reason, MESSAGES, field=field, **values)
