"""Sickness benefits (chế độ ốm đau): the employee's own sickness and the care of a sick child under 7.

Both pay 75% of the contribution salary of one month (2014 law: the month before the leave; 2024 law: the latest
month paid before the month of leave, see `salary_month_for_leave`), ÷ 24 per working day, half days as half, up
to a yearly maximum of working days per calendar year (1 January – 31 December); days past 31 December count against
the next year's fresh maximum.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from hub.claims.rules.contributions import (
    ContributionYears,
    contribution_years,
    salary_month_for_leave,
    salary_months_looked_at,
)
from hub.claims.rules.formatting import days, vnd
from hub.claims.rules.inputs import HALF_DAY, ChildCareLeave, ContributionHistory, SickLeave, WorkType
from hub.claims.rules.months import Month, add_months, full_years
from hub.claims.rules.outcome import Benefit, Computation, Explainer
from hub.claims.rules.reasons import Reason, ReasonCode, reason
from hub.claims.rules.tables import (
    LONG_TERM_FIRST_DAYS_2014,
    LONG_TERM_LOWER_RATES,
    RULES_START,
    SALARY_MONTH_LOOKBACK_MONTHS,
    LawVersion,
    Rule,
    law_on,
    law_title,
)
from hub.claims.rules.uncertain import mark, mark_vi
from hub.claims.rules.workdays import VIETNAM_CALENDAR, WorkingCalendar

SICKNESS_RATE = Fraction(75, 100)
DAYS_PER_MONTH = 24
# Yearly maximum working days by completed years of compulsory contributions: (<15, 15 to <30, ≥30).
SICKNESS_LIMITS = {WorkType.NORMAL: (30, 40, 60), WorkType.HEAVY_HAZARDOUS: (40, 50, 70)}
YEARS_THRESHOLDS = (15, 30)
CHILD_CARE_LIMIT_UNDER_3 = 20
CHILD_CARE_LIMIT_3_TO_7 = 15
CHILD_AGE_LIMIT_YEARS = 7


def sickness_day_limit(work_type: WorkType, years: int) -> int:
    """The yearly maximum of sickness days for `years` completed years of contributions."""
    low, middle, high = SICKNESS_LIMITS[work_type]
    if years < YEARS_THRESHOLDS[0]:
        return low
    return middle if years < YEARS_THRESHOLDS[1] else high


def child_care_day_limit(child_born: dt.date, on: dt.date) -> int | None:
    """The yearly maximum of child-care days for a child of that age on `on`; None from the 7th birthday."""
    age = full_years(child_born, on)
    if age >= CHILD_AGE_LIMIT_YEARS:
        return None
    return CHILD_CARE_LIMIT_UNDER_3 if age < 3 else CHILD_CARE_LIMIT_3_TO_7


@dataclass(frozen=True)
class _Allocation:
    paid: Decimal
    unpaid: Decimal
    last_paid: dt.date | None


def _weighted_days(
    start: dt.date, end: dt.date, half_days: frozenset[dt.date], calendar: WorkingCalendar
) -> list[tuple[dt.date, Decimal]]:
    return [(day, HALF_DAY if day in half_days else Decimal(1)) for day in calendar.working_days(start, end)]


def _allocate(days_: Iterable[tuple[dt.date, Decimal]], limit: int, first_year: int, taken: Decimal) -> _Allocation:
    """Pay days in order until each calendar year's maximum is reached; a day can be paid in part (half a day)."""
    remaining: dict[int, Decimal] = {}
    paid = unpaid = Decimal(0)
    last_paid = None
    for day, weight in days_:
        left = remaining.setdefault(day.year, Decimal(limit) - (taken if day.year == first_year else 0))
        portion = max(Decimal(0), min(weight, left))
        remaining[day.year] = left - portion
        paid += portion
        unpaid += weight - portion
        if portion:
            last_paid = day
    return _Allocation(paid, unpaid, last_paid)


def _refused(
    benefit: Benefit, start: dt.date, why: Reason, explainer: Explainer, unpaid: Decimal = Decimal(0)
) -> Computation:
    return Computation(
        benefit, explainer.law, start, False, (why,), 0, Fraction(0), explainer.done(), unpaid_days=unpaid
    )


def _law_line(explainer: Explainer, start: dt.date) -> None:
    explainer.add(
        Rule.LAW_VERSION,
        f"{start} → {explainer.law.value}",
        f"Ngày bắt đầu nghỉ {start}: áp dụng {law_title(explainer.law)}.",
        f"The leave starts on {start}: {law_title(explainer.law)} applies.",
        event_date=start,
    )


def _pay(
    benefit: Benefit,
    start: dt.date,
    end: dt.date,
    weighted: list[tuple[dt.date, Decimal]],
    allocation: _Allocation,
    salary_vnd: int,
    salary_month: Month,
    notes: list[Reason],
    explainer: Explainer,
) -> Computation:
    """The amount for the days allocated: 75% of the salary ÷ 24 per day, rounded once."""
    requested = sum((weight for _, weight in weighted), Decimal(0))
    halves = sum(1 for _, weight in weighted if weight == HALF_DAY)
    explainer.add(
        Rule.SICKNESS_DURATION if benefit is Benefit.SICKNESS else Rule.CHILD_CARE_DURATION,
        f"{len(weighted)} − {halves} × 0.5 = {days(requested)}; paid {days(allocation.paid)}, "
        f"unpaid {days(allocation.unpaid)}",
        f"Từ {start} đến {end} có {len(weighted)} ngày làm việc (không kể ngày nghỉ hằng tuần, lễ, Tết), "
        f"trong đó {halves} nửa ngày: {days(requested)} ngày; được hưởng {days(allocation.paid)} ngày, "
        f"không được hưởng {days(allocation.unpaid)} ngày.",
        f"From {start} to {end}: {len(weighted)} working days (weekly rest days and public holidays excluded), "
        f"{halves} of them half days: {days(requested)} days; {days(allocation.paid)} paid, "
        f"{days(allocation.unpaid)} unpaid.",
        working_days=len(weighted),
        half_days=halves,
    )
    exact = Fraction(salary_vnd) * SICKNESS_RATE / DAYS_PER_MONTH * Fraction(allocation.paid)
    explainer.add(
        Rule.SICKNESS_AMOUNT,
        f"{salary_vnd:,} × 75% ÷ {DAYS_PER_MONTH} × {days(allocation.paid)} = {vnd(exact)}",
        f"Mức hưởng = 75% tiền lương đóng BHXH tháng {salary_month} ({salary_vnd:,} đồng) ÷ {DAYS_PER_MONTH} "
        f"× {days(allocation.paid)} ngày = {vnd(exact)} đồng (nửa ngày hưởng một nửa mức ngày).",
        f"Amount = 75% of the {salary_month} contribution salary ({salary_vnd:,} VND) ÷ {DAYS_PER_MONTH} "
        f"× {days(allocation.paid)} days = {vnd(exact)} VND (a half day is paid half the daily amount).",
        salary_month=salary_month,
        salary_vnd=salary_vnd,
    )
    amount = explainer.total(exact)
    period = (start, allocation.last_paid) if allocation.last_paid else None
    return Computation(
        benefit,
        explainer.law,
        start,
        True,
        tuple(notes),
        amount,
        exact,
        explainer.done(),
        paid_days=allocation.paid,
        unpaid_days=allocation.unpaid,
        period=period,
        salary_months=(salary_month,),
    )


def _common_checks(
    benefit: Benefit, history: ContributionHistory, start: dt.date, explainer: Explainer
) -> Computation | tuple[int, Month, WorkType]:
    if start < RULES_START:
        return _refused(
            benefit, start, reason(ReasonCode.RULES_NOT_AVAILABLE_FOR_DATE, day=start, start=RULES_START), explainer
        )
    _law_line(explainer, start)
    row = salary_month_for_leave(history, start)
    first_looked, leave_month = salary_months_looked_at(start)
    if row is None:
        why = reason(ReasonCode.NOT_INSURED, month=leave_month, first=first_looked)
        return _refused(benefit, start, why, explainer)
    if explainer.law is LawVersion.LAW_2014:
        rule_vi = "tháng liền kề trước tháng nghỉ việc (hoặc tháng bắt đầu đóng, nếu ốm ngay trong tháng đó)"
        rule_en = "the month before the month of leave (or the first month, if sick in the month of joining)"
    else:
        rule_vi = (
            f"tháng gần nhất đã đóng trước tháng nghỉ việc (hoặc tháng bắt đầu đóng), xét lại tối đa "
            f"{SALARY_MONTH_LOOKBACK_MONTHS} tháng {mark_vi('salary-lookback')}"
        )
        rule_en = (
            f"the latest month paid before the month of leave (or the first month), looking back at most "
            f"{SALARY_MONTH_LOOKBACK_MONTHS} months {mark('salary-lookback')}"
        )
    explainer.add(
        Rule.SICKNESS_CONDITIONS,
        f"{row.month}: {row.salary_vnd:,}",
        f"Đang đóng BHXH bắt buộc; tháng làm căn cứ ({rule_vi}): {row.month}, tiền lương đóng BHXH "
        f"{row.salary_vnd:,} đồng.",
        f"Compulsorily insured; salary month ({rule_en}): {row.month}, contribution salary {row.salary_vnd:,} VND.",
        salary_month=row.month,
        work_type=row.work_type.value,
    )
    return row.salary_vnd, row.month, row.work_type


def compute_sickness(
    history: ContributionHistory, leave: SickLeave, *, calendar: WorkingCalendar = VIETNAM_CALENDAR
) -> Computation:
    """The employee's own sickness benefit for one certificate, under the law in force on its first day."""
    explainer = Explainer(law_on(leave.start))
    checked = _common_checks(Benefit.SICKNESS, history, leave.start, explainer)
    if isinstance(checked, Computation):
        return checked
    salary_vnd, salary_month, work_type = checked
    years = contribution_years(history, Month.of(leave.start))
    if leave.long_term_disease:
        return _long_term(leave, salary_vnd, salary_month, work_type, years, calendar, explainer)
    limit = sickness_day_limit(work_type, years.years)
    heavy = work_type is WorkType.HEAVY_HAZARDOUS
    explainer.add(
        Rule.SICKNESS_DURATION,
        f"{years.months} // 12 = {years.years} → {limit}; {limit} − {days(leave.days_taken_this_year)}",
        f"Đã đóng BHXH bắt buộc {years.months} tháng ({years.years} năm {years.remainder_months} tháng; năm chưa "
        f"đủ không tính){', nghề nặng nhọc, độc hại' if heavy else ''}: tối đa {limit} ngày làm việc/năm; "
        f"đã hưởng {days(leave.days_taken_this_year)} ngày trong năm {leave.start.year}.",
        f"{years.months} months of compulsory contributions ({years.years} years {years.remainder_months} months; "
        f"a partial year does not count){', heavy or hazardous work' if heavy else ''}: at most {limit} working "
        f"days a year; {days(leave.days_taken_this_year)} already paid in {leave.start.year}.",
        contribution_months=years.months,
        work_type=work_type.value,
    )
    weighted = _weighted_days(leave.start, leave.end, leave.half_days, calendar)
    if not weighted:
        return _refused(
            Benefit.SICKNESS,
            leave.start,
            reason(ReasonCode.NO_WORKING_DAYS, start=leave.start, end=leave.end),
            explainer,
        )
    allocation = _allocate(weighted, limit, leave.start.year, leave.days_taken_this_year)
    if not allocation.paid:
        why = reason(ReasonCode.YEARLY_LIMIT_REACHED, limit=limit, year=leave.start.year)
        return _refused(Benefit.SICKNESS, leave.start, why, explainer, allocation.unpaid)
    notes = [reason(ReasonCode.DAYS_BEYOND_YEARLY_LIMIT, unpaid=days(allocation.unpaid))] if allocation.unpaid else []
    return _pay(
        Benefit.SICKNESS, leave.start, leave.end, weighted, allocation, salary_vnd, salary_month, notes, explainer
    )


def long_term_lower_rate(years: int) -> int:
    """The percentage paid after the first period of a long-term disease, by completed years of contributions."""
    return next(percent for minimum, percent in LONG_TERM_LOWER_RATES if years >= minimum)


def _split(
    days_: Iterable[tuple[dt.date, Decimal]], limit: int, first_year: int, taken: Decimal
) -> tuple[Decimal, Decimal, dt.date | None]:
    """Days inside each calendar year's first period (`limit` less what was taken) and the days beyond it."""
    remaining: dict[int, Decimal] = {}
    first = beyond = Decimal(0)
    last = None
    for day, weight in days_:
        left = remaining.setdefault(day.year, Decimal(limit) - (taken if day.year == first_year else 0))
        portion = max(Decimal(0), min(weight, left))
        remaining[day.year] = left - portion
        first += portion
        beyond += weight - portion
        last = day
    return first, beyond, last


def _long_term(
    leave: SickLeave,
    salary_vnd: int,
    salary_month: Month,
    work_type: WorkType,
    years: ContributionYears,
    calendar: WorkingCalendar,
    explainer: Explainer,
) -> Computation:
    """A long-term disease under the law of the leave's start: a first period at 75% (2014 law: 180 days a year,
    weekends and holidays included; 2024 law: the normal yearly maximum of working days), then every further day at
    65/55/50% by years of contributions."""
    code = leave.diagnosis or "?"
    if leave.declared:
        how_vi, how_en = f"do cán bộ xét duyệt xác định (mã ICD-10 {code})", f"declared by a processor (ICD-10 {code})"
    else:
        how_vi = f"theo chẩn đoán trên giấy chứng nhận (mã ICD-10 {code})"
        how_en = f"from the certificate's diagnosis (ICD-10 {code})"
    explainer.add(
        Rule.LONG_TERM_DISEASE_LIST,
        f"{code} ∈ TT 25/2025/TT-BYT Phụ lục I",
        f"Bệnh thuộc Danh mục bệnh cần chữa trị dài ngày, {how_vi} {mark_vi('long-term-list')}.",
        f"A disease on the long-term disease list, {how_en} {mark('long-term-list')}.",
        diagnosis=code,
        declared=leave.declared,
    )
    if explainer.law is LawVersion.LAW_2014:
        first_limit = LONG_TERM_FIRST_DAYS_2014
        weighted = [
            (day, HALF_DAY if day in leave.half_days else Decimal(1))
            for day in (leave.start + dt.timedelta(days=n) for n in range((leave.end - leave.start).days + 1))
        ]
        unit_vi, unit_en = "ngày (kể cả ngày nghỉ hằng tuần, lễ, Tết)", "days (weekends and holidays included)"
    else:
        first_limit = sickness_day_limit(work_type, years.years)
        weighted = _weighted_days(leave.start, leave.end, leave.half_days, calendar)
        unit_vi, unit_en = "ngày làm việc", "working days"
    if not weighted:
        why = reason(ReasonCode.NO_WORKING_DAYS, start=leave.start, end=leave.end)
        return _refused(Benefit.SICKNESS, leave.start, why, explainer)
    first, beyond, last = _split(weighted, first_limit, leave.start.year, leave.days_taken_this_year)
    lower = long_term_lower_rate(years.years)
    taken = days(leave.days_taken_this_year)
    explainer.add(
        Rule.LONG_TERM_DISEASE,
        f"{first_limit} − {taken} → {days(first)} × 75%; {days(beyond)} × {lower}%",
        f"Từ {leave.start} đến {leave.end}: {days(first + beyond)} {unit_vi}. Giai đoạn đầu tối đa {first_limit} "
        f"{unit_vi}/năm hưởng 75% (đã hưởng {taken} ngày trong năm {leave.start.year}): {days(first)} ngày. Sau đó "
        f"hưởng {lower}% (đã đóng BHXH bắt buộc {years.years} năm: 65% từ đủ 30 năm, 55% từ đủ 15 đến dưới 30 năm, "
        f"50% dưới 15 năm): {days(beyond)} ngày.",
        f"From {leave.start} to {leave.end}: {days(first + beyond)} {unit_en}. First period of at most "
        f"{first_limit} {unit_en} a year at 75% ({taken} already paid in {leave.start.year}): {days(first)} days. "
        f"Then {lower}% ({years.years} years of compulsory contributions: 65% from 30 years, 55% from 15 to under "
        f"30, 50% under 15): {days(beyond)} days.",
        first_period_limit=first_limit,
        lower_rate_percent=lower,
        contribution_years=years.years,
    )
    exact_first = Fraction(salary_vnd) * SICKNESS_RATE / DAYS_PER_MONTH * Fraction(first)
    exact_beyond = Fraction(salary_vnd) * Fraction(lower, 100) / DAYS_PER_MONTH * Fraction(beyond)
    explainer.add(
        Rule.SICKNESS_AMOUNT,
        f"{salary_vnd:,} × 75% ÷ {DAYS_PER_MONTH} × {days(first)} + {salary_vnd:,} × {lower}% ÷ {DAYS_PER_MONTH} "
        f"× {days(beyond)} = {vnd(exact_first)} + {vnd(exact_beyond)}",
        f"Mức hưởng = 75% tiền lương đóng BHXH tháng {salary_month} ({salary_vnd:,} đồng) ÷ {DAYS_PER_MONTH} × "
        f"{days(first)} ngày = {vnd(exact_first)} đồng, cộng {lower}% ÷ {DAYS_PER_MONTH} × {days(beyond)} ngày = "
        f"{vnd(exact_beyond)} đồng.",
        f"Amount = 75% of the {salary_month} contribution salary ({salary_vnd:,} VND) ÷ {DAYS_PER_MONTH} × "
        f"{days(first)} days = {vnd(exact_first)} VND, plus {lower}% ÷ {DAYS_PER_MONTH} × {days(beyond)} days = "
        f"{vnd(exact_beyond)} VND.",
        salary_month=salary_month,
        salary_vnd=salary_vnd,
    )
    amount = explainer.total(exact_first + exact_beyond)
    return Computation(
        Benefit.SICKNESS,
        explainer.law,
        leave.start,
        True,
        (),
        amount,
        exact_first + exact_beyond,
        explainer.done(),
        paid_days=first + beyond,
        period=(leave.start, last) if last else None,
        salary_months=(salary_month,),
    )


def compute_child_care(
    history: ContributionHistory, leave: ChildCareLeave, *, calendar: WorkingCalendar = VIETNAM_CALENDAR
) -> Computation:
    """Leave to care for a sick child: 20 working days a year per child under 3, 15 from 3 to under 7, judged by
    the child's age on the first day of the leave; days from the seventh birthday are not paid."""
    explainer = Explainer(law_on(leave.start))
    checked = _common_checks(Benefit.CHILD_CARE, history, leave.start, explainer)
    if isinstance(checked, Computation):
        return checked
    salary_vnd, salary_month, _ = checked
    limit = child_care_day_limit(leave.child_born, leave.start)
    age = full_years(leave.child_born, leave.start)
    if limit is None:
        why = reason(ReasonCode.CHILD_TOO_OLD, born=leave.child_born, day=leave.start)
        return _refused(Benefit.CHILD_CARE, leave.start, why, explainer)
    explainer.add(
        Rule.CHILD_CARE_DURATION,
        f"age {age} → {limit}; {limit} − {days(leave.days_taken_this_year)}",
        f"Con sinh ngày {leave.child_born}, {age} tuổi vào ngày {leave.start}: tối đa {limit} ngày làm việc/năm "
        f"cho mỗi con; đã hưởng {days(leave.days_taken_this_year)} ngày trong năm {leave.start.year}.",
        f"Child born {leave.child_born}, aged {age} on {leave.start}: at most {limit} working days a year per "
        f"child; {days(leave.days_taken_this_year)} already paid in {leave.start.year}.",
        child_born=leave.child_born,
        age_years=age,
    )
    seventh = add_months(leave.child_born, 12 * CHILD_AGE_LIMIT_YEARS)
    weighted = _weighted_days(leave.start, leave.end, leave.half_days, calendar)
    if not weighted:
        return _refused(
            Benefit.CHILD_CARE,
            leave.start,
            reason(ReasonCode.NO_WORKING_DAYS, start=leave.start, end=leave.end),
            explainer,
        )
    before_seven = [(day, weight) for day, weight in weighted if day < seventh]
    too_old = sum((weight for day, weight in weighted if day >= seventh), Decimal(0))
    allocation = _allocate(before_seven, limit, leave.start.year, leave.days_taken_this_year)
    if not allocation.paid:
        why = reason(ReasonCode.YEARLY_LIMIT_REACHED, limit=limit, year=leave.start.year)
        return _refused(Benefit.CHILD_CARE, leave.start, why, explainer, allocation.unpaid + too_old)
    notes = []
    if allocation.unpaid:
        notes.append(reason(ReasonCode.DAYS_BEYOND_YEARLY_LIMIT, unpaid=days(allocation.unpaid)))
    if too_old:
        notes.append(reason(ReasonCode.DAYS_AFTER_CHILD_TURNS_SEVEN, unpaid=days(too_old), seventh=seventh))
    allocation = _Allocation(allocation.paid, allocation.unpaid + too_old, allocation.last_paid)
    return _pay(
        Benefit.CHILD_CARE, leave.start, leave.end, weighted, allocation, salary_vnd, salary_month, notes, explainer
    )
