"""The card rules for children under 6 (domain-rules §1–§2): age limit, validity, card number, guardian default."""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import re

CHILD_AGE_LIMIT_MONTHS = 72
SCHOOL_YEAR_END = (9, 30)  # 30 September
# Beneficiary group TE (trẻ em dưới 6 tuổi), benefit level 1 (QĐ 1351/QĐ-BHXH).
CHILD_CARD_PREFIX = "TE1"
CARD_NUMBER = re.compile(r"^[A-Z]{2}[1-5][0-9]{2}[0-9]{10}$")
BHXH_CODE = re.compile(r"^[0-9]{10}$")


class GuardianRole(enum.StrEnum):
    """Whose details go on the card as guardian and address."""

    FATHER = "father"
    MOTHER = "mother"
    REGISTRANT = "registrant"  # the person who registered the birth


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole months; the 29–31st of a month clamps to the last day of a shorter one."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def turns_six(date_of_birth: dt.date) -> dt.date:
    return add_months(date_of_birth, CHILD_AGE_LIMIT_MONTHS)


def is_under_six(date_of_birth: dt.date, on: dt.date) -> bool:
    """Whether the child is under 72 months old on `on` (the day the registration was saved)."""
    return on < turns_six(date_of_birth)


def card_validity(date_of_birth: dt.date) -> tuple[dt.date, dt.date]:
    """Valid from birth [to confirm card-valid-from] until the child turns 72 months; a child who turns 72 months on
    or before 30 September keeps the card until 30 September of that year (Law on Health Insurance Art 16(3)(d))."""
    six = turns_six(date_of_birth)
    school_year_end = dt.date(six.year, *SCHOOL_YEAR_END)
    return date_of_birth, school_year_end if six <= school_year_end else six


def card_number(province_code: str, bhxh_code: str) -> str:
    """The 15-character card number: TE1 + 2-digit province + the 10-digit social-insurance code."""
    number = f"{CHILD_CARD_PREFIX}{province_code}{bhxh_code}"
    if not CARD_NUMBER.fullmatch(number):
        raise ValueError(f"not a valid card number: {number!r}")
    return number


def default_guardian(*, has_father: bool, has_mother: bool) -> GuardianRole:
    """No father: the mother; no mother: the father; neither (or an abandoned child): the registrant. With both
    parents known the registry office chooses; the father is the default it is offered
    [to confirm card-holder-default]."""
    if has_father:
        return GuardianRole.FATHER
    if has_mother:
        return GuardianRole.MOTHER
    return GuardianRole.REGISTRANT
