"""GraphQL for administrative units: by code, by name (with or without diacritics), children, legacy → current."""

from __future__ import annotations

import datetime as dt

import strawberry

from hub.catalogs.adminunits import AdminUnit, Era, UnitLevel, admin_catalog
from schema.context import Info

strawberry.enum(Era, name="UnitEra", description="LEGACY: 63 provinces, until 30/6/2025; CURRENT: from 1/7/2025.")
strawberry.enum(UnitLevel, name="UnitLevel")
MAX_RESULTS = 100


@strawberry.type(name="AdminUnit")
class AdminUnitType:
    code: str
    level: UnitLevel
    era: Era
    name: str
    short_name: str
    province_code: str
    district_code: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    id_number_prefix: str | None = strawberry.field(
        description="Legacy provinces: digits 1–3 of personal identification numbers registered there."
    )

    @classmethod
    def from_unit(cls, unit: AdminUnit) -> AdminUnitType:
        return cls(
            code=unit.code,
            level=unit.level,
            era=unit.era,
            name=unit.name,
            short_name=unit.short_name,
            province_code=unit.province_code,
            district_code=unit.district_code,
            valid_from=unit.valid_from,
            valid_to=unit.valid_to,
            id_number_prefix=unit.id_number_prefix,
        )


@strawberry.type
class SuccessorUnit:
    unit: AdminUnitType
    default: bool = strawberry.field(description="The main successor when a legacy unit was split.")


@strawberry.type
class AddressConversionType:
    street: str
    legacy_province: AdminUnitType
    legacy_district: AdminUnitType | None
    legacy_commune: AdminUnitType | None
    current_province: AdminUnitType | None
    current_commune: AdminUnitType | None
    current_address: str


def _unit(unit: AdminUnit | None) -> AdminUnitType | None:
    return AdminUnitType.from_unit(unit) if unit else None


@strawberry.type
class AdminUnitQuery:
    @strawberry.field(description="A unit by its statistics-office code.")
    def admin_unit(
        self, info: Info, code: str, level: UnitLevel = UnitLevel.COMMUNE, era: Era = Era.CURRENT
    ) -> AdminUnitType | None:
        return _unit(admin_catalog().get(level, code, era))

    @strawberry.field(description="The commune with this code in the set in force on a date (legacy before 1/7/2025).")
    def commune_on(self, info: Info, code: str, date: dt.date) -> AdminUnitType | None:
        return _unit(admin_catalog().commune_on(code, date))

    @strawberry.field(description="Units whose full or short name matches, with or without diacritics.")
    def admin_units(
        self,
        info: Info,
        name: str,
        level: UnitLevel = UnitLevel.COMMUNE,
        era: Era = Era.CURRENT,
        province_code: str | None = None,
    ) -> list[AdminUnitType]:
        found = admin_catalog().search(name, level, era, province_code=province_code)
        return [AdminUnitType.from_unit(u) for u in found[:MAX_RESULTS]]

    @strawberry.field(description="Every province of an era.")
    def provinces(self, info: Info, era: Era = Era.CURRENT) -> list[AdminUnitType]:
        units = sorted(admin_catalog().units(UnitLevel.PROVINCE, era), key=lambda u: u.code)
        return [AdminUnitType.from_unit(u) for u in units]

    @strawberry.field(description="The communes (or, for legacy provinces, districts) of a province.")
    def province_children(
        self, info: Info, province_code: str, era: Era = Era.CURRENT, level: UnitLevel = UnitLevel.COMMUNE
    ) -> list[AdminUnitType]:
        return [AdminUnitType.from_unit(u) for u in admin_catalog().children(province_code, era, level)]

    @strawberry.field(
        description="What a legacy unit became: for a commune its current commune(s), the default first; for a "
        "district the current communes its communes went to; for a province the province it merged into."
    )
    def current_units_of(
        self, info: Info, legacy_code: str, level: UnitLevel = UnitLevel.COMMUNE
    ) -> list[SuccessorUnit]:
        return [
            SuccessorUnit(unit=AdminUnitType.from_unit(s.unit), default=s.default)
            for s in admin_catalog().current_units_for(level, legacy_code)
        ]

    @strawberry.field(description="Read a legacy address (street, commune, district, province) into current units.")
    def convert_legacy_address(self, info: Info, address: str) -> AddressConversionType | None:
        found = admin_catalog().convert_legacy_address(address)
        if found is None:
            return None
        return AddressConversionType(
            street=found.street,
            legacy_province=AdminUnitType.from_unit(found.legacy_province),
            legacy_district=_unit(found.legacy_district),
            legacy_commune=_unit(found.legacy_commune),
            current_province=_unit(found.current_province),
            current_commune=_unit(found.current_commune),
            current_address=found.current_address,
        )
