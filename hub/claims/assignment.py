"""Which processor works a claim: a processor takes a claim, and releases it when done (or to hand it on). Taking is
a compare-and-set on the assignee, so of two processors taking the same claim at once one wins and the other is told
who has it; a decision on a claim someone else has taken is refused (hub.claims.service.claim_for_decision)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.claims import access
from hub.claims.errors import ClaimErrorCode as E
from hub.claims.errors import claim_error
from hub.claims.models import Claim
from hub.clients.permissions import Principal, Role
from hub.infra.errors import Forbidden


def check_not_taken_by_another(claim: Claim, actor: Principal) -> None:
    """Refused (ASSIGNED_TO_ANOTHER) when another processor has taken the claim; a claim nobody took is anyone's."""
    if claim.assigned_to is not None and claim.assigned_to != actor.name:
        raise claim_error(E.ASSIGNED_TO_ANOTHER, field="reference", assignee=claim.assigned_to)


async def take_claim(session: AsyncSession, *, now: dt.datetime, actor: Principal, reference: str) -> Claim:
    """Take a claim to work it: it is yours unless another processor has it (ASSIGNED_TO_ANOTHER, naming them)."""
    claim = await _claim(session, actor, reference)
    for _ in range(2):  # a second try only if it was released between the compare-and-set and the read
        if await _set_assignee(session, claim, actor.name, now, expected=(None, actor.name)):
            break
        await session.refresh(claim, ["assigned_to"])
        check_not_taken_by_another(claim, actor)
    else:
        raise claim_error(E.ASSIGNED_TO_ANOTHER, field="reference", assignee=claim.assigned_to or "?")
    await _log(session, claim, now, actor, "claim.take")
    return claim


async def release_claim(session: AsyncSession, *, now: dt.datetime, actor: Principal, reference: str) -> Claim:
    """Release a claim you took (NOT_ASSIGNED_TO_YOU otherwise), for anyone to take."""
    claim = await _claim(session, actor, reference)
    if not await _set_assignee(session, claim, None, now, expected=(actor.name,)):
        raise claim_error(E.NOT_ASSIGNED_TO_YOU, field="reference")
    await _log(session, claim, now, actor, "claim.release")
    return claim


async def _claim(session: AsyncSession, actor: Principal, reference: str) -> Claim:
    actor.require(Role.CLAIM_DECIDE)
    claim = await session.scalar(select(Claim).where(Claim.reference == reference))
    if claim is None:
        raise Forbidden()  # a claim that does not exist and one out of reach look the same
    access.require(actor, Role.CLAIM_DECIDE, claim)
    return claim


async def _set_assignee(
    session: AsyncSession, claim: Claim, assignee: str | None, now: dt.datetime, *, expected: tuple[str | None, ...]
) -> bool:
    """Set the assignee if it is still one of `expected` (one statement: the compare and the set are atomic)."""
    known = [name for name in expected if name is not None]
    current: list[ColumnElement[bool]] = [Claim.assigned_to.in_(known)] if known else []
    if None in expected:
        current.append(Claim.assigned_to.is_(None))
    result = await session.execute(
        update(Claim)
        .where(Claim.id == claim.id, or_(*current))
        .values(assigned_to=assignee, assigned_at=now if assignee else None)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:
        return False
    set_committed_value(claim, "assigned_to", assignee)  # as written: nothing more to flush
    set_committed_value(claim, "assigned_at", now if assignee else None)
    return True


async def _log(session: AsyncSession, claim: Claim, now: dt.datetime, actor: Principal, operation: str) -> None:
    await record(
        session,
        now=now,
        actor=actor,
        events=[AuditEvent(operation, Purpose.CLAIM_SETTLEMENT, claim.person_id, {"claim": claim.reference})],
    )
