"""The days of yearly-limited benefits (sickness, child care, convalescence) a person's claims already counted:
what a computation weighs a claim against, and what a processor is shown of it (hub.claims.usage)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.claims.compute import PaidBefore
from hub.claims.models import Claim, ClaimKind, ClaimState

COUNTED = frozenset({ClaimState.COMPUTED, ClaimState.APPROVED, ClaimState.PAID})
COUNTED_KINDS = (ClaimKind.SICKNESS.value, ClaimKind.CHILD_CARE.value, ClaimKind.CONVALESCENCE.value)  # yearly limits


TallyKey = tuple[uuid.UUID, str, int, str]


def tally_key(person_id: uuid.UUID, kind: str, day: dt.date, details: dict[str, object]) -> TallyKey:
    """Days count per person, kind and calendar year; child-care days per child too (the limit is per child, Art 44:
    twins, born the same day, are told apart by their person or ID number when the claim names them)."""
    child = ""
    if kind == ClaimKind.CHILD_CARE:
        child = str(details.get("child_id") or details.get("child_personal_id") or details.get("child_born") or "")
    elif kind == ClaimKind.CONVALESCENCE:  # after sickness and after maternity count against different maxima
        child = "after_sickness" if str(details.get("cause", "")).startswith("sickness") else "after_maternity"
    return (person_id, kind, day.year, child)


@dataclass
class Tally:
    """Days already paid by claims computed before (in the database or earlier in this batch)."""

    days: dict[TallyKey, list[tuple[dt.date, uuid.UUID, Decimal]]]
    born: dict[TallyKey, str] = field(default_factory=dict)  # child care: the birth date of each key's child

    def before(self, claim: Claim) -> PaidBefore:
        def paid(kind: ClaimKind) -> Decimal:
            own = tally_key(claim.person_id, kind.value, claim.event_date, claim.details)
            keys = [own] if kind != ClaimKind.CHILD_CARE else self._same_child(own, claim.details)
            rows = [row for key in keys for row in self.days.get(key, [])]
            return sum((d for day, cid, d in rows if cid != claim.id and day < claim.event_date), Decimal(0))

        return PaidBefore(
            sickness_days=paid(ClaimKind.SICKNESS),
            child_care_days=paid(ClaimKind.CHILD_CARE),
            convalescence_days=int(paid(ClaimKind.CONVALESCENCE)),
        )

    def _same_child(self, own: TallyKey, details: dict[str, object]) -> list[TallyKey]:
        """The child-care tallies that may be this claim's child: its own, and those of the same birth date where
        either side names no child (a filing by `childBorn` alone). So a child named on one claim and not on another
        has one limit, not two; a claim naming no child counts against each child born that day (twins: it cannot
        be told whose days it took, and no day is paid twice)."""
        born = str(details.get("child_born") or "")
        unnamed = own[3] == born
        return [
            key
            for key in self.days
            if key == own
            or (key[:3] == own[:3] and self.born.get(key) == born and (unnamed or key[3] == self.born.get(key)))
        ]

    def add(self, claim: Claim, paid_days: Decimal) -> None:
        key = tally_key(claim.person_id, claim.kind, claim.event_date, claim.details)
        rows = self.days.setdefault(key, [])
        rows[:] = [row for row in rows if row[1] != claim.id] + [(claim.event_date, claim.id, paid_days)]
        if claim.kind == ClaimKind.CHILD_CARE:
            self.born[key] = str(claim.details.get("child_born") or "")


async def paid_before(session: AsyncSession, claims: Sequence[Claim]) -> Tally:
    """The days of the people's claims computed or decided, except those whose evidence was taken away: an
    approved claim whose certificate was revoked is owed back whole, and its days are free again."""
    rows = await session.execute(
        select(Claim.id, Claim.person_id, Claim.kind, Claim.event_date, Claim.details, Claim.computation).where(
            Claim.person_id.in_({c.person_id for c in claims}),
            Claim.kind.in_(COUNTED_KINDS),
            Claim.state.in_([s.value for s in COUNTED]),
            Claim.withdrawn_evidence.is_(None),
        )
    )
    days: dict[TallyKey, list[tuple[dt.date, uuid.UUID, Decimal]]] = defaultdict(list)
    born: dict[TallyKey, str] = {}
    for claim_id, person_id, kind, day, details, computation in rows:
        if computation and computation.get("eligible"):
            key = tally_key(person_id, kind, day, details)
            days[key].append((day, claim_id, Decimal(computation["paid_days"])))
            if kind == ClaimKind.CHILD_CARE:
                born[key] = str(details.get("child_born") or "")
    return Tally(days, born)
