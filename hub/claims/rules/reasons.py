"""Why a benefit is refused or paid only in part: each reason a code with its Vietnamese and English message."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hub.claims.rules.formatting import localise_vi


class ReasonCode(enum.StrEnum):
    RULES_NOT_AVAILABLE_FOR_DATE = "RULES_NOT_AVAILABLE_FOR_DATE"
    NOT_INSURED = "NOT_INSURED"
    NO_WORKING_DAYS = "NO_WORKING_DAYS"
    YEARLY_LIMIT_REACHED = "YEARLY_LIMIT_REACHED"
    DAYS_BEYOND_YEARLY_LIMIT = "DAYS_BEYOND_YEARLY_LIMIT"
    LONG_TERM_DISEASE_NOT_AUTOMATED = "LONG_TERM_DISEASE_NOT_AUTOMATED"
    CHILD_TOO_OLD = "CHILD_TOO_OLD"
    DAYS_AFTER_CHILD_TURNS_SEVEN = "DAYS_AFTER_CHILD_TURNS_SEVEN"
    INSUFFICIENT_CONTRIBUTIONS = "INSUFFICIENT_CONTRIBUTIONS"
    LEAVE_STARTS_TOO_EARLY = "LEAVE_STARTS_TOO_EARLY"
    LEAVE_STARTS_AFTER_BIRTH = "LEAVE_STARTS_AFTER_BIRTH"
    PERIOD_STARTS_OUTSIDE_WINDOW = "PERIOD_STARTS_OUTSIDE_WINDOW"
    DAYS_BEYOND_ENTITLEMENT = "DAYS_BEYOND_ENTITLEMENT"
    STARTS_TOO_LATE_AFTER_RETURN = "STARTS_TOO_LATE_AFTER_RETURN"
    NOT_ENOUGH_SICKNESS_DAYS = "NOT_ENOUGH_SICKNESS_DAYS"
    CAUSE_NOT_SUPPORTED_BY_EVIDENCE = "CAUSE_NOT_SUPPORTED_BY_EVIDENCE"
    STARTS_TOO_LATE_AFTER_LEAVE = "STARTS_TOO_LATE_AFTER_LEAVE"
    RETURNED_TO_WORK_EARLY = "RETURNED_TO_WORK_EARLY"
    MOTHER_RECEIVES_LUMP_SUM = "MOTHER_RECEIVES_LUMP_SUM"
    VISITS_BEYOND_ENTITLEMENT = "VISITS_BEYOND_ENTITLEMENT"
    NO_REMAINING_LEAVE = "NO_REMAINING_LEAVE"


R = ReasonCode
MESSAGES: dict[ReasonCode, tuple[str, str]] = {
    R.RULES_NOT_AVAILABLE_FOR_DATE: (
        "Chưa có bảng quy định cho ngày {day}; các bảng bắt đầu từ {start}.",
        "No rule tables cover {day}; they start on {start}.",
    ),
    R.NOT_INSURED: (
        "Không có tháng đóng BHXH bắt buộc làm căn cứ cho tháng {month} (đã xét từ {first} đến {month}).",
        "No compulsory contribution to base {month} on (months {first} to {month} looked at).",
    ),
    R.NO_WORKING_DAYS: (
        "Thời gian nghỉ từ {start} đến {end} không có ngày làm việc nào.",
        "The leave from {start} to {end} holds no working day.",
    ),
    R.YEARLY_LIMIT_REACHED: (
        "Đã hưởng hết {limit} ngày tối đa trong năm {year}.",
        "The yearly maximum of {limit} days for {year} has already been paid.",
    ),
    R.DAYS_BEYOND_YEARLY_LIMIT: (
        "{unpaid} ngày vượt quá số ngày tối đa trong năm không được hưởng.",
        "{unpaid} days beyond the yearly maximum are not paid.",
    ),
    R.LONG_TERM_DISEASE_NOT_AUTOMATED: (
        "Ốm đau do bệnh cần chữa trị dài ngày: chưa tính tự động, chuyển cán bộ xét duyệt.",
        "Sickness from a long-term disease is not computed automatically; refer to a claims officer.",
    ),
    R.CHILD_TOO_OLD: (
        "Con sinh ngày {born} đã đủ 7 tuổi vào ngày {day}.",
        "The child born on {born} was 7 or older on {day}.",
    ),
    R.DAYS_AFTER_CHILD_TURNS_SEVEN: (
        "{unpaid} ngày từ ngày con đủ 7 tuổi ({seventh}) không được hưởng.",
        "{unpaid} days from the child's seventh birthday ({seventh}) are not paid.",
    ),
    R.INSUFFICIENT_CONTRIBUTIONS: (
        "Chỉ đóng BHXH {paid} tháng trong 12 tháng trước khi sinh ({first}–{last}); cần ít nhất {needed} tháng.",
        "Only {paid} months of contributions in the 12 months before the birth ({first}–{last}); {needed} needed.",
    ),
    R.LEAVE_STARTS_TOO_EARLY: (
        "Nghỉ từ {start}, sớm hơn {months} tháng trước ngày sinh {born}.",
        "Leave from {start} starts more than {months} months before the birth on {born}.",
    ),
    R.LEAVE_STARTS_AFTER_BIRTH: (
        "Nghỉ sinh con phải bắt đầu chậm nhất vào ngày sinh {born}, không phải {start}.",
        "Maternity leave must start on the birth date {born} at the latest, not {start}.",
    ),
    R.PERIOD_STARTS_OUTSIDE_WINDOW: (
        "Đợt nghỉ bắt đầu {start} nằm ngoài {window} ngày đầu kể từ ngày sinh {born}; {unpaid} ngày không được hưởng.",
        "The leave starting {start} is outside the first {window} days from the birth on {born}; "
        "{unpaid} days are not paid.",
    ),
    R.DAYS_BEYOND_ENTITLEMENT: (
        "{unpaid} ngày vượt quá {entitled} ngày được hưởng không được hưởng.",
        "{unpaid} days beyond the {entitled} days of entitlement are not paid.",
    ),
    R.STARTS_TOO_LATE_AFTER_RETURN: (
        "Dưỡng sức bắt đầu {start}, ngoài {window} ngày đầu trở lại làm việc từ {returned}.",
        "Convalescence starting {start} is outside the first {window} days back at work from {returned}.",
    ),
    R.NOT_ENOUGH_SICKNESS_DAYS: (
        "Mới nghỉ ốm {days} ngày trong năm; cần từ đủ {needed} ngày để hưởng dưỡng sức sau ốm đau.",
        "Only {days} sickness days this year; {needed} are needed for convalescence after sickness.",
    ),
    R.STARTS_TOO_LATE_AFTER_LEAVE: (
        "Dưỡng sức bắt đầu {start}, ngoài {window} ngày kể từ khi hết thời gian nghỉ ({ended}).",
        "Convalescence starting {start} is outside the {window} days after the leave ended ({ended}).",
    ),
    R.RETURNED_TO_WORK_EARLY: (
        "Đã đi làm lại ngày {returned}, trước khi hết thời gian nghỉ sinh con ({ended}): không được nghỉ dưỡng sức "
        "sau thai sản.",
        "Back at work on {returned}, before the maternity leave ended ({ended}): no convalescence after maternity.",
    ),
    R.CAUSE_NOT_SUPPORTED_BY_EVIDENCE: (
        "Lý do dưỡng sức kê khai là {asked}, nhưng {evidence_vi}: tính theo {supported}.",
        "The convalescence was asked for as {asked}, but {evidence_en}: computed as {supported}.",
    ),
    R.MOTHER_RECEIVES_LUMP_SUM: (
        "Người mẹ đủ điều kiện và được hưởng trợ cấp một lần khi sinh con; người cha không được hưởng.",
        "The mother is eligible and receives the lump sum; the father does not.",
    ),
    R.VISITS_BEYOND_ENTITLEMENT: (
        "{unpaid} lần khám thai vượt quá {entitled} lần được hưởng không được hưởng.",
        "{unpaid} prenatal visits beyond the {entitled} paid are not paid.",
    ),
    R.NO_REMAINING_LEAVE: (
        "Đến ngày {on} người mẹ đã nghỉ hết thời gian nghỉ thai sản: không còn thời gian nghỉ cho cha hoặc người trực "
        "tiếp nuôi dưỡng.",
        "By {on} the mother's maternity leave had run out: no leave is left for the father or caregiver.",
    ),
}


@dataclass(frozen=True)
class Reason:
    """A reason code with its message in Vietnamese and English."""

    code: ReasonCode
    message_vi: str
    message_en: str


def reason(code: ReasonCode, **values: object) -> Reason:
    vietnamese, english = MESSAGES[code]
    return Reason(code, localise_vi(vietnamese.format(**values)), english.format(**values))
