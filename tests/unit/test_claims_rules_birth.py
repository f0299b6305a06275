import dataclasses
import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.claims.rules import (
    Birth,
    Computation,
    ContributionHistory,
    ContributionMonth,
    ConvalescenceCause,
    ConvalescenceLeave,
    LawVersion,
    LeavePeriod,
    Month,
    ReasonCode,
    compute_convalescence,
    compute_maternity,
    compute_paternity,
    paternity_days,
    round_vnd,
)

D = dt.date
L14, L24 = LawVersion.LAW_2014, LawVersion.LAW_2024


def history(last: Month, count: int, salary: int = 6_000_000) -> ContributionHistory:
    return ContributionHistory(tuple(ContributionMonth(last.shift(-i), salary) for i in range(count)))


def months(first: Month, last: Month, salary: int = 6_000_000) -> ContributionHistory:
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return history(last, count, salary)


def assert_bilingual(result: Computation) -> None:
    assert result.explanation and isinstance(result.amount_vnd, int) and result.amount_vnd >= 0
    for line in result.explanation:
        assert line.source and line.arithmetic and line.text_vi and line.text_en and line.text_vi != line.text_en


# --- maternity of the mother ---------------------------------------------------------------------------------


def test_birth_on_the_14th_does_not_count_the_birth_month_and_on_the_15th_does():
    # Given contributions October 2024 – March 2025 (six months, the birth month included)
    paid = months(Month(2024, 10), Month(2025, 3))
    # When the child is born on 14 March, the window is March 2024 – February 2025: five months
    early = compute_maternity(paid, Birth(D(2025, 3, 14)))
    assert not early.eligible and early.reason_codes == (ReasonCode.INSUFFICIENT_CONTRIBUTIONS,)
    assert early.amount_vnd == 0
    assert "5 tháng" in early.reasons[0].message_vi and "Only 5 months" in early.reasons[0].message_en
    # When born on the 15th, March counts: six months, eligible
    late = compute_maternity(paid, Birth(D(2025, 3, 15)))
    assert late.eligible
    assert_bilingual(early)
    assert_bilingual(late)


def test_a_birth_month_without_contribution_does_not_count_even_after_the_15th():
    paid = months(Month(2024, 10), Month(2025, 2))  # five months, none in March
    assert compute_maternity(paid, Birth(D(2025, 3, 20))).reason_codes == (ReasonCode.INSUFFICIENT_CONTRIBUTIONS,)


@pytest.mark.parametrize(
    ("born", "law", "base"),
    [
        (D(2024, 6, 30), L14, 1_800_000),
        (D(2024, 7, 1), L14, 2_340_000),
        (D(2025, 6, 30), L14, 2_340_000),
        (D(2025, 7, 1), L24, 2_340_000),
        (D(2026, 6, 30), L24, 2_340_000),
        (D(2026, 7, 1), L24, 2_530_000),
    ],
)
def test_maternity_law_and_lump_sum_follow_the_dates(born, law, base):
    result = compute_maternity(history(Month.of(born).shift(-1), 12), Birth(born))
    assert result.law is law
    assert result.leave_months == 6
    assert result.amount_vnd == 6 * 6_000_000 + 2 * base
    names = " ".join(line.text_en for line in result.explanation)
    assert ("reference level" in names) == (law is L24) and ("base salary" in names) == (law is L14)
    assert any(f"{law.value}" in line.source for line in result.explanation if line.rule == "birth_lump_sum")
    assert_bilingual(result)


@pytest.mark.parametrize(("children", "leave_months"), [(1, 6), (2, 7), (3, 8)])
def test_leave_grows_a_month_and_the_lump_sum_a_share_per_child(children, leave_months):
    born = D(2025, 8, 10)
    result = compute_maternity(history(Month(2025, 7), 12), Birth(born, children=children))
    assert result.leave_months == leave_months
    assert result.period == (born, D(2025 + (7 + leave_months) // 12, (7 + leave_months) % 12 + 1, 9))
    assert result.amount_vnd == leave_months * 6_000_000 + children * 2 * 2_340_000


def test_leave_may_start_two_months_before_the_birth_and_no_earlier_nor_after_it():
    paid = history(Month(2025, 7), 12)
    birth = Birth(D(2025, 9, 20))
    assert compute_maternity(paid, birth, leave_start=D(2025, 7, 20)).eligible
    too_early = compute_maternity(paid, birth, leave_start=D(2025, 7, 19))
    assert too_early.reason_codes == (ReasonCode.LEAVE_STARTS_TOO_EARLY,)
    too_late = compute_maternity(paid, birth, leave_start=D(2025, 9, 21))
    assert too_late.reason_codes == (ReasonCode.LEAVE_STARTS_AFTER_BIRTH,)


def test_leave_begun_before_1_july_2025_stays_under_the_2014_law():
    result = compute_maternity(history(Month(2025, 5), 12), Birth(D(2025, 7, 10)), leave_start=D(2025, 6, 20))
    assert result.law is L14 and result.event_date == D(2025, 6, 20)


def test_average_salary_of_the_six_months_before_the_leave_is_exact_and_rounded_once():
    rows = tuple(ContributionMonth(Month(2025, m), 5_000_000 + m) for m in range(1, 8))
    result = compute_maternity(ContributionHistory(rows), Birth(D(2025, 8, 3)))
    average = Fraction(sum(5_000_000 + m for m in range(2, 8)), 6)
    assert result.salary_months == tuple(Month(2025, m) for m in range(2, 8))
    assert result.exact_amount == average * 6 + 2 * 2_340_000
    assert result.amount_vnd == round_vnd(result.exact_amount)


# --- paternity -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "law", "days"),
    [
        (Birth(D(2025, 1, 5)), L14, 5),
        (Birth(D(2025, 1, 5), caesarean=True), L14, 7),
        (Birth(D(2025, 1, 5), under_32_weeks=True, gestation_weeks=31), L14, 7),
        (Birth(D(2025, 1, 5), gestation_weeks=32), L14, 5),
        (Birth(D(2025, 1, 5), children=2), L14, 10),
        (Birth(D(2025, 1, 5), children=3), L14, 13),
        (Birth(D(2025, 1, 5), children=2, caesarean=True), L14, 14),
        (Birth(D(2025, 1, 5), children=3, caesarean=True), L14, 14),
        (Birth(D(2025, 1, 5), children=3, caesarean=True), L24, 17),
        (Birth(D(2025, 1, 5), children=2, caesarean=True), L24, 14),
    ],
)
def test_paternity_days_by_kind_of_birth(birth, law, days):
    assert paternity_days(birth, law) == days


def test_gestation_and_the_under_32_weeks_flag_must_agree():
    with pytest.raises(ValueError):
        Birth(D(2025, 1, 5), gestation_weeks=30)


def test_paternity_pays_average_salary_over_24_per_working_day():
    # Born Monday 3/3/2025; leave Monday–Friday 10–14/3: five working days.
    result = compute_paternity(
        history(Month(2025, 2), 12, 7_200_000), Birth(D(2025, 3, 3)), [LeavePeriod(D(2025, 3, 10), D(2025, 3, 14))]
    )
    assert result.eligible and result.paid_days == 5 and result.amount_vnd == 5 * 300_000
    assert_bilingual(result)


def test_paternity_days_beyond_the_entitlement_are_not_paid():
    result = compute_paternity(
        history(Month(2025, 2), 12, 7_200_000), Birth(D(2025, 3, 3)), [LeavePeriod(D(2025, 3, 3), D(2025, 3, 11))]
    )
    assert (result.paid_days, result.unpaid_days) == (Decimal(5), Decimal(2))
    assert result.reason_codes == (ReasonCode.DAYS_BEYOND_ENTITLEMENT,)


@pytest.mark.parametrize(
    ("born", "last_start", "law"),
    [(D(2025, 6, 2), D(2025, 7, 1), L14), (D(2025, 7, 1), D(2025, 8, 29), L24)],
)
def test_each_period_must_start_within_30_days_2014_or_60_days_2024(born, last_start, law):
    paid = history(Month.of(born).shift(-1), 12)
    inside = compute_paternity(paid, Birth(born), [LeavePeriod(last_start, last_start + dt.timedelta(days=10))])
    assert inside.law is law and inside.eligible
    late = last_start + dt.timedelta(days=1)
    outside = compute_paternity(paid, Birth(born), [LeavePeriod(late, late + dt.timedelta(days=10))])
    assert not outside.eligible and outside.amount_vnd == 0
    assert ReasonCode.PERIOD_STARTS_OUTSIDE_WINDOW in outside.reason_codes


def test_paternity_leave_in_several_periods_is_capped_in_order():
    birth = Birth(D(2025, 7, 7), caesarean=True)  # 7 days
    periods = [LeavePeriod(D(2025, 7, 7), D(2025, 7, 11)), LeavePeriod(D(2025, 8, 4), D(2025, 8, 8))]
    result = compute_paternity(history(Month(2025, 6), 12, 4_800_000), birth, periods)
    assert (result.paid_days, result.unpaid_days) == (Decimal(7), Decimal(3))
    assert result.period == (D(2025, 7, 7), D(2025, 8, 5))
    assert result.amount_vnd == 7 * 200_000
    with pytest.raises(ValueError):
        compute_paternity(history(Month(2025, 6), 12), birth, [periods[0], LeavePeriod(D(2025, 7, 11), D(2025, 7, 12))])


def test_a_father_not_contributing_gets_no_paternity_benefit():
    result = compute_paternity(
        history(Month(2024, 12), 12), Birth(D(2025, 3, 3)), [LeavePeriod(D(2025, 3, 3), D(2025, 3, 7))]
    )
    assert result.reason_codes == (ReasonCode.NOT_INSURED,)


# --- convalescence -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cause", "maximum"),
    [
        (ConvalescenceCause.SICKNESS_LONG_TERM, 10),
        (ConvalescenceCause.SICKNESS_SURGERY, 7),
        (ConvalescenceCause.SICKNESS_OTHER, 5),
        (ConvalescenceCause.MATERNITY_MULTIPLE_BIRTH, 10),
        (ConvalescenceCause.MATERNITY_CAESAREAN, 7),
        (ConvalescenceCause.MATERNITY_OTHER, 5),
    ],
)
def test_convalescence_maximum_by_cause(cause, maximum):
    leave = ConvalescenceLeave(cause, D(2025, 3, 3), D(2025, 3, 3), 12, sickness_days_this_year=Decimal(30))
    result = compute_convalescence(leave)
    assert (result.paid_days, result.unpaid_days) == (Decimal(maximum), Decimal(12 - maximum))
    assert result.amount_vnd == maximum * 702_000  # 30% of 2,340,000
    assert result.period == (D(2025, 3, 3), D(2025, 3, 2 + maximum))  # calendar days, weekends included
    assert_bilingual(result)


@pytest.mark.parametrize(("start", "base"), [(D(2026, 6, 30), 2_340_000), (D(2026, 7, 1), 2_530_000)])
def test_convalescence_uses_the_figure_in_force_on_its_first_day(start, base):
    result = compute_convalescence(ConvalescenceLeave(ConvalescenceCause.MATERNITY_OTHER, D(2026, 6, 25), start, 5))
    assert result.amount_vnd == 5 * base * 3 // 10


def test_convalescence_must_start_within_30_days_of_returning():
    returned = D(2025, 3, 1)
    day_30 = ConvalescenceLeave(ConvalescenceCause.MATERNITY_OTHER, returned, D(2025, 3, 30), 5)
    day_31 = ConvalescenceLeave(ConvalescenceCause.MATERNITY_OTHER, returned, D(2025, 3, 31), 5)
    assert compute_convalescence(day_30).eligible
    assert compute_convalescence(day_31).reason_codes == (ReasonCode.STARTS_TOO_LATE_AFTER_RETURN,)


def test_convalescence_after_sickness_needs_30_sickness_days_in_the_year():
    def leave(sick_days: str | int) -> ConvalescenceLeave:
        return ConvalescenceLeave(
            ConvalescenceCause.SICKNESS_OTHER,
            D(2025, 3, 3),
            D(2025, 3, 4),
            5,
            sickness_days_this_year=Decimal(sick_days),
        )

    assert compute_convalescence(leave("29.5")).reason_codes == (ReasonCode.NOT_ENOUGH_SICKNESS_DAYS,)
    assert compute_convalescence(leave(30)).eligible


def test_convalescence_days_already_taken_reduce_the_maximum():
    """2014 law (before 1/7/2025): each cause's maximum is per year. Surgery, 7 a year, 4 taken: 5 asked,
    min(5, 7 − 4) = 3 paid, 2 not; 7 taken: none left. (The 2024 law: test_claims_rules_convalescence_2024.)"""
    taken = ConvalescenceLeave(
        ConvalescenceCause.SICKNESS_SURGERY,
        D(2025, 6, 1),
        D(2025, 6, 1),
        5,
        days_already_taken=4,
        sickness_days_this_year=Decimal(40),
    )
    result = compute_convalescence(taken)
    assert (result.paid_days, result.unpaid_days, result.law) == (Decimal(3), Decimal(2), L14)
    used = dataclasses.replace(taken, days_already_taken=7)
    assert compute_convalescence(used).reason_codes == (ReasonCode.YEARLY_LIMIT_REACHED,)


@given(
    born=st.dates(min_value=D(2019, 9, 1), max_value=D(2030, 12, 31)),
    salaries=st.lists(st.integers(1, 150_000_000), min_size=1, max_size=14),
    children=st.integers(1, 4),
    caesarean=st.booleans(),
)
def test_birth_benefits_are_whole_never_negative_and_rounded_once(born, salaries, children, caesarean):
    last = Month.of(born)
    paid = ContributionHistory(tuple(ContributionMonth(last.shift(-i), s) for i, s in enumerate(salaries)))
    birth = Birth(born, children=children, caesarean=caesarean)
    mother = compute_maternity(paid, birth)
    father = compute_paternity(paid, birth, [LeavePeriod(born, born + dt.timedelta(days=30))])
    for result in (mother, father):
        assert isinstance(result.amount_vnd, int) and result.amount_vnd >= 0
        assert result.amount_vnd == round_vnd(result.exact_amount)
        assert result.eligible or result.amount_vnd == 0
    assert father.paid_days <= paternity_days(birth, father.law)
