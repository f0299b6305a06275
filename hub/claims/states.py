"""Claim states: the only code that writes a claim's state, each change (or recalculation, or payment) kept in the
claim's history (ClaimEvent rows), as hub.childcards.events does for cases. It imports no other claim module but
the models, so that the service, the computation and the jobs can all use it without an import cycle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from hub.claims.models import Claim, ClaimEvent, ClaimState
from hub.clients.permissions import Principal

CLAIM_EVENTS = cast(Table, ClaimEvent.__table__)
OPENED = ClaimState.EVIDENCE_PENDING  # the state a new claim starts in
DECIDED = frozenset({ClaimState.APPROVED, ClaimState.PAID})  # a payment is ordered: the ledger runs (hub.claims.ledger)
# A decided claim never goes back to an earlier state: its recalculations are adjustments of what it is owed.
AFTER_DECIDED = {ClaimState.APPROVED: frozenset({ClaimState.PAID}), ClaimState.PAID: frozenset()}


class StateError(RuntimeError):
    """A move the claim's life does not allow (a bug in the caller, not a user's mistake)."""


def current(claim: Claim) -> ClaimState | None:
    return ClaimState(claim.state) if claim.state is not None else None


def change(
    claim: Claim,
    state: ClaimState | None,
    now: dt.datetime,
    actor: Principal | None,
    what: str,
    **details: Any,
) -> dict[str, Any]:
    """Move `claim` to `state` (None: it keeps its state, the event records a recalculation or a payment) and return
    its history row, to be written with `record` once the claim is flushed."""
    if state is not None:
        before = current(claim)
        if before in AFTER_DECIDED and state is not before and state not in AFTER_DECIDED[before]:
            raise StateError(f"claim {claim.reference}: {before} -> {state}")
        claim.state = state.value
    claim.updated_at = now
    documents = details.pop("documents", ())
    if documents:
        details["documents"] = [str(d) for d in documents]
    return {
        "claim_id": claim.id,
        "state": claim.state,
        "occurred_at": now,
        "actor": actor.name if actor else None,
        "details": {"what": what, **details},
    }


async def record(session: AsyncSession, events: Sequence[dict[str, Any]]) -> None:
    """Write the history rows of `change`, after the claims they refer to."""
    if events:
        await session.flush()
        await session.execute(insert(CLAIM_EVENTS), list(events))
