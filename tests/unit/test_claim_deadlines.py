import datetime as dt

from hub.claims.deadlines import bhxh_due_on, bhxh_working_days, deadline_source, filing_deadlines
from hub.claims.letters import KIND_VI as LETTER
from hub.claims.models import ClaimKind, FiledBy
from hub.claims.overlap import KIND_VI as OVERLAP

D = dt.date


def test_a_sick_leave_ending_on_a_friday_counts_from_the_monday_and_skips_the_holidays():
    deadlines = filing_deadlines(ClaimKind.SICKNESS, {"start": "2025-03-03", "end": "2025-03-07"}, None)
    assert deadlines is not None
    assert deadlines.returned_to_work == D(2025, 3, 10)
    assert deadlines.employee_by == D(2025, 4, 24)  # 45 days
    # 7 working days: 25, Saturday 26 (worked for 2 May), 28, 29 April, (30 April and 1 May holidays, 2 May swapped
    # off) 5, 6, 7 May
    assert deadlines.employer_by == D(2025, 5, 7)
    assert not deadlines.late(D(2025, 5, 7)) and deadlines.late(D(2025, 5, 8)) and not deadlines.late(None)


def test_maternity_counts_from_the_end_of_the_leave_its_computation_found():
    details = {"born": "2025-03-02", "children": 1}
    computed = {"eligible": True, "leave_months": 6}
    deadlines = filing_deadlines(ClaimKind.MATERNITY, details, computed)
    assert deadlines is not None  # leave 2 March – 1 September; 2 September is National Day
    assert deadlines.returned_to_work == D(2025, 9, 3)
    assert filing_deadlines(ClaimKind.MATERNITY, details | {"leave_start": "2025-02-02"}, computed) is not None
    assert filing_deadlines(ClaimKind.MATERNITY, details, {"eligible": False, "leave_months": 0}) is None


def test_maternity_handed_over_to_the_father_ends_on_the_day_of_the_event():
    """The mother died on 15/5/2025 (Art 53): her leave, 2/3–15/5/2025, ends on a Thursday: back on Friday 16/5."""
    details = {"born": "2025-03-02", "children": 2}
    computed = {"eligible": True, "leave_months": 2, "period": ["2025-03-02", "2025-05-15"]}
    deadlines = filing_deadlines(ClaimKind.MATERNITY, details, computed)
    assert deadlines is not None and deadlines.returned_to_work == D(2025, 5, 16)
    remaining = {"eligible": True, "leave_months": 4, "period": ["2025-05-16", "2025-10-01"]}
    father = filing_deadlines(ClaimKind.REMAINING_MATERNITY, {}, remaining)
    assert father is not None and father.returned_to_work == D(2025, 10, 2)


def test_paternity_counts_from_its_last_period_and_waits_for_one():
    periods = [["2025-03-03", "2025-03-07"], ["2025-03-17", "2025-03-21"]]
    deadlines = filing_deadlines(ClaimKind.PATERNITY, {"born": "2025-03-02", "periods": periods}, None)
    assert deadlines is not None and deadlines.returned_to_work == D(2025, 3, 24)
    assert filing_deadlines(ClaimKind.PATERNITY, {"born": "2025-03-02", "periods": []}, None) is None


def test_convalescence_has_no_filing_deadline_here():
    details = {"cause": "sickness", "returned_to_work": "2025-03-10", "start": "2025-03-11", "days": 5}
    assert filing_deadlines(ClaimKind.CONVALESCENCE, details, None) is None


def test_bhxh_has_seven_working_days_from_the_employers_file():
    """Luật BHXH 41/2024 Art 49 (sickness): a file complete on Friday 25/4/2025 is due 7 working days later.
    Hand count: Sat 26/4 (worked, swapped for 2/5) = 1, Mon 28 = 2, Tue 29 = 3, 30/4 and 1/5 holidays, 2/5 swapped
    off, Sat 3 and Sun 4 rest, Mon 5/5 = 4, 6 = 5, 7 = 6, Thu 8/5 = 7 → due 8/5/2025."""
    assert bhxh_working_days(ClaimKind.SICKNESS, FiledBy.EMPLOYER.value) == 7
    assert bhxh_due_on(ClaimKind.SICKNESS, FiledBy.EMPLOYER.value, D(2025, 4, 25)) == D(2025, 5, 8)
    assert bhxh_due_on(ClaimKind.SICKNESS, None, D(2025, 4, 25)) == D(2025, 5, 8)  # opened by a document
    assert "Điều 49" in deadline_source("bhxh", ClaimKind.SICKNESS)


def test_bhxh_has_five_working_days_for_maternity_the_employee_files_herself():
    """Art 63: a maternity file the employee brings herself (she left her job before the birth) is settled within
    5 working days. Complete on Friday 26/4/2024: Mon 29/4 swapped off, 30/4 and 1/5 holidays; Thu 2/5 = 1,
    Fri 3 = 2, Sat 4 (worked for 29/4) = 3, Mon 6 = 4, Tue 7 = 5 → due 7/5/2024. From her employer: 7 → Thu 9/5."""
    assert bhxh_working_days(ClaimKind.MATERNITY, FiledBy.EMPLOYEE.value) == 5
    assert bhxh_due_on(ClaimKind.MATERNITY, FiledBy.EMPLOYEE.value, D(2024, 4, 26)) == D(2024, 5, 7)
    assert bhxh_due_on(ClaimKind.MATERNITY, FiledBy.EMPLOYER.value, D(2024, 4, 26)) == D(2024, 5, 9)
    # Only maternity: the employee's own sickness file still has 7.
    assert bhxh_working_days(ClaimKind.SICKNESS, FiledBy.EMPLOYEE.value) == 7
    assert "Điều 63" in deadline_source("bhxh", ClaimKind.MATERNITY)


def test_the_employee_has_45_days_and_the_employer_7_working_days():
    """Art 48–49: leave 2–6/6/2025 (Mon–Fri); back on Mon 9/6; 45 days → 24/7/2025 (9/6 + 45). The employer's 7
    working days from Thu 24/7: Fri 25 = 1, 28, 29, 30, 31 = 5, Fri 1/8 = 6, Mon 4/8 = 7 → 4/8/2025."""
    deadlines = filing_deadlines(ClaimKind.SICKNESS, {"start": "2025-06-02", "end": "2025-06-06"}, None)
    assert deadlines is not None
    assert (deadlines.returned_to_work, deadlines.employee_by, deadlines.employer_by) == (
        D(2025, 6, 9),
        D(2025, 7, 24),
        D(2025, 8, 4),
    )
    assert deadline_source("employee", ClaimKind.SICKNESS).startswith("Luật BHXH 41/2024/QH15 Điều 48")


def test_a_convalescence_after_a_birth_follows_the_maternity_chapter():
    """Art 60 (convalescence after maternity) sits in the maternity chapter: its deadlines are Art 62–63; after
    sickness (Art 46), Art 48–49."""
    assert "Điều 63" in deadline_source("bhxh", ClaimKind.CONVALESCENCE, {"cause": "maternity_caesarean"})
    assert "Điều 49" in deadline_source("bhxh", ClaimKind.CONVALESCENCE, {"cause": "sickness_other"})
    assert all("[to confirm" in deadline_source(party, ClaimKind.SICKNESS) for party in ("employee", "bhxh"))


def test_every_kind_of_claim_is_named_in_the_refusal_letter_and_the_overlap_refusal():
    """A refused claim of any kind gets its letter (hub.claims.letters), the rest of a mother's leave included."""
    assert set(LETTER) == set(ClaimKind) == set(OVERLAP)
