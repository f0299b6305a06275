"""GraphQL for finding cases: filtered lists with cursors and totals, one case, the case of a card number."""

from __future__ import annotations

import datetime as dt

import strawberry

from hub.childcards.models import CaseState, ChildCardCase
from hub.childcards.queries import CaseFilter, read_card, read_case, search_cases
from schema.childcards.types import ChildCardCaseType
from schema.context import Info, write
from schema.pagination import PageInfo, decode_time_cursor, page_info, time_cursor

CURSOR_KIND = "case"


@strawberry.input
class CaseFilterInput:
    states: list[CaseState] | None = None
    registry_office_code: str | None = None
    province_code: str | None = None
    facility_code: str | None = None
    name: str | None = strawberry.field(default=None, description="Part of the child's name, diacritics optional.")
    personal_id_number: str | None = None
    registered_from: dt.date | None = None
    registered_to: dt.date | None = None
    received_from: dt.datetime | None = None
    received_to: dt.datetime | None = None
    issued_from: dt.datetime | None = None
    issued_to: dt.datetime | None = None

    def to_filter(self) -> CaseFilter:
        return CaseFilter(
            states=tuple(self.states or ()),
            registry_office_code=self.registry_office_code,
            province_code=self.province_code,
            facility_code=self.facility_code,
            name=self.name,
            personal_id_number=self.personal_id_number,
            registered_from=self.registered_from,
            registered_to=self.registered_to,
            received_from=self.received_from,
            received_to=self.received_to,
            issued_from=self.issued_from,
            issued_to=self.issued_to,
        )


@strawberry.type
class CaseSummary:
    reference: str
    state: CaseState
    registry_office_code: str
    book_number: str
    record_number: str
    child_name: str
    child_personal_id_number: str | None
    facility_code: str
    registered_on: dt.date
    received_at: dt.datetime
    issued_at: dt.datetime | None

    @classmethod
    def from_model(cls, c: ChildCardCase) -> CaseSummary:
        return cls(
            reference=c.reference,
            state=CaseState(c.state),
            registry_office_code=c.registry_office_code,
            book_number=c.book_number,
            record_number=c.record_number,
            child_name=c.child_name,
            child_personal_id_number=c.child_personal_id,
            facility_code=c.facility_code,
            registered_on=c.registered_on,
            received_at=c.received_at,
            issued_at=c.issued_at,
        )


@strawberry.type
class CaseEdge:
    cursor: str
    node: CaseSummary


@strawberry.type
class CaseConnection:
    total_count: int
    edges: list[CaseEdge]
    page_info: PageInfo


def _cursor(case: ChildCardCase) -> str:
    return time_cursor(CURSOR_KIND, case.received_at, case.id)


@strawberry.type
class ChildCardCaseQuery:
    @strawberry.field(description="Cases in your jurisdiction, newest first, with the total (reads are audited).")
    async def child_card_cases(
        self, info: Info, filter: CaseFilterInput | None = None, first: int = 50, after: str | None = None
    ) -> CaseConnection:
        where = filter.to_filter() if filter else CaseFilter()
        start = decode_time_cursor(CURSOR_KIND, after) if after else None
        page = await write(
            info, lambda s, now, actor: search_cases(s, now=now, actor=actor, where=where, after=start, limit=first)
        )
        edges = [CaseEdge(cursor=_cursor(c), node=CaseSummary.from_model(c)) for c in page.cases]
        return CaseConnection(
            total_count=page.total,
            edges=edges,
            page_info=page_info([e.cursor for e in edges], page.has_next),
        )

    @strawberry.field(description="A case by its reference, with its cards and history (the read is audited).")
    async def child_card_case(self, info: Info, reference: str) -> ChildCardCaseType:
        view = await write(info, lambda s, now, actor: read_case(s, now=now, actor=actor, reference=reference))
        return ChildCardCaseType.from_view(view)

    @strawberry.field(description="The case a card number (any version) belongs to.")
    async def child_card(self, info: Info, card_number: str) -> ChildCardCaseType:
        view = await write(
            info, lambda s, now, actor: read_card(s, now=now, actor=actor, card_number=card_number.strip().upper())
        )
        return ChildCardCaseType.from_view(view)
