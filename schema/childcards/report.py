"""GraphQL for the timeliness and backlog report, with its Excel workbook."""

from __future__ import annotations

import base64
import datetime as dt

import strawberry
from graphql import GraphQLError

from hub.childcards.report import LEVELS, Report, report_workbook, timeliness_report
from hub.infra.errors import BusinessError
from schema.context import Info, read


@strawberry.type
class ReportRowType:
    level: str = strawberry.field(description="province or unit (BHXH unit)")
    level_label: str = strawberry.field(description="The level in English: Province, BHXH unit.")
    level_label_vi: str = strawberry.field(description="The level in Vietnamese: Tỉnh, Đơn vị BHXH.")
    code: str
    name: str = strawberry.field(description="The unit's name; for communes no BHXH unit serves, in Vietnamese.")
    name_en: str = strawberry.field(description="The unit's name; for communes no BHXH unit serves, in English.")
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
            rows=[
                ReportRowType(**vars(row), level_label=LEVELS[row.level][1], level_label_vi=LEVELS[row.level][0])
                for row in report.rows
            ],
            xlsx_base64=base64.b64encode(report_workbook(report)).decode(),
        )


@strawberry.type
class ChildCardReportQuery:
    @strawberry.field(
        description="Received, issued, rejected, waiting and overdue, per province and BHXH unit. A first day after "
        "the last is refused (REPORT_DATES_REVERSED, with `message` and `messageVi` in the error's extensions)."
    )
    async def child_card_report(self, info: Info, first_day: dt.date, last_day: dt.date) -> ChildCardReport:
        now, actor = info.context.services.clock.now(), info.context.principal
        try:
            report = await read(
                info, lambda s: timeliness_report(s, now=now, actor=actor, first_day=first_day, last_day=last_day)
            )
        except BusinessError as error:
            # A query has no payload to carry it: a top-level error with its code and both messages, placed (a
            # path) so that it is passed on as it is.
            extensions = {"code": error.code, "field": error.field, "message": error.message}
            extensions["messageVi"] = error.message_vi
            raise GraphQLError(error.message, path=info.path.as_list(), extensions=extensions) from None
        return ChildCardReport.from_report(report)
