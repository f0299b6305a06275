"""Catalog error codes, each with its English and Vietnamese message."""

from __future__ import annotations

import enum

from hub.infra.errors import BusinessError, Templates, business_error


class CatalogErrorCode(enum.StrEnum):
    INVALID_FACILITY_CODE = "INVALID_FACILITY_CODE"
    FACILITY_CODE_PROVINCE_MISMATCH = "FACILITY_CODE_PROVINCE_MISMATCH"
    NAME_REQUIRED = "NAME_REQUIRED"
    UNKNOWN_PROVINCE = "UNKNOWN_PROVINCE"
    UNKNOWN_COMMUNE = "UNKNOWN_COMMUNE"
    COMMUNE_NOT_IN_PROVINCE = "COMMUNE_NOT_IN_PROVINCE"
    INVALID_LEVEL = "INVALID_LEVEL"
    INVALID_FLAG = "INVALID_FLAG"
    INVALID_DATE = "INVALID_DATE"
    CONTRACT_ENDS_BEFORE_START = "CONTRACT_ENDS_BEFORE_START"
    MISSING_COLUMN = "MISSING_COLUMN"
    DUPLICATE_IN_FILE = "DUPLICATE_IN_FILE"
    FACILITY_EXISTS = "FACILITY_EXISTS"
    UNKNOWN_FACILITY = "UNKNOWN_FACILITY"
    FACILITY_RETIRED = "FACILITY_RETIRED"
    FACILITY_NOT_FOR_CHILDREN = "FACILITY_NOT_FOR_CHILDREN"
    FACILITY_CONTRACT_NOT_VALID = "FACILITY_CONTRACT_NOT_VALID"
    UNKNOWN_REQUEST = "UNKNOWN_REQUEST"
    REQUEST_NOT_PENDING = "REQUEST_NOT_PENDING"
    REASON_REQUIRED = "REASON_REQUIRED"
    INVALID_UNIT_CODE = "INVALID_UNIT_CODE"
    UNKNOWN_UNIT = "UNKNOWN_UNIT"
    UNIT_LOCATION_MISSING = "UNIT_LOCATION_MISSING"
    COMMUNE_SERVED_BY_OTHER_UNIT = "COMMUNE_SERVED_BY_OTHER_UNIT"
    NO_UNIT_FOR_COMMUNE = "NO_UNIT_FOR_COMMUNE"
    OUTSIDE_JURISDICTION = "OUTSIDE_JURISDICTION"
    ROW_NOT_STORED = "ROW_NOT_STORED"


C = CatalogErrorCode
MESSAGES: Templates = {
    C.INVALID_FACILITY_CODE: (
        "Facility code {code!r} must be 5 digits or capital letters.",
        "Mã cơ sở KCB {code!r} phải gồm 5 chữ số hoặc chữ in hoa.",
    ),
    C.FACILITY_CODE_PROVINCE_MISMATCH: (
        "Facility code {code} starts with {prefix}, which is not province {province} nor a former province of it.",
        "Mã cơ sở KCB {code} bắt đầu bằng {prefix}, không phải mã tỉnh {province} hay tỉnh cũ sáp nhập vào tỉnh này.",
    ),
    C.NAME_REQUIRED: ("A name is required.", "Cần nhập tên."),
    C.UNKNOWN_PROVINCE: (
        "Province {code!r} does not exist on {day}.",
        "Không có tỉnh mã {code!r} vào ngày {day}.",
    ),
    C.UNKNOWN_COMMUNE: (
        "Commune {code!r} does not exist on {day}.",
        "Không có xã mã {code!r} vào ngày {day}.",
    ),
    C.COMMUNE_NOT_IN_PROVINCE: (
        "Commune {commune} is not in province {province}.",
        "Xã {commune} không thuộc tỉnh {province}.",
    ),
    C.INVALID_LEVEL: (
        "Level {value!r} is not one of 1 (central), 2 (province), 3 (district), 4 (commune).",
        "Tuyến {value!r} không hợp lệ: 1 (trung ương), 2 (tỉnh), 3 (huyện), 4 (xã).",
    ),
    C.INVALID_FLAG: ("{value!r} is not 1/0 or yes/no.", "{value!r} không phải 1/0 hoặc có/không."),
    C.INVALID_DATE: (
        "{value!r} is not a date (dd/mm/yyyy, yyyymmdd or yyyy-mm-dd).",
        "{value!r} không phải ngày hợp lệ (dd/mm/yyyy, yyyymmdd hoặc yyyy-mm-dd).",
    ),
    C.CONTRACT_ENDS_BEFORE_START: (
        "The contract ends ({end}) before it starts ({start}).",
        "Hợp đồng kết thúc ({end}) trước ngày bắt đầu ({start}).",
    ),
    C.MISSING_COLUMN: (
        "The file has no {column} column (expected columns: {expected}).",
        "Tệp thiếu cột {column} (các cột cần có: {expected}).",
    ),
    C.DUPLICATE_IN_FILE: (
        "Facility {code} already appears on row {first_row} of this file.",
        "Cơ sở KCB {code} đã có ở dòng {first_row} của tệp.",
    ),
    C.FACILITY_EXISTS: ("Facility {code} already exists.", "Cơ sở KCB {code} đã có trong danh mục."),
    C.UNKNOWN_FACILITY: ("No facility has code {code!r}.", "Không có cơ sở KCB mã {code!r}."),
    C.FACILITY_RETIRED: ("Facility {code} was retired on {day}.", "Cơ sở KCB {code} đã ngừng hoạt động từ {day}."),
    C.FACILITY_NOT_FOR_CHILDREN: (
        "Facility {code} does not take primary-care registration of children.",
        "Cơ sở KCB {code} không nhận đăng ký KCB ban đầu cho trẻ em.",
    ),
    C.FACILITY_CONTRACT_NOT_VALID: (
        "Facility {code} has no BHYT contract in force on {day}.",
        "Cơ sở KCB {code} không có hợp đồng KCB BHYT hiệu lực vào ngày {day}.",
    ),
    C.UNKNOWN_REQUEST: ("No such facility request.", "Không có yêu cầu bổ sung cơ sở KCB này."),
    C.REQUEST_NOT_PENDING: (
        "This request was already {state}.",
        "Yêu cầu này đã được xử lý ({state}).",
    ),
    C.REASON_REQUIRED: ("A rejection needs a reason.", "Từ chối cần nêu lý do."),
    C.INVALID_UNIT_CODE: (
        "BHXH unit code {code!r} must be 2 to 10 digits or capital letters.",
        "Mã đơn vị BHXH {code!r} phải gồm 2 đến 10 chữ số hoặc chữ in hoa.",
    ),
    C.UNKNOWN_UNIT: ("No BHXH unit has code {code!r}.", "Không có đơn vị BHXH mã {code!r}."),
    C.UNIT_LOCATION_MISSING: (
        "BHXH unit {code} has no declared {missing}; it cannot be assigned work until an operator declares it.",
        "Đơn vị BHXH {code} chưa khai báo {missing_vi}; chưa thể giao việc cho đơn vị cho đến khi được khai báo.",
    ),
    C.COMMUNE_SERVED_BY_OTHER_UNIT: (
        "Commune {commune} is already served by BHXH unit {unit}.",
        "Xã {commune} đã do đơn vị BHXH {unit} phụ trách.",
    ),
    C.NO_UNIT_FOR_COMMUNE: (
        "No BHXH unit serves commune {commune}.",
        "Chưa có đơn vị BHXH nào phụ trách xã {commune}.",
    ),
    C.OUTSIDE_JURISDICTION: (
        "Province {code} is outside your jurisdiction.",
        "Tỉnh {code} nằm ngoài địa bàn bạn quản lý.",
    ),
    C.ROW_NOT_STORED: (
        "The row could not be stored ({reason}); the other rows were.",
        "Không lưu được dòng này ({reason}); các dòng khác vẫn được lưu.",
    ),
}


def catalog_error(reason: CatalogErrorCode, /, *, field: str | None = None, **values: object) -> BusinessError:
    return business_error(reason, MESSAGES, field=field, **values)
