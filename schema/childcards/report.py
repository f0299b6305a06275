"""GraphQL for the timeliness and backlog report, with its Excel workbook."""

from __future__ import annotations

import base64
import datetime as dt

import strawberry

from hub.childcards.report import Report, report_workbook, timeliness_report
from schema.context import Info, read


@strawberry.type
class ReportRowType:
    level: str = strawberry.field(description="province or unit (BHXH unit)")
    code: str
    name: str
    received: int
    issued: int
    rejected: int
    cancelled: int
    waiting: int
    overdue: int = strawberry.field(description="Waiting past the deadline (2 working days).")


@strawberry.type
class ChildCardReport:
    first_day: dt.date
    last_day: dt.date
    generated_at: dt.datetime
    overdue_before: dt.datetime
    rows: list[ReportRowType]
    xlsx_base64: str = strawberry.field(description="The same report as an Excel workbook (.xlsx), base64.")

    @classmethod
    def from_report(cls, report: Report) -> ChildCardReport:
        return cls(
            first_day=report.first_day,
            last_day=report.last_day,
            generated_at=report.generated_at,
            overdue_before=report.overdue_before,
            rows=[ReportRowType(**vars(row)) for row in report.rows],
            xlsx_base64=base64.b64encode(report_workbook(report)).decode(),
        )


@strawberry.type
class ChildCardReportQuery:
    @strawberry.field(description="Received, issued, rejected, waiting and overdue, per province and BHXH unit.")
    async def child_card_report(self, info: Info, first_day: dt.date, last_day: dt.date) -> ChildCardReport:
        now, actor = info.context.services.clock.now(), info.context.principal
        report = await read(
            info, lambda s: timeliness_report(s, now=now, actor=actor, first_day=first_day, last_day=last_day)
        )
        return ChildCardReport.from_report(report)
