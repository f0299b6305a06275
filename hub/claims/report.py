"""The supervisors' claims report, per province and BHXH unit: claims decided in a period and how many on time
(by BHXH's due date), and the work waiting now by age and past its due date; as rows and as an Excel workbook."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalogs.adminunits import Era, UnitLevel, admin_catalog
from hub.childcards.report import LEVELS, NO_UNIT, period_bounds, units_by_commune
from hub.claims.models import Claim, ClaimState
from hub.clients.permissions import JurisdictionLevel, Principal, Role
from hub.infra.clock import vietnam_date
from hub.infra.errors import Forbidden, InvalidRequest
from hub.infra.spreadsheets import report_workbook
from hub.persons.models import Person

DECIDED = (ClaimState.APPROVED.value, ClaimState.REJECTED.value, ClaimState.RETURNED.value, ClaimState.PAID.value)
WAITING = (ClaimState.EVIDENCE_PENDING.value, ClaimState.COMPUTED.value)  # the settlement deadline runs
AGES = ((0, 7), (8, 14), (15, 30), (31, None))  # days since the claim was received


@dataclass
class ClaimsReportRow:
    level: str  # "province" or "unit"
    code: str
    name: str
    name_en: str
    decided: int = 0
    on_time: int = 0
    waiting: int = 0
    overdue: int = 0
    by_age: list[int] = field(default_factory=lambda: [0] * len(AGES))

    @property
    def on_time_rate(self) -> float | None:
        return None if not self.decided else self.on_time / self.decided

    def add(self, values: list[int]) -> None:
        """Add a commune's tally: decided, on time, waiting, overdue, then the backlog by age."""
        self.decided += values[0]
        self.on_time += values[1]
        self.waiting += values[2]
        self.overdue += values[3]
        self.by_age = [a + b for a, b in zip(self.by_age, values[4:], strict=True)]


@dataclass
class ClaimsReport:
    first_day: dt.date
    last_day: dt.date
    generated_at: dt.datetime
    rows: list[ClaimsReportRow]


async def claims_report(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, first_day: dt.date, last_day: dt.date
) -> ClaimsReport:
    """Claims decided between the two days (Vietnamese dates, inclusive) and the backlog now, in the actor's
    province (or the country)."""
    actor.require(Role.CLAIM_READ)
    if actor.jurisdiction.level not in (JurisdictionLevel.PROVINCE, JurisdictionLevel.NATIONAL):
        raise Forbidden()
    if first_day > last_day:
        raise InvalidRequest("firstDay is after lastDay.")
    province = actor.jurisdiction.code if actor.jurisdiction.level is JurisdictionLevel.PROVINCE else None
    start, end = period_bounds(first_day, last_day)
    today = vietnam_date(now)
    tallies: dict[tuple[str, str], list[int]] = {}  # (province, commune) → decided, on time, waiting, overdue, ages…

    def tally(province_code: str, commune: str) -> list[int]:
        return tallies.setdefault((province_code, commune), [0] * (4 + len(AGES)))

    decided = (
        select(Claim.province_code, Person.commune_code, Claim.decided_at, Claim.due_on)
        .join(Person, Person.id == Claim.person_id)
        .where(Claim.state.in_(DECIDED), Claim.decided_at >= start, Claim.decided_at < end)
    )
    ages = [
        func.sum(
            case(
                (
                    (Claim.created_at <= now - dt.timedelta(days=low))
                    & (Claim.created_at > now - dt.timedelta(days=high + 1) if high is not None else True),
                    1,
                ),
                else_=0,
            )
        )
        for low, high in AGES
    ]
    backlog = (
        select(
            Claim.province_code,
            Person.commune_code,
            func.count(),
            func.sum(case((Claim.due_on < today, 1), else_=0)),
            *ages,
        )
        .join(Person, Person.id == Claim.person_id)
        .where(Claim.state.in_(WAITING))
        .group_by(Claim.province_code, Person.commune_code)
    )
    if province:
        decided, backlog = (
            decided.where(Claim.province_code == province),
            backlog.where(Claim.province_code == province),
        )
    for province_code, commune, decided_at, due_on in await session.execute(decided):
        row = tally(province_code, commune)
        row[0] += 1
        row[1] += int(due_on is None or decided_at is None or vietnam_date(decided_at) <= due_on)
    for province_code, commune, count, overdue, *by_age in await session.execute(backlog):
        row = tally(province_code, commune)
        row[2] += int(count)
        row[3] += int(overdue or 0)
        for index, value in enumerate(by_age):
            row[4 + index] += int(value or 0)
    units = await units_by_commune(session)
    catalog = admin_catalog()
    provinces: dict[str, ClaimsReportRow] = {}
    by_unit: dict[str, ClaimsReportRow] = {}
    for (province_code, commune), values in tallies.items():
        unit = catalog.get(UnitLevel.PROVINCE, province_code, Era.CURRENT)
        names = (unit.name, unit.name) if unit else ("", "")
        provinces.setdefault(province_code, ClaimsReportRow("province", province_code, *names)).add(values)
        unit_code, unit_name = units.get(commune, ("", ""))
        unit_names = (unit_name, unit_name) if unit_code else NO_UNIT
        by_unit.setdefault(unit_code, ClaimsReportRow("unit", unit_code, *unit_names)).add(values)
    rows = sorted(provinces.values(), key=lambda r: r.code) + sorted(by_unit.values(), key=lambda r: r.code)
    return ClaimsReport(first_day, last_day, now, rows)


HEADINGS = (
    ("Cấp", "Level"),
    ("Mã", "Code"),
    ("Tên", "Name"),
    ("Đã giải quyết", "Decided"),
    ("Đúng hạn", "On time"),
    ("Tỷ lệ đúng hạn", "On-time rate"),
    ("Đang chờ", "Waiting"),
    ("Quá hạn", "Overdue"),
    *(
        (f"{low}-{high} ngày" if high else f"> {low - 1} ngày", f"{low}-{high} days" if high else f"> {low - 1} days")
        for low, high in AGES
    ),
)


def claims_workbook(report: ClaimsReport) -> bytes:
    """The report as an XLSX workbook, Vietnamese headings over English ones."""
    first, last = f"{report.first_day:%d/%m/%Y}", f"{report.last_day:%d/%m/%Y}"
    return report_workbook(
        "Giai quyet che do",
        [
            f"Giải quyết hồ sơ hưởng chế độ ốm đau, thai sản: đã giải quyết từ {first} đến {last}; hồ sơ tồn theo số "
            f"ngày / Sickness and maternity claims: decided from {first} to {last}; the backlog by age"
        ],
        HEADINGS,
        (
            [
                LEVELS[row.level][0],
                row.code,
                row.name if row.name_en == row.name else f"{row.name} / {row.name_en}",
                row.decided,
                row.on_time,
                None if row.on_time_rate is None else round(row.on_time_rate, 4),
                row.waiting,
                row.overdue,
                *row.by_age,
            ]
            for row in report.rows
        ),
        (12, 10, 40, 14, 12, 14, 12, 10, 12, 12, 12, 12),
        number_formats={6: "0.0%"},
    )
