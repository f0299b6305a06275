"""GraphQL for the supervisors' claims report: on time and backlog by age, per province and BHXH unit, with Excel."""

from __future__ import annotations

import base64
import datetime as dt

import strawberry

from hub.childcards.report import LEVELS
from hub.claims.report import AGES, ClaimsReport, claims_report, claims_workbook
from schema.context import Info, read


@strawberry.type
class ClaimsReportRowType:
    level: str = strawberry.field(description="province or unit (BHXH unit)")
    level_label: str
    level_label_vi: str
    code: str
    name: str
    name_en: str
    decided: int = strawberry.field(description="Claims decided in the period (approved, returned, rejected, paid).")
    on_time: int = strawberry.field(description="Of those, decided by BHXH's due date.")
    on_time_rate: float | None = strawberry.field(description="onTime / decided; null with nothing decided.")
    waiting: int = strawberry.field(description="Waiting now (evidence pending or to decide).")
    overdue: int = strawberry.field(description="Of those, past their due date.")
    by_age: list[int] = strawberry.field(description="The waiting claims by days since received: see ageBuckets.")


@strawberry.type
class ClaimsReportType:
    first_day: dt.date
    last_day: dt.date
    generated_at: dt.datetime
    age_buckets: list[str] = strawberry.field(description="The age buckets of byAge, in days: 0-7, 8-14, 15-30, 31-.")
    rows: list[ClaimsReportRowType]
    report: strawberry.Private[ClaimsReport]

    @strawberry.field(description="The same report as an Excel workbook (.xlsx), base64 (built only when asked).")
    def xlsx_base64(self) -> str:
        return base64.b64encode(claims_workbook(self.report)).decode()

    @classmethod
    def of(cls, report: ClaimsReport) -> ClaimsReportType:
        return cls(
            first_day=report.first_day,
            last_day=report.last_day,
            generated_at=report.generated_at,
            age_buckets=[f"{low}-{high if high is not None else ''}" for low, high in AGES],
            rows=[
                ClaimsReportRowType(
                    level=row.level,
                    level_label=LEVELS[row.level][1],
                    level_label_vi=LEVELS[row.level][0],
                    code=row.code,
                    name=row.name,
                    name_en=row.name_en,
                    decided=row.decided,
                    on_time=row.on_time,
                    on_time_rate=row.on_time_rate,
                    waiting=row.waiting,
                    overdue=row.overdue,
                    by_age=row.by_age,
                )
                for row in report.rows
            ],
            report=report,
        )


@strawberry.type
class ClaimsReportQuery:
    @strawberry.field(
        description="Claims decided in the period and how many on time, and the work waiting now by age and overdue, "
        "per province and BHXH unit, within your province or the country (claim:read)."
    )
    async def claims_report(self, info: Info, first_day: dt.date, last_day: dt.date) -> ClaimsReportType:
        now, actor = info.context.services.clock.now(), info.context.principal
        report = await read(
            info, lambda s: claims_report(s, now=now, actor=actor, first_day=first_day, last_day=last_day)
        )
        return ClaimsReportType.of(report)
