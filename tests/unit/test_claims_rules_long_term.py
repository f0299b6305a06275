"""Long-term diseases (issue 19 item 5): the list (TT 25/2025/TT-BYT Appendix I, ICD-10), and the benefit under the
law of the leave's start: 2014 law 180 days a year at 75% then 65/55/50%; 2024 law the normal yearly maximum at 75%
then 65/55/50% by years of contributions."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from hub.claims.rules import (
    VIETNAM_CALENDAR,
    ContributionHistory,
    ContributionMonth,
    LawVersion,
    Month,
    SickLeave,
    compute_sickness,
    round_vnd,
)
from hub.claims.rules.long_term import codes_in, first_listed, listed_disease
from hub.claims.rules.sickness import long_term_lower_rate

D = dt.date
SALARY = 8_000_000  # 75% ÷ 24 = 250,000 a day


def paid_until(last: Month, count: int) -> ContributionHistory:
    return ContributionHistory(tuple(ContributionMonth(last.shift(-i), SALARY) for i in range(count)))


def working_days(start: dt.date, end: dt.date) -> int:
    return len(list(VIETNAM_CALENDAR.working_days(start, end)))


@pytest.mark.parametrize(
    ("code", "listed"),
    [("C34.1", True), ("C34", True), ("c97", True), ("A15.0", True), ("A06.1", True), ("A06.0", False)],
)
def test_codes_are_matched_against_the_list(code, listed):
    assert (listed_disease(code) is not None) is listed


def test_codes_are_read_from_a_diagnosis_text():
    text = "J18.9 - Viêm phổi; C34.1 - Ung thư phế quản thùy trên"
    assert codes_in([text]) == ["J189", "C341"]
    assert first_listed(codes_in([text])) == "C34.1"
    assert first_listed(codes_in(["J18.9 - Viêm phổi, không đặc hiệu", None])) is None


@pytest.mark.parametrize(("years", "rate"), [(0, 50), (14, 50), (15, 55), (29, 55), (30, 65), (40, 65)])
def test_the_lower_rate_follows_years_of_contributions(years, rate):
    assert long_term_lower_rate(years) == rate


def test_2024_law_normal_maximum_at_75_then_50_percent_under_15_years():
    # 2 years of contributions: maximum 30 working days a year at 75%; 20 already paid this year
    start, end = D(2025, 12, 1), D(2025, 12, 31)
    leave = SickLeave(start, end, days_taken_this_year=Decimal(20), long_term_disease=True, diagnosis="C34.1")
    result = compute_sickness(paid_until(Month(2025, 11), 24), leave)
    total = working_days(start, end)
    assert result.law is LawVersion.LAW_2024 and result.eligible and result.unpaid_days == 0
    assert result.paid_days == total
    exact = Fraction(SALARY) * Fraction(75, 100) / 24 * 10 + Fraction(SALARY) * Fraction(50, 100) / 24 * (total - 10)
    assert result.exact_amount == exact and result.amount_vnd == round_vnd(exact)
    line = next(line for line in result.explanation if line.rule.value == "long_term_disease")
    assert "10 days" in line.text_en and "Then 50%" in line.text_en and "Điều 43 khoản 2" in line.source
    listed = next(line for line in result.explanation if line.rule.value == "long_term_disease_list")
    assert "C34.1" in listed.text_en and "[to confirm" in listed.text_en and "TT 25/2025" in listed.source


def test_2024_law_55_and_65_percent_by_years():
    start, end = D(2025, 12, 1), D(2025, 12, 5)
    for months, rate, limit in ((16 * 12, 55, 40), (31 * 12, 65, 60)):
        leave = SickLeave(start, end, days_taken_this_year=Decimal(limit), long_term_disease=True, diagnosis="A15")
        result = compute_sickness(paid_until(Month(2025, 11), months), leave)
        assert result.exact_amount == Fraction(SALARY) * Fraction(rate, 100) / 24 * 5


def test_2014_law_180_days_weekends_included_then_the_lower_rate():
    # Started 2/6/2025 (2014 law, kept after 1/7/2025): 30 calendar days, 170 already paid this year, 16 years
    start, end = D(2025, 6, 2), D(2025, 7, 1)
    leave = SickLeave(start, end, days_taken_this_year=Decimal(170), long_term_disease=True, diagnosis="C34.1")
    result = compute_sickness(paid_until(Month(2025, 5), 16 * 12), leave)
    assert result.law is LawVersion.LAW_2014 and result.paid_days == 30
    exact = Fraction(SALARY) * Fraction(75, 100) / 24 * 10 + Fraction(SALARY) * Fraction(55, 100) / 24 * 20
    assert result.exact_amount == exact
    line = next(line for line in result.explanation if line.rule.value == "long_term_disease")
    assert "weekends and holidays included" in line.text_en and "Điều 26 khoản 2" in line.source


def test_a_declared_disease_says_so():
    leave = SickLeave(D(2025, 12, 1), D(2025, 12, 5), long_term_disease=True, diagnosis="G35", declared=True)
    result = compute_sickness(paid_until(Month(2025, 11), 24), leave)
    listed = next(line for line in result.explanation if line.rule.value == "long_term_disease_list")
    assert "declared by a processor (ICD-10 G35)" in listed.text_en
