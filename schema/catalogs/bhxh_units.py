"""GraphQL for BHXH units: where each is, which communes it serves, and whether it can take work (and why not)."""

from __future__ import annotations

import datetime as dt

import strawberry

from hub.catalogs import bhxh_units
from hub.catalogs.bhxh_units import UnitFields, unit_problems
from hub.catalogs.models import BhxhUnit
from hub.infra.errors import BusinessErrors
from schema.catalogs.errors import CatalogError
from schema.context import Info, read, write
from schema.errors import payload_errors


@strawberry.type(name="BhxhUnit")
class BhxhUnitType:
    code: str
    name: str
    province_code: str | None
    commune_code: str | None
    commune_codes: list[str] = strawberry.field(description="The communes this unit serves.")
    problems: list[CatalogError] = strawberry.field(description="Why the unit cannot be assigned work, if it cannot.")
    updated_at: dt.datetime

    @strawberry.field(description="Whether work can be assigned to this unit.")
    def can_take_work(self) -> bool:
        return not self.problems

    @classmethod
    def from_model(cls, unit: BhxhUnit) -> BhxhUnitType:
        problems = unit_problems(unit)
        return cls(
            code=unit.code,
            name=unit.name,
            province_code=unit.province_code,
            commune_code=unit.commune_code,
            commune_codes=[c.commune_code for c in unit.communes],
            problems=payload_errors(CatalogError, BusinessErrors(problems)) if problems else [],
            updated_at=unit.updated_at,
        )


@strawberry.input
class BhxhUnitInput:
    code: str
    name: str
    province_code: str | None = None
    commune_code: str | None = None


@strawberry.type
class BhxhUnitPayload:
    unit: BhxhUnitType | None = None
    errors: list[CatalogError] = strawberry.field(default_factory=list)


@strawberry.type
class BhxhUnitQuery:
    @strawberry.field(description="BHXH units, optionally of one province.")
    async def bhxh_units(self, info: Info, province_code: str | None = None) -> list[BhxhUnitType]:
        found = await read(info, lambda s: bhxh_units.list_units(s, province_code=province_code))
        return [BhxhUnitType.from_model(u) for u in found]

    @strawberry.field
    async def bhxh_unit(self, info: Info, code: str) -> BhxhUnitType | None:
        unit = await read(info, lambda s: bhxh_units.get_unit(s, code))
        return BhxhUnitType.from_model(unit) if unit else None


@strawberry.type
class BhxhUnitMutation:
    @strawberry.mutation(description="Register a BHXH unit or correct its name and location (operators).")
    async def save_bhxh_unit(self, info: Info, input: BhxhUnitInput) -> BhxhUnitPayload:
        fields = UnitFields(
            code=input.code.strip().upper(),
            name=input.name,
            province_code=input.province_code or None,
            commune_code=input.commune_code or None,
        )
        try:
            unit = await write(info, lambda s, now, actor: bhxh_units.save_unit(s, now=now, actor=actor, fields=fields))
        except BusinessErrors as exc:
            return BhxhUnitPayload(errors=payload_errors(CatalogError, exc))
        return BhxhUnitPayload(unit=BhxhUnitType.from_model(unit))

    @strawberry.mutation(description="Set the communes a unit serves (replaces the previous list).")
    async def set_bhxh_unit_communes(self, info: Info, code: str, commune_codes: list[str]) -> BhxhUnitPayload:
        try:
            unit = await write(
                info,
                lambda s, now, actor: bhxh_units.set_served_communes(
                    s, now=now, actor=actor, code=code, commune_codes=commune_codes
                ),
            )
        except BusinessErrors as exc:
            return BhxhUnitPayload(errors=payload_errors(CatalogError, exc))
        return BhxhUnitPayload(unit=BhxhUnitType.from_model(unit))
