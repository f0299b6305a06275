"""The money of a decided claim, as a ledger: what is owed is the claim's computed amount; payment orders (a payment,
top-ups, recoveries) are its entries. A confirmed order is settled (paid or recovered); an unconfirmed one is pending.
At every moment, for an approved or paid claim:

    settled + pending == owed, where settled = paid - recovered, pending = to pay - to recover

- Approving orders the payment of what is owed, pending until `payClaim`. While unpaid, a recalculation changes that
  pending payment: no top-up or recovery is ordered for money that never left.
- Once paid, a recalculation orders the difference between what is owed and what was settled, as one pending top-up
  or recovery (replacing one ordered before and not yet confirmed): a recovery never exceeds what was paid.
- A processor confirms a changed amount before it is paid; confirming a paid claim's adjustment settles it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.claims.models import Claim, ClaimState, PaymentKind, PaymentOrder
from hub.infra.db import one_of
from hub.infra.ids import new_id

OUT = frozenset({PaymentKind.PAYMENT.value, PaymentKind.TOP_UP.value})  # money to the insured person
ALL = frozenset(kind.value for kind in PaymentKind)
ADJUSTMENTS = frozenset({PaymentKind.TOP_UP.value, PaymentKind.RECOVERY.value})  # after a recalculation


class Order(Protocol):
    """What a balance needs of a payment order: a PaymentOrder, or its columns as read (hub.claims.queries)."""

    @property
    def kind(self) -> str: ...

    @property
    def amount_vnd(self) -> int: ...

    @property
    def confirmed_at(self) -> dt.datetime | None: ...


@dataclass(frozen=True)
class Balance:
    """A claim's ledger, in đồng: settled (confirmed) and pending (ordered, not confirmed) each way."""

    paid: int = 0  # payments and top-ups confirmed
    recovered: int = 0  # recoveries confirmed
    to_pay: int = 0  # payments and top-ups pending
    to_recover: int = 0  # recoveries pending

    @property
    def settled(self) -> int:
        return self.paid - self.recovered

    @property
    def pending(self) -> int:
        return self.to_pay - self.to_recover

    @classmethod
    def of(cls, orders: Iterable[Order]) -> Balance:
        paid = recovered = to_pay = to_recover = 0
        for order in orders:
            out, done = order.kind in OUT, order.confirmed_at is not None
            if out and done:
                paid += order.amount_vnd
            elif out:
                to_pay += order.amount_vnd
            elif done:
                recovered += order.amount_vnd
            else:
                to_recover += order.amount_vnd
        return cls(paid, recovered, to_pay, to_recover)


async def orders_of(session: AsyncSession, claim_id: uuid.UUID) -> list[PaymentOrder]:
    return list(
        (
            await session.scalars(
                select(PaymentOrder)
                .where(PaymentOrder.claim_id == claim_id)
                .order_by(PaymentOrder.created_at, PaymentOrder.id)
            )
        ).all()
    )


async def balances(session: AsyncSession, claim_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Balance]:
    """The balance of each claim (an empty one for a claim without orders)."""
    orders: dict[uuid.UUID, list[PaymentOrder]] = defaultdict(list)
    if claim_ids:
        for order in await session.scalars(
            select(PaymentOrder).where(one_of(session, PaymentOrder.claim_id, claim_ids))
        ):
            orders[order.claim_id].append(order)
    return {claim_id: Balance.of(orders.get(claim_id, ())) for claim_id in claim_ids}


def owed(claim: Claim) -> int:
    """What a decided claim is owed: its computed amount (nothing for an undecided one)."""
    decided = claim.state in (ClaimState.APPROVED, ClaimState.PAID)
    return max(claim.amount_vnd or 0, 0) if decided else 0


async def reconcile(session: AsyncSession, claim: Claim, *, now: dt.datetime) -> int:
    """Make the claim's pending orders what is owed less what was settled: one pending payment (approved, unpaid),
    top-up or recovery (paid), or none. Marks the claim for confirmation when what is owed is no longer the amount
    a processor approved. Returns the change in what is pending (0: nothing changed)."""
    orders = await orders_of(session, claim.id)
    balance = Balance.of(orders)
    target = owed(claim) - balance.settled
    if target > 0:
        kind = PaymentKind.TOP_UP if claim.state == ClaimState.PAID else PaymentKind.PAYMENT
    else:
        kind = PaymentKind.RECOVERY  # never more than settled: what is owed is never negative
    keep: PaymentOrder | None = None
    for order in orders:
        if order.confirmed_at is not None:
            continue
        if keep is None and target and order.kind == kind.value:
            keep = order
        else:
            await session.delete(order)
    if keep is not None:
        keep.amount_vnd = abs(target)
    elif target:
        session.add(
            PaymentOrder(
                id=new_id(),
                claim_id=claim.id,
                kind=kind.value,
                amount_vnd=abs(target),
                created_at=now,
                confirmed_at=None,
                confirmed_by=None,
            )
        )
    claim.needs_confirmation = owed(claim) != (claim.approved_amount_vnd or 0)
    await session.flush()
    return target - balance.pending


async def settle(session: AsyncSession, claim: Claim, *, kinds: frozenset[str], now: dt.datetime, by: str) -> int:
    """Confirm the claim's pending orders of these kinds (after `reconcile`); the sum settled (recoveries negative)."""
    total = 0
    for order in await orders_of(session, claim.id):
        if order.confirmed_at is None and order.kind in kinds:
            order.confirmed_at, order.confirmed_by = now, by
            total += order.amount_vnd if order.kind in OUT else -order.amount_vnd
    await session.flush()
    return total
