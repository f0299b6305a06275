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
    SECOND_CHILD = "second_child"
    MATERNITY_ELIGIBILITY_PATHS = "maternity_eligibility_paths"
    FATHER_LUMP_SUM = "father_lump_sum"
    PRENATAL_VISITS = "prenatal_visits"
    PREGNANCY_LOSS = "pregnancy_loss"
    CONVALESCENCE_AFTER_SICKNESS = "convalescence_after_sickness"
    CONVALESCENCE_AFTER_MATERNITY = "convalescence_after_maternity"
    DEATH_OR_INCAPACITY = "death_or_incapacity"  # a child or mother dies, or the mother cannot care for the child
    REMAINING_LEAVE_CONDITIONS = "remaining_leave_conditions"  # the father or caregiver taking the mother's rest
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
    (Rule.MATERNITY_ELIGIBILITY_PATHS, LawVersion.LAW_2014): f"{_L14} Điều 31 khoản 3",
    (Rule.MATERNITY_ELIGIBILITY_PATHS, LawVersion.LAW_2024): f"{_L24} Điều 50",
    # 2014 Art 38(2) pays the father when only he is insured; the hub applies "the mother is not eligible"
    (Rule.FATHER_LUMP_SUM, LawVersion.LAW_2014): f"{_L14} Điều 38 khoản 2; TT 59/2015 Điều 9 {mark('lump-sum-father')}",
    (Rule.FATHER_LUMP_SUM, LawVersion.LAW_2024): f"{_L24} Điều 58 khoản 1 {mark('lump-sum-father')}",
    (Rule.PRENATAL_VISITS, LawVersion.LAW_2014): f"{_L14} Điều 32",
    (Rule.PRENATAL_VISITS, LawVersion.LAW_2024): f"{_L24} Điều 51",
    (Rule.PREGNANCY_LOSS, LawVersion.LAW_2014): f"{_L14} Điều 33",
    (Rule.PREGNANCY_LOSS, LawVersion.LAW_2024): f"{_L24} Điều 52",
    (Rule.CONVALESCENCE_AFTER_SICKNESS, LawVersion.LAW_2014): f"{_L14} Điều 29",
    (Rule.CONVALESCENCE_AFTER_SICKNESS, LawVersion.LAW_2024): f"{_L24} Điều 46",
    (Rule.CONVALESCENCE_AFTER_MATERNITY, LawVersion.LAW_2014): f"{_L14} Điều 41",
    (Rule.CONVALESCENCE_AFTER_MATERNITY, LawVersion.LAW_2024): f"{_L24} Điều 60",
    (Rule.DEATH_OR_INCAPACITY, LawVersion.LAW_2014): f"{_L14} Điều 34 khoản 3, 4, 6",
    (Rule.DEATH_OR_INCAPACITY, LawVersion.LAW_2024): f"{_L24} Điều 53 khoản 3–6 {mark('death-articles')}",
    (Rule.REMAINING_LEAVE_CONDITIONS, LawVersion.LAW_2014): (
        f"{_L14} Điều 31, Điều 34 khoản 4, 6 {mark('remaining-leave-eligibility')}"
    ),
    (Rule.REMAINING_LEAVE_CONDITIONS, LawVersion.LAW_2024): (
        f"{_L24} Điều 50, Điều 53 khoản 4–6 {mark('remaining-leave-eligibility')}"
    ),
}
_SAME_FOR_BOTH: dict[Rule, str] = {
    Rule.LAW_VERSION: f"{_L24}, hiệu lực từ 01/7/2025; trước đó {_L14}",
    Rule.BASE_SALARY: "Nghị định về mức lương cơ sở",
    Rule.CONTRIBUTION_YEARS: "thời gian đóng BHXH bắt buộc / compulsory contribution time",
    Rule.ROUNDING: "hub rounding rule",
    # Only births from SECOND_CHILD_FROM use it, all under the 2024 law.
    Rule.SECOND_CHILD: (
        "Luật Dân số 113/2025/QH15 Điều 29 khoản 1 (sửa Bộ luật Lao động Điều 139 khoản 1), "
        f"{_L24} Điều 53 khoản 1, 2; NĐ 168/2026/NĐ-CP {mark('second-child-definition')}, từ 01/7/2026"
    ),
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


# --- Maternity: second child, eligibility paths, lump sum, prenatal visits, pregnancy loss (issue 21) -----------------

# Luật Dân số 113/2025/QH15 Art 29(1) amends Labour Code Art 139(1), to which Luật BHXH 41/2024 Art 53(1) refers: for
# a birth from 1/7/2026 of a mother's second child the mother gets 7 months of leave (at most 2 before the birth) and
# the father 10 working days (Art 53(2)). "Second child": at the birth the mother already has exactly one living child
# (NĐ 168/2026/NĐ-CP, known from secondary sources only).
SECOND_CHILD_FROM = dt.date(2026, 7, 1)
SECOND_CHILD_MOTHER_MONTHS = 7
SECOND_CHILD_FATHER_DAYS = 10


@dataclass(frozen=True)
class SecondChildLeave:
    """What a second child gives, with how it combines with twins and caesarean births."""

    mother_months: int
    father_days: int
    to_confirm: bool  # the combination is the hub's reading, not a confirmed text


def second_child_leave(children: int, caesarean: bool, general_father_days: int) -> SecondChildLeave:
    """The leave for a second-child birth (a birth from SECOND_CHILD_FROM whose mother had one living child).

    A single child born normally: 7 months for the mother, 10 working days for the father (confirmed by the
    amended Labour Code Art 139(1) and the 2024 law Art 53). Every other combination is the hub's reading
    [to confirm second-child-combination], kept here only:
    - twins or more: the 7 months replace the 6, and each child from the second adds 1 month as Art 53(1) says
      (7 + children − 1);
    - a caesarean birth changes nothing for the mother (Art 53(1) gives her no extra month for it);
    - the father gets the larger of 10 days and what the birth gives him otherwise (7 caesarean, 10 twins,
      14 twins by caesarean, +3 a child from the third), never less than without the second-child rule.
    """
    months = SECOND_CHILD_MOTHER_MONTHS + (children - 1)
    days = max(SECOND_CHILD_FATHER_DAYS, general_father_days)
    return SecondChildLeave(months, days, to_confirm=children > 1 or caesarean)


def living_children_before(births_so_far: int | None, living_now: int | None, born_now: int) -> int | None:
    """How many living children the mother had before this birth, read from the birth certificate (XML9):
    `LAN_SINH` (the births, this one included), `SO_CON_SONG` (the living children, those just born included) and
    `SO_CON` (the children of this birth). A first birth (`LAN_SINH` 1) leaves none; otherwise SO_CON_SONG − SO_CON
    (never below 0), which counts a stillborn twin as living [to confirm living-children-count]. None when the
    certificate does not say."""
    if births_so_far == 1:
        return 0
    if living_now is None:
        return None
    return max(living_now - born_now, 0)


def living_children_at_birth(certificate: int | None, register: int | None) -> int | None:
    """The mother's living children before a birth, from the birth certificate's count (XML9, `certificate`) and the
    population database's (`register`: her children it lists, born before this birth and alive at it; None when it
    was not asked or did not answer). The register is the state's record of the family and wins when both are known
    and disagree [to confirm second-child-evidence]; without it, the certificate's count stands."""
    return certificate if register is None else register


def is_second_child(born: dt.date, living_before: int | None) -> bool:
    return born >= SECOND_CHILD_FROM and living_before == 1


# Maternity eligibility besides 6 of 12 months (2014 law Art 31(3); 2024 law Art 50): 3 of the 12 months before the
# birth with 12 months paid in all, when a doctor ordered rest during the pregnancy (XML10, pregnancy-rest
# certificate); from the 2024 law, 6 of the 24 months before the birth for a mother who took leave for infertility
# treatment.
PREGNANCY_REST_MONTHS, PREGNANCY_REST_TOTAL_MONTHS = 3, 12
INFERTILITY_MONTHS, INFERTILITY_WINDOW_MONTHS = 6, 24

# Lump sum (2024 law Art 58): 2 × the reference level of the birth month per child; in a multiple pregnancy where a
# fetus is stillborn every fetus counts (Art 53(4)). Paid to the father when the mother gave birth but is not
# eligible (or not insured) and he has 6 of the 12 months before the birth [to confirm lump-sum-father].
FATHER_LUMP_SUM_MONTHS = 6

# Prenatal visits (2014 law Art 32; 2024 law Art 51): 5 visits, 1 day each, 2 when far from a facility or the
# pregnancy is abnormal; working days; a day's pay is the average monthly salary ÷ 24.
PRENATAL_VISITS = 5
PRENATAL_DAYS_PER_VISIT = 2

# Pregnancy loss or termination (2014 law Art 33; 2024 law Art 52): calendar days (holidays and weekends included)
# by week of pregnancy, paid at the average monthly salary ÷ 30 a day. (under this many weeks, days) in order.
PREGNANCY_LOSS_DAYS: dict[LawVersion, tuple[tuple[int, int], ...]] = {
    LawVersion.LAW_2014: ((5, 10), (13, 20), (25, 40), (99, 50)),
    # the 2024 law's week brackets from 13 weeks on (22 in place of 25) [to confirm pregnancy-loss-weeks]
    LawVersion.LAW_2024: ((5, 10), (13, 20), (22, 40), (99, 50)),
}
PREGNANCY_LOSS_TO_CONFIRM = {LawVersion.LAW_2014: False, LawVersion.LAW_2024: True}


def pregnancy_loss_days(weeks: int, law: LawVersion) -> int:
    """The days of leave for a pregnancy lost or ended at `weeks` weeks."""
    return next(days for under, days in PREGNANCY_LOSS_DAYS[law] if weeks < under)
