"""What a processor weighs a claim against: the person's contribution months in the 12 and 24 months before the
event, with each month's salary, and the days of each yearly-limited benefit already counted in the event's year
(per child for child care). Read from the contribution history and the tallies the computation itself uses."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from hub.claims.models import Claim
from hub.claims.rules.inputs import ContributionMonth
from hub.claims.rules.months import Month
from hub.claims.tally import paid_before
from hub.contributions.service import contribution_histories

WINDOWS = (12, 24)  # months before the event's month: the conditions of sickness, maternity (6 of 12, 6 of 24 …)


@dataclass(frozen=True)
class DaysUsed:
    kind: str
    child: str  # the child for child care ("" otherwise): the limit is per child
    days: Decimal


@dataclass(frozen=True)
class ClaimUsage:
    months: list[ContributionMonth]  # the 24 months before the event's month, oldest first, those contributed
    first_month: Month  # the 24-month window's first month (the 12-month window starts 12 months later)
    event_month: Month
    days_used: list[DaysUsed]

    def in_window(self, length: int) -> list[ContributionMonth]:
        start = self.event_month.shift(-length)
        return [m for m in self.months if start <= m.month < self.event_month]


async def claim_usage(session: AsyncSession, claim: Claim) -> ClaimUsage:
    """Reading personal data: the caller has audited the claim's read."""
    event = Month.of(claim.event_date)
    first = event.shift(-max(WINDOWS))
    history = (await contribution_histories(session, [claim.person_id], since=first.first_day))[claim.person_id]
    months = [m for m in history.months if first <= m.month < event]
    tally = await paid_before(session, [claim])
    used: list[DaysUsed] = []
    year = claim.event_date.year
    for (person_id, kind, key_year, child), rows in sorted(tally.days.items()):
        if person_id != claim.person_id or key_year != year:
            continue
        days = sum((d for _, cid, d in rows if cid != claim.id), Decimal(0))
        if days:
            used.append(DaysUsed(kind, child, days))
    return ClaimUsage(months, first, event, used)
