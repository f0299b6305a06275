import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.claims.rules import (
    BASE_SALARIES,
    ContributionHistory,
    ContributionKind,
    ContributionMonth,
    LawVersion,
    Month,
    NoRuleForDate,
    Rule,
    average_salary,
    base_salary_on,
    contribution_years,
    law_on,
    months_before_birth,
    reference_level_on,
    round_vnd,
    source,
)

D = dt.date


def history(last: Month, count: int, salary: int = 6_000_000) -> ContributionHistory:
    return ContributionHistory(tuple(ContributionMonth(last.shift(-i), salary) for i in range(count)))


@pytest.mark.parametrize(
    ("day", "law"),
    [(D(2025, 6, 30), LawVersion.LAW_2014), (D(2025, 7, 1), LawVersion.LAW_2024), (D(2019, 7, 1), LawVersion.LAW_2014)],
)
def test_law_version_by_event_date(day, law):
    assert law_on(day) is law


@pytest.mark.parametrize(
    ("day", "amount", "decree"),
    [
        (D(2019, 7, 1), 1_490_000, "NĐ 38/2019/NĐ-CP"),
        (D(2023, 6, 30), 1_490_000, "NĐ 38/2019/NĐ-CP"),
        (D(2023, 7, 1), 1_800_000, "NĐ 24/2023/NĐ-CP"),
        (D(2024, 6, 30), 1_800_000, "NĐ 24/2023/NĐ-CP"),
        (D(2024, 7, 1), 2_340_000, "NĐ 73/2024/NĐ-CP"),
        (D(2026, 6, 30), 2_340_000, "NĐ 73/2024/NĐ-CP"),
        (D(2026, 7, 1), 2_530_000, "NĐ 161/2026/NĐ-CP"),
    ],
)
def test_base_salary_changes_on_its_effective_date(day, amount, decree):
    assert base_salary_on(day).amount_vnd == amount
    assert base_salary_on(day).decree == decree
    assert reference_level_on(day) == base_salary_on(day)


def test_no_base_salary_before_the_table_starts():
    with pytest.raises(NoRuleForDate):
        base_salary_on(D(2019, 6, 30))
    assert [row.effective for row in BASE_SALARIES] == sorted(row.effective for row in BASE_SALARIES)


@pytest.mark.parametrize("law", list(LawVersion))
def test_every_rule_cites_a_source_under_both_laws(law):
    for rule in Rule:
        cited = source(rule, law)
        assert cited
    assert source(Rule.SICKNESS_AMOUNT, law).startswith(f"Luật BHXH {law.value}")


@pytest.mark.parametrize(
    ("months", "years", "remainder"), [(179, 14, 11), (180, 15, 0), (359, 29, 11), (360, 30, 0), (0, 0, 0)]
)
def test_contribution_years_count_completed_years_only(months, years, remainder):
    counted = contribution_years(history(Month(2025, 5), months), Month(2025, 6))
    assert (counted.months, counted.years, counted.remainder_months) == (months, years, remainder)


def test_contribution_years_skip_voluntary_months_and_months_from_the_leave_on():
    rows = (
        ContributionMonth(Month(2025, 4), 5_000_000),
        ContributionMonth(Month(2025, 3), 5_000_000, kind=ContributionKind.VOLUNTARY),
        ContributionMonth(Month(2025, 6), 5_000_000),
    )
    assert contribution_years(ContributionHistory(rows), Month(2025, 6)).months == 1


@given(st.sets(st.integers(0, 40), max_size=30), st.sets(st.integers(0, 40)), st.integers(-2, 42))
def test_history_lookups_agree_with_a_plain_scan(offsets, voluntary, probe):
    start = Month(2023, 1)
    kinds = {True: ContributionKind.VOLUNTARY, False: ContributionKind.COMPULSORY}
    shuffled = sorted(offsets, key=lambda o: (o * 7) % 41)  # stored in no particular order
    rows = tuple(ContributionMonth(start.shift(o), 1_000 + o, kind=kinds[o in voluntary]) for o in shuffled)
    history, month = ContributionHistory(rows), start.shift(probe)
    before = sorted((r for r in rows if r.compulsory and r.month < month), key=lambda r: r.month, reverse=True)
    assert history.compulsory_before(month) == before
    assert history.compulsory(month) == next((r for r in rows if r.month == month and r.compulsory), None)


def test_history_refuses_duplicate_months_and_non_whole_salaries():
    with pytest.raises(ValueError):
        ContributionHistory((ContributionMonth(Month(2025, 1), 1), ContributionMonth(Month(2025, 1), 2)))
    with pytest.raises(ValueError):
        ContributionMonth(Month(2025, 1), 0)
    with pytest.raises(ValueError):
        ContributionMonth(Month(2025, 1), 5_000_000.0)  # type: ignore[arg-type]


def test_birth_on_the_14th_leaves_the_birth_month_out_and_on_the_15th_counts_it_when_paid():
    paid = history(Month(2025, 3), 12)
    assert months_before_birth(paid, D(2025, 3, 14)) == tuple(Month(2025, 2).shift(-i) for i in reversed(range(12)))
    assert months_before_birth(paid, D(2025, 3, 15))[-1] == Month(2025, 3)
    assert months_before_birth(paid, D(2025, 3, 15))[0] == Month(2024, 4)
    unpaid_birth_month = history(Month(2025, 2), 12)
    assert months_before_birth(unpaid_birth_month, D(2025, 3, 15))[-1] == Month(2025, 2)


def test_average_salary_of_the_six_months_before_the_leave_month():
    rows = tuple(ContributionMonth(Month(2025, m), 1_000_000 * m) for m in range(1, 9))
    average, months = average_salary(ContributionHistory(rows), D(2025, 8, 10))
    assert months == tuple(Month(2025, m) for m in range(1, 8))[1:]
    assert average == Fraction(2 + 3 + 4 + 5 + 6 + 7, 6) * 1_000_000
    short, used = average_salary(ContributionHistory(rows[:2]), D(2025, 3, 1))
    assert (short, used) == (Fraction(1_500_000), (Month(2025, 1), Month(2025, 2)))
    first, used = average_salary(ContributionHistory(rows[:1]), D(2025, 1, 20))
    assert (first, used) == (Fraction(1_000_000), (Month(2025, 1),))


@pytest.mark.parametrize(
    ("exact", "rounded"),
    [(Fraction(1, 2), 1), (Fraction(3, 2), 2), (Fraction(49, 100), 0), (Fraction(468_751_5, 10), 468_752), (0, 0)],
)
def test_rounding_to_the_nearest_dong_halves_up(exact, rounded):
    assert round_vnd(Fraction(exact)) == rounded


@given(st.fractions(min_value=0, max_value=10**12))
def test_rounding_is_within_half_a_dong(exact):
    rounded = round_vnd(exact)
    assert isinstance(rounded, int)
    assert -Fraction(1, 2) < rounded - exact <= Fraction(1, 2)


def test_negative_amounts_are_a_bug():
    with pytest.raises(ValueError):
        round_vnd(Fraction(-1))
