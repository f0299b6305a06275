"""GraphQL for importing a facility list (CSV or XLSX): the upload is kept and imported by a job, chunk by chunk;
`facilityImport` follows it (state, progress, counts) and lists every rejected row with its reasons."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import uuid

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalogs.facility_import import (
    MAX_FILE_NAME,
    MAX_REJECTED_PAGE,
    FacilityImportView,
    facility_import,
    start_import,
)
from hub.catalogs.models import FacilityImport as FacilityImportRecord
from hub.catalogs.models import ImportState
from hub.clients.permissions import Principal, Role
from hub.infra.errors import InvalidRequest
from hub.infra.spreadsheets import RejectedRow, UnreadableFile
from hub.infra.text import clean_text, refused_characters
from schema.context import Info, read, write
from schema.ids import parse_uuid

PRELOADED = 100  # rejected rows read with the import, for `rejected` with its default page
MAX_FILE_BYTES = 20 * 1024 * 1024  # a national list is some tens of thousands of rows: a few MB


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

    @classmethod
    def of(cls, rejected: RejectedRow) -> RejectedFacilityRow:
        errors = [
            RowError(field=e.field, code=e.code, message=e.message, message_vi=e.message_vi) for e in rejected.errors
        ]
        return cls(row=rejected.row, code=rejected.code, errors=errors)


@strawberry.enum
class FacilityImportState(enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@strawberry.type(description="A facility list being imported by a job, as the client that uploaded it sees it.")
class FacilityImport:
    id: strawberry.ID
    file_name: str
    state: FacilityImportState
    total_rows: int | None = strawberry.field(description="Rows of the list (blank ones left out); null until read.")
    rows_done: int = strawberry.field(description="Rows checked and stored or rejected so far.")
    created: int
    updated: int
    unchanged: int
    rejected_count: int
    problem: str | None = strawberry.field(
        description="Why the import stopped (tried again while the state is RUNNING; given up on when FAILED)."
    )
    created_at: dt.datetime
    finished_at: dt.datetime | None
    first_rejected: strawberry.Private[list[RejectedRow]]  # read with the import: its first PRELOADED rejected rows
    preloaded: strawberry.Private[int]

    @strawberry.field(description="The rejected rows in file order, each with every reason; `afterRow` pages on.")
    async def rejected(self, info: Info, first: int = 100, after_row: int = 0) -> list[RejectedFacilityRow]:
        if after_row == 0 and first <= self.preloaded:
            return [RejectedFacilityRow.of(r) for r in self.first_rejected[:first]]
        actor, import_id = info.context.principal, uuid.UUID(str(self.id))
        view = await read(info, lambda s: _view(s, import_id, actor, first, after_row))
        return [] if view is None else [RejectedFacilityRow.of(r) for r in view.rejected_rows]

    @classmethod
    def of(cls, record: FacilityImportRecord, rejected: list[RejectedRow], preloaded: int) -> FacilityImport:
        return cls(
            id=strawberry.ID(str(record.id)),
            file_name=record.file_name,
            state=FacilityImportState(ImportState(record.state).value),
            total_rows=record.total_rows,
            rows_done=record.rows_done,
            created=record.created,
            updated=record.updated,
            unchanged=record.unchanged,
            rejected_count=record.rejected,
            problem=record.problem,
            created_at=record.created_at,
            finished_at=record.finished_at,
            first_rejected=rejected,
            preloaded=preloaded,
        )


async def _view(
    session: AsyncSession, import_id: uuid.UUID, actor: Principal, first: int, after_row: int
) -> FacilityImportView | None:
    page = max(1, min(first, MAX_REJECTED_PAGE))
    return await facility_import(session, import_id, actor=actor, first=page, after_row=after_row)


@strawberry.type
class FacilityImportStart:
    facility_import: FacilityImport | None = strawberry.field(
        description="The import, queued: follow it with facilityImport(id)."
    )
    problem: str | None = strawberry.field(
        default=None, description="Why the file could not be read at all (format, a required column missing)."
    )


@strawberry.type
class FacilityImportQuery:
    @strawberry.field(
        description="A facility list import this client started (null for any other): its state, progress, counts "
        "and rejected rows (catalog:manage)."
    )
    async def facility_import(self, info: Info, id: strawberry.ID) -> FacilityImport | None:
        import_id, actor = parse_uuid(str(id)), info.context.principal
        view = await read(info, lambda s: _view(s, import_id, actor, PRELOADED, 0))
        return None if view is None else FacilityImport.of(view.record, view.rejected_rows, PRELOADED)


@strawberry.type
class FacilityImportMutation:
    @strawberry.mutation(
        description="Upload a facility list (CSV or XLSX, base64) to be imported by a job: answered at once with the "
        "import to follow with facilityImport. Good rows are stored, each rejected row is kept with its reasons; rows "
        "outside your jurisdiction are rejected (catalog:manage; audited when done)."
    )
    async def import_facilities(self, info: Info, file_name: str, content_base64: str) -> FacilityImportStart:
        try:
            content = base64.b64decode(content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidRequest("contentBase64: not base64.") from None
        if len(content) > MAX_FILE_BYTES:
            raise InvalidRequest(f"The file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB.")
        file_name = clean_text(file_name)
        if refused := refused_characters(file_name):
            raise InvalidRequest(f"fileName: characters not accepted: {', '.join(refused[:5])}.")
        if not file_name or len(file_name) > MAX_FILE_NAME:
            raise InvalidRequest(f"fileName: 1 to {MAX_FILE_NAME} characters, not {len(file_name)}.")
        try:
            record = await write(
                info,
                lambda s, now, actor: start_import(s, file_name=file_name, content=content, now=now, actor=actor),
            )
        except UnreadableFile as exc:
            info.context.principal.require(Role.CATALOG_MANAGE)
            return FacilityImportStart(facility_import=None, problem=str(exc))
        return FacilityImportStart(facility_import=FacilityImport.of(record, [], 0))
