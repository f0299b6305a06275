"""Dated rule tables: which law applies on a date, the base salary / reference level, and each rule's legal source.

Items the domain rules leave unconfirmed each live behind one constant or function here, marked with the id of
their entry in the register (hub.claims.rules.uncertain), so that a correction is made in one place.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from hub.claims.rules.uncertain import mark


class LawVersion(enum.StrEnum):
    """The Social Insurance Law (Luật Bảo hiểm xã hội) in force on an event date."""

    LAW_2014 = "58/2014/QH13"
    LAW_2024 = "41/2024/QH15"


LAW_2024_EFFECTIVE = dt.date(2025, 7, 1)
# The first date the tables below cover; events before it are refused rather than computed on a guess.
RULES_START = dt.date(2019, 7, 1)


# 2024 law Art 45(1) takes the salary of "the latest month paid before the month of leave" and sets no limit on how
# far back that month may be; the hub looks back at most this many months, the same year in which a person with
# compulsory contributions is treated as insured when evidence arrives (hub.claims.opening).
# [to confirm salary-lookback]
SALARY_MONTH_LOOKBACK_MONTHS = 12


def law_on(day: dt.date) -> LawVersion:
    """Luật BHXH 58/2014/QH13 before 1/7/2025, Luật BHXH 41/2024/QH15 from that day."""
    return LawVersion.LAW_2024 if day >= LAW_2024_EFFECTIVE else LawVersion.LAW_2014


def law_title(law: LawVersion) -> str:
    return f"Luật BHXH {law.value}"


@dataclass(frozen=True)
class BaseSalary:
    """The base salary (lương cơ sở) from `effective` until the next row, and the decree that set it."""

    effective: dt.date
    amount_vnd: int
    decree: str


BASE_SALARIES: tuple[BaseSalary, ...] = (
    BaseSalary(dt.date(2019, 7, 1), 1_490_000, "NĐ 38/2019/NĐ-CP"),
    BaseSalary(dt.date(2023, 7, 1), 1_800_000, "NĐ 24/2023/NĐ-CP"),
    BaseSalary(dt.date(2024, 7, 1), 2_340_000, "NĐ 73/2024/NĐ-CP"),
    BaseSalary(dt.date(2026, 7, 1), 2_530_000, "NĐ 161/2026/NĐ-CP"),  # [to confirm base-salary-2026]
)


class NoRuleForDate(LookupError):
    """The rule tables do not reach back to this date."""


def base_salary_on(day: dt.date) -> BaseSalary:
    """The base salary row in force on `day`."""
    current = None
    for row in BASE_SALARIES:
        if row.effective <= day:
            current = row
    if current is None:
        raise NoRuleForDate(f"no base salary is recorded before {BASE_SALARIES[0].effective}")
    return current


def reference_level_on(day: dt.date) -> BaseSalary:
    """The reference level (mức tham chiếu) of the 2024 law, which replaces the base salary in benefit formulas.

    The law sets it equal to the base salary until the government sets it separately; no separate figure has been
    confirmed, so this returns the base salary row. [to confirm reference-level]
    """
    return base_salary_on(day)


def benefit_base_on(day: dt.date) -> tuple[BaseSalary, str, str]:
    """The salary figure benefit formulas multiply on `day`, with its Vietnamese and English name under that law."""
    if law_on(day) is LawVersion.LAW_2024:
        return reference_level_on(day), "mức tham chiếu", "reference level"
    return base_salary_on(day), "lương cơ sở", "base salary"


class Rule(enum.StrEnum):
    """A rule that an explanation line cites."""

    LAW_VERSION = "law_version"
    BASE_SALARY = "base_salary"
    CONTRIBUTION_YEARS = "contribution_years"
    SICKNESS_CONDITIONS = "sickness_conditions"
    SICKNESS_DURATION = "sickness_duration"
    CHILD_CARE_DURATION = "child_care_duration"
    LONG_TERM_DISEASE = "long_term_disease"
    LONG_TERM_DISEASE_LIST = "long_term_disease_list"
    SICKNESS_AMOUNT = "sickness_amount"
    MATERNITY_CONDITIONS = "maternity_conditions"
    BIRTH_MONTH_COUNTING = "birth_month_counting"
    MATERNITY_LEAVE = "maternity_leave"
    PATERNITY_LEAVE = "paternity_leave"
    MATERNITY_AMOUNT = "maternity_amount"
    BIRTH_LUMP_SUM = "birth_lump_sum"
    CONVALESCENCE_AFTER_SICKNESS = "convalescence_after_sickness"
    CONVALESCENCE_AFTER_MATERNITY = "convalescence_after_maternity"
    DEATH_OR_INCAPACITY = "death_or_incapacity"  # a child or mother dies, or the mother cannot care for the child
    ROUNDING = "rounding"


_L14, _L24 = "Luật BHXH 58/2014/QH13", "Luật BHXH 41/2024/QH15"
SOURCES: dict[tuple[Rule, LawVersion], str] = {
    (Rule.SICKNESS_CONDITIONS, LawVersion.LAW_2014): f"{_L14} Điều 25",
    (Rule.SICKNESS_CONDITIONS, LawVersion.LAW_2024): f"{_L24} Điều 42",
    (Rule.SICKNESS_DURATION, LawVersion.LAW_2014): f"{_L14} Điều 26 khoản 1",
    (Rule.SICKNESS_DURATION, LawVersion.LAW_2024): f"{_L24} Điều 43",
    (Rule.LONG_TERM_DISEASE, LawVersion.LAW_2014): f"{_L14} Điều 26 khoản 2, Điều 28 khoản 2",
    (Rule.LONG_TERM_DISEASE, LawVersion.LAW_2024): f"{_L24} Điều 43 khoản 2, Điều 45 khoản 3",
    (Rule.CHILD_CARE_DURATION, LawVersion.LAW_2014): f"{_L14} Điều 27",
    (Rule.CHILD_CARE_DURATION, LawVersion.LAW_2024): f"{_L24} Điều 44",
    (Rule.SICKNESS_AMOUNT, LawVersion.LAW_2014): f"{_L14} Điều 28; TT 59/2015/TT-BLĐTBXH Điều 6",
    (Rule.SICKNESS_AMOUNT, LawVersion.LAW_2024): f"{_L24} Điều 45",
    (Rule.MATERNITY_CONDITIONS, LawVersion.LAW_2014): f"{_L14} Điều 31 khoản 2",
    (Rule.MATERNITY_CONDITIONS, LawVersion.LAW_2024): f"{_L24} Điều 50",
    (Rule.BIRTH_MONTH_COUNTING, LawVersion.LAW_2014): "TT 59/2015/TT-BLĐTBXH Điều 9 khoản 1",
    (Rule.BIRTH_MONTH_COUNTING, LawVersion.LAW_2024): f"{_L24} Điều 50 và văn bản hướng dẫn {mark('birth-month-15th')}",
    (Rule.MATERNITY_LEAVE, LawVersion.LAW_2014): f"{_L14} Điều 34 khoản 1",
    (Rule.MATERNITY_LEAVE, LawVersion.LAW_2024): f"{_L24} Điều 53 khoản 1",
    (Rule.PATERNITY_LEAVE, LawVersion.LAW_2014): f"{_L14} Điều 34 khoản 2; TT 06/2021/TT-BLĐTBXH",
    (Rule.PATERNITY_LEAVE, LawVersion.LAW_2024): f"{_L24} Điều 53 khoản 2",
    (Rule.MATERNITY_AMOUNT, LawVersion.LAW_2014): f"{_L14} Điều 39",
    (Rule.MATERNITY_AMOUNT, LawVersion.LAW_2024): f"{_L24} Điều 59",
    (Rule.BIRTH_LUMP_SUM, LawVersion.LAW_2014): f"{_L14} Điều 38",
    (Rule.BIRTH_LUMP_SUM, LawVersion.LAW_2024): f"{_L24} Điều 58",
    (Rule.CONVALESCENCE_AFTER_SICKNESS, LawVersion.LAW_2014): f"{_L14} Điều 29",
    (Rule.CONVALESCENCE_AFTER_SICKNESS, LawVersion.LAW_2024): f"{_L24} Điều 46",
    (Rule.CONVALESCENCE_AFTER_MATERNITY, LawVersion.LAW_2014): f"{_L14} Điều 41",
    (Rule.CONVALESCENCE_AFTER_MATERNITY, LawVersion.LAW_2024): f"{_L24} Điều 60",
    (Rule.DEATH_OR_INCAPACITY, LawVersion.LAW_2014): f"{_L14} Điều 34 khoản 3, 4, 6",
    (Rule.DEATH_OR_INCAPACITY, LawVersion.LAW_2024): f"{_L24} Điều 53 khoản 3–6 {mark('death-articles')}",
}
_SAME_FOR_BOTH: dict[Rule, str] = {
    Rule.LAW_VERSION: f"{_L24}, hiệu lực từ 01/7/2025; trước đó {_L14}",
    Rule.BASE_SALARY: "Nghị định về mức lương cơ sở",
    Rule.CONTRIBUTION_YEARS: "thời gian đóng BHXH bắt buộc / compulsory contribution time",
    Rule.ROUNDING: "hub rounding rule",
    Rule.LONG_TERM_DISEASE_LIST: f"TT 25/2025/TT-BYT Phụ lục I (thay TT 46/2016/TT-BYT) {mark('long-term-list')}",
}


# Long-term diseases (bệnh cần chữa trị dài ngày). 2014 law Art 26(2)(a): the first 180 days, weekends and holidays
# included, at 75%; then Art 28(2): 65% with 30 years of contributions or more, 55% with 15 to under 30, 50% under
# 15 (the continued period is limited to the time contributed, not checked by the hub:
# [to confirm long-term-continued-period]). 2024 law Art 43(2), 45(3) (domain-rules §6): the normal yearly maximum of
# working days at 75%, then the same lower rates.
LONG_TERM_FIRST_DAYS_2014 = 180
LONG_TERM_LOWER_RATES = ((30, 65), (15, 55), (0, 50))  # (from completed years of contributions, percent)
# [to confirm long-term-first-period]: whether ordinary sickness days paid earlier in the year count against the first
# (75%) period of a long-term disease; the hub counts every sickness day of the calendar year against it
# (hub.claims.computing).


def source(rule: Rule, law: LawVersion) -> str:
    """The legal source of `rule` under `law`."""
    return SOURCES.get((rule, law)) or _SAME_FOR_BOTH[rule]
