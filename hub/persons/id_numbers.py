"""Decode, check and compose the personal identification number (số định danh cá nhân, 12 digits; NĐ 70/2024/NĐ-CP,
which replaced NĐ 137/2015 [to confirm id-number-structure-article], TT 59/2021/TT-BCA Art 4), so that a record whose
number disagrees with its own birth data is sent back to be fixed.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import TypeAlias

from hub.catalogs.adminunits import Era, UnitLevel, admin_catalog
from hub.persons.models import Gender

# Layout: digits 1–3 the province where the birth was registered, "0" + the 2-digit statistics-office code of one of
# the 63 provinces in force before 1/7/2025; digit 4 century and gender (1900s male 0 / female 1, 2000s 2 / 3 ... 2300s
# 8 / 9); digits 5–6 the year within the century; digits 7–12 a serial. Numbers issued before the 2025 merger stay
# valid (NQ 190/2025/QH15 Art 10), hence the legacy table.

# 2-digit legacy statistics-office code → province name, e.g. {"01": "Thành phố Hà Nội"}.
ProvinceTable: TypeAlias = Mapping[str, str]

FIRST_YEAR = 1900  # digit 4 = 0 or 1
LAST_YEAR = 2399  # digit 4 = 8 or 9
MAX_SERIAL = 999_999

# Not str.isdigit(): that accepts "０" and other Unicode digits, which no register prints.
_DIGITS = re.compile(r"[0-9]{12}")
# Births registered abroad carry a country code here instead; no country table is kept yet, so they do not decode.
_LEGACY_PROVINCE_PREFIX = "0"


class IdNumberIssue(enum.StrEnum):
    MALFORMED = "MALFORMED"
    UNKNOWN_PROVINCE = "UNKNOWN_PROVINCE"
    BIRTH_YEAR_MISMATCH = "BIRTH_YEAR_MISMATCH"
    CENTURY_MISMATCH = "CENTURY_MISMATCH"
    GENDER_MISMATCH = "GENDER_MISMATCH"
    PROVINCE_MISMATCH = "PROVINCE_MISMATCH"
    BIRTH_YEAR_IN_FUTURE = "BIRTH_YEAR_IN_FUTURE"


_MESSAGES: Mapping[IdNumberIssue, tuple[str, str]] = MappingProxyType(
    {
        IdNumberIssue.MALFORMED: (
            "Số định danh cá nhân phải gồm đúng 12 chữ số",
            "The personal identification number must be exactly 12 digits",
        ),
        IdNumberIssue.UNKNOWN_PROVINCE: (
            "Ba chữ số đầu của số định danh cá nhân không phải mã tỉnh đã biết",
            "The first three digits of the personal identification number are not a known province code",
        ),
        IdNumberIssue.BIRTH_YEAR_MISMATCH: (
            "Năm sinh trong số định danh cá nhân không khớp với ngày sinh",
            "The year of birth in the personal identification number disagrees with the date of birth",
        ),
        IdNumberIssue.CENTURY_MISMATCH: (
            "Chữ số thứ tư (thế kỷ sinh) của số định danh cá nhân không khớp với ngày sinh",
            "Digit 4 (century of birth) of the personal identification number disagrees with the date of birth",
        ),
        IdNumberIssue.GENDER_MISMATCH: (
            "Giới tính trong số định danh cá nhân không khớp với hồ sơ",
            "The gender in the personal identification number disagrees with the record",
        ),
        IdNumberIssue.PROVINCE_MISMATCH: (
            "Nơi đăng ký khai sinh trong số định danh cá nhân không khớp với hồ sơ",
            "The province of birth registration in the personal identification number disagrees with the record",
        ),
        IdNumberIssue.BIRTH_YEAR_IN_FUTURE: (
            "Năm sinh trong số định danh cá nhân ở sau ngày hiện tại",
            "The year of birth in the personal identification number is in the future",
        ),
    }
)

_GENDER_VI = {Gender.MALE: "nam", Gender.FEMALE: "nữ"}


def issue_messages(issue: IdNumberIssue) -> tuple[str, str]:
    """The general (Vietnamese, English) message for an issue code, without the values of a particular record."""
    return _MESSAGES[issue]


@dataclass(frozen=True)
class IdNumberProblem:
    """One disagreement found in a number, with messages that name the values involved."""

    code: IdNumberIssue
    message_vi: str
    message_en: str


def _problem(issue: IdNumberIssue, detail_vi: str, detail_en: str) -> IdNumberProblem:
    general_vi, general_en = _MESSAGES[issue]
    return IdNumberProblem(issue, f"{general_vi}: {detail_vi}.", f"{general_en}: {detail_en}.")


class InvalidPersonalId(ValueError):
    """The number cannot be decoded: it is not 12 ASCII digits, or its province code is unknown."""

    def __init__(self, problem: IdNumberProblem) -> None:
        super().__init__(problem.message_en)
        self.code = problem.code
        self.problem = problem


@dataclass(frozen=True)
class PersonalIdInfo:
    """What a well-formed number says about its holder."""

    number: str
    province_code: str  # 3 digits as printed, "001"
    legacy_province_code: str  # the 2-digit statistics-office code of the 63 legacy provinces, "01"
    province_name: str
    gender: Gender
    birth_year: int
    century_digit: int  # digit 4
    serial: str  # digits 7–12


@dataclass(frozen=True)
class IdNumberCheck:
    """The outcome of checking a number against a record: what it decodes to and every disagreement found."""

    number: str
    info: PersonalIdInfo | None  # None when the number is malformed or its province is unknown
    issues: tuple[IdNumberProblem, ...]

    @property
    def codes(self) -> tuple[IdNumberIssue, ...]:
        return tuple(problem.code for problem in self.issues)

    @property
    def ok(self) -> bool:
        return not self.issues


@cache
def legacy_province_table() -> ProvinceTable:
    """The 63 provinces in force before 1/7/2025, from the administrative-unit catalog; read once per process."""
    provinces = admin_catalog().units(UnitLevel.PROVINCE, Era.LEGACY)
    return MappingProxyType({unit.code: unit.name for unit in sorted(provinces, key=lambda unit: unit.code)})


def decode_personal_id(number: str, *, provinces: ProvinceTable | None = None) -> PersonalIdInfo:
    """Decode a number; raise `InvalidPersonalId` (code MALFORMED or UNKNOWN_PROVINCE) when it cannot be."""
    table = legacy_province_table() if provinces is None else provinces
    malformed = _malformed(number)
    if malformed is not None:
        raise InvalidPersonalId(malformed)
    unknown = _unknown_province(number, table)
    if unknown is not None:
        raise InvalidPersonalId(unknown)
    return _info(number, table)


def check_personal_id(
    number: str,
    *,
    date_of_birth: dt.date | None = None,
    gender: Gender | None = None,
    registration_province_code: str | None = None,
    today: dt.date | None = None,
    provinces: ProvinceTable | None = None,
) -> IdNumberCheck:
    """Check a number against the record that carries it; every disagreement is reported, not only the first.

    `registration_province_code` is the 2-digit legacy statistics-office code of the province where the birth was
    registered; `today` is the reference date (Vietnamese calendar) for BIRTH_YEAR_IN_FUTURE. Checks whose record
    value is not given are skipped. An unknown province code still lets the other digits be checked. Raises
    `ValueError` when `registration_province_code` itself is not in the province table (a bug in the caller).
    """
    table = legacy_province_table() if provinces is None else provinces
    if registration_province_code is not None and registration_province_code not in table:
        raise ValueError(f"unknown registration province code {registration_province_code!r}")
    malformed = _malformed(number)
    if malformed is not None:
        return IdNumberCheck(number, None, (malformed,))

    unknown = _unknown_province(number, table)
    found = [
        unknown,
        _province_mismatch(number, registration_province_code, table),
        *_birth_year_mismatches(number, date_of_birth),
        _gender_mismatch(number, gender),
        _birth_year_in_future(number, today),
    ]
    info = _info(number, table) if unknown is None else None
    return IdNumberCheck(number, info, tuple(problem for problem in found if problem is not None))


def compose_personal_id(
    province_code: str, gender: Gender, birth_year: int, serial: int, *, provinces: ProvinceTable | None = None
) -> str:
    """A valid number for a person whose birth was registered in `province_code` (2-digit legacy code)."""
    table = legacy_province_table() if provinces is None else provinces
    if province_code not in table:
        raise ValueError(f"unknown legacy province code {province_code!r}")
    if not FIRST_YEAR <= birth_year <= LAST_YEAR:
        raise ValueError(f"birth year {birth_year} outside {FIRST_YEAR}–{LAST_YEAR}")
    if not 0 <= serial <= MAX_SERIAL:
        raise ValueError(f"serial {serial} outside 0–{MAX_SERIAL}")
    century_digit = (birth_year - FIRST_YEAR) // 100 * 2 + (1 if gender is Gender.FEMALE else 0)
    return f"{_LEGACY_PROVINCE_PREFIX}{province_code}{century_digit}{birth_year % 100:02d}{serial:06d}"


def _malformed(number: str) -> IdNumberProblem | None:
    if _DIGITS.fullmatch(number):
        return None
    if len(number) != 12:
        return _problem(IdNumberIssue.MALFORMED, f"nhận được {len(number)} ký tự", f"got {len(number)} characters")
    return _problem(IdNumberIssue.MALFORMED, "có ký tự không phải chữ số 0–9", "some characters are not the digits 0–9")


def _unknown_province(number: str, table: ProvinceTable) -> IdNumberProblem | None:
    if number[0] == _LEGACY_PROVINCE_PREFIX and number[1:3] in table:
        return None
    return _problem(IdNumberIssue.UNKNOWN_PROVINCE, f"mã {number[:3]}", f"code {number[:3]}")


def _province_mismatch(number: str, recorded_code: str | None, table: ProvinceTable) -> IdNumberProblem | None:
    if recorded_code is None or number[:3] == _LEGACY_PROVINCE_PREFIX + recorded_code:
        return None
    printed = _province_label(number[:3], table)
    recorded = _province_label(_LEGACY_PROVINCE_PREFIX + recorded_code, table)
    return _problem(
        IdNumberIssue.PROVINCE_MISMATCH,
        f"số định danh ghi {printed}, hồ sơ ghi {recorded}",
        f"the number says {printed}, the record says {recorded}",
    )


def _birth_year_mismatches(number: str, date_of_birth: dt.date | None) -> list[IdNumberProblem]:
    """Digit 4 (century) and digits 5–6 (year in the century) are checked apart: either or both may be wrong."""
    if date_of_birth is None:
        return []
    problems: list[IdNumberProblem] = []
    number_year, recorded_year = _birth_year(number), date_of_birth.year
    first = _century_start(number_year)
    if first != _century_start(recorded_year):
        problems.append(
            _problem(
                IdNumberIssue.CENTURY_MISMATCH,
                f"chữ số thứ tư là {number[3]} (sinh năm {first}–{first + 99}), hồ sơ ghi năm {recorded_year}",
                f"digit 4 is {number[3]} (born {first}–{first + 99}), the record says born {recorded_year}",
            )
        )
    if number_year % 100 != recorded_year % 100:
        problems.append(
            _problem(
                IdNumberIssue.BIRTH_YEAR_MISMATCH,
                f"số định danh ghi sinh năm {number_year}, hồ sơ ghi năm {recorded_year}",
                f"the number says born {number_year}, the record says {recorded_year}",
            )
        )
    return problems


def _gender_mismatch(number: str, gender: Gender | None) -> IdNumberProblem | None:
    if gender is None:
        return None
    printed = _gender(number)
    if printed == gender:
        return None
    return _problem(
        IdNumberIssue.GENDER_MISMATCH,
        f"số định danh ghi {_GENDER_VI[printed]}, hồ sơ ghi {_GENDER_VI[gender]}",
        f"the number says {printed.value}, the record says {gender.value}",
    )


def _birth_year_in_future(number: str, today: dt.date | None) -> IdNumberProblem | None:
    if today is None:
        return None
    year = _birth_year(number)
    if year <= today.year:
        return None
    return _problem(
        IdNumberIssue.BIRTH_YEAR_IN_FUTURE,
        f"số định danh ghi sinh năm {year}, hôm nay là ngày {today:%d/%m/%Y}",
        f"the number says born {year}, today is {today.isoformat()}",
    )


def _info(number: str, table: ProvinceTable) -> PersonalIdInfo:
    return PersonalIdInfo(
        number=number,
        province_code=number[:3],
        legacy_province_code=number[1:3],
        province_name=table[number[1:3]],
        gender=_gender(number),
        birth_year=_birth_year(number),
        century_digit=int(number[3]),
        serial=number[6:],
    )


def _gender(number: str) -> Gender:
    return Gender.FEMALE if int(number[3]) % 2 else Gender.MALE


def _birth_year(number: str) -> int:
    return FIRST_YEAR + int(number[3]) // 2 * 100 + int(number[4:6])


def _century_start(year: int) -> int:
    return year // 100 * 100


def _province_label(code: str, table: ProvinceTable) -> str:
    name = table.get(code[1:]) if code[0] == _LEGACY_PROVINCE_PREFIX else None
    return f"{code} ({name})" if name else code
