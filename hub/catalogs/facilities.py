"""Health-care facilities: validate, add, update, retire, search, and check one for a child's primary care."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.catalogs.adminunits import AdminCatalog, UnitLevel, admin_catalog, era_on
from hub.catalogs.errors import CatalogErrorCode as C
from hub.catalogs.errors import catalog_error
from hub.catalogs.models import FacilityLevel, HealthFacility
from hub.clients.permissions import Location, Principal, Role
from hub.infra.clock import vietnam_date
from hub.infra.db import add_unless_exists
from hub.infra.errors import BusinessError, BusinessErrors
from hub.infra.text import fold

FACILITY_CODE = re.compile(r"[0-9A-Z]{5}")
MAX_PAGE = 200


@dataclass(frozen=True)
class FacilityFields:
    code: str
    name: str
    province_code: str
    level: FacilityLevel
    accepts_child_primary_care: bool
    commune_code: str | None = None
    address: str | None = None
    contract_from: dt.date | None = None
    contract_to: dt.date | None = None

    @property
    def location(self) -> Location:
        return Location(province_code=self.province_code, commune_code=self.commune_code, facility_code=self.code)


def validate_facility(
    fields: FacilityFields, *, today: dt.date, catalog: AdminCatalog | None = None
) -> list[BusinessError]:
    """Every problem with a facility record, checked against the units in force `today`."""
    catalog = catalog or admin_catalog()
    errors = []
    if not FACILITY_CODE.fullmatch(fields.code):
        errors.append(catalog_error(C.INVALID_FACILITY_CODE, field="code", code=fields.code))
    if not fields.name.strip():
        errors.append(catalog_error(C.NAME_REQUIRED, field="name"))
    era = era_on(today)
    if catalog.get(UnitLevel.PROVINCE, fields.province_code, era) is None:
        errors.append(catalog_error(C.UNKNOWN_PROVINCE, field="provinceCode", code=fields.province_code, day=today))
    elif FACILITY_CODE.fullmatch(fields.code) and not code_fits_province(fields.code, fields.province_code, catalog):
        errors.append(
            catalog_error(
                C.FACILITY_CODE_PROVINCE_MISMATCH,
                field="code",
                code=fields.code,
                prefix=fields.code[:2],
                province=fields.province_code,
            )
        )
    if fields.commune_code is not None:
        commune = catalog.get(UnitLevel.COMMUNE, fields.commune_code, era)
        if commune is None:
            errors.append(catalog_error(C.UNKNOWN_COMMUNE, field="communeCode", code=fields.commune_code, day=today))
        elif commune.province_code != fields.province_code:
            errors.append(
                catalog_error(
                    C.COMMUNE_NOT_IN_PROVINCE,
                    field="communeCode",
                    commune=fields.commune_code,
                    province=fields.province_code,
                )
            )
    if fields.contract_from and fields.contract_to and fields.contract_to < fields.contract_from:
        errors.append(
            catalog_error(
                C.CONTRACT_ENDS_BEFORE_START, field="contractTo", start=fields.contract_from, end=fields.contract_to
            )
        )
    return errors


def code_fits_province(code: str, province_code: str, catalog: AdminCatalog) -> bool:
    """Whether a facility code's first two digits name its province, or a former province merged into it.

    [to confirm facility-province] domain-rules §1: the first two digits of a facility code are the province; codes
    issued before the 2025 merger keep the former province's digits, hence the second test.
    """
    prefix = code[:2]
    if prefix == province_code:
        return True
    successor = catalog.current_province_for(prefix)
    return successor is not None and successor.code == province_code


def apply_fields(facility: HealthFacility, fields: FacilityFields, now: dt.datetime) -> None:
    facility.name = fields.name.strip()
    facility.search_key = fold(fields.name)
    facility.province_code = fields.province_code
    facility.commune_code = fields.commune_code
    facility.address = fields.address.strip() if fields.address else None
    facility.level = fields.level.value
    facility.accepts_child_primary_care = fields.accepts_child_primary_care
    facility.contract_from = fields.contract_from
    facility.contract_to = fields.contract_to
    facility.updated_at = now


def new_facility(fields: FacilityFields, now: dt.datetime) -> HealthFacility:
    facility = HealthFacility(code=fields.code, created_at=now)
    apply_fields(facility, fields, now)
    return facility


def differs(facility: HealthFacility, fields: FacilityFields) -> bool:
    """Whether importing `fields` would change the stored facility."""
    stored = (
        facility.name,
        facility.province_code,
        facility.commune_code,
        facility.address,
        facility.level,
        facility.accepts_child_primary_care,
        facility.contract_from,
        facility.contract_to,
    )
    incoming = (
        fields.name.strip(),
        fields.province_code,
        fields.commune_code,
        fields.address.strip() if fields.address else None,
        fields.level.value,
        fields.accepts_child_primary_care,
        fields.contract_from,
        fields.contract_to,
    )
    return stored != incoming


def _audit(operation: str, code: str, **details: str) -> AuditEvent:
    return AuditEvent(operation, Purpose.ADMINISTRATION, details={"facility": code, **details})


async def add_facility(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, fields: FacilityFields
) -> HealthFacility:
    actor.require(Role.CATALOG_MANAGE, Location(province_code=fields.province_code))
    errors = validate_facility(fields, today=vietnam_date(now))
    if errors:
        raise BusinessErrors(errors)
    facility = new_facility(fields, now)
    if not await add_unless_exists(session, facility):
        raise BusinessErrors([catalog_error(C.FACILITY_EXISTS, field="code", code=fields.code)])
    await record(session, now=now, actor=actor, events=[_audit("facility.add", fields.code)])
    return facility


async def update_facility(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, fields: FacilityFields
) -> HealthFacility:
    facility = await _managed(session, actor, fields.code)
    actor.require(Role.CATALOG_MANAGE, Location(province_code=fields.province_code))
    errors = validate_facility(fields, today=vietnam_date(now))
    if errors:
        raise BusinessErrors(errors)
    apply_fields(facility, fields, now)
    await record(session, now=now, actor=actor, events=[_audit("facility.update", fields.code)])
    return facility


async def retire_facility(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, code: str, reason: str
) -> HealthFacility:
    """Take a facility off the list from now on; records that chose it earlier keep it."""
    facility = await _managed(session, actor, code)
    if facility.retired_at is not None:
        raise BusinessErrors(
            [catalog_error(C.FACILITY_RETIRED, field="code", code=code, day=vietnam_date(facility.retired_at))]
        )
    if not reason.strip():
        raise BusinessErrors([catalog_error(C.REASON_REQUIRED, field="reason")])
    facility.retired_at, facility.retired_reason, facility.updated_at = now, reason.strip(), now
    await record(session, now=now, actor=actor, events=[_audit("facility.retire", code, reason=reason.strip())])
    return facility


async def _managed(session: AsyncSession, actor: Principal, code: str) -> HealthFacility:
    actor.require(Role.CATALOG_MANAGE)
    facility = await session.get(HealthFacility, code)
    if facility is None:
        raise BusinessErrors([catalog_error(C.UNKNOWN_FACILITY, field="code", code=code)])
    actor.require(Role.CATALOG_MANAGE, Location(province_code=facility.province_code))
    return facility


async def get_facility(session: AsyncSession, code: str) -> HealthFacility | None:
    return await session.get(HealthFacility, code)


async def search_facilities(
    session: AsyncSession,
    *,
    text: str | None = None,
    province_code: str | None = None,
    accepts_children: bool | None = None,
    include_retired: bool = False,
    after_code: str | None = None,
    limit: int = 50,
) -> tuple[Sequence[HealthFacility], bool]:
    """A page of facilities ordered by code, after `after_code`; and whether more follow."""
    query = select(HealthFacility)
    if text and text.strip():
        # Searched text is text: LIKE's % and _ are escaped, and one with no letter or digit matches no name.
        key = fold(text)
        by_code = HealthFacility.code.startswith(text.strip(), autoescape=True)
        query = query.where(or_(HealthFacility.search_key.contains(key, autoescape=True), by_code) if key else by_code)
    if province_code:
        query = query.where(HealthFacility.province_code == province_code)
    if accepts_children is not None:
        query = query.where(HealthFacility.accepts_child_primary_care.is_(accepts_children))
    if not include_retired:
        query = query.where(HealthFacility.retired_at.is_(None))
    if after_code:
        query = query.where(HealthFacility.code > after_code)
    limit = max(1, min(limit, MAX_PAGE))
    rows = (await session.scalars(query.order_by(HealthFacility.code).limit(limit + 1))).all()
    return rows[:limit], len(rows) > limit


async def check_primary_care_facility(session: AsyncSession, code: str, *, on: dt.date) -> list[BusinessError]:
    """Why a facility cannot be a child's primary-care facility on `on` (empty when it can)."""
    return primary_care_problems(await session.get(HealthFacility, code), code, on=on)


def primary_care_problems(facility: HealthFacility | None, code: str, *, on: dt.date) -> list[BusinessError]:
    """The same, for a facility already loaded (the child-card intake loads a whole batch's at once)."""
    if facility is None:
        return [catalog_error(C.UNKNOWN_FACILITY, field="facilityCode", code=code)]
    errors = []
    if facility.retired_at is not None and vietnam_date(facility.retired_at) <= on:
        errors.append(
            catalog_error(C.FACILITY_RETIRED, field="facilityCode", code=code, day=vietnam_date(facility.retired_at))
        )
    if not facility.accepts_child_primary_care:
        errors.append(catalog_error(C.FACILITY_NOT_FOR_CHILDREN, field="facilityCode", code=code))
    starts, ends = facility.contract_from, facility.contract_to
    if (starts and on < starts) or (ends and on > ends):
        errors.append(catalog_error(C.FACILITY_CONTRACT_NOT_VALID, field="facilityCode", code=code, day=on))
    return errors
