"""GraphQL for the catalogs: administrative units, health-care facilities and requests, BHXH units."""

from __future__ import annotations

import strawberry

from schema.catalogs.bhxh_units import BhxhUnitMutation, BhxhUnitQuery
from schema.catalogs.facilities import FacilityMutation, FacilityQuery
from schema.catalogs.imports import FacilityImportMutation, FacilityImportQuery
from schema.catalogs.units import AdminUnitQuery


@strawberry.type
class CatalogQuery(AdminUnitQuery, FacilityQuery, BhxhUnitQuery, FacilityImportQuery):
    pass


@strawberry.type
class CatalogMutation(FacilityMutation, BhxhUnitMutation, FacilityImportMutation):
    pass
