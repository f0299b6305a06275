"""The filing deadlines, in the law from 1/7/2025 (Luật BHXH 41/2024/QH15: sickness Art 48–49, maternity Art 62–63;
the procedure of QĐ 863/QĐ-BNV restates them): the employee hands the file to the employer within 45 days of
returning to work (maternity: of the end of the leave), and the employer sends it to BHXH within 7 working days of
receiving it. The hub does not see the hand-over, so a claim filed with BHXH after both periods have run (45 days,
then 7 working days) was filed late; a late file needs the employer's written explanation.

BHXH's own deadline is the claim's `due_on`: 7 working days from the employer's complete file, 5 when the employee
brings a maternity file herself (Art 63). Every refusal is in writing with its reasons (hub.claims.letters)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hub.claims.models import ClaimKind, FiledBy
from hub.claims.rules import VIETNAM_CALENDAR
from hub.claims.rules.months import add_months
from hub.claims.rules.uncertain import mark

_LAW = "Luật BHXH 41/2024/QH15"
EMPLOYEE_DAYS = 45
EMPLOYER_WORKING_DAYS = 7
BHXH_WORKING_DAYS = 7
BHXH_WORKING_DAYS_MATERNITY_FILED_BY_EMPLOYEE = 5

# The article of each deadline, by the benefit's chapter: sickness (and child care, convalescence after sickness)
# Art 48–49; maternity (and paternity, convalescence after maternity) Art 62–63. The clause numbers
# within each article are [to confirm deadline-clauses]: only the articles are confirmed (domain-rules §6).
SOURCES: dict[tuple[str, bool], str] = {
    ("employee", False): f"{_LAW} Điều 48, 49 {mark('deadline-clauses')}",
    ("employee", True): f"{_LAW} Điều 62, 63 {mark('deadline-clauses')}",
    ("employer", False): f"{_LAW} Điều 49 {mark('deadline-clauses')}",
    ("employer", True): f"{_LAW} Điều 63 {mark('deadline-clauses')}",
    ("bhxh", False): f"{_LAW} Điều 49 {mark('deadline-clauses')}",
    ("bhxh", True): f"{_LAW} Điều 63 {mark('deadline-clauses')}",
}
_MATERNITY_CHAPTER = frozenset({ClaimKind.MATERNITY, ClaimKind.PATERNITY, ClaimKind.REMAINING_MATERNITY})


def deadline_source(party: str, kind: ClaimKind, details: dict[str, Any] | None = None) -> str:
    """The article that sets `party`'s deadline (employee, employer, bhxh) for a claim of `kind` (a convalescence
    after maternity, told by its `details`, is in the maternity chapter)."""
    after_birth = kind is ClaimKind.CONVALESCENCE and str((details or {}).get("cause", "")).startswith("maternity")
    return SOURCES[(party, kind in _MATERNITY_CHAPTER or after_birth)]


def bhxh_working_days(kind: ClaimKind, filed_by: str | None) -> int:
    """BHXH's working days to settle a complete file: 5 for a maternity file the employee brought herself (Art 63),
    else 7 from the employer's (Art 49, 63)."""
    if kind is ClaimKind.MATERNITY and filed_by == FiledBy.EMPLOYEE.value:
        return BHXH_WORKING_DAYS_MATERNITY_FILED_BY_EMPLOYEE
    return BHXH_WORKING_DAYS


def bhxh_due_on(kind: ClaimKind, filed_by: str | None, complete_on: dt.date) -> dt.date:
    """The last day BHXH has for a file complete on `complete_on`, in working days (the offices' calendar, with the
    government's swaps)."""
    return VIETNAM_CALENDAR.add_working_days(complete_on, bhxh_working_days(kind, filed_by))


@dataclass(frozen=True)
class FilingDeadlines:
    returned_to_work: dt.date  # the first working day after the leave
    employee_by: dt.date  # the employee's file reaches the employer
    employer_by: dt.date  # the employer's file reaches BHXH

    def late(self, filed_on: dt.date | None) -> bool:
        return filed_on is not None and filed_on > self.employer_by


def filing_deadlines(
    kind: ClaimKind, details: dict[str, Any], computation: dict[str, Any] | None
) -> FilingDeadlines | None:
    """The deadlines of a claim from its stored details (and, for maternity, the leave its computation found);
    None when the leave's end is not known yet, or for convalescence, which the employer arranges itself."""
    last_day = leave_end(kind, details, computation)
    if last_day is None:
        return None
    returned = VIETNAM_CALENDAR.add_working_days(last_day, 1)
    employee_by = returned + dt.timedelta(days=EMPLOYEE_DAYS)
    return FilingDeadlines(returned, employee_by, VIETNAM_CALENDAR.add_working_days(employee_by, EMPLOYER_WORKING_DAYS))


def leave_end(kind: ClaimKind, details: dict[str, Any], computation: dict[str, Any] | None) -> dt.date | None:
    """The last day of a claim's leave from its stored details (maternity: from its computation, when eligible)."""
    if kind in (ClaimKind.SICKNESS, ClaimKind.CHILD_CARE):
        return dt.date.fromisoformat(details["end"])
    if kind is ClaimKind.PATERNITY:
        ends = [dt.date.fromisoformat(end) for _, end in details.get("periods") or ()]
        return max(ends, default=None)
    if kind is ClaimKind.MATERNITY and computation and computation.get("eligible"):
        if computation.get("period"):  # its last day, also when the father took the rest of it over (Art 53)
            return dt.date.fromisoformat(computation["period"][1])
        start = dt.date.fromisoformat(details.get("leave_start") or details["born"])
        return add_months(start, int(computation["leave_months"])) - dt.timedelta(days=1)
    if kind is ClaimKind.REMAINING_MATERNITY and computation and computation.get("period"):
        return dt.date.fromisoformat(computation["period"][1])  # the rest of the mother's leave, to its last day
    return None
