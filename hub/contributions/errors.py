"""Why a contribution record (from BHXH's contribution system or an imported file) is refused: each code with its
English and Vietnamese message."""

from __future__ import annotations

import enum

from hub.infra.errors import BusinessError, Templates, business_error


class ContributionErrorCode(enum.StrEnum):
    MISSING_COLUMN = "MISSING_COLUMN"
    IDENTIFIER_REQUIRED = "IDENTIFIER_REQUIRED"
    INVALID_PERSONAL_ID = "INVALID_PERSONAL_ID"
    INVALID_BHXH_CODE = "INVALID_BHXH_CODE"
    NAME_REQUIRED = "NAME_REQUIRED"
    TEXT_TOO_LONG = "TEXT_TOO_LONG"
    INVALID_DATE = "INVALID_DATE"
    DATE_OF_BIRTH_IN_FUTURE = "DATE_OF_BIRTH_IN_FUTURE"
    INVALID_GENDER = "INVALID_GENDER"
    INVALID_LOCATION = "INVALID_LOCATION"
    INVALID_MONTH = "INVALID_MONTH"
    MONTH_RANGE_REVERSED = "MONTH_RANGE_REVERSED"
    MONTH_OUT_OF_RANGE = "MONTH_OUT_OF_RANGE"
    INVALID_SALARY = "INVALID_SALARY"
    INVALID_WORK_TYPE = "INVALID_WORK_TYPE"
    INVALID_KIND = "INVALID_KIND"
    EMPLOYER_REQUIRED = "EMPLOYER_REQUIRED"
    VOLUNTARY_WITH_EMPLOYER = "VOLUNTARY_WITH_EMPLOYER"
    VOLUNTARY_WORK_TYPE = "VOLUNTARY_WORK_TYPE"
    INVALID_EMPLOYER_CODE = "INVALID_EMPLOYER_CODE"
    EMPLOYER_NAME_REQUIRED = "EMPLOYER_NAME_REQUIRED"
    INVALID_TAX_CODE = "INVALID_TAX_CODE"
    UNKNOWN_EMPLOYER_PROVINCE = "UNKNOWN_EMPLOYER_PROVINCE"
    MONTHS_OVERLAP = "MONTHS_OVERLAP"
    PERSON_DIFFERS_IN_FILE = "PERSON_DIFFERS_IN_FILE"
    EMPLOYER_DIFFERS_IN_FILE = "EMPLOYER_DIFFERS_IN_FILE"
    DUPLICATE_PERSON = "DUPLICATE_PERSON"
    IDENTITY_CONFLICT = "IDENTITY_CONFLICT"
    PERSON_MISMATCH = "PERSON_MISMATCH"


C = ContributionErrorCode
MESSAGES: Templates = {
    C.MISSING_COLUMN: (
        "The file has no {column} column (expected columns: {expected}).",
        "Tệp thiếu cột {column} (các cột cần có: {expected}).",
    ),
    C.IDENTIFIER_REQUIRED: (
        "A personal identification number or a BHXH code is required.",
        "Cần có số định danh cá nhân hoặc mã số BHXH.",
    ),
    C.INVALID_PERSONAL_ID: ("{detail}", "{detail_vi}"),
    C.INVALID_BHXH_CODE: (
        "BHXH code {value!r} must be exactly 10 digits.",
        "Mã số BHXH {value!r} phải gồm đúng 10 chữ số.",
    ),
    C.NAME_REQUIRED: ("The full name is required.", "Cần nhập họ và tên."),
    C.TEXT_TOO_LONG: (
        "{column} is longer than {limit} characters.",
        "{column} dài quá {limit} ký tự.",
    ),
    C.INVALID_DATE: (
        "{value!r} is not a date (dd/mm/yyyy, yyyymmdd or yyyy-mm-dd).",
        "{value!r} không phải ngày hợp lệ (dd/mm/yyyy, yyyymmdd hoặc yyyy-mm-dd).",
    ),
    C.DATE_OF_BIRTH_IN_FUTURE: (
        "The date of birth {day} is after today ({today}).",
        "Ngày sinh {day} ở sau ngày hiện tại ({today}).",
    ),
    C.INVALID_GENDER: (
        "Gender {value!r} is not one of 1/nam/male, 2/nữ/female.",
        "Giới tính {value!r} không hợp lệ: 1/nam, 2/nữ.",
    ),
    C.INVALID_LOCATION: (
        "Commune {commune!r} is not a current commune of province {province!r}.",
        "Mã xã {commune!r} không phải xã hiện hành của tỉnh {province!r}.",
    ),
    C.INVALID_MONTH: (
        "{value!r} is not a month (mm/yyyy, yyyy-mm or yyyymm).",
        "{value!r} không phải tháng hợp lệ (mm/yyyy, yyyy-mm hoặc yyyymm).",
    ),
    C.MONTH_RANGE_REVERSED: (
        "The period ends ({last}) before it starts ({first}).",
        "Giai đoạn đóng kết thúc ({last}) trước khi bắt đầu ({first}).",
    ),
    C.MONTH_OUT_OF_RANGE: (
        "Month {month} is outside {earliest}–{latest} (not before 01/1995 nor the month of birth, at most five years "
        "ahead).",
        "Tháng {month} nằm ngoài khoảng {earliest}–{latest} (không trước 01/1995 hay tháng sinh, đóng trước tối đa "
        "5 năm).",
    ),
    C.INVALID_SALARY: (
        "Contribution salary {value!r} is not a whole number of VND greater than zero.",
        "Tiền lương đóng BHXH {value!r} phải là số đồng nguyên lớn hơn 0.",
    ),
    C.INVALID_WORK_TYPE: (
        "Work type {value!r} is not one of normal (bình thường), heavy_hazardous (nặng nhọc, độc hại).",
        "Điều kiện làm việc {value!r} không hợp lệ: bình thường, hoặc nặng nhọc, độc hại.",
    ),
    C.INVALID_KIND: (
        "Contribution kind {value!r} is not one of compulsory (bắt buộc), voluntary (tự nguyện).",
        "Loại đóng {value!r} không hợp lệ: bắt buộc hoặc tự nguyện.",
    ),
    C.EMPLOYER_REQUIRED: (
        "A compulsory contribution needs the employer's code.",
        "Đóng BHXH bắt buộc cần có mã đơn vị sử dụng lao động.",
    ),
    C.VOLUNTARY_WITH_EMPLOYER: (
        "A voluntary contribution has no employer (employer {code} given).",
        "Đóng BHXH tự nguyện không có đơn vị sử dụng lao động (đã ghi đơn vị {code}).",
    ),
    C.VOLUNTARY_WORK_TYPE: (
        "A voluntary contribution is not paid for heavy or hazardous work.",
        "Đóng BHXH tự nguyện không gắn với nghề nặng nhọc, độc hại.",
    ),
    C.INVALID_EMPLOYER_CODE: (
        "Employer code {value!r} must be 2 to 20 digits or capital letters.",
        "Mã đơn vị {value!r} phải gồm 2 đến 20 chữ số hoặc chữ in hoa.",
    ),
    C.EMPLOYER_NAME_REQUIRED: ("Employer {code} needs a name.", "Cần ghi tên đơn vị {code}."),
    C.INVALID_TAX_CODE: (
        "Tax code {value!r} must be 10 digits, or 10 digits, a hyphen and 3 digits for a branch.",
        "Mã số thuế {value!r} phải gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số với chi nhánh.",
    ),
    C.UNKNOWN_EMPLOYER_PROVINCE: (
        "The province of employer {code} ({value!r}) is not a current province code.",
        "Mã tỉnh của đơn vị {code} ({value!r}) không phải mã tỉnh hiện hành.",
    ),
    C.MONTHS_OVERLAP: (
        "Month {month} is already given on {where}.",
        "Tháng {month} đã có ở {where_vi}.",
    ),
    C.PERSON_DIFFERS_IN_FILE: (
        "Row {first_row} gives this person's identifier with other identity details ({fields}).",
        "Dòng {first_row} ghi mã định danh của người này với thông tin nhân thân khác ({fields}).",
    ),
    C.EMPLOYER_DIFFERS_IN_FILE: (
        "Row {first_row} gives employer {code} with another name, tax code or province.",
        "Dòng {first_row} ghi đơn vị {code} với tên, mã số thuế hoặc tỉnh khác.",
    ),
    C.DUPLICATE_PERSON: (
        "This person is already record {first} of the same batch.",
        "Người này đã có ở bản ghi {first} của cùng lô.",
    ),
    C.IDENTITY_CONFLICT: ("{detail}", "{detail_vi}"),
    C.PERSON_MISMATCH: (
        "The person known under this identifier has another {fields}.",
        "Người có mã định danh này được ghi nhận với {fields_vi} khác.",
    ),
}


def contribution_error(
    reason: ContributionErrorCode, /, *, field: str | None = None, **values: object
) -> BusinessError:
    return business_error(reason, MESSAGES, field=field, **values)
