"""The salary month of a sickness benefit (issue 19 item 4): under the 2024 law the latest month paid before the
month of leave (Art 45(1)); under the 2014 law the month before the leave; the law chosen by the leave's start
(Art 141(5))."""

import datetime as dt

from hub.claims.rules import (
    ChildCareLeave,
    ContributionHistory,
    ContributionMonth,
    LawVersion,
    Month,
    ReasonCode,
    SickLeave,
    compute_child_care,
    compute_sickness,
    salary_month_for_leave,
)

D = dt.date
SALARY = 8_000_000  # 75% ÷ 24 = 250,000 a day


def paid_until(last: Month, count: int = 24) -> ContributionHistory:
    return ContributionHistory(tuple(ContributionMonth(last.shift(-i), SALARY) for i in range(count)))


def test_2024_law_takes_the_latest_month_paid_before_the_leave_month():
    # Off sick all of October (nothing paid for it): her November leave is based on September
    history = paid_until(Month(2025, 9))
    result = compute_sickness(history, SickLeave(D(2025, 11, 3), D(2025, 11, 7)))
    assert result.law is LawVersion.LAW_2024 and result.eligible
    assert result.salary_months == (Month(2025, 9),) and result.amount_vnd == 5 * 250_000
    line = next(line for line in result.explanation if line.rule.value == "sickness_conditions")
    assert "latest month paid before the month of leave" in line.text_en and "[to confirm" in line.text_en
    assert "41/2024/QH15" in line.source


def test_2024_law_child_care_uses_the_same_salary_month():
    leave = ChildCareLeave(D(2024, 1, 10), D(2025, 11, 3), D(2025, 11, 7))
    result = compute_child_care(paid_until(Month(2025, 9)), leave)
    assert result.eligible and result.salary_months == (Month(2025, 9),)


def test_2014_law_takes_only_the_month_before_the_leave():
    # June 2025 is under the 2014 law: May unpaid, June unpaid → not insured for that leave
    history = paid_until(Month(2025, 4))
    result = compute_sickness(history, SickLeave(D(2025, 6, 2), D(2025, 6, 6)))
    assert result.law is LawVersion.LAW_2014 and result.reason_codes == (ReasonCode.NOT_INSURED,)
    may = ContributionMonth(Month(2025, 5), SALARY)
    assert salary_month_for_leave(paid_until(Month(2025, 5)), D(2025, 6, 2)) == may


def test_a_leave_started_under_the_2014_law_keeps_it_after_1_july_2025():
    # Started 30/6/2025, running into July: the 2014 law and its salary month (May) throughout
    result = compute_sickness(paid_until(Month(2025, 5)), SickLeave(D(2025, 6, 30), D(2025, 7, 4)))
    assert result.law is LawVersion.LAW_2014 and result.salary_months == (Month(2025, 5),)
    assert result.paid_days == 5


def test_2024_law_looks_back_no_further_than_the_table_says():
    history = paid_until(Month(2024, 9))  # last paid 14 months before the leave month
    result = compute_sickness(history, SickLeave(D(2025, 11, 3), D(2025, 11, 7)))
    assert result.reason_codes == (ReasonCode.NOT_INSURED,)
    assert "11/2024 to 11/2025" in result.reasons[0].message_en


def test_2024_law_sick_in_the_month_of_joining_uses_that_month():
    history = ContributionHistory((ContributionMonth(Month(2025, 11), SALARY),))
    result = compute_sickness(history, SickLeave(D(2025, 11, 17), D(2025, 11, 18)))
    assert result.eligible and result.salary_months == (Month(2025, 11),)
