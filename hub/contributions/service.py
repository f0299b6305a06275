"""Insured people's contributions, the only code that writes employers and contribution months: a batch of records
from BHXH's contribution system (or an imported file) is stored set-based, and contribution histories are read back
for the benefit rules.

Storing a batch takes a handful of statements whatever its size: one to find the people (by ID number, then BHXH
code), one insert for those the hub does not know yet, one update for those given an identifier they lacked, three
for the employers (read, insert the new, update the changed), one to read the months already stored and one upsert
for the months that are new or changed. The contribution system is the source of truth for contributions: a month
stored with other values is replaced, and the same data again changes nothing. It is not the source of truth for who
people are: a person the hub knows keeps their name and address; only a missing ID number or BHXH code is added.
Months are never deleted by a load.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.service import AuditEvent, record
from hub.claims.rules.contributions import AVERAGE_MONTHS
from hub.claims.rules.inputs import ContributionHistory, ContributionKind, ContributionMonth, WorkType
from hub.claims.rules.months import Month
from hub.clients.permissions import Principal
from hub.contributions.models import ContributionMonthRow, Employer
from hub.contributions.people import (
    PURPOSE,
    PersonMatch,
    attach_identifiers,
    identity_keys,
    match_people,
    reject_repeated_identifiers,
)
from hub.contributions.records import (
    ContributionPeriod,
    ContributionRecord,
    ContributionSource,
    EmployerInfo,
    check_record,
    month_rows,
)
from hub.documents.linking import link_waiting
from hub.infra.clock import vietnam_date
from hub.infra.db import insert_for, lock_keys
from hub.infra.errors import BusinessError
from hub.infra.ids import new_id
from hub.persons.news import News, tell

__all__ = [
    "ContributionPeriod",
    "ContributionRecord",
    "ContributionSource",
    "EmployerInfo",
    "RejectedRecord",
    "StoreReport",
    "StoredRecord",
    "contribution_histories",
    "store_contributions",
]

MAX_RECORDS = 5_000  # per call: keeps every IN list and statement well inside the drivers' parameter limits
HISTORY_CHUNK = 10_000  # people per query when reading histories
EMPLOYERS = cast(Table, Employer.__table__)
MONTHS = cast(Table, ContributionMonthRow.__table__)
_MONTH_VALUES = ("employer_id", "salary_vnd", "work_type", "kind", "source", "updated_at")


@dataclass(frozen=True)
class StoredRecord:
    """What storing one record did: `index` is its position in the batch."""

    index: int
    person_id: uuid.UUID
    created: bool  # the person was new to the hub
    months_added: int
    months_replaced: int  # stored before with another salary, employer, work type or kind
    months_unchanged: int


@dataclass(frozen=True)
class RejectedRecord:
    """A record stored not at all, with every reason."""

    index: int
    errors: list[BusinessError]


@dataclass
class StoreReport:
    stored: list[StoredRecord] = field(default_factory=list)
    rejected: list[RejectedRecord] = field(default_factory=list)
    employers_added: int = 0
    employers_updated: int = 0
    documents_linked: int = 0  # documents that waited for one of these people and are now linked to them

    @property
    def people_created(self) -> int:
        return sum(1 for s in self.stored if s.created)

    @property
    def people_found(self) -> int:
        return sum(1 for s in self.stored if not s.created)

    @property
    def months_added(self) -> int:
        return sum(s.months_added for s in self.stored)

    @property
    def months_replaced(self) -> int:
        return sum(s.months_replaced for s in self.stored)

    @property
    def months_unchanged(self) -> int:
        return sum(s.months_unchanged for s in self.stored)


MonthValues = tuple[uuid.UUID | None, int, str, str]  # employer id, salary, work type, kind


async def store_contributions(
    session: AsyncSession,
    records: Sequence[ContributionRecord],
    *,
    now: dt.datetime,
    actor: Principal | None,
    source: ContributionSource,
) -> StoreReport:
    """Store a batch of up to MAX_RECORDS records in the caller's transaction; each is stored whole or rejected.

    `actor` is who the load runs for (None: the hub itself, a job or the command line); authorising it is the
    caller's business. The audit gets one entry for the batch, one per person created or given an identifier and one
    per person whose months changed; it is appended last, so the caller should commit soon after.
    """
    if len(records) > MAX_RECORDS:
        raise ValueError(f"store at most {MAX_RECORDS} records per call, not {len(records)}")
    today = vietnam_date(now)
    report = StoreReport()
    rejected: dict[int, list[BusinessError]] = {}
    for index, candidate in enumerate(records):
        if errors := check_record(candidate, today=today):
            rejected[index] = errors
    reject_repeated_identifiers(records, rejected)
    valid = [index for index in range(len(records)) if index not in rejected]
    await lock_keys(session, identity_keys(records[index] for index in valid))

    audit: list[AuditEvent] = []
    matches = await match_people(session, records, valid, rejected, now=now, audit=audit)
    await attach_identifiers(session, matches, now=now, source=source, audit=audit)
    employer_ids = await _upsert_employers(session, matches, now=now, report=report)
    await _upsert_months(session, matches, employer_ids, now=now, source=source, report=report, audit=audit)

    linked = [match.person_id for match in matches if match.created or match.attach]
    report.documents_linked = await link_waiting(session, linked, now=now)
    # Claims waiting on these people's contributions are looked at again (hub.claims.reevaluation).
    await tell(session, News.CONTRIBUTIONS_STORED, [match.person_id for match in matches], now=now)
    report.rejected = [RejectedRecord(index, errors) for index, errors in sorted(rejected.items())]
    audit.append(
        AuditEvent(
            "contributions.store",
            PURPOSE,
            details={
                "source": source.value,
                "records": len(records),
                "rejected": len(report.rejected),
                "people_created": report.people_created,
                "people_found": report.people_found,
                "months_added": report.months_added,
                "months_replaced": report.months_replaced,
                "months_unchanged": report.months_unchanged,
                "employers_added": report.employers_added,
                "employers_updated": report.employers_updated,
                "documents_linked": report.documents_linked,
            },
        )
    )
    await record(session, now=now, actor=actor, events=audit)
    return report


RECENT_MONTHS = 34  # how far before the earliest event a history is listed month by month (see below)


def recent_since(events: Iterable[dt.date]) -> dt.date:
    """From when to list the histories that the rules read for claims with these event dates."""
    return Month.of(min(events)).shift(-RECENT_MONTHS).first_day


async def contribution_histories(
    session: AsyncSession, person_ids: Collection[uuid.UUID], *, since: dt.date | None = None
) -> dict[uuid.UUID, ContributionHistory]:
    """The contribution history of each person asked about (empty for a person with none), in one query for up to
    HISTORY_CHUNK people. Reading personal data: the caller audits it with the purpose it reads for.

    With `since`, the months from then on are listed and the compulsory months before are only counted (histories
    run to hundreds of months): enough for events from RECENT_MONTHS after `since` on, whose rules look at most 14
    months back, and at the 6 latest compulsory months before a leave. A person with fewer than 6 compulsory months
    in the 12 from `since` but some before is read in full, so that those 6 are always listed."""
    wanted = list(dict.fromkeys(person_ids))
    if since is None:
        return {p: ContributionHistory(tuple(months)) for p, months in (await _months(session, wanted, None)).items()}
    start = Month.of(since)
    before = await _compulsory_counts(session, wanted, start)
    listed = await _months(session, wanted, start)
    year_after = start.shift(12)
    thin = [
        person_id
        for person_id, months in listed.items()
        if before.get(person_id) and sum(1 for m in months if m.compulsory and m.month < year_after) < AVERAGE_MONTHS
    ]
    histories = {p: ContributionHistory(tuple(m), start, before.get(p, 0)) for p, m in listed.items()}
    for person_id, months in (await _months(session, thin, None)).items():
        histories[person_id] = ContributionHistory(tuple(months))
    return histories


async def _months(
    session: AsyncSession, wanted: Sequence[uuid.UUID], start: Month | None
) -> dict[uuid.UUID, list[ContributionMonth]]:
    months: dict[uuid.UUID, list[ContributionMonth]] = {person_id: [] for person_id in wanted}
    # Histories run to hundreds of months each: share the month and enum objects, and read through Core.
    calendar: dict[dt.date, Month] = {}
    work_types = {member.value: member for member in WorkType}
    kinds = {member.value: member for member in ContributionKind}
    columns = MONTHS.c
    for chunk in range(0, len(wanted), HISTORY_CHUNK):
        query = select(columns.person_id, columns.month, columns.salary_vnd, columns.work_type, columns.kind).where(
            columns.person_id.in_(wanted[chunk : chunk + HISTORY_CHUNK])
        )
        if start is not None:
            query = query.where(columns.month >= start.first_day)
        for person_id, day, salary, work_type, kind in await session.execute(
            query.order_by(columns.person_id, columns.month)
        ):
            month = calendar.get(day) or calendar.setdefault(day, Month(day.year, day.month))
            months[person_id].append(ContributionMonth(month, salary, work_types[work_type], kinds[kind]))
    return months


async def _compulsory_counts(session: AsyncSession, wanted: Sequence[uuid.UUID], start: Month) -> dict[uuid.UUID, int]:
    columns = MONTHS.c
    counts: dict[uuid.UUID, int] = {}
    for chunk in range(0, len(wanted), HISTORY_CHUNK):
        rows = await session.execute(
            select(columns.person_id, func.count())
            .where(
                columns.person_id.in_(wanted[chunk : chunk + HISTORY_CHUNK]),
                columns.month < start.first_day,
                columns.kind == ContributionKind.COMPULSORY.value,
            )
            .group_by(columns.person_id)
        )
        counts.update({person_id: count for person_id, count in rows})
    return counts


# -- employers and months ------------------------------------------------------------------------------------------


async def _upsert_employers(
    session: AsyncSession, matches: list[PersonMatch], *, now: dt.datetime, report: StoreReport
) -> dict[str, uuid.UUID]:
    """Each employer the batch names, added or brought up to date (the last record naming it wins; a tax code is
    never erased); their ids by code."""
    named: dict[str, EmployerInfo] = {}
    for match in matches:
        for period in match.record.periods:
            if period.employer is not None:
                named[period.employer.code] = period.employer
    if not named:
        return {}
    existing = (
        await session.execute(
            select(Employer.code, Employer.id, Employer.name, Employer.tax_code, Employer.province_code).where(
                Employer.code.in_(named)
            )
        )
    ).all()
    ids = {row.code: row.id for row in existing}
    changes = []
    for row in existing:
        given = named[row.code]
        tax_code = given.tax_code or row.tax_code
        if (row.name, row.tax_code, row.province_code) != (given.name, tax_code, given.province_code):
            changes.append(
                {
                    "id": row.id,
                    "name": given.name,
                    "tax_code": tax_code,
                    "province_code": given.province_code,
                    "updated_at": now,
                }
            )
    if changes:
        await session.execute(update(Employer), changes)
    new = [given for code, given in named.items() if code not in ids]
    if new:
        insert = insert_for(session)
        # Another load may add the same employer meanwhile: its row is kept, and its id read back below.
        await session.execute(
            insert(EMPLOYERS).on_conflict_do_nothing(index_elements=["code"]),
            [
                {
                    "id": new_id(),
                    "code": given.code,
                    "name": given.name,
                    "tax_code": given.tax_code,
                    "province_code": given.province_code,
                    "created_at": now,
                    "updated_at": now,
                }
                for given in new
            ],
        )
        added = await session.execute(
            select(Employer.code, Employer.id).where(Employer.code.in_([given.code for given in new]))
        )
        ids.update({code: employer_id for code, employer_id in added.all()})
    report.employers_added += len(new)
    report.employers_updated += len(changes)
    return ids


async def _upsert_months(
    session: AsyncSession,
    matches: list[PersonMatch],
    employer_ids: dict[str, uuid.UUID],
    *,
    now: dt.datetime,
    source: ContributionSource,
    report: StoreReport,
    audit: list[AuditEvent],
) -> None:
    """Write the months that are new or differ from those stored (one read, one upsert) and count what happened."""
    stored = await _stored_months(session, matches)
    writes: list[dict[str, Any]] = []
    for match in matches:
        added = replaced = unchanged = 0
        for month, period in month_rows(match.record):
            employer_id = employer_ids[period.employer.code] if period.employer is not None else None
            values: MonthValues = (employer_id, period.salary_vnd, period.work_type.value, period.kind.value)
            before = stored.get((match.person_id, month.first_day))
            if before == values:
                unchanged += 1
                continue
            if before is None:
                added += 1
            else:
                replaced += 1
            writes.append(
                {
                    "person_id": match.person_id,
                    "month": month.first_day,
                    **dict(zip(_MONTH_VALUES, (*values, source.value, now), strict=True)),
                }
            )
        report.stored.append(StoredRecord(match.index, match.person_id, match.created, added, replaced, unchanged))
        if added or replaced:
            audit.append(
                AuditEvent(
                    "contributions.write",
                    PURPOSE,
                    match.person_id,
                    {"source": source.value, "months_added": added, "months_replaced": replaced},
                )
            )
    report.stored.sort(key=lambda stored_record: stored_record.index)
    if writes:
        insert = insert_for(session)
        statement = insert(MONTHS)
        statement = statement.on_conflict_do_update(
            index_elements=["person_id", "month"], set_={name: statement.excluded[name] for name in _MONTH_VALUES}
        )
        await session.execute(statement, writes)


async def _stored_months(
    session: AsyncSession, matches: list[PersonMatch]
) -> dict[tuple[uuid.UUID, dt.date], MonthValues]:
    """The months already stored for the people found (new people have none), within the batch's months."""
    found = [match for match in matches if not match.created and match.record.periods]
    if not found:
        return {}
    first = min(period.first for match in found for period in match.record.periods)
    last = max(period.last for match in found for period in match.record.periods)
    rows = await session.execute(
        select(
            ContributionMonthRow.person_id,
            ContributionMonthRow.month,
            ContributionMonthRow.employer_id,
            ContributionMonthRow.salary_vnd,
            ContributionMonthRow.work_type,
            ContributionMonthRow.kind,
        ).where(
            ContributionMonthRow.person_id.in_([match.person_id for match in found]),
            ContributionMonthRow.month.between(first.first_day, last.first_day),
        )
    )
    return {
        (person_id, month): (employer_id, salary, work_type, kind)
        for person_id, month, employer_id, salary, work_type, kind in rows
    }
