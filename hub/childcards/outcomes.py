"""Report every state change of a case back to the registry office that sent it, retried until acknowledged."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from connectors import PermanentError
from connectors.civil_registry import STATES_WITH_CARD, Card, CaseOutcome, Reason
from connectors.civil_registry import CaseState as WireState
from hub.childcards.models import CaseEvent, ChildCard, ChildCardCase
from hub.jobs import JobContext, PermanentJobError, job

# Outcomes are worth delivering for as long as the registry takes to come back: with Dramatiq's backoff capped
# at five minutes, this is several days of trying.
PUSH_ATTEMPTS = 2000


@dataclass(frozen=True)
class PushOutcome:
    event_id: int


@job("childcards.push_outcome", queue="outcomes", max_attempts=PUSH_ATTEMPTS)
async def push_outcome(ctx: JobContext, request: PushOutcome) -> None:
    session = ctx.session
    event = await session.get(CaseEvent, request.event_id)
    client = ctx.connectors.civil_registry()
    if event is None or event.acknowledged_at is not None or client is None:
        return  # already acknowledged, or no registry connected (the outcome stays queryable)
    case = await session.get(ChildCardCase, event.case_id)
    assert case is not None
    state = WireState(event.state)
    card = None
    if state in STATES_WITH_CARD:
        row = await session.scalar(
            select(ChildCard).where(ChildCard.case_id == case.id, ChildCard.version == event.details["version"])
        )
        assert row is not None
        card = Card(row.card_number, row.valid_from, row.valid_to)
    outcome = CaseOutcome(
        event_id=f"{case.reference}-{event.id}",
        office_code=case.registry_office_code,
        book_number=case.book_number,
        record_number=case.record_number,
        case_reference=case.reference,
        state=state,
        changed_at=event.occurred_at,
        card=card,
        reasons=tuple(Reason(r["code"], r["message_vi"], r["message"]) for r in event.details.get("reasons", [])),
    )
    try:
        await client.push_outcome(outcome)  # TransientError propagates: the job is retried with backoff
    except PermanentError as exc:
        raise PermanentJobError(f"the registry refused outcome {outcome.event_id}: {exc}") from exc
    event.acknowledged_at = ctx.clock.now()
