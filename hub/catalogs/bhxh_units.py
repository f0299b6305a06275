"""BHXH units (the offices that issue cards and settle claims), where they are, and which communes they serve.

Seed 002, item 1: a unit whose province or commune is not declared cannot create records. Here such a unit can be
registered, but no work is assigned to it, and the operator is told why.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.catalogs.adminunits import Era, UnitLevel, admin_catalog
from hub.catalogs.errors import CatalogErrorCode as C
from hub.catalogs.errors import catalog_error
from hub.catalogs.models import BhxhUnit, BhxhUnitCommune
from hub.clients.permissions import Location, Principal, Role
from hub.infra.clock import vietnam_date
from hub.infra.db import add_unless_exists
from hub.infra.errors import BusinessError, BusinessErrors

UNIT_CODE = re.compile(r"[0-9A-Z]{2,10}")


@dataclass(frozen=True)
class UnitFields:
    code: str
    name: str
    province_code: str | None = None
    commune_code: str | None = None


def unit_problems(unit: BhxhUnit) -> list[BusinessError]:
    """Why this unit cannot be assigned work (empty when it can)."""
    missing = [part for part, value in (("province", unit.province_code), ("commune", unit.commune_code)) if not value]
    if not missing:
        return []
    vietnamese = {"province": "tỉnh", "commune": "xã"}
    return [
        catalog_error(
            C.UNIT_LOCATION_MISSING,
            field="provinceCode" if "province" in missing else "communeCode",
            code=unit.code,
            missing=" and ".join(missing),
            missing_vi=" và ".join(vietnamese[m] for m in missing),
        )
    ]


def _validate(fields: UnitFields, today: dt.date) -> list[BusinessError]:
    catalog = admin_catalog()
    errors = []
    if not UNIT_CODE.fullmatch(fields.code):
        errors.append(catalog_error(C.INVALID_UNIT_CODE, field="code", code=fields.code))
    if not fields.name.strip():
        errors.append(catalog_error(C.NAME_REQUIRED, field="name"))
    if fields.province_code and catalog.get(UnitLevel.PROVINCE, fields.province_code, Era.CURRENT) is None:
        errors.append(catalog_error(C.UNKNOWN_PROVINCE, field="provinceCode", code=fields.province_code, day=today))
    if fields.commune_code:
        commune = catalog.get(UnitLevel.COMMUNE, fields.commune_code, Era.CURRENT)
        if commune is None:
            errors.append(catalog_error(C.UNKNOWN_COMMUNE, field="communeCode", code=fields.commune_code, day=today))
        elif fields.province_code and commune.province_code != fields.province_code:
            errors.append(
                catalog_error(
                    C.COMMUNE_NOT_IN_PROVINCE,
                    field="communeCode",
                    commune=fields.commune_code,
                    province=fields.province_code,
                )
            )
    return errors


async def save_unit(session: AsyncSession, *, now: dt.datetime, actor: Principal, fields: UnitFields) -> BhxhUnit:
    """Register a unit or correct its name and location; a unit without a location may be saved, not used."""
    actor.require(Role.CATALOG_MANAGE, Location(province_code=fields.province_code))
    errors = _validate(fields, vietnam_date(now))
    if errors:
        raise BusinessErrors(errors)
    unit = await session.get(BhxhUnit, fields.code)
    if unit is None:
        unit = BhxhUnit(code=fields.code, created_at=now, communes=[])
        session.add(unit)
    elif unit.province_code is not None:
        # A unit with no province yet may be claimed by the operator of the province it is declared in.
        actor.require(Role.CATALOG_MANAGE, Location(province_code=unit.province_code))
    unit.name, unit.province_code, unit.commune_code, unit.updated_at = (
        fields.name.strip(),
        fields.province_code,
        fields.commune_code,
        now,
    )
    await record(session, now=now, actor=actor, events=[_event("bhxh_unit.save", fields.code)])
    return unit


async def set_served_communes(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, code: str, commune_codes: Sequence[str]
) -> BhxhUnit:
    """Replace the communes a unit serves: the unit must have its location declared, and each commune must exist
    today, lie in the unit's province and not be served by another unit."""
    # Row-locked, so that two operators editing the same unit apply their lists one after the other.
    unit = await session.get(BhxhUnit, code, with_for_update=True, populate_existing=True)
    if unit is None:
        raise BusinessErrors([catalog_error(C.UNKNOWN_UNIT, field="code", code=code)])
    actor.require(Role.CATALOG_MANAGE, Location(province_code=unit.province_code))
    problems = unit_problems(unit)
    if problems:
        raise BusinessErrors(problems)
    catalog, wanted, today = admin_catalog(), sorted(set(commune_codes)), vietnam_date(now)
    errors = []
    for commune_code in wanted:
        commune = catalog.get(UnitLevel.COMMUNE, commune_code, Era.CURRENT)
        if commune is None:
            errors.append(catalog_error(C.UNKNOWN_COMMUNE, field="communeCodes", code=commune_code, day=today))
        elif commune.province_code != unit.province_code:
            errors.append(
                catalog_error(
                    C.COMMUNE_NOT_IN_PROVINCE, field="communeCodes", commune=commune_code, province=unit.province_code
                )
            )
    errors += await _taken(session, wanted, code)
    if errors:
        raise BusinessErrors(errors)
    kept = [c for c in unit.communes if c.commune_code in wanted]
    present = {c.commune_code for c in kept}
    for stale in [c for c in unit.communes if c.commune_code not in wanted]:
        await session.delete(stale)
    unit.communes = kept
    unit.updated_at = now
    for commune_code in wanted:
        # Each new commune is claimed under a savepoint: another unit claiming it at the same moment loses cleanly.
        if commune_code not in present and not await add_unless_exists(
            session, BhxhUnitCommune(commune_code=commune_code, unit_code=code)
        ):
            raise BusinessErrors(await _taken(session, [commune_code], code))
    await session.refresh(unit, ["communes"])
    await record(session, now=now, actor=actor, events=[_event("bhxh_unit.set_communes", code, communes=len(wanted))])
    return unit


async def _taken(session: AsyncSession, commune_codes: Sequence[str], unit_code: str) -> list[BusinessError]:
    taken = await session.execute(
        select(BhxhUnitCommune.commune_code, BhxhUnitCommune.unit_code).where(
            BhxhUnitCommune.commune_code.in_(commune_codes), BhxhUnitCommune.unit_code != unit_code
        )
    )
    return [
        catalog_error(C.COMMUNE_SERVED_BY_OTHER_UNIT, field="communeCodes", commune=commune, unit=other)
        for commune, other in taken
    ]


async def unit_for_commune(session: AsyncSession, commune_code: str) -> BhxhUnit:
    """The unit that takes work for a commune; BusinessErrors if none does or it cannot take work."""
    unit = await session.scalar(
        select(BhxhUnit).join(BhxhUnitCommune).where(BhxhUnitCommune.commune_code == commune_code)
    )
    if unit is None:
        raise BusinessErrors([catalog_error(C.NO_UNIT_FOR_COMMUNE, field="communeCode", commune=commune_code)])
    problems = unit_problems(unit)
    if problems:
        raise BusinessErrors(problems)
    return unit


async def list_units(session: AsyncSession, *, province_code: str | None = None) -> Sequence[BhxhUnit]:
    query = select(BhxhUnit)
    if province_code:
        query = query.where(BhxhUnit.province_code == province_code)
    return (await session.scalars(query.order_by(BhxhUnit.code))).all()


async def get_unit(session: AsyncSession, code: str) -> BhxhUnit | None:
    return await session.get(BhxhUnit, code)


def _event(operation: str, code: str, **details: int | str) -> AuditEvent:
    return AuditEvent(operation, Purpose.ADMINISTRATION, details={"unit": code, **details})
