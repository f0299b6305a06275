"""The catalog jobs: an operator's facility list imported a chunk per transaction (hub.catalogs.facility_import)."""

from __future__ import annotations

from hub.catalogs.facility_import import IMPORT_FACILITY_LIST, ImportFacilityList, run_import
from hub.jobs import CallContext, calling_job


@calling_job(IMPORT_FACILITY_LIST)
async def import_facility_list(ctx: CallContext, request: ImportFacilityList) -> None:
    # A job that calls out, for its shape: no transaction held throughout, each chunk committed on its own.
    await run_import(ctx, request)
