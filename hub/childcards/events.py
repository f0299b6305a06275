"""State changes of cases: each is kept in the case's history and reported back to the registry office. A batch of
changes is written with one statement and reported with one job per PUSH_BATCH events."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.childcards.models import CaseEvent, CaseState, ChildCard, ChildCardCase
from hub.childcards.outcomes import PERSONAL_ID_ATTACHED, PUSH_BATCH, PUSH_OUTCOMES, PushOutcomes
from hub.infra.db import Base, insert_new, insert_rows_returning_ids, one_of
from hub.jobs import enqueue

ISSUED = (CaseState.CARD_ISSUED, CaseState.CARD_CHANGED)  # the states that stamp the case's issued_at
EVENTS = cast(Table, CaseEvent.__table__)


@dataclass(frozen=True)
class StateChange:
    case: ChildCardCase
    state: CaseState
    details: dict[str, Any]


@dataclass(frozen=True)
class CaseStateChange:
    """A state change of a case known by its id (read as a row, not an ORM object)."""

    case_id: uuid.UUID
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
        if change.state in ISSUED:
            change.case.issued_at = now
    await insert_new(session, new)  # new cases are written before the events that refer to them
    await session.flush()
    return await _record(session, [CaseStateChange(c.case.id, c.state, c.details) for c in changes], now)


async def set_states(session: AsyncSession, changes: Sequence[CaseStateChange], now: dt.datetime) -> list[int]:
    """As `change_states`, for cases not held as ORM objects: one UPDATE per state. An ORM object of one of these
    cases in the session is not updated: refresh it to read it again."""
    by_state: defaultdict[CaseState, list[uuid.UUID]] = defaultdict(list)
    for change in changes:
        by_state[change.state].append(change.case_id)
    for state, ids in by_state.items():
        await session.execute(
            update(ChildCardCase)
            .where(one_of(session, ChildCardCase.id, ids))
            .values(state=state.value, updated_at=now, **({"issued_at": now} if state in ISSUED else {}))
            .execution_options(synchronize_session=False)
        )
    return await _record(session, changes, now)


async def record_id_number_attached(
    session: AsyncSession, case_ids: Sequence[uuid.UUID], now: dt.datetime
) -> list[int]:
    """An event for each of these cases, whose child's personal identification number was just attached (written on
    the case already), so that the registry's software learns it: the case keeps its state, and the event names
    the number and, when a card is in force, its version (the registry is told the card too)."""
    if not case_ids:
        return []
    cases = (
        await session.execute(
            select(ChildCardCase.id, ChildCardCase.state, ChildCardCase.child_personal_id).where(
                one_of(session, ChildCardCase.id, case_ids), ChildCardCase.child_personal_id.is_not(None)
            )
        )
    ).all()
    versions = {
        row.case_id: row.version
        for row in await session.execute(
            select(ChildCard.case_id, ChildCard.version).where(
                one_of(session, ChildCard.case_id, [c.id for c in cases]),
                ChildCard.superseded_at.is_(None),
                ChildCard.revoked_at.is_(None),
            )
        )
    }
    order = {case_id: index for index, case_id in enumerate(case_ids)}
    changes = []
    for case in sorted(cases, key=lambda c: order[c.id]):
        details: dict[str, Any] = {"change": PERSONAL_ID_ATTACHED, "personal_id_number": case.child_personal_id}
        if case.id in versions:
            details["version"] = versions[case.id]
        changes.append(CaseStateChange(case.id, CaseState(case.state), details))
    return await _record(session, changes, now)


async def _record(session: AsyncSession, changes: Sequence[CaseStateChange], now: dt.datetime) -> list[int]:
    """The events of `changes` (their ids, in order), and the jobs that report them to the registry offices."""
    if not changes:
        return []
    rows = [
        {
            "case_id": c.case_id,
            "state": c.state.value,
            "occurred_at": now,
            "details": c.details,
            "acknowledged_at": None,
        }
        for c in changes
    ]
    event_ids = await insert_rows_returning_ids(session, EVENTS, rows)
    for start in range(0, len(event_ids), PUSH_BATCH):
        await enqueue(session, PUSH_OUTCOMES, PushOutcomes(event_ids[start : start + PUSH_BATCH]), now=now)
    return event_ids


async def change_state(
    session: AsyncSession, case: ChildCardCase, state: CaseState, now: dt.datetime, details: dict[str, Any]
) -> int:
    """Move one case to `state`; the event's id."""
    (event_id,) = await change_states(session, [StateChange(case, state, details)], now)
    return event_id
