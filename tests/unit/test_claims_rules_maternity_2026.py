"""Worked examples of the maternity rules of issue 21: each docstring shows the computation by hand."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from hub.claims.rules import (
    Birth,
    Computation,
    ContributionHistory,
    ContributionMonth,
    LawVersion,
    LeavePeriod,
    Month,
    PregnancyLoss,
    PrenatalVisit,
    ReasonCode,
    RegisterCheck,
    compute_father_lump_sum,
    compute_maternity,
    compute_paternity,
    compute_pregnancy_loss,
    compute_prenatal_visits,
    paternity_days,
)
from hub.claims.rules.tables import Rule, living_children_before, pregnancy_loss_days, source

D = dt.date
L14, L24 = LawVersion.LAW_2014, LawVersion.LAW_2024


def months(first: Month, last: Month, salary: int = 10_000_000) -> ContributionHistory:
    rows, month = [], first
    while month <= last:
        rows.append(ContributionMonth(month, salary))
        month = month.shift(1)
    return ContributionHistory(tuple(rows))


def joined(*parts: ContributionHistory) -> ContributionHistory:
    return ContributionHistory(tuple(row for part in parts for row in part.months))


def lines(result: Computation, rule: Rule) -> list[str]:
    return [f"{line.text_en} | {line.text_vi}" for line in result.explanation if line.rule is rule]


def source_of(result: Computation, rule: Rule) -> str:
    return next(line.source for line in result.explanation if line.rule is rule)


def assert_bilingual(result: Computation) -> None:
    for line in result.explanation:
        assert line.source and line.arithmetic and line.text_vi and line.text_en and line.text_vi != line.text_en


# --- second child, births from 1/7/2026 --------------------------------------------------------------------------


def test_second_child_born_in_august_2026_gives_the_mother_seven_months():
    """Born 10/8/2026, one living child before; 10,000,000 a month paid 8/2025–7/2026.

    Eligibility: born before the 15th → window 8/2025–7/2026: 12 months ≥ 6.
    Second child (born ≥ 1/7/2026, 1 living child before) → 7 months: 10/8/2026 – 9/3/2027.
    Average of 2/2026–7/2026 = 10,000,000; × 100% × 7 = 70,000,000.
    Lump sum: 2 × 2,530,000 (reference level of 8/2026) × 1 = 5,060,000.
    Total 70,000,000 + 5,060,000 = 75,060,000.
    """
    paid = months(Month(2025, 8), Month(2026, 7))
    result = compute_maternity(paid, Birth(D(2026, 8, 10), living_children_before=1))
    assert result.eligible and result.leave_months == 7
    assert result.period == (D(2026, 8, 10), D(2027, 3, 9))
    assert result.amount_vnd == 75_060_000
    second = lines(result, Rule.SECOND_CHILD)
    assert second and "7 months" in second[-1] and "[to confirm " not in second[0]
    assert "Luật Dân số 113/2025/QH15 Điều 29 khoản 1" in source(Rule.SECOND_CHILD, L24)
    assert_bilingual(result)


def test_first_child_and_a_second_child_born_before_july_2026_keep_six_months():
    """First child born 10/8/2026 → 6 months: 10,000,000 × 6 + 5,060,000 = 65,060,000.
    A second child born 30/6/2026 (before the change) → 6 months; reference level of 6/2026 is 2,340,000:
    10,000,000 × 6 + 2 × 2,340,000 = 64,680,000.
    """
    paid = months(Month(2025, 7), Month(2026, 7))
    first = compute_maternity(paid, Birth(D(2026, 8, 10), living_children_before=0))
    assert (first.leave_months, first.amount_vnd) == (6, 65_060_000)
    assert "not a second child" in lines(first, Rule.SECOND_CHILD)[-1]
    early = compute_maternity(paid, Birth(D(2026, 6, 30), living_children_before=1))
    assert (early.leave_months, early.amount_vnd) == (6, 64_680_000)
    assert not lines(early, Rule.SECOND_CHILD)


def test_second_child_twins_add_a_month_to_the_seven_to_confirm():
    """Twins born 10/8/2026, one living child before: 7 + (2 − 1) = 8 months [to confirm].
    10,000,000 × 8 = 80,000,000; lump sum 2 × 2,530,000 × 2 = 10,120,000; total 90,120,000.
    """
    paid = months(Month(2025, 8), Month(2026, 7))
    result = compute_maternity(paid, Birth(D(2026, 8, 10), children=2, living_children_before=1))
    assert (result.leave_months, result.amount_vnd) == (8, 90_120_000)
    line = lines(result, Rule.SECOND_CHILD)[-1]
    assert "[to confirm " in line and "[cần xác nhận " in line


def test_the_population_database_count_wins_over_the_birth_certificate():
    """Born 10/8/2026; XML9 says a first birth (0 living children before), the population database lists one older
    child alive at the birth. The register wins [to confirm second-child-evidence]: a second child → 7 months,
    10,000,000 × 7 + 2 × 2,530,000 = 75,060,000 (as the birth certificate's 1 would give).
    The other way round (XML9 1, register 0): not a second child → 6 months, 10,000,000 × 6 + 5,060,000 = 65,060,000.
    """
    paid = months(Month(2025, 8), Month(2026, 7))
    answered = RegisterCheck.ANSWERED
    birth = Birth(D(2026, 8, 10), living_children_before=0, register_living_children=1, register_check=answered)
    result = compute_maternity(paid, birth)
    assert (result.leave_months, result.amount_vnd) == (7, 75_060_000)
    evidence = lines(result, Rule.SECOND_CHILD)[0]
    assert "Cơ sở dữ liệu quốc gia về dân cư: mẹ có 1 con còn sống trước lần sinh này" in evidence
    assert "National population database: the mother had 1 living children before this birth" in evidence
    assert "[to confirm second-child-evidence" in evidence and "[cần xác nhận second-child-evidence" in evidence
    fewer = Birth(D(2026, 8, 10), living_children_before=1, register_living_children=0, register_check=answered)
    assert (compute_maternity(paid, fewer).leave_months, compute_maternity(paid, fewer).amount_vnd) == (6, 65_060_000)
    agreeing = Birth(D(2026, 8, 10), living_children_before=1, register_living_children=1, register_check=answered)
    line = lines(compute_maternity(paid, agreeing), Rule.SECOND_CHILD)[0]
    assert "khớp với giấy chứng sinh" in line and "[to confirm " not in line
    assert_bilingual(result)


@pytest.mark.parametrize(
    ("check", "says"),
    [(None, "was not asked (not connected)"), (RegisterCheck.NO_ANSWER, "did not answer")],
)
def test_without_the_population_database_the_birth_certificate_count_stands(check, says):
    """XML9: one living child before a birth on 10/8/2026, the register not asked or silent → 7 months, 75,060,000."""
    paid = months(Month(2025, 8), Month(2026, 7))
    result = compute_maternity(paid, Birth(D(2026, 8, 10), living_children_before=1, register_check=check))
    assert (result.leave_months, result.amount_vnd) == (7, 75_060_000)
    line = lines(result, Rule.SECOND_CHILD)[0]
    assert says in line and "theo giấy chứng sinh (XML9 LAN_SINH, SO_CON_SONG): 1" in line


def test_father_of_a_second_child_gets_ten_working_days():
    """Father paid 7,200,000 a month 2/2026–7/2026; second child born Monday 10/8/2026.
    Leave 10/8–21/8/2026: 10 working days (no holiday). Entitled: 10 (second child; 5 otherwise).
    7,200,000 ÷ 24 = 300,000 a day × 10 = 3,000,000.
    Not a second child: 5 days paid → 1,500,000, 5 beyond the entitlement.
    """
    paid = months(Month(2026, 2), Month(2026, 7), 7_200_000)
    leave = [LeavePeriod(D(2026, 8, 10), D(2026, 8, 21))]
    second = compute_paternity(paid, Birth(D(2026, 8, 10), living_children_before=1), leave)
    assert (second.paid_days, second.amount_vnd) == (Decimal(10), 3_000_000)
    assert lines(second, Rule.SECOND_CHILD) and "[to confirm " not in lines(second, Rule.SECOND_CHILD)[-1]
    first = compute_paternity(paid, Birth(D(2026, 8, 10), living_children_before=0), leave)
    assert (first.paid_days, first.unpaid_days, first.amount_vnd) == (Decimal(5), Decimal(5), 1_500_000)


@pytest.mark.parametrize(
    ("birth", "days"),
    [
        (Birth(D(2026, 8, 10), living_children_before=1), 10),
        (Birth(D(2026, 8, 10), caesarean=True, living_children_before=1), 10),  # max(10, 7) [to confirm]
        (Birth(D(2026, 8, 10), children=2, caesarean=True, living_children_before=1), 14),  # max(10, 14)
        (Birth(D(2026, 8, 10), caesarean=True, living_children_before=0), 7),
        (Birth(D(2026, 6, 30), living_children_before=1), 5),
    ],
)
def test_second_child_paternity_days_with_caesarean_and_twins(birth, days):
    """The father gets the larger of 10 and the days the birth gives otherwise [to confirm]."""
    assert paternity_days(birth, L24) == days


@pytest.mark.parametrize(
    ("lan_sinh", "so_con_song", "so_con", "before"),
    [(1, 1, 1, 0), (2, 2, 1, 1), (3, 2, 1, 1), (2, 3, 2, 1), (2, None, 1, None), (None, 2, 1, 1), (2, 0, 1, 0)],
)
def test_living_children_before_from_xml9(lan_sinh, so_con_song, so_con, before):
    """LAN_SINH 1 → 0; else SO_CON_SONG − SO_CON (e.g. 2 living now, 1 born now → 1 before)."""
    assert living_children_before(lan_sinh, so_con_song, so_con) == before


# --- eligibility (Art 50) --------------------------------------------------------------------------------------


def test_three_of_twelve_months_suffice_when_a_doctor_ordered_rest():
    """Born 10/3/2026 → window 3/2025–2/2026. Paid 6,000,000 in 1/2024–10/2024 (10) and 12/2025–2/2026 (3).
    In the window: 3 < 6 → not eligible on the ordinary rule. With a pregnancy-rest certificate:
    3 ≥ 3 and 10 + 3 = 13 ≥ 12 months in all → eligible.
    Average of 2/2026, 1/2026, 12/2025, 10/2024, 9/2024, 8/2024 = 6,000,000; × 6 = 36,000,000;
    lump sum 2 × 2,340,000 = 4,680,000; total 40,680,000.
    Paid from 3/2024 only: 8 + 3 = 11 < 12 months in all → refused.
    """
    history = joined(
        months(Month(2024, 1), Month(2024, 10), 6_000_000), months(Month(2025, 12), Month(2026, 2), 6_000_000)
    )
    plain = compute_maternity(history, Birth(D(2026, 3, 10)))
    assert plain.reason_codes == (ReasonCode.INSUFFICIENT_CONTRIBUTIONS,)
    rest = compute_maternity(history, Birth(D(2026, 3, 10), pregnancy_rest_ordered=True))
    assert rest.eligible and rest.amount_vnd == 40_680_000
    assert "Điều 50" in source_of(rest, Rule.MATERNITY_ELIGIBILITY_PATHS)
    short = joined(
        months(Month(2024, 3), Month(2024, 10), 6_000_000), months(Month(2025, 12), Month(2026, 2), 6_000_000)
    )
    assert not compute_maternity(short, Birth(D(2026, 3, 10), pregnancy_rest_ordered=True)).eligible
    assert_bilingual(rest)


def test_six_of_twenty_four_months_for_infertility_treatment_under_the_2024_law():
    """Born 10/3/2026; paid 6,000,000 in 1/2025–6/2025. Window 3/2025–2/2026: 4 < 6.
    Infertility treatment: 24 months 3/2024–2/2026 hold 6 ≥ 6 → eligible.
    Average of 1/2025–6/2025 = 6,000,000 × 6 = 36,000,000 + 4,680,000 = 40,680,000.
    Born 10/3/2025 (2014 law, no such rule) with the same 6 months before: window 3/2024–2/2025 holds 2 → refused.
    """
    history = months(Month(2025, 1), Month(2025, 6), 6_000_000)
    assert not compute_maternity(history, Birth(D(2026, 3, 10))).eligible
    result = compute_maternity(history, Birth(D(2026, 3, 10), infertility_treatment=True))
    assert result.eligible and result.amount_vnd == 40_680_000
    earlier = months(Month(2023, 9), Month(2024, 2), 6_000_000)
    assert not compute_maternity(earlier, Birth(D(2025, 3, 10), infertility_treatment=True)).eligible


# --- lump sum (Art 58) -----------------------------------------------------------------------------------------


def test_father_gets_the_lump_sum_when_the_mother_is_not_eligible():
    """Born 10/8/2026; the father paid 2/2026–7/2026: window 8/2025–7/2026 holds 6 ≥ 6.
    Mother not eligible → 2 × 2,530,000 × 1 = 5,060,000 [to confirm: Art 58(1)].
    Twins of which one stillborn: every fetus counts (Art 53(4)) → 2 × 2,530,000 × 2 = 10,120,000.
    Mother eligible → nothing. Father with 5 months → nothing.
    """
    father = months(Month(2026, 2), Month(2026, 7), 7_000_000)
    result = compute_father_lump_sum(father, Birth(D(2026, 8, 10)), mother_eligible=False)
    assert result.eligible and result.amount_vnd == 5_060_000
    assert "[to confirm " in lines(result, Rule.FATHER_LUMP_SUM)[0]
    assert "[cần xác nhận " in lines(result, Rule.FATHER_LUMP_SUM)[0]
    twins = compute_father_lump_sum(father, Birth(D(2026, 8, 10), children=2), mother_eligible=False)
    assert twins.amount_vnd == 10_120_000
    mother = compute_father_lump_sum(father, Birth(D(2026, 8, 10)), mother_eligible=True)
    assert mother.reason_codes == (ReasonCode.MOTHER_RECEIVES_LUMP_SUM,)
    short = months(Month(2026, 3), Month(2026, 7))
    assert not compute_father_lump_sum(short, Birth(D(2026, 8, 10)), mother_eligible=False).eligible
    assert_bilingual(result)


# --- prenatal visits (Art 51) and pregnancy loss (Art 52) ------------------------------------------------------


def test_prenatal_visits_five_visits_of_up_to_two_days():
    """Paid 7,200,000 a month 9/2025–2/2026: 7,200,000 ÷ 24 = 300,000 a day.
    Visits 2/3 (1 day), 6/4 (2 days), 4/5 (3 days asked, 2 paid): 1 + 2 + 2 = 5 days → 1,500,000.
    With 4 visits already paid, only the first counts: 1 day → 300,000; 2 visits not paid.
    """
    paid = months(Month(2025, 9), Month(2026, 2), 7_200_000)
    visits = [PrenatalVisit(D(2026, 3, 2), 1), PrenatalVisit(D(2026, 4, 6), 2), PrenatalVisit(D(2026, 5, 4), 3)]
    result = compute_prenatal_visits(paid, visits)
    assert (result.paid_days, result.unpaid_days, result.amount_vnd) == (Decimal(5), Decimal(1), 1_500_000)
    assert "Điều 51" in source_of(result, Rule.PRENATAL_VISITS)
    late = compute_prenatal_visits(paid, visits, visits_already_paid=4)
    assert (late.paid_days, late.amount_vnd) == (Decimal(1), 300_000)
    assert late.reason_codes == (ReasonCode.VISITS_BEYOND_ENTITLEMENT,)
    assert_bilingual(result)


@pytest.mark.parametrize(
    ("weeks", "law", "days"),
    [
        (4, L24, 10),
        (5, L24, 20),
        (12, L24, 20),
        (13, L24, 40),
        (21, L24, 40),
        (22, L24, 50),
        (24, L14, 40),
        (25, L14, 50),
    ],
)
def test_pregnancy_loss_days_by_week(weeks, law, days):
    assert pregnancy_loss_days(weeks, law) == days


def test_pregnancy_loss_at_ten_weeks():
    """Paid 9,000,000 a month 9/2025–2/2026; a pregnancy lost at 10 weeks, leave from 2/3/2026.
    5 ≤ 10 < 13 weeks → 20 calendar days, 2/3–21/3/2026; 9,000,000 ÷ 30 = 300,000 × 20 = 6,000,000.
    At 23 weeks under the 2024 law: 50 days [to confirm] → 15,000,000.
    """
    paid = months(Month(2025, 9), Month(2026, 2), 9_000_000)
    result = compute_pregnancy_loss(paid, PregnancyLoss(D(2026, 3, 2), 10))
    assert (result.paid_days, result.amount_vnd) == (Decimal(20), 6_000_000)
    assert result.period == (D(2026, 3, 2), D(2026, 3, 21))
    late = compute_pregnancy_loss(paid, PregnancyLoss(D(2026, 3, 2), 23))
    assert late.amount_vnd == 15_000_000 and "[to confirm " in lines(late, Rule.PREGNANCY_LOSS)[0]
    uninsured = compute_pregnancy_loss(months(Month(2024, 1), Month(2024, 6)), PregnancyLoss(D(2026, 3, 2), 10))
    assert uninsured.reason_codes == (ReasonCode.NOT_INSURED,)
    assert result.exact_amount == Fraction(6_000_000)
    assert_bilingual(result)
