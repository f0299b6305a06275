"""State changes of a case: each is kept in the case's history and reported back to the registry office."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.childcards.models import CaseEvent, CaseState, ChildCardCase
from hub.childcards.outcomes import PushOutcome, push_outcome
from hub.jobs import enqueue


async def change_state(
    session: AsyncSession, case: ChildCardCase, state: CaseState, now: dt.datetime, details: dict[str, Any]
) -> CaseEvent:
    """Move `case` to `state` and record the event, in the caller's transaction."""
    case.state = state.value
    case.updated_at = now
    if state in (CaseState.CARD_ISSUED, CaseState.CARD_CHANGED):
        case.issued_at = now
    event = CaseEvent(case_id=case.id, state=state.value, occurred_at=now, details=details)
    session.add(event)
    await session.flush()
    await enqueue(session, push_outcome, PushOutcome(event.id), now=now, dedup_key=f"childcards.push:{event.id}")
    return event
