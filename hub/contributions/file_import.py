"""Import contributions from a file (CSV or XLSX) exported from BHXH's contribution system or kept by an office:
good rows are stored, a thousand people per transaction; each bad row is reported with every reason.

One row per contribution period of one person (a row per month is a period of one month). Columns, matched without
diacritics or case; the aliases are the Vietnamese headings:

    SO_DINH_DANH       personal identification number, 12 digits  } at least one column and, on each row, one value
    MA_SO_BHXH         BHXH code, 10 digits                       }
    HO_TEN             full name
    NGAY_SINH          date of birth: dd/mm/yyyy, yyyymmdd or yyyy-mm-dd (or a date cell)
    GIOI_TINH          1 / nam / male, 2 / nữ / female
    MA_TINH, MA_XA     the province (2 digits) and commune (5 digits) where the person lives, current units
    DIA_CHI            address (optional)
    MA_DON_VI          the employer's BHXH unit code (blank for a voluntary contributor)
    TEN_DON_VI, MST_DON_VI, MA_TINH_DON_VI    employer name, tax code (optional), province (2 digits)
    TU_THANG, DEN_THANG   first and last month paid: mm/yyyy, yyyy-mm or yyyymm (DEN_THANG blank: one month)
    MUC_LUONG          monthly contribution salary in whole VND (8500000, 8.500.000 or 8,500,000)
    DIEU_KIEN_LAM_VIEC normal (blank, 0, bình thường) or heavy_hazardous (1, nặng nhọc độc hại); optional
    LOAI_DONG          compulsory (bắt buộc) or voluntary (tự nguyện); optional: blank means compulsory with an
                       employer code, voluntary without

Rows giving the same ID number (or, without one, the same BHXH code) are one person, and must give the same name,
date of birth, gender and identifiers; their periods must not share a month; an employer code must come with the
same name, tax code and province wherever it appears. A person the store refuses (an identifier held by someone
else, another date of birth) has every one of their rows rejected.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from hub.claims.rules.months import Month
from hub.clients.permissions import Principal
from hub.contributions.errors import ContributionErrorCode as C
from hub.contributions.errors import contribution_error
from hub.contributions.records import ContributionPeriod, ContributionRecord, ContributionSource, EmployerInfo
from hub.contributions.rows import COLUMNS, column_map, parse_row, row_label
from hub.contributions.service import store_contributions
from hub.infra.clock import vietnam_date
from hub.infra.db import Database
from hub.infra.errors import BusinessError
from hub.infra.spreadsheets import Cell, RejectedRow, UnreadableFile
from hub.infra.text import fold

__all__ = [
    "COLUMNS",
    "ContributionImportReport",
    "PersonRows",
    "PreparedFile",
    "UnreadableFile",
    "column_map",
    "import_contributions",
    "parse_row",
    "prepare",
]

BATCH_SIZE = 1000  # people per transaction


@dataclass
class PersonRows:
    """One person of the file: their identity, every period of their good rows, and those rows."""

    record: ContributionRecord
    rows: list[int]


@dataclass
class PreparedFile:
    """The file read and checked: the people to store, the rows rejected, and the number of blank rows skipped."""

    people: list[PersonRows] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    blank: int = 0


@dataclass
class ContributionImportReport:
    rows_stored: int = 0
    people_created: int = 0
    people_found: int = 0
    months_added: int = 0
    months_replaced: int = 0
    months_unchanged: int = 0
    employers_added: int = 0
    employers_updated: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)


@dataclass
class _Person:
    """A person being gathered from the file."""

    first_row: int
    record: ContributionRecord
    rows: list[int] = field(default_factory=list)
    periods: list[ContributionPeriod] = field(default_factory=list)
    months: dict[Month, int] = field(default_factory=dict)  # each month given, and on which row

    def differences(self, other: ContributionRecord) -> list[str]:
        """The identity fields in which `other` differs from this person's first row."""
        mine, theirs = self.record, other
        pairs = (
            ("fullName", fold(mine.full_name), fold(theirs.full_name)),
            ("dateOfBirth", mine.date_of_birth, theirs.date_of_birth),
            ("gender", mine.gender, theirs.gender),
            ("personalIdNumber", mine.personal_id_number, theirs.personal_id_number),
            ("bhxhCode", mine.bhxh_code, theirs.bhxh_code),
        )
        return [name for name, a, b in pairs if a != b]


def prepare(rows: Iterable[list[Cell]], columns: dict[str, int], *, today: dt.date) -> PreparedFile:
    """Read every row, gather the good ones by person, and reject each bad row with its reasons."""
    prepared = PreparedFile()
    people: list[_Person] = []
    by_number: dict[str, _Person] = {}
    by_code: dict[str, _Person] = {}
    employers: dict[str, tuple[EmployerInfo, int]] = {}
    for number, cells in enumerate(rows, start=2):  # as a spreadsheet shows it: the header is row 1
        if not any(cell not in (None, "") for cell in cells):
            prepared.blank += 1
            continue
        record, errors = parse_row(cells, columns, today=today)
        if record is None:
            prepared.rejected.append(RejectedRow(number, row_label(cells, columns), errors))
            continue
        (period,) = record.periods
        person = by_number.get(record.personal_id_number or "") or by_code.get(record.bhxh_code or "")
        other = by_code.get(record.bhxh_code or "")
        if other is not None and other is not person:
            # The BHXH code is already someone else's in this file (given with another ID number, or without one).
            errors.append(_differs(other, record))
        elif person is not None and (fields := person.differences(record)):
            errors.append(
                contribution_error(
                    C.PERSON_DIFFERS_IN_FILE, field=fields[0], first_row=person.first_row, fields=", ".join(fields)
                )
            )
        employer = period.employer
        if employer is not None:
            seen = employers.get(employer.code)
            if seen is not None and _employer_differs(seen[0], employer):
                errors.append(
                    contribution_error(
                        C.EMPLOYER_DIFFERS_IN_FILE, field="employerCode", first_row=seen[1], code=employer.code
                    )
                )
        if person is not None and not errors:
            shared = next((month for month in period.months() if month in person.months), None)
            if shared is not None:
                row = person.months[shared]
                errors.append(
                    contribution_error(
                        C.MONTHS_OVERLAP, field="fromMonth", month=shared, where=f"row {row}", where_vi=f"dòng {row}"
                    )
                )
        if errors:
            prepared.rejected.append(RejectedRow(number, record.label, errors))
            continue
        if person is None:
            person = _Person(number, record)
            people.append(person)
            if record.personal_id_number:
                by_number[record.personal_id_number] = person
            if record.bhxh_code:
                by_code[record.bhxh_code] = person
        if employer is not None:
            employers.setdefault(employer.code, (employer, number))
        person.rows.append(number)
        person.periods.append(period)
        person.months.update(dict.fromkeys(period.months(), number))
    prepared.people = [
        PersonRows(dataclasses.replace(person.record, periods=tuple(person.periods)), person.rows) for person in people
    ]
    return prepared


def _differs(person: _Person, record: ContributionRecord) -> BusinessError:
    fields = person.differences(record) or ["personalIdNumber"]
    return contribution_error(
        C.PERSON_DIFFERS_IN_FILE, field=fields[0], first_row=person.first_row, fields=", ".join(fields)
    )


def _employer_differs(first: EmployerInfo, later: EmployerInfo) -> bool:
    """Another name or province; a tax code differs only when both rows give one."""
    if (fold(first.name), first.province_code) != (fold(later.name), later.province_code):
        return True
    return first.tax_code is not None and later.tax_code is not None and first.tax_code != later.tax_code


async def import_contributions(
    db: Database,
    rows: Iterable[list[Cell]],
    columns: dict[str, int],
    *,
    now: dt.datetime,
    actor: Principal | None,
    progress: Callable[[int], None] = lambda _: None,
    batch_size: int = BATCH_SIZE,
) -> ContributionImportReport:
    """Check the whole file, then store its people `batch_size` to a transaction (a batch that lost a race with
    another writer runs again). `progress` is told how many rows each step has dealt with.

    `actor` None is the command line (an operator at the console)."""
    prepared = prepare(rows, columns, today=vietnam_date(now))
    report = ContributionImportReport(rejected=list(prepared.rejected))
    progress(len(prepared.rejected) + prepared.blank)
    for start in range(0, len(prepared.people), batch_size):
        batch = prepared.people[start : start + batch_size]
        work = functools.partial(
            store_contributions,
            records=[person.record for person in batch],
            now=now,
            actor=actor,
            source=ContributionSource.IMPORT,
        )
        stored = await db.run(work, retries=3)
        refused = {rejection.index: rejection.errors for rejection in stored.rejected}
        for index, person in enumerate(batch):
            if index in refused:
                report.rejected += [RejectedRow(row, person.record.label, refused[index]) for row in person.rows]
            else:
                report.rows_stored += len(person.rows)
        report.people_created += stored.people_created
        report.people_found += stored.people_found
        report.months_added += stored.months_added
        report.months_replaced += stored.months_replaced
        report.months_unchanged += stored.months_unchanged
        report.employers_added += stored.employers_added
        report.employers_updated += stored.employers_updated
        progress(sum(len(person.rows) for person in batch))
    report.rejected.sort(key=lambda rejected: rejected.row)
    return report
