"""Import the facility list BHXH offices exchange (CSV or XLSX): good rows are stored, each bad row is reported.

An operator's upload is imported by a job (`start_import`, then hub.catalogs.jobs), a chunk per transaction so
that its progress shows and a crash resumes where it stopped; the command line imports in one transaction.

Columns (header names are matched without diacritics or case; the aliases are the Vietnamese headings):
MA_CSKCB (code), TEN_CSKCB (name), MA_TINH (province), MA_XA (commune, optional), DIA_CHI (address, optional),
TUYEN (level 1–4), KCB_BD_TRE_EM (accepts children's primary-care registration: 1/0), HD_TU_NGAY and
HD_DEN_NGAY (BHYT contract dates, optional: dd/mm/yyyy, yyyymmdd or yyyy-mm-dd).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, cast

from sqlalchemy import Table, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.catalogs.errors import CatalogErrorCode as C
from hub.catalogs.errors import catalog_error
from hub.catalogs.facilities import FacilityFields, apply_fields, differs, new_facility, validate_facility
from hub.catalogs.models import (
    FacilityImport,
    FacilityImportRejection,
    FacilityLevel,
    HealthFacility,
    ImportState,
)
from hub.clients.models import Client
from hub.clients.permissions import Principal, Role
from hub.infra.clock import vietnam_date
from hub.infra.db import ValueTooLong, analyze, insert_rows
from hub.infra.errors import BusinessError
from hub.infra.ids import new_id
from hub.infra.spreadsheets import DATE_FORMATS, Cell, RejectedRow, UnreadableFile, find_columns, read_rows
from hub.infra.text import fold
from hub.jobs import CallContext, JobKind, PermanentJobError, enqueue
from hub.jobs.registry import Superseded

COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("MA_CSKCB", "MA_CS", "MA_KCB", "Mã CSKCB", "Mã cơ sở KCB", "Mã cơ sở"),
    "name": ("TEN_CSKCB", "TEN_CS", "Tên CSKCB", "Tên cơ sở KCB", "Tên cơ sở"),
    "province_code": ("MA_TINH", "Mã tỉnh"),
    "commune_code": ("MA_XA", "Mã xã"),
    "address": ("DIA_CHI", "Địa chỉ"),
    "level": ("TUYEN", "Tuyến", "Tuyến CMKT"),
    "accepts_children": ("KCB_BD_TRE_EM", "Nhận KCB ban đầu trẻ em", "KCBBD trẻ em"),
    "contract_from": ("HD_TU_NGAY", "Hợp đồng từ ngày", "Từ ngày"),
    "contract_to": ("HD_DEN_NGAY", "Hợp đồng đến ngày", "Đến ngày"),
}
REQUIRED = ("code", "name", "province_code", "level", "accepts_children")
LEVELS = {
    "1": FacilityLevel.CENTRAL,
    "2": FacilityLevel.PROVINCE,
    "3": FacilityLevel.DISTRICT,
    "4": FacilityLevel.COMMUNE,
    **{level.value: level for level in FacilityLevel},
    "trunguong": FacilityLevel.CENTRAL,
    "tinh": FacilityLevel.PROVINCE,
    "huyen": FacilityLevel.DISTRICT,
    "xa": FacilityLevel.COMMUNE,
}
TRUE, FALSE = {"1", "x", "co", "c", "yes", "y", "true"}, {"0", "", "khong", "k", "no", "n", "false"}
T = TypeVar("T")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.created + self.updated


def column_map(header: list[str]) -> dict[str, int]:
    """Which column holds which field; UnreadableFile naming the first required column that is missing."""
    found = find_columns(header, COLUMNS)
    for name in REQUIRED:
        if name not in found:
            error = catalog_error(
                C.MISSING_COLUMN, column=COLUMNS[name][0], expected=", ".join(COLUMNS[n][0] for n in REQUIRED)
            )
            raise UnreadableFile(error.message)
    return found


def parse_row(cells: list[Cell], columns: dict[str, int]) -> tuple[FacilityFields, list[BusinessError]]:
    """The row's fields and the values that could not be read. A value that could not be read is replaced by a
    neutral one, so that the rest of the row is still checked and every problem is reported at once."""

    def text(name: str) -> str:
        index = columns.get(name)
        if index is None or index >= len(cells) or cells[index] is None:
            return ""
        value = cells[index]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    errors: list[BusinessError] = []

    def parsed(name: str, parse: Callable[[str], T], code: C, api_field: str, neutral: T) -> T:
        raw = text(name)
        try:
            return parse(raw)
        except (KeyError, ValueError):
            errors.append(catalog_error(code, field=api_field, value=raw))
            return neutral

    fields = FacilityFields(
        code=text("code").upper(),
        name=text("name"),
        province_code=_padded(text("province_code"), 2),
        level=parsed("level", lambda raw: LEVELS[fold(raw)], C.INVALID_LEVEL, "level", FacilityLevel.COMMUNE),
        accepts_child_primary_care=parsed("accepts_children", _flag, C.INVALID_FLAG, "acceptsChildPrimaryCare", False),
        commune_code=_padded(text("commune_code"), 5) or None,
        address=text("address") or None,
        contract_from=_date_cell(cells, columns.get("contract_from"), errors, "contractFrom"),
        contract_to=_date_cell(cells, columns.get("contract_to"), errors, "contractTo"),
    )
    return fields, errors


def _padded(raw: str, width: int) -> str:
    """Codes lose their leading zeros in spreadsheets (1 for 01): put them back, leaving blanks blank."""
    return raw.zfill(width) if raw else ""


def _flag(raw: str) -> bool:
    key = fold(raw)
    if key in TRUE:
        return True
    if key in FALSE:
        return False
    raise ValueError(raw)


def _date_cell(cells: list[Cell], index: int | None, errors: list[BusinessError], api_field: str) -> dt.date | None:
    if index is None or index >= len(cells) or cells[index] in (None, ""):
        return None
    value = cells[index]
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = str(int(value) if isinstance(value, float) and value.is_integer() else value).strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    errors.append(catalog_error(C.INVALID_DATE, field=api_field, value=raw))
    return None


class RowChecker:
    """Checks a list's rows in file order: each row's values and checks, and whether an earlier row already had its
    code. A checker is pure: the job checks again the rows an earlier delivery stored, to know the codes seen."""

    def __init__(self, columns: dict[str, int], *, today: dt.date, actor: Principal | None) -> None:
        self.columns, self.today, self.actor = columns, today, actor
        self.first_seen: dict[str, int] = {}

    def check(self, number: int, cells: list[Cell]) -> tuple[FacilityFields, list[BusinessError]]:
        fields, errors = parse_row(cells, self.columns)
        errors += validate_facility(fields, today=self.today)
        if self.actor is not None and not self.actor.jurisdiction.covers(fields.location):
            errors.append(catalog_error(C.OUTSIDE_JURISDICTION, field="provinceCode", code=fields.province_code))
        if fields.code in self.first_seen:
            first_row = self.first_seen[fields.code]
            errors.append(catalog_error(C.DUPLICATE_IN_FILE, field="code", code=fields.code, first_row=first_row))
        if not errors:
            self.first_seen[fields.code] = number
        return fields, errors


def numbered(rows: Iterable[list[Cell]]) -> Iterator[tuple[int, list[Cell]]]:
    """The rows that hold anything, numbered as a spreadsheet shows them (the header is row 1)."""
    for number, cells in enumerate(rows, start=2):
        if any(cell not in (None, "") for cell in cells):
            yield number, cells  # blank lines, at the end of a sheet say, are skipped


async def import_facilities(
    session: AsyncSession,
    rows: Iterator[list[Cell]],
    columns: dict[str, int],
    *,
    now: dt.datetime,
    actor: Principal | None,
    progress: Callable[[int], None] = lambda _: None,
    batch_size: int = 1000,
) -> ImportReport:
    """Validate every row; store the good ones (new or changed) in the caller's transaction; report the rest.

    `actor` None is the command line (an operator at the console). Each row is stored whole or not at all.
    """
    if actor is not None:
        actor.require(Role.CATALOG_MANAGE)
    checker = RowChecker(columns, today=vietnam_date(now), actor=actor)
    report = ImportReport()
    batch: list[tuple[int, FacilityFields, list[BusinessError]]] = []
    for number, cells in numbered(rows):
        batch.append((number, *checker.check(number, cells)))
        if len(batch) >= batch_size:
            await store_checked(session, batch, now, report)
            batch = []
        progress(1)
    await store_checked(session, batch, now, report)
    await _imported(session, report.created, report.updated, len(report.rejected), now=now, actor=actor)
    return report


async def _imported(
    session: AsyncSession, created: int, updated: int, rejected: int, *, now: dt.datetime, actor: Principal | None
) -> None:
    """What follows an import: the table's statistics refreshed, and the audit entry."""
    if created or updated:
        # The planner's statistics of the table, as autovacuum would give them only a minute or more later: until
        # then, a lookup of a batch's facilities by code was planned as a scan of the whole table.
        await analyze(session, HealthFacility)
    await record(
        session,
        now=now,
        actor=actor,
        events=[
            AuditEvent(
                "facility.import",
                Purpose.ADMINISTRATION,
                details={"created": created, "updated": updated, "rejected": rejected},
            )
        ],
    )


async def store_checked(
    session: AsyncSession,
    checked: list[tuple[int, FacilityFields, list[BusinessError]]],
    now: dt.datetime,
    report: ImportReport,
) -> None:
    """Store the rows that passed their checks, report the others. A row the database will not take (a poison row:
    a value longer than its column, say) is rejected alone with its reason, and the rest of the batch is stored."""
    report.rejected += [RejectedRow(number, fields.code, errors) for number, fields, errors in checked if errors]
    good = [(number, fields) for number, fields, errors in checked if not errors]
    try:
        await _store_whole(session, good, now, report)
    except (SQLAlchemyError, ValueError):
        # The batch again, a row at a time, to find the rows the database refuses.
        for number, fields in good:
            try:
                await _store_whole(session, [(number, fields)], now, report)
            except (SQLAlchemyError, ValueError) as exc:
                reason = catalog_error(C.ROW_NOT_STORED, reason=_reason(exc))
                report.rejected.append(RejectedRow(number, fields.code, [reason]))
        report.rejected.sort(key=lambda r: r.row)


async def _store_whole(
    session: AsyncSession, batch: list[tuple[int, FacilityFields]], now: dt.datetime, report: ImportReport
) -> None:
    """Store the batch under a savepoint, adding to `report` only once it is stored: all of it, or none."""
    stored = ImportReport()
    async with session.begin_nested():
        await _store(session, batch, now, stored)
    report.created += stored.created
    report.updated += stored.updated
    report.unchanged += stored.unchanged


def _reason(exc: Exception) -> str:
    """Why the database refused a row, in words safe to show: a length refused names its column; anything else only
    the kind of error (the statement and its values stay in the log)."""
    return str(exc) if isinstance(exc, ValueTooLong) else type(exc).__name__


async def _store(
    session: AsyncSession, batch: list[tuple[int, FacilityFields]], now: dt.datetime, report: ImportReport
) -> None:
    if not batch:
        return
    codes = [fields.code for _, fields in batch]
    existing = {
        f.code: f for f in (await session.scalars(select(HealthFacility).where(HealthFacility.code.in_(codes)))).all()
    }
    for _, fields in batch:
        current = existing.get(fields.code)
        if current is None:
            session.add(new_facility(fields, now))
            report.created += 1
        elif differs(current, fields):
            apply_fields(current, fields, now)
            report.updated += 1
        else:
            report.unchanged += 1
    await session.flush()


# The import of an operator's upload, by a job


@dataclass(frozen=True)
class ImportFacilityList:
    import_id: uuid.UUID


# Three attempts: a list that failed three times over will not import on a fourth; the operator sees why, and a
# national operator may retry the job once the cause is mended (the file is kept until the import is done).
IMPORT_FACILITY_LIST = JobKind("catalogs.import_facilities", ImportFacilityList, queue="catalogs", max_attempts=3)
MAX_REJECTED_PAGE = 500  # rejected rows per page of facilityImport
CHUNK_ROWS = 500  # rows per transaction: the progress an operator sees moves by this much
MAX_FILE_NAME = 200  # the column's width; a longer name is refused at the edge, never cut


@contextmanager
def list_rows(file_name: str, content: bytes) -> Iterator[tuple[list[str], Iterator[list[Cell]]]]:
    """The header and rows of an uploaded list (CSV or XLSX, told by the name's suffix); UnreadableFile if it is
    neither, or is not one."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"facilities{Path(file_name).suffix.lower()}"
        path.write_bytes(content)
        yield read_rows(path)


async def start_import(
    session: AsyncSession, *, file_name: str, content: bytes, now: dt.datetime, actor: Principal
) -> FacilityImport:
    """Keep the uploaded list and queue the job that imports it, in the caller's transaction. UnreadableFile, before
    anything is kept, if it is not a list of facilities (its format, a required column missing)."""
    actor.require(Role.CATALOG_MANAGE)
    with list_rows(file_name, content) as (header, _):
        column_map(header)
    started = FacilityImport(
        id=new_id(),
        file_name=file_name,  # checked at the edge (schema.catalogs.imports): never cut
        content=content,
        state=ImportState.PENDING.value,
        client_id=actor.client_id,
        started_by=actor.name,
        rows_done=0,
        created=0,
        updated=0,
        unchanged=0,
        rejected=0,
        created_at=now,
        updated_at=now,
    )
    session.add(started)
    await session.flush()
    await enqueue(session, IMPORT_FACILITY_LIST, ImportFacilityList(started.id), now=now)
    return started


@dataclass(frozen=True)
class FacilityImportView:
    """An import as its operator sees it: the record and the first of its rejected rows."""

    record: FacilityImport
    rejected_rows: list[RejectedRow]


async def facility_import(
    session: AsyncSession, import_id: uuid.UUID, *, actor: Principal, first: int, after_row: int = 0
) -> FacilityImportView | None:
    """The import, if `actor` started it (None otherwise, as for one that does not exist), with up to `first` of its
    rejected rows after row `after_row`."""
    actor.require(Role.CATALOG_MANAGE)
    found = await session.get(FacilityImport, import_id)
    if found is None or found.client_id != actor.client_id:
        return None
    rows = await session.scalars(
        select(FacilityImportRejection)
        .where(FacilityImportRejection.import_id == import_id, FacilityImportRejection.row > after_row)
        .order_by(FacilityImportRejection.row)
        .limit(first)
    )
    return FacilityImportView(found, [RejectedRow(r.row, r.code, [_error(e) for e in r.errors]) for r in rows])


def _error(stored: dict[str, str | None]) -> BusinessError:
    return BusinessError(
        C(str(stored["code"])), stored["message"] or "", stored["message_vi"] or "", field=stored.get("field")
    )


def _stored(error: BusinessError) -> dict[str, str | None]:
    return {"code": error.code, "field": error.field, "message": error.message, "message_vi": error.message_vi}


@dataclass(frozen=True)
class _Started:
    file_name: str
    content: bytes
    rows_done: int
    actor: Principal


async def run_import(ctx: CallContext, request: ImportFacilityList) -> None:
    """Import the list a chunk at a time, each chunk with its progress and its rejected rows in one transaction: a
    delivery after a crash goes on from the last chunk stored. A failure is written on the import (for its page)
    before it is raised to the job machinery (for the failed jobs page)."""
    try:
        async with ctx.writing() as session:
            started = await _begin(session, request.import_id, ctx.clock.now())
        if started is None:
            return  # finished already, or gone
        await _import_chunks(ctx, request.import_id, started)
    except Superseded:
        raise
    except Exception as exc:
        final = isinstance(exc, PermanentJobError) or ctx.attempt >= (IMPORT_FACILITY_LIST.max_attempts or 1)
        async with ctx.writing() as session:
            await _failed(session, request.import_id, ctx.clock.now(), exc, final=final)
        raise


async def _begin(session: AsyncSession, import_id: uuid.UUID, now: dt.datetime) -> _Started | None:
    found = await session.get(FacilityImport, import_id)
    if found is None or found.content is None or found.state == ImportState.DONE.value:
        return None
    client = await session.get(Client, found.client_id)
    if client is None or client.revoked_at is not None:
        raise PermanentJobError("the client that started the import is gone or revoked")
    if not client.principal().may(Role.CATALOG_MANAGE):
        raise PermanentJobError("the client that started the import may no longer manage the catalog")
    found.state, found.problem, found.updated_at = ImportState.RUNNING.value, None, now
    # The client's roles and jurisdiction as they are now, under the name of whoever started the import.
    actor = dataclasses.replace(client.principal(), name=found.started_by)
    return _Started(found.file_name, found.content, found.rows_done, actor)


async def _import_chunks(ctx: CallContext, import_id: uuid.UUID, started: _Started) -> None:
    now = ctx.clock.now()
    try:
        with list_rows(started.file_name, started.content) as (header, rows):
            columns = column_map(header)
            listed = list(numbered(rows))
    except UnreadableFile as exc:
        raise PermanentJobError(str(exc)) from exc
    checker = RowChecker(columns, today=vietnam_date(now), actor=started.actor)
    for start in range(0, len(listed), CHUNK_ROWS):
        chunk = listed[start : start + CHUNK_ROWS]
        # Every row is checked, those stored before too: the codes they held are duplicates if seen again.
        checked = [(number, *checker.check(number, cells)) for number, cells in chunk]
        to_store = checked[max(started.rows_done - start, 0) :]
        if not to_store:
            continue
        async with ctx.writing() as session:
            report = ImportReport()
            await store_checked(session, to_store, now, report)
            await _progress(session, import_id, report, rows_done=start + len(chunk), total=len(listed), now=now)
    async with ctx.writing() as session:
        await _done(session, import_id, ctx.clock.now(), started.actor, total=len(listed))


async def _progress(
    session: AsyncSession, import_id: uuid.UUID, report: ImportReport, *, rows_done: int, total: int, now: dt.datetime
) -> None:
    table = cast(Table, FacilityImportRejection.__table__)
    rejections = [
        {"import_id": import_id, "row": r.row, "code": r.code[:100], "errors": [_stored(e) for e in r.errors]}
        for r in report.rejected
    ]
    await insert_rows(session, table, rejections)
    await session.execute(
        update(FacilityImport)
        .where(FacilityImport.id == import_id)
        .values(
            total_rows=total,
            rows_done=rows_done,
            created=FacilityImport.created + report.created,
            updated=FacilityImport.updated + report.updated,
            unchanged=FacilityImport.unchanged + report.unchanged,
            rejected=FacilityImport.rejected + len(report.rejected),
            updated_at=now,
        )
    )


async def _done(session: AsyncSession, import_id: uuid.UUID, now: dt.datetime, actor: Principal, *, total: int) -> None:
    found = await session.get_one(FacilityImport, import_id)
    found.total_rows, found.rows_done = total, total
    found.state, found.content, found.finished_at, found.updated_at = ImportState.DONE.value, None, now, now
    await _imported(session, found.created, found.updated, found.rejected, now=now, actor=actor)


async def _failed(
    session: AsyncSession, import_id: uuid.UUID, now: dt.datetime, exc: Exception, *, final: bool
) -> None:
    found = await session.get_one(FacilityImport, import_id)
    reason = str(exc) if isinstance(exc, PermanentJobError) else type(exc).__name__
    found.problem = reason[:2000]
    found.updated_at = now
    if final:
        found.state, found.finished_at = ImportState.FAILED.value, now
