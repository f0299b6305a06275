"""GraphQL for importing a facility list (CSV or XLSX), as `hub catalog import-facilities` does: the counts and
every rejected row with its reasons."""

from __future__ import annotations

import base64
import binascii
import tempfile
from pathlib import Path

import strawberry

from hub.catalogs.facility_import import column_map, import_facilities
from hub.clients.permissions import Role
from hub.infra.errors import InvalidRequest
from hub.infra.spreadsheets import UnreadableFile, read_rows
from schema.context import Info, write

MAX_FILE_BYTES = 20 * 1024 * 1024  # a province's list is a few thousand rows


@strawberry.type
class RowError:
    field: str | None
    code: str
    message: str
    message_vi: str


@strawberry.type
class RejectedFacilityRow:
    row: int = strawberry.field(description="As a spreadsheet shows it: the header is row 1.")
    code: str = strawberry.field(description="The facility's code as written in the row.")
    errors: list[RowError]


@strawberry.type
class FacilityImportResult:
    created: int
    updated: int
    unchanged: int
    rejected: list[RejectedFacilityRow]
    problem: str | None = strawberry.field(
        default=None, description="Why the file could not be read at all (format, a required column missing)."
    )


@strawberry.type
class FacilityImportMutation:
    @strawberry.mutation(
        description="Import a facility list (CSV or XLSX, base64): the good rows are stored, each rejected row is "
        "answered with its reasons; rows outside your jurisdiction are rejected (catalog:manage; audited)."
    )
    async def import_facilities(self, info: Info, file_name: str, content_base64: str) -> FacilityImportResult:
        try:
            content = base64.b64decode(content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidRequest("contentBase64: not base64.") from None
        if len(content) > MAX_FILE_BYTES:
            raise InvalidRequest(f"The file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB.")
        suffix = Path(file_name).suffix.lower()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"facilities{suffix}"
            path.write_bytes(content)
            try:
                header, rows = read_rows(path)
                columns = column_map(header)
                data = list(rows)
            except UnreadableFile as exc:
                info.context.principal.require(Role.CATALOG_MANAGE)
                return FacilityImportResult(created=0, updated=0, unchanged=0, rejected=[], problem=str(exc))
        report = await write(
            info, lambda s, now, actor: import_facilities(s, iter(data), columns, now=now, actor=actor)
        )
        return FacilityImportResult(
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=[
                RejectedFacilityRow(
                    row=r.row,
                    code=r.code,
                    errors=[
                        RowError(field=e.field, code=e.code, message=e.message, message_vi=e.message_vi)
                        for e in r.errors
                    ],
                )
                for r in report.rejected
            ],
        )
