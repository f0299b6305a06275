import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.claims.rules import (
    VIETNAM_CALENDAR,
    ChildCareLeave,
    Computation,
    ContributionHistory,
    ContributionKind,
    ContributionMonth,
    LawVersion,
    Month,
    ReasonCode,
    SickLeave,
    WorkingCalendar,
    WorkType,
    child_care_day_limit,
    compute_child_care,
    compute_sickness,
    round_vnd,
    sickness_day_limit,
)

D = dt.date
SALARY = 8_000_000  # 75% ÷ 24 = 250,000 a day


def history(last: Month, count: int, salary: int = SALARY, work: WorkType = WorkType.NORMAL) -> ContributionHistory:
    return ContributionHistory(tuple(ContributionMonth(last.shift(-i), salary, work) for i in range(count)))


def assert_explained(result: Computation) -> None:
    """Every line cites a source, carries its arithmetic, and reads in Vietnamese and in English."""
    assert result.explanation
    for line in result.explanation:
        assert line.source and line.arithmetic and line.text_vi and line.text_en
        assert line.text_vi != line.text_en
    vietnamese = " ".join(line.text_vi for line in result.explanation)
    assert re.search(r"ngày|tháng|đồng|áp dụng", vietnamese)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", vietnamese)  # Vietnamese texts use dd/mm/yyyy
    for why in result.reasons:
        assert why.message_vi and why.message_en and why.message_vi != why.message_en
    assert isinstance(result.amount_vnd, int)


# Monday 3 March 2025 to Friday 7 March 2025: five working days.
WEEK = (D(2025, 3, 3), D(2025, 3, 7))


@pytest.mark.parametrize(
    ("work", "months", "limit"),
    [
        (WorkType.NORMAL, 14 * 12 + 11, 30),
        (WorkType.NORMAL, 15 * 12, 40),
        (WorkType.NORMAL, 29 * 12 + 11, 40),
        (WorkType.NORMAL, 30 * 12, 60),
        (WorkType.HEAVY_HAZARDOUS, 14 * 12 + 11, 40),
        (WorkType.HEAVY_HAZARDOUS, 15 * 12, 50),
        (WorkType.HEAVY_HAZARDOUS, 29 * 12 + 11, 50),
        (WorkType.HEAVY_HAZARDOUS, 30 * 12, 70),
    ],
)
def test_yearly_limit_by_contribution_years_and_work_type(work, months, limit):
    assert sickness_day_limit(work, months // 12) == limit
    # Given the limit minus two days already taken, when a five-day certificate comes, then two days are paid.
    leave = SickLeave(*WEEK, days_taken_this_year=Decimal(limit - 2))
    result = compute_sickness(history(Month(2025, 2), months, work=work), leave)
    assert (result.paid_days, result.unpaid_days) == (Decimal(2), Decimal(3))
    assert result.amount_vnd == 2 * 250_000
    assert result.reason_codes == (ReasonCode.DAYS_BEYOND_YEARLY_LIMIT,)
    assert result.period == (D(2025, 3, 3), D(2025, 3, 4))
    assert_explained(result)


def test_a_certificate_within_the_limit_is_paid_whole():
    result = compute_sickness(history(Month(2025, 2), 24), SickLeave(*WEEK))
    assert result.eligible and result.paid_days == 5 and result.unpaid_days == 0 and not result.reasons
    assert result.amount_vnd == 1_250_000
    assert result.salary_months == (Month(2025, 2),)
    assert_explained(result)


def test_nothing_is_paid_once_the_limit_is_reached():
    result = compute_sickness(history(Month(2025, 2), 24), SickLeave(*WEEK, days_taken_this_year=Decimal(30)))
    assert not result.eligible and result.amount_vnd == 0
    assert result.reason_codes == (ReasonCode.YEARLY_LIMIT_REACHED,)
    assert result.unpaid_days == 5
    assert_explained(result)


def test_half_days_count_half_and_a_half_day_can_end_the_allowance():
    leave = SickLeave(*WEEK, half_days=frozenset({D(2025, 3, 3), D(2025, 3, 7)}))
    result = compute_sickness(history(Month(2025, 2), 24), leave)
    assert result.paid_days == Decimal("4.0") and result.amount_vnd == 1_000_000
    near_limit = SickLeave(*WEEK, days_taken_this_year=Decimal("29.5"))
    result = compute_sickness(history(Month(2025, 2), 24), near_limit)
    assert (result.paid_days, result.unpaid_days) == (Decimal("0.5"), Decimal("4.5"))
    assert result.amount_vnd == 125_000


def test_weekends_and_tet_inside_a_certificate_are_not_counted():
    # 12–24 February 2026 holds Tết (16–20/2) and two weekends: four working days.
    result = compute_sickness(history(Month(2026, 1), 24), SickLeave(D(2026, 2, 12), D(2026, 2, 24)))
    assert result.paid_days == 4 and result.amount_vnd == 1_000_000
    # The government's actual decision can be injected: here 13/2 made a day off too.
    decided = WorkingCalendar(extra_days_off=frozenset({D(2026, 2, 13)}))
    assert (
        compute_sickness(
            history(Month(2026, 1), 24), SickLeave(D(2026, 2, 12), D(2026, 2, 24)), calendar=decided
        ).paid_days
        == 3
    )


def test_a_certificate_of_weekend_days_only_pays_nothing():
    result = compute_sickness(history(Month(2025, 2), 24), SickLeave(D(2025, 3, 8), D(2025, 3, 9)))
    assert result.reason_codes == (ReasonCode.NO_WORKING_DAYS,) and result.amount_vnd == 0


def test_days_after_31_december_count_against_the_new_year():
    # 30–31/12/2024 beyond the 2024 limit; 1/1/2025 is a holiday; 2–3/1/2025 are paid from the new allowance.
    leave = SickLeave(D(2024, 12, 30), D(2025, 1, 3), days_taken_this_year=Decimal(30))
    result = compute_sickness(history(Month(2024, 11), 24), leave)
    assert (result.paid_days, result.unpaid_days) == (Decimal(2), Decimal(2))


def test_law_and_sources_follow_the_first_day_of_leave():
    before = compute_sickness(history(Month(2025, 5), 24), SickLeave(D(2025, 6, 30), D(2025, 6, 30)))
    after = compute_sickness(history(Month(2025, 6), 24), SickLeave(D(2025, 7, 1), D(2025, 7, 1)))
    assert before.law is LawVersion.LAW_2014 and after.law is LawVersion.LAW_2024
    assert any("58/2014/QH13 Điều 28" in line.source for line in before.explanation)
    assert any("41/2024/QH15 Điều 45" in line.source for line in after.explanation)
    assert before.amount_vnd == after.amount_vnd == 250_000


def test_not_insured_without_a_compulsory_month_before_or_in_the_leave_month():
    voluntary = ContributionHistory((ContributionMonth(Month(2025, 2), SALARY, kind=ContributionKind.VOLUNTARY),))
    result = compute_sickness(voluntary, SickLeave(*WEEK))
    assert result.reason_codes == (ReasonCode.NOT_INSURED,) and not result.eligible
    assert_explained(result)


def test_someone_sick_in_the_first_month_of_work_is_paid_on_that_month():
    first_month = ContributionHistory((ContributionMonth(Month(2025, 3), 4_800_000),))
    result = compute_sickness(first_month, SickLeave(*WEEK))
    assert result.salary_months == (Month(2025, 3),) and result.amount_vnd == 5 * 150_000


def test_long_term_disease_is_computed_under_its_own_rules():
    # Computed under the long-term rules (tests/unit/test_claims_rules_long_term.py), no longer referred
    result = compute_sickness(history(Month(2025, 2), 24), SickLeave(*WEEK, long_term_disease=True, diagnosis="C34.1"))
    assert result.eligible and any(line.rule.value == "long_term_disease" for line in result.explanation)


def test_no_rules_before_the_tables_start():
    result = compute_sickness(history(Month(2019, 5), 24), SickLeave(D(2019, 6, 3), D(2019, 6, 4)))
    assert result.reason_codes == (ReasonCode.RULES_NOT_AVAILABLE_FOR_DATE,)


def test_rounding_happens_once_on_the_total():
    # 5,000,016 × 75% ÷ 24 = 156,250.5 a day: three days are 468,751.5 → 468,752, not 3 × 156,251.
    result = compute_sickness(history(Month(2025, 2), 24, salary=5_000_016), SickLeave(D(2025, 3, 3), D(2025, 3, 5)))
    assert result.exact_amount == Fraction(937_503, 2)
    assert result.amount_vnd == 468_752
    assert "468.752 đồng" in result.explanation[-1].text_vi


def test_invalid_certificates_are_refused_at_construction():
    with pytest.raises(ValueError):
        SickLeave(D(2025, 3, 7), D(2025, 3, 3))
    with pytest.raises(ValueError):
        SickLeave(*WEEK, half_days=frozenset({D(2025, 3, 10)}))
    with pytest.raises(ValueError):
        SickLeave(*WEEK, days_taken_this_year=Decimal("0.3"))


CHILD_LEAVE = (D(2025, 3, 3), D(2025, 3, 7))


@pytest.mark.parametrize(
    ("born", "limit"),
    [
        (D(2022, 4, 3), 20),  # 2 years 11 months on 3/3/2025
        (D(2022, 3, 3), 15),  # 3 years that day
        (D(2018, 4, 3), 15),  # 6 years 11 months
        (D(2018, 3, 3), None),  # 7 years
    ],
)
def test_child_care_limit_by_age_on_the_first_day(born, limit):
    assert child_care_day_limit(born, CHILD_LEAVE[0]) == limit
    result = compute_child_care(history(Month(2025, 2), 24), ChildCareLeave(born, *CHILD_LEAVE))
    if limit is None:
        assert result.reason_codes == (ReasonCode.CHILD_TOO_OLD,) and result.amount_vnd == 0
    else:
        assert result.paid_days == 5 and result.amount_vnd == 1_250_000
        near_limit = ChildCareLeave(born, *CHILD_LEAVE, days_taken_this_year=Decimal(limit - 1))
        capped = compute_child_care(history(Month(2025, 2), 24), near_limit)
        assert (capped.paid_days, capped.unpaid_days) == (Decimal(1), Decimal(4))
    assert_explained(result)


def test_child_care_days_from_the_seventh_birthday_are_not_paid():
    result = compute_child_care(history(Month(2025, 2), 24), ChildCareLeave(D(2018, 3, 5), *CHILD_LEAVE))
    assert (result.paid_days, result.unpaid_days) == (Decimal(2), Decimal(3))
    assert result.reason_codes == (ReasonCode.DAYS_AFTER_CHILD_TURNS_SEVEN,)


def test_child_care_cannot_start_before_the_birth():
    with pytest.raises(ValueError):
        ChildCareLeave(D(2025, 3, 10), *CHILD_LEAVE)


@given(
    salary=st.integers(1, 200_000_000),
    start=st.dates(min_value=D(2019, 8, 1), max_value=D(2030, 12, 31)),
    length=st.integers(0, 40),
    taken=st.integers(0, 150).map(lambda halves: Decimal(halves) / 2),
    half_offsets=st.frozensets(st.integers(0, 40), max_size=5),
)
def test_sickness_amounts_are_whole_never_negative_and_add_up(salary, start, length, taken, half_offsets):
    end = start + dt.timedelta(days=length)
    halves = frozenset(start + dt.timedelta(days=offset) for offset in half_offsets if offset <= length)
    leave = SickLeave(start, end, half_days=halves, days_taken_this_year=taken)
    result = compute_sickness(history(Month.of(start).shift(-1), 36, salary=salary), leave)
    assert isinstance(result.amount_vnd, int) and result.amount_vnd >= 0
    assert result.amount_vnd == round_vnd(result.exact_amount)
    assert result.exact_amount == Fraction(salary) * Fraction(3, 4) / 24 * Fraction(result.paid_days)
    requested = sum(
        (Decimal("0.5") if day in halves else Decimal(1) for day in VIETNAM_CALENDAR.working_days(start, end)),
        Decimal(0),
    )
    if result.eligible:
        assert result.paid_days + result.unpaid_days == requested
        assert 0 < result.paid_days <= requested
    else:
        assert result.amount_vnd == 0 and result.paid_days == 0
