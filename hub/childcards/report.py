"""Timeliness and backlog report (the seed's "Phụ lục 1"): per province and per BHXH unit, registrations received,
cards issued, rejected, still waiting, and waiting longer than the deadline; as rows and as an Excel workbook."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalogs.adminunits import Era, UnitLevel, admin_catalog
from hub.catalogs.models import BhxhUnit, BhxhUnitCommune
from hub.childcards.errors import ChildCardErrorCode as E
from hub.childcards.errors import childcard_error
from hub.childcards.models import CaseState, ChildCardCase
from hub.clients.permissions import JurisdictionLevel, Principal, Role
from hub.infra import spreadsheets
from hub.infra.clock import VIETNAM
from hub.infra.errors import Forbidden

# NĐ 63/2024 expects the card within 2 working days of a complete file [weekends only: public holidays to add].
DEADLINE_WORKING_DAYS = 2
WAITING = (CaseState.RECEIVED.value, CaseState.NEEDS_REVIEW.value)
ISSUED = (CaseState.CARD_ISSUED.value, CaseState.CARD_CHANGED.value)


# Every label in Vietnamese and English: the levels of rows, and the row of communes no BHXH unit serves.
LEVELS = {"province": ("Tỉnh", "Province"), "unit": ("Đơn vị BHXH", "BHXH unit")}
NO_UNIT = ("(Không có đơn vị BHXH phụ trách xã)", "(no BHXH unit serves the commune)")


@dataclass
class ReportRow:
    level: str  # "province" or "unit"
    code: str
    name: str  # the unit's own name (Vietnamese), or NO_UNIT's Vietnamese label
    name_en: str  # the same proper name, or NO_UNIT's English label
    received: int = 0
    issued: int = 0
    rejected: int = 0
    cancelled: int = 0
    waiting: int = 0
    overdue: int = 0

    def add(self, other: ReportRow) -> None:
        for name in ("received", "issued", "rejected", "cancelled", "waiting", "overdue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Report:
    first_day: dt.date
    last_day: dt.date
    generated_at: dt.datetime
    overdue_before: dt.datetime
    rows: list[ReportRow] = field(default_factory=list)


def period_bounds(first_day: dt.date, last_day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The instants (UTC) the first day starts and the last day ends, Vietnamese days, the last included."""
    start = dt.datetime.combine(first_day, dt.time(), VIETNAM).astimezone(dt.UTC)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), VIETNAM).astimezone(dt.UTC)
    return start, end


async def units_by_commune(session: AsyncSession) -> dict[str, tuple[str, str]]:
    """The code and name of the BHXH unit that serves each commune, by the commune's code."""
    return {
        commune: (unit_code, name)
        for commune, unit_code, name in await session.execute(
            select(BhxhUnitCommune.commune_code, BhxhUnit.code, BhxhUnit.name).join(BhxhUnit)
        )
    }


def working_days_before(moment: dt.datetime, days: int) -> dt.datetime:
    """The instant `days` working days (Monday to Friday, Vietnamese time) before `moment`."""
    local = moment.astimezone(VIETNAM)
    while days > 0:
        local -= dt.timedelta(days=1)
        if local.weekday() < 5:
            days -= 1
    return local.astimezone(dt.UTC)


async def timeliness_report(
    session: AsyncSession,
    *,
    now: dt.datetime,
    actor: Principal | None,
    first_day: dt.date,
    last_day: dt.date,
    province_code: str | None = None,
) -> Report:
    """Registrations received between the two days (inclusive, Vietnamese dates), in the actor's jurisdiction
    (`actor` None: the console, national), optionally of one province."""
    if actor is not None:
        actor.require(Role.CHILD_CARD_REVIEW)
        if actor.jurisdiction.level not in (JurisdictionLevel.PROVINCE, JurisdictionLevel.NATIONAL):
            raise Forbidden()
    if first_day > last_day:  # an empty period would count nothing and look like a quiet month
        raise childcard_error(E.REPORT_DATES_REVERSED, field="firstDay", first_day=first_day, last_day=last_day)
    start, end = period_bounds(first_day, last_day)
    overdue_before = working_days_before(now, DEADLINE_WORKING_DAYS)
    query = (
        select(
            ChildCardCase.province_code,
            ChildCardCase.commune_code,
            ChildCardCase.state,
            func.count(),
            func.sum(case((ChildCardCase.received_at < overdue_before, 1), else_=0)),
        )
        .where(ChildCardCase.received_at >= start, ChildCardCase.received_at < end)
        .group_by(ChildCardCase.province_code, ChildCardCase.commune_code, ChildCardCase.state)
    )
    if actor is not None and actor.jurisdiction.level is JurisdictionLevel.PROVINCE:
        query = query.where(ChildCardCase.province_code == actor.jurisdiction.code)
    if province_code:
        query = query.where(ChildCardCase.province_code == province_code)
    units = await units_by_commune(session)
    catalog = admin_catalog()
    provinces: dict[str, ReportRow] = {}
    by_unit: dict[str, ReportRow] = {}
    for province_code, commune_code, state, count, old in await session.execute(query):
        unit = catalog.get(UnitLevel.PROVINCE, province_code, Era.CURRENT)
        row = provinces.setdefault(
            province_code, ReportRow("province", province_code, *(unit.name, unit.name) if unit else ("", ""))
        )
        tally = _tally(state, int(count), int(old or 0))
        row.add(tally)
        unit_code, unit_name = units.get(commune_code, ("", ""))
        names = (unit_name, unit_name) if unit_code else NO_UNIT
        by_unit.setdefault(unit_code, ReportRow("unit", unit_code, *names)).add(tally)
    rows = sorted(provinces.values(), key=lambda r: r.code) + sorted(by_unit.values(), key=lambda r: r.code)
    return Report(first_day, last_day, now, overdue_before, rows)


def _tally(state: str, count: int, received_before_deadline: int) -> ReportRow:
    row = ReportRow("", "", "", "", received=count)
    if state in ISSUED:
        row.issued = count
    elif state == CaseState.REJECTED.value:
        row.rejected = count
    elif state == CaseState.CARD_REVOKED.value:
        row.cancelled = count
    elif state in WAITING:
        row.waiting, row.overdue = count, received_before_deadline
    return row


HEADINGS = (
    ("Cấp", "Level"),
    ("Mã", "Code"),
    ("Tên", "Name"),
    ("Tiếp nhận", "Received"),
    ("Đã cấp thẻ", "Cards issued"),
    ("Từ chối", "Rejected"),
    ("Hủy", "Cancelled"),
    ("Đang chờ", "Waiting"),
    ("Quá hạn", "Overdue"),
)


def report_workbook(report: Report) -> bytes:
    """The report as an XLSX workbook, Vietnamese headings over English ones."""
    first, last = f"{report.first_day:%d/%m/%Y}", f"{report.last_day:%d/%m/%Y}"
    overdue = f"{report.overdue_before.astimezone(VIETNAM):%d/%m/%Y %H:%M}"
    return spreadsheets.report_workbook(
        "Phu luc 1",
        [
            f"Báo cáo liên thông đăng ký khai sinh – cấp thẻ BHYT trẻ dưới 6 tuổi, từ {first} đến {last} / "
            f"Birth registrations to health-insurance cards of children under 6, from {first} to {last}",
            f"Quá hạn: tiếp nhận trước {overdue} ({DEADLINE_WORKING_DAYS} ngày làm việc) mà chưa cấp thẻ / "
            f"Overdue: received before {overdue} ({DEADLINE_WORKING_DAYS} working days) and no card yet",
        ],
        HEADINGS,
        (
            [
                LEVELS[row.level][0],
                row.code,
                row.name if row.name_en == row.name else f"{row.name} / {row.name_en}",
                row.received,
                row.issued,
                row.rejected,
                row.cancelled,
                row.waiting,
                row.overdue,
            ]
            for row in report.rows
        ),
        (12, 10, 40, 12, 12, 10, 10, 10, 10),
        footer=["; ".join(f"{vi}: {en}" for vi, en in LEVELS.values())],
    )
