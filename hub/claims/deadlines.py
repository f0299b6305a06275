"""The filing deadlines before BHXH's own (QĐ 863/QĐ-BNV, from 1/7/2025; domain-rules §3, procedure): the employee
hands the file to the employer within 45 days of returning to work, and the employer sends it to BHXH within 7
working days of receiving it. The hub does not see the hand-over, so a claim filed with BHXH after both periods
have run (45 days, then 7 working days) was filed late; a late file needs the employer's written explanation.
BHXH's own 7 working days are the claim's `due_on`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hub.claims.models import ClaimKind
from hub.claims.rules import VIETNAM_CALENDAR
from hub.claims.rules.months import add_months

EMPLOYEE_DAYS = 45
EMPLOYER_WORKING_DAYS = 7


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
    last_day = _leave_end(kind, details, computation)
    if last_day is None:
        return None
    returned = VIETNAM_CALENDAR.add_working_days(last_day, 1)
    employee_by = returned + dt.timedelta(days=EMPLOYEE_DAYS)
    return FilingDeadlines(returned, employee_by, VIETNAM_CALENDAR.add_working_days(employee_by, EMPLOYER_WORKING_DAYS))


def _leave_end(kind: ClaimKind, details: dict[str, Any], computation: dict[str, Any] | None) -> dt.date | None:
    if kind in (ClaimKind.SICKNESS, ClaimKind.CHILD_CARE):
        return dt.date.fromisoformat(details["end"])
    if kind is ClaimKind.PATERNITY:
        ends = [dt.date.fromisoformat(end) for _, end in details.get("periods") or ()]
        return max(ends, default=None)
    if kind is ClaimKind.MATERNITY and computation and computation.get("eligible"):
        start = dt.date.fromisoformat(details.get("leave_start") or details["born"])
        return add_months(start, int(computation["leave_months"])) - dt.timedelta(days=1)
    return None
