"""Where a record belongs, read from the administrative-unit catalog: a commune's place today (a commune since
merged into another counts as the one it became), and the current province of a province code of either era."""

from __future__ import annotations

from hub.catalogs.adminunits import Era, UnitLevel, admin_catalog
from hub.clients.permissions import Location


def commune_location(code: str) -> Location:
    """The commune's place today, with its province; an unknown code belongs to no place (national only)."""
    catalog = admin_catalog()
    commune = catalog.get(UnitLevel.COMMUNE, code, Era.CURRENT) or catalog.current_commune_for(code)
    return Location(province_code=commune.province_code, commune_code=commune.code) if commune else Location()


def current_province(code: str) -> str | None:
    """The current province for a province code of today's 34 or of the 63 before 1/7/2025 (None: unknown)."""
    catalog = admin_catalog()
    province = catalog.get(UnitLevel.PROVINCE, code, Era.CURRENT) or catalog.current_province_for(code)
    return province.code if province else None
