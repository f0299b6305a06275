"""Requests from registry offices to add a facility missing from the list (seed 001, item 2), decided by operators."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.catalogs.errors import CatalogErrorCode as C
from hub.catalogs.errors import catalog_error
from hub.catalogs.facilities import FacilityFields, add_facility, validate_facility
from hub.catalogs.models import FacilityLevel, FacilityRequest, HealthFacility, RequestState
from hub.clients.permissions import Principal, Role
from hub.infra.clock import vietnam_date
from hub.infra.db import add_unless_exists
from hub.infra.errors import BusinessErrors, Forbidden
from hub.infra.ids import new_id


@dataclass(frozen=True)
class RequestedFacility:
    code: str
    name: str
    province_code: str
    commune_code: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Approval:
    """What the operator settles when approving: the facility's level, whether it takes children, its contract."""

    level: FacilityLevel
    accepts_child_primary_care: bool
    contract_from: dt.date | None = None
    contract_to: dt.date | None = None


async def request_facility(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, requested: RequestedFacility
) -> FacilityRequest:
    """File a request; asking again for a code that already has a pending request returns that request."""
    actor.require(Role.FACILITY_REQUEST)
    probe = FacilityFields(
        code=requested.code,
        name=requested.name,
        province_code=requested.province_code,
        level=FacilityLevel.COMMUNE,
        accepts_child_primary_care=True,
        commune_code=requested.commune_code,
    )
    errors = validate_facility(probe, today=vietnam_date(now))
    if await session.get(HealthFacility, requested.code) is not None:
        errors.insert(0, catalog_error(C.FACILITY_EXISTS, field="code", code=requested.code))
    if errors:
        raise BusinessErrors(errors)
    request = FacilityRequest(
        id=new_id(),
        code=requested.code,
        name=requested.name.strip(),
        province_code=requested.province_code,
        commune_code=requested.commune_code,
        note=(requested.note or "").strip() or None,
        state=RequestState.PENDING.value,
        requested_by=actor.client_id,
        requested_by_name=actor.name,
        requested_at=now,
    )
    # One pending request per code (a partial unique index): a second office asking joins the first request.
    if not await add_unless_exists(session, request):
        pending = await session.scalar(
            select(FacilityRequest).where(
                FacilityRequest.code == requested.code, FacilityRequest.state == RequestState.PENDING.value
            )
        )
        assert pending is not None
        return pending
    await record(session, now=now, actor=actor, events=[_event("facility_request.create", request)])
    return request


async def list_requests(
    session: AsyncSession, *, actor: Principal, state: RequestState | None = None, limit: int = 100
) -> Sequence[FacilityRequest]:
    """Operators see the requests in their jurisdiction; a registry office sees its own."""
    query = select(FacilityRequest)
    if Role.CATALOG_MANAGE in actor.roles:
        if actor.jurisdiction.code is not None:
            query = query.where(FacilityRequest.province_code == actor.jurisdiction.code)
    elif Role.FACILITY_REQUEST in actor.roles:
        query = query.where(FacilityRequest.requested_by == actor.client_id)
    else:
        raise Forbidden()
    if state is not None:
        query = query.where(FacilityRequest.state == state.value)
    return (await session.scalars(query.order_by(FacilityRequest.requested_at.desc()).limit(limit))).all()


async def approve_request(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, request_id: uuid.UUID, approval: Approval
) -> tuple[FacilityRequest, HealthFacility]:
    """Add the requested facility to the list with the operator's settings, and close the request."""
    request = await _pending(session, actor, request_id)
    facility = await add_facility(
        session,
        now=now,
        actor=actor,
        fields=FacilityFields(
            code=request.code,
            name=request.name,
            province_code=request.province_code,
            level=approval.level,
            accepts_child_primary_care=approval.accepts_child_primary_care,
            commune_code=request.commune_code,
            contract_from=approval.contract_from,
            contract_to=approval.contract_to,
        ),
    )
    _decide(request, actor, now, RequestState.APPROVED, None)
    await record(session, now=now, actor=actor, events=[_event("facility_request.approve", request)])
    return request, facility


async def reject_request(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, request_id: uuid.UUID, reason: str
) -> FacilityRequest:
    request = await _pending(session, actor, request_id)
    if not reason.strip():
        raise BusinessErrors([catalog_error(C.REASON_REQUIRED, field="reason")])
    _decide(request, actor, now, RequestState.REJECTED, reason.strip())
    await record(session, now=now, actor=actor, events=[_event("facility_request.reject", request)])
    return request


async def _pending(session: AsyncSession, actor: Principal, request_id: uuid.UUID) -> FacilityRequest:
    actor.require(Role.CATALOG_MANAGE)
    # Row-locked: an approval and a rejection of the same request (or two approvals) run one after the other.
    request = await session.get(FacilityRequest, request_id, with_for_update=True, populate_existing=True)
    if request is None or not actor.jurisdiction.covers(request.location):
        raise BusinessErrors([catalog_error(C.UNKNOWN_REQUEST, field="id")])
    if request.state != RequestState.PENDING.value:
        raise BusinessErrors([catalog_error(C.REQUEST_NOT_PENDING, field="id", state=request.state)])
    return request


def _decide(
    request: FacilityRequest, actor: Principal, now: dt.datetime, state: RequestState, reason: str | None
) -> None:
    request.state, request.decided_by_name, request.decided_at, request.decision_reason = (
        state.value,
        actor.name,
        now,
        reason,
    )


def _event(operation: str, request: FacilityRequest) -> AuditEvent:
    return AuditEvent(operation, Purpose.ADMINISTRATION, details={"facility": request.code, "request": str(request.id)})
