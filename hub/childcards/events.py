"""State changes of cases: each is kept in the case's history and reported back to the registry office. A batch of
changes is written with one statement and reported with one job per PUSH_BATCH events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hub.childcards.models import CaseEvent, CaseState, ChildCardCase
from hub.childcards.outcomes import PUSH_BATCH, PushOutcomes, push_outcomes
from hub.db import Base, insert_new
from hub.jobs import enqueue


@dataclass(frozen=True)
class StateChange:
    case: ChildCardCase
    state: CaseState
    details: dict[str, Any]


async def change_states(
    session: AsyncSession, changes: Sequence[StateChange], now: dt.datetime, *, new: Sequence[Base] = ()
) -> list[int]:
    """Move each case to its state and record the events (their ids, in order), in the caller's transaction. `new`:
    objects not in the session (new cases among them), written here once their states are set (`insert_new`)."""
    if not changes:
        return []
    for change in changes:
        change.case.state = change.state.value
        change.case.updated_at = now
        if change.state in (CaseState.CARD_ISSUED, CaseState.CARD_CHANGED):
            change.case.issued_at = now
    await insert_new(session, new)  # new cases are written before the events that refer to them
    await session.flush()
    rows = [
        {
            "case_id": c.case.id,
            "state": c.state.value,
            "occurred_at": now,
            "details": c.details,
            "acknowledged_at": None,
        }
        for c in changes
    ]
    statement = insert(CaseEvent).returning(CaseEvent.id, sort_by_parameter_order=True)
    event_ids = list((await session.scalars(statement, rows)).all())
    for start in range(0, len(event_ids), PUSH_BATCH):
        await enqueue(session, push_outcomes, PushOutcomes(event_ids[start : start + PUSH_BATCH]), now=now)
    return event_ids


async def change_state(
    session: AsyncSession, case: ChildCardCase, state: CaseState, now: dt.datetime, details: dict[str, Any]
) -> int:
    """Move one case to `state`; the event's id."""
    (event_id,) = await change_states(session, [StateChange(case, state, details)], now)
    return event_id
