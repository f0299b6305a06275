"""Report the state changes of cases back to the registry offices that sent them, many in one call to the
civil-status software, retried until acknowledged."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from connectors import PermanentError
from connectors.civil_registry import (
    STATES_WITH_CARD,
    Acknowledgement,
    BatchResult,
    Card,
    CaseOutcome,
    Delivery,
    Reason,
)
from connectors.civil_registry import CaseState as WireState
from connectors.civil_registry import Change as WireChange
from connectors.civil_registry import DeliveryMethod as WireDelivery
from hub.childcards.errors import ChildCardErrorCode as E
from hub.childcards.errors import childcard_error
from hub.childcards.models import CaseEvent, ChildCard, ChildCardCase
from hub.infra.db import one_of, plan_for_batches
from hub.jobs import JobContext, JobKind, enqueue

log = logging.getLogger(__name__)
# Outcomes are worth delivering for as long as the registry takes to come back: with Dramatiq's backoff capped
# at five minutes, this is several days of trying.
PUSH_ATTEMPTS = 2000
PUSH_BATCH = 500  # events per job, and per call to the registry
# What an event reports besides its state (its details' "change"; none: a change of state), as the registry's
# software reads it.
PERSONAL_ID_ATTACHED = WireChange.PERSONAL_ID_ATTACHED.value
CARD_MOVED = WireChange.CARD_MOVED.value
_CASE_COLUMNS = (
    ChildCardCase.id,
    ChildCardCase.reference,
    ChildCardCase.registry_office_code,
    ChildCardCase.book_number,
    ChildCardCase.record_number,
)
_CaseRow = Row[uuid.UUID, str, str, str, str]  # those columns


@dataclass(frozen=True)
class PushOutcomes:
    event_ids: list[int]
    alone: bool = False  # part of a batch the registry refused: never merged back with the rest


def _merge_pushes(first: PushOutcomes, later: PushOutcomes) -> PushOutcomes | None:
    """Two waiting pushes as one call to the registry, up to PUSH_BATCH events; not the halves of a refused batch."""
    if first.alone or later.alone or len(first.event_ids) + len(later.event_ids) > PUSH_BATCH:
        return None
    return PushOutcomes(first.event_ids + later.event_ids)


PUSH_OUTCOMES = JobKind(
    "childcards.push_outcomes", PushOutcomes, queue="outcomes", max_attempts=PUSH_ATTEMPTS, merge=_merge_pushes
)


@dataclass(frozen=True)
class OutcomeBatch:
    """The events a push reports, still unacknowledged, and the outcome the registry is sent for each."""

    events: list[Row[Any]]
    outcomes: list[CaseOutcome]


async def outcomes_to_push(session: AsyncSession, request: PushOutcomes) -> OutcomeBatch | None:
    """What a push sends (hub.childcards.jobs); None when every event is acknowledged already (a repeated delivery)."""
    await plan_for_batches(session)
    # Columns, not entities: nothing read here is changed through the ORM.
    events = list(
        (
            await session.execute(
                select(CaseEvent.id, CaseEvent.case_id, CaseEvent.state, CaseEvent.occurred_at, CaseEvent.details)
                .where(one_of(session, CaseEvent.id, request.event_ids), CaseEvent.acknowledged_at.is_(None))
                .order_by(CaseEvent.id)
            )
        ).all()
    )
    if not events:
        return None
    cases = {
        c.id: c
        for c in await session.execute(
            select(*_CASE_COLUMNS).where(one_of(session, ChildCardCase.id, {e.case_id for e in events}))
        )
    }
    card_keys = {(e.case_id, e.details["version"]) for e in events if _with_card(e)}
    cards = (
        {  # by case alone, then the versions wanted (see hub.childcards.loading.current_births)
            (c.case_id, c.version): Card(c.card_number, c.valid_from, c.valid_to)
            for c in await session.execute(
                select(
                    ChildCard.case_id,
                    ChildCard.version,
                    ChildCard.card_number,
                    ChildCard.valid_from,
                    ChildCard.valid_to,
                ).where(one_of(session, ChildCard.case_id, {key[0] for key in card_keys}))
            )
            if (c.case_id, c.version) in card_keys
        }
        if card_keys
        else {}
    )
    return OutcomeBatch(events, [_outcome(event, cases[event.case_id], cards) for event in events])


async def store_results(job: JobContext, batch: OutcomeBatch, results: Sequence[BatchResult]) -> None:
    """Mark acknowledged what the registry took; keep the reason of what it will never take, for an operator."""
    acknowledged = [e.id for e, r in zip(batch.events, results, strict=True) if isinstance(r, Acknowledgement)]
    if acknowledged:
        await job.session.execute(
            update(CaseEvent)
            .where(one_of(job.session, CaseEvent.id, acknowledged))
            .values(acknowledged_at=job.clock.now())
            .execution_options(synchronize_session=False)
        )
    for event, result in zip(batch.events, results, strict=True):
        if not isinstance(result, Acknowledgement):
            # The registry already holds this event id with other content: retrying cannot help.
            await _refused(job.session, event, result.code, result.reason)


async def batch_refused(job: JobContext, batch: OutcomeBatch, error: PermanentError) -> None:
    """The registry refused the whole call. One outcome: kept unacknowledged with the registry's reason, for an
    operator. More: one outcome it cannot take must not hold back the others, so each half is pushed on its own."""
    if len(batch.events) == 1:
        await _refused(job.session, batch.events[0], "batch_refused", str(error))
        return
    half = len(batch.events) // 2
    for part in (batch.events[:half], batch.events[half:]):
        await enqueue(job.session, PUSH_OUTCOMES, PushOutcomes([e.id for e in part], alone=True), now=job.clock.now())
    log.warning("the registry refused a batch of %d outcomes, pushing it in halves: %s", len(batch.events), error)


async def _refused(session: AsyncSession, event: Row[Any], code: str, reason: str) -> None:
    """The registry will not take this outcome: it stays unacknowledged, with the registry's reason, for an
    operator."""
    details = {**event.details, "registry_refused": {"code": code, "reason": reason}}
    await session.execute(
        update(CaseEvent)
        .where(CaseEvent.id == event.id)
        .values(details=details)
        .execution_options(synchronize_session=False)
    )
    log.error("the registry refused the outcome of case event %s: %s", event.id, reason)


def _with_card(event: Row[Any]) -> bool:
    """Whether the outcome of `event` describes a card: one issued or changed, or the one a revocation revoked, or
    the one in force when a number was attached (its details name the card's version)."""
    return WireState(event.state) in STATES_WITH_CARD or (
        event.details.get("version") is not None and WireState(event.state) is WireState.CARD_REVOKED
    )


def _outcome(event: Row[Any], case: _CaseRow, cards: dict[tuple[uuid.UUID, int], Card]) -> CaseOutcome:
    state, details = WireState(event.state), event.details
    return CaseOutcome(
        event_id=f"{case.reference}-{event.id}",
        office_code=case.registry_office_code,
        book_number=case.book_number,
        record_number=case.record_number,
        case_reference=case.reference,
        state=state,
        changed_at=event.occurred_at,
        card=cards[(case.id, details["version"])] if _with_card(event) else None,
        reasons=_reasons(state, details),
        change=WireChange(details.get("change", WireChange.STATE.value)),
        child_personal_id=details.get("personal_id_number") if details.get("change") == PERSONAL_ID_ATTACHED else None,
        delivery=_delivery(details),
    )


def _reasons(state: WireState, details: dict[str, Any]) -> tuple[Reason, ...]:
    """A rejection's reasons; a revocation's, the reason the office gave for cancelling the registration."""
    reasons = tuple(Reason(r["code"], r["message_vi"], r["message"]) for r in details.get("reasons", []))
    if state is WireState.CARD_REVOKED and details.get("reason"):
        cancelled = childcard_error(E.REGISTRATION_CANCELLED, reason=details["reason"])
        reasons += (Reason(cancelled.code, cancelled.message_vi, cancelled.message),)
    return reasons


def _delivery(details: dict[str, Any]) -> Delivery | None:
    """Where a card asked for by an office goes (hub.childcards.corrections.request_card_elsewhere); None for a card
    delivered as the registering office chose."""
    if "delivery_method" not in details:
        return None
    return Delivery(
        WireDelivery(details["delivery_method"]),
        details.get("delivery_address"),
        details.get("delivery_office"),
        details.get("delivery_province"),
    )
