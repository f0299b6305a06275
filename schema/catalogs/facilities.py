"""GraphQL for health-care facilities: search with cursors, operators' changes, registry offices' requests."""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry

from hub.catalogs import facilities, facility_requests
from hub.catalogs.errors import CatalogErrorCode as C
from hub.catalogs.errors import catalog_error
from hub.catalogs.facilities import FacilityFields
from hub.catalogs.facility_requests import Approval, RequestedFacility
from hub.catalogs.models import FacilityLevel, FacilityRequest, HealthFacility, RequestState
from hub.clients.permissions import Principal, Role
from hub.infra.errors import BusinessErrors
from schema.catalogs.errors import CatalogError
from schema.context import Info, read, write
from schema.errors import payload_errors
from schema.pagination import PageInfo, decode_cursor, encode_cursor, page_info

strawberry.enum(FacilityLevel, name="FacilityLevel")
strawberry.enum(RequestState, name="FacilityRequestState")
CURSOR_KIND = "facility"
MAX_REQUESTS = 500


@strawberry.type(name="Facility")
class FacilityType:
    code: str
    name: str
    province_code: str
    commune_code: str | None
    address: str | None
    level: FacilityLevel
    accepts_child_primary_care: bool
    contract_from: dt.date | None
    contract_to: dt.date | None
    retired_at: dt.datetime | None
    retired_reason: str | None

    @classmethod
    def from_model(cls, f: HealthFacility) -> FacilityType:
        return cls(
            code=f.code,
            name=f.name,
            province_code=f.province_code,
            commune_code=f.commune_code,
            address=f.address,
            level=FacilityLevel(f.level),
            accepts_child_primary_care=f.accepts_child_primary_care,
            contract_from=f.contract_from,
            contract_to=f.contract_to,
            retired_at=f.retired_at,
            retired_reason=f.retired_reason,
        )


@strawberry.type
class FacilityEdge:
    cursor: str
    node: FacilityType


@strawberry.type
class FacilityConnection:
    edges: list[FacilityEdge]
    page_info: PageInfo


@strawberry.type(name="FacilityRequest")
class FacilityRequestType:
    id: strawberry.ID
    code: str
    name: str
    province_code: str
    commune_code: str | None
    note: str | None
    state: RequestState
    requested_by: str | None
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None

    @classmethod
    def from_model(cls, r: FacilityRequest, viewer: Principal) -> FacilityRequestType:
        # Another office that asked for the same facility sees the request, not who filed it or their note.
        private = viewer.client_id != r.requested_by and Role.CATALOG_MANAGE not in viewer.roles
        return cls(
            id=strawberry.ID(str(r.id)),
            code=r.code,
            name=r.name,
            province_code=r.province_code,
            commune_code=r.commune_code,
            note=None if private else r.note,
            state=RequestState(r.state),
            requested_by=None if private else r.requested_by_name,
            requested_at=r.requested_at,
            decided_by=r.decided_by_name,
            decided_at=r.decided_at,
            decision_reason=r.decision_reason,
        )


@strawberry.input
class FacilityInput:
    code: str
    name: str
    province_code: str
    level: FacilityLevel
    accepts_child_primary_care: bool
    commune_code: str | None = None
    address: str | None = None
    contract_from: dt.date | None = None
    contract_to: dt.date | None = None

    def fields(self) -> FacilityFields:
        return FacilityFields(
            code=self.code.strip().upper(),
            name=self.name,
            province_code=self.province_code,
            level=self.level,
            accepts_child_primary_care=self.accepts_child_primary_care,
            commune_code=self.commune_code,
            address=self.address,
            contract_from=self.contract_from,
            contract_to=self.contract_to,
        )


@strawberry.input
class FacilityRequestInput:
    code: str
    name: str
    province_code: str
    commune_code: str | None = None
    note: str | None = None


@strawberry.input
class ApprovalInput:
    level: FacilityLevel
    accepts_child_primary_care: bool
    contract_from: dt.date | None = None
    contract_to: dt.date | None = None


@strawberry.type
class FacilityPayload:
    facility: FacilityType | None = None
    errors: list[CatalogError] = strawberry.field(default_factory=list)


@strawberry.type
class FacilityRequestPayload:
    request: FacilityRequestType | None = None
    facility: FacilityType | None = None
    errors: list[CatalogError] = strawberry.field(default_factory=list)


@strawberry.type
class FacilityQuery:
    @strawberry.field(description="A facility by its 5-character code, retired or not.")
    async def facility(self, info: Info, code: str) -> FacilityType | None:
        found = await read(info, lambda s: facilities.get_facility(s, code.strip().upper()))
        return FacilityType.from_model(found) if found else None

    @strawberry.field(description="Search the nationwide list by name (with or without diacritics) or code prefix.")
    async def facilities(
        self,
        info: Info,
        search: str | None = None,
        province_code: str | None = None,
        accepts_children: bool | None = None,
        include_retired: bool = False,
        first: int = 50,
        after: str | None = None,
    ) -> FacilityConnection:
        async with info.context.services.db.sessions() as session:
            rows, more = await facilities.search_facilities(
                session,
                text=search,
                province_code=province_code,
                accepts_children=accepts_children,
                include_retired=include_retired,
                after_code=decode_cursor(CURSOR_KIND, after, 1)[0] if after else None,
                limit=first,
            )
        edges = [FacilityEdge(cursor=encode_cursor(CURSOR_KIND, f.code), node=FacilityType.from_model(f)) for f in rows]
        return FacilityConnection(edges=edges, page_info=page_info([e.cursor for e in edges], more))

    @strawberry.field(description="Requests to add a facility: operators see their area's, registry offices their own.")
    async def facility_requests(
        self, info: Info, state: RequestState | None = None, first: int = 100
    ) -> list[FacilityRequestType]:
        viewer = info.context.principal
        found = await read(
            info,
            lambda s: facility_requests.list_requests(
                s, actor=viewer, state=state, limit=max(1, min(first, MAX_REQUESTS))
            ),
        )
        return [FacilityRequestType.from_model(r, viewer) for r in found]


def _request_id(value: strawberry.ID) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise BusinessErrors([catalog_error(C.UNKNOWN_REQUEST, field="id")]) from None


@strawberry.type
class FacilityMutation:
    @strawberry.mutation(description="Add a facility to the list (operators of its province, or national).")
    async def add_facility(self, info: Info, input: FacilityInput) -> FacilityPayload:
        try:
            added = await write(
                info, lambda s, now, actor: facilities.add_facility(s, now=now, actor=actor, fields=input.fields())
            )
        except BusinessErrors as exc:
            return FacilityPayload(errors=payload_errors(CatalogError, exc))
        return FacilityPayload(facility=FacilityType.from_model(added))

    @strawberry.mutation(description="Correct a facility's details.")
    async def update_facility(self, info: Info, input: FacilityInput) -> FacilityPayload:
        try:
            updated = await write(
                info, lambda s, now, actor: facilities.update_facility(s, now=now, actor=actor, fields=input.fields())
            )
        except BusinessErrors as exc:
            return FacilityPayload(errors=payload_errors(CatalogError, exc))
        return FacilityPayload(facility=FacilityType.from_model(updated))

    @strawberry.mutation(description="Take a facility off the list from now on, with the reason.")
    async def retire_facility(self, info: Info, code: str, reason: str) -> FacilityPayload:
        try:
            retired = await write(
                info,
                lambda s, now, actor: facilities.retire_facility(s, now=now, actor=actor, code=code, reason=reason),
            )
        except BusinessErrors as exc:
            return FacilityPayload(errors=payload_errors(CatalogError, exc))
        return FacilityPayload(facility=FacilityType.from_model(retired))

    @strawberry.mutation(description="Ask for a facility missing from the list to be added (registry offices).")
    async def request_facility(self, info: Info, input: FacilityRequestInput) -> FacilityRequestPayload:
        requested = RequestedFacility(
            code=input.code.strip().upper(),
            name=input.name,
            province_code=input.province_code,
            commune_code=input.commune_code,
            note=input.note,
        )
        try:
            filed = await write(
                info,
                lambda s, now, actor: facility_requests.request_facility(s, now=now, actor=actor, requested=requested),
            )
        except BusinessErrors as exc:
            return FacilityRequestPayload(errors=payload_errors(CatalogError, exc))
        return FacilityRequestPayload(request=FacilityRequestType.from_model(filed, info.context.principal))

    @strawberry.mutation(description="Approve a request: the facility is added with these settings (operators).")
    async def approve_facility_request(
        self, info: Info, id: strawberry.ID, input: ApprovalInput
    ) -> FacilityRequestPayload:
        approval = Approval(input.level, input.accepts_child_primary_care, input.contract_from, input.contract_to)
        try:
            request, added = await write(
                info,
                lambda s, now, actor: facility_requests.approve_request(
                    s, now=now, actor=actor, request_id=_request_id(id), approval=approval
                ),
            )
        except BusinessErrors as exc:
            return FacilityRequestPayload(errors=payload_errors(CatalogError, exc))
        return FacilityRequestPayload(
            request=FacilityRequestType.from_model(request, info.context.principal),
            facility=FacilityType.from_model(added),
        )

    @strawberry.mutation(description="Reject a request, with the reason the registry office will see.")
    async def reject_facility_request(self, info: Info, id: strawberry.ID, reason: str) -> FacilityRequestPayload:
        try:
            request = await write(
                info,
                lambda s, now, actor: facility_requests.reject_request(
                    s, now=now, actor=actor, request_id=_request_id(id), reason=reason
                ),
            )
        except BusinessErrors as exc:
            return FacilityRequestPayload(errors=payload_errors(CatalogError, exc))
        return FacilityRequestPayload(request=FacilityRequestType.from_model(request, info.context.principal))
