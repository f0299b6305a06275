"""Import the facility list BHXH offices exchange (CSV or XLSX): good rows are stored, each bad row is reported.

Columns (header names are matched without diacritics or case; the aliases are the Vietnamese headings):
MA_CSKCB (code), TEN_CSKCB (name), MA_TINH (province), MA_XA (commune, optional), DIA_CHI (address, optional),
TUYEN (level 1–4), KCB_BD_TRE_EM (accepts children's primary-care registration: 1/0), HD_TU_NGAY and
HD_DEN_NGAY (BHYT contract dates, optional: dd/mm/yyyy, yyyymmdd or yyyy-mm-dd).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.catalogs.errors import CatalogErrorCode as C
from hub.catalogs.errors import catalog_error
from hub.catalogs.facilities import FacilityFields, apply_fields, differs, new_facility, validate_facility
from hub.catalogs.models import FacilityLevel, HealthFacility
from hub.clients.permissions import Principal, Role
from hub.infra.clock import vietnam_date
from hub.infra.db import analyze
from hub.infra.errors import BusinessError
from hub.infra.spreadsheets import DATE_FORMATS, Cell, RejectedRow, UnreadableFile, find_columns
from hub.infra.text import fold

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
    today = vietnam_date(now)
    report = ImportReport()
    first_seen: dict[str, int] = {}
    batch: list[tuple[int, FacilityFields]] = []
    for number, cells in enumerate(rows, start=2):
        if not any(cell not in (None, "") for cell in cells):
            continue  # blank lines at the end of a sheet
        fields, errors = parse_row(cells, columns)
        errors += validate_facility(fields, today=today)
        if actor is not None and not actor.jurisdiction.covers(fields.location):
            errors.append(catalog_error(C.OUTSIDE_JURISDICTION, field="provinceCode", code=fields.province_code))
        if fields.code in first_seen:
            errors.append(
                catalog_error(C.DUPLICATE_IN_FILE, field="code", code=fields.code, first_row=first_seen[fields.code])
            )
        if errors:
            report.rejected.append(RejectedRow(number, fields.code, errors))
        else:
            first_seen[fields.code] = number
            batch.append((number, fields))
        if len(batch) >= batch_size:
            await _store(session, batch, now, report)
            batch = []
        progress(1)
    await _store(session, batch, now, report)
    if report.created or report.updated:
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
                details={"created": report.created, "updated": report.updated, "rejected": len(report.rejected)},
            )
        ],
    )
    return report


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
