import datetime as dt

from hub.claims.deadlines import filing_deadlines
from hub.claims.models import ClaimKind

D = dt.date


def test_a_sick_leave_ending_on_a_friday_counts_from_the_monday_and_skips_the_holidays():
    deadlines = filing_deadlines(ClaimKind.SICKNESS, {"start": "2025-03-03", "end": "2025-03-07"}, None)
    assert deadlines is not None
    assert deadlines.returned_to_work == D(2025, 3, 10)
    assert deadlines.employee_by == D(2025, 4, 24)  # 45 days
    # 7 working days: 25, 28, 29 April, (30 April and 1 May are holidays) 2, 5, 6, 7 May
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


def test_paternity_counts_from_its_last_period_and_waits_for_one():
    periods = [["2025-03-03", "2025-03-07"], ["2025-03-17", "2025-03-21"]]
    deadlines = filing_deadlines(ClaimKind.PATERNITY, {"born": "2025-03-02", "periods": periods}, None)
    assert deadlines is not None and deadlines.returned_to_work == D(2025, 3, 24)
    assert filing_deadlines(ClaimKind.PATERNITY, {"born": "2025-03-02", "periods": []}, None) is None


def test_convalescence_has_no_filing_deadline_here():
    details = {"cause": "sickness", "returned_to_work": "2025-03-10", "start": "2025-03-11", "days": 5}
    assert filing_deadlines(ClaimKind.CONVALESCENCE, details, None) is None
