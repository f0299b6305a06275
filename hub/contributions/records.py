"""A person's contributions as BHXH's contribution system (hệ thống thu BHXH) records them: who the person is, and
runs of months paid at one salary, for one employer or voluntarily; with the checks a record must pass to be stored.

The types refuse what no record can hold (ValueError: a bug or a malformed message); `check_record` lists, as
business errors, what a well-formed record may still get wrong (an ID number that disagrees with the date of birth,
a commune that does not exist, months that overlap).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from hub.catalogs.adminunits import Era, UnitLevel, admin_catalog
from hub.claims.rules.inputs import ContributionKind, WorkType
from hub.claims.rules.months import Month
from hub.contributions.errors import ContributionErrorCode as C
from hub.contributions.errors import contribution_error
from hub.infra.errors import BusinessError
from hub.persons.id_numbers import check_personal_id
from hub.persons.models import Gender

PERSONAL_ID = re.compile(r"[0-9]{12}")
BHXH_CODE = re.compile(r"[0-9]{10}")
# The employer's unit code at BHXH (mã đơn vị), e.g. "YN0123A"; the column holds 20 characters.
EMPLOYER_CODE = re.compile(r"[0-9A-Z]{2,20}")
# Mã số thuế: 10 digits, or 13 for a branch written 0123456789-001 (TT 105/2020/TT-BTC Art 5).
TAX_CODE = re.compile(r"[0-9]{10}(-[0-9]{3})?")
PROVINCE_CODE = re.compile(r"[0-9]{2}")
COMMUNE_CODE = re.compile(r"[0-9]{5}")
MAX_NAME = 200
MAX_ADDRESS = 500
MAX_EMPLOYER_NAME = 300
# Social insurance as recorded today starts with the 1995 system; a voluntary contributor may pay up to five years
# ahead (Luật BHXH 41/2024 Art 36), so later months are refused as mistakes.
FIRST_MONTH = Month(1995, 1)
MONTHS_AHEAD = 60


class ContributionSource(enum.StrEnum):
    """Where stored months came from."""

    CONNECTOR = "connector"  # BHXH's contribution system, through connectors.contributions
    IMPORT = "import"  # a file, through `hub claims import-contributions`


@dataclass(frozen=True)
class EmployerInfo:
    """An employer (đơn vị sử dụng lao động) as a contribution record names it."""

    code: str
    name: str
    province_code: str  # current 2-digit code
    tax_code: str | None = None

    def __post_init__(self) -> None:
        if not EMPLOYER_CODE.fullmatch(self.code):
            raise ValueError(f"employer code {self.code!r} must be 2 to 20 digits or capital letters")
        if not self.name.strip() or len(self.name) > MAX_EMPLOYER_NAME:
            raise ValueError(f"employer name must be non-empty and at most {MAX_EMPLOYER_NAME} characters")
        if not PROVINCE_CODE.fullmatch(self.province_code):
            raise ValueError("employer province_code must be 2 digits")
        if self.tax_code is not None and not TAX_CODE.fullmatch(self.tax_code):
            raise ValueError("employer tax_code must be 10 digits, or 10 digits, a hyphen and 3 digits")


@dataclass(frozen=True)
class ContributionPeriod:
    """Months `first` to `last` (both included) paid at one monthly contribution salary, in whole VND.

    Compulsory contributions (bắt buộc) name the employer; voluntary ones (tự nguyện) have none, and no work type
    but normal."""

    first: Month
    last: Month
    salary_vnd: int
    work_type: WorkType = WorkType.NORMAL
    kind: ContributionKind = ContributionKind.COMPULSORY
    employer: EmployerInfo | None = None

    def __post_init__(self) -> None:
        if isinstance(self.salary_vnd, bool) or not isinstance(self.salary_vnd, int) or self.salary_vnd <= 0:
            raise ValueError("salary_vnd must be a whole number of VND greater than zero")
        if self.last < self.first:
            raise ValueError(f"the period ends ({self.last}) before it starts ({self.first})")
        if self.kind is ContributionKind.COMPULSORY and self.employer is None:
            raise ValueError("a compulsory contribution names its employer")
        if self.kind is ContributionKind.VOLUNTARY and (
            self.employer is not None or self.work_type is not WorkType.NORMAL
        ):
            raise ValueError("a voluntary contribution has no employer and no heavy or hazardous work")

    @property
    def month_count(self) -> int:
        return _index(self.last) - _index(self.first) + 1

    def months(self) -> Iterator[Month]:
        for offset in range(self.month_count):
            yield self.first.shift(offset)


@dataclass(frozen=True)
class ContributionRecord:
    """One person as the contribution system knows them, and their contributions.

    The person is found in the hub by `personal_id_number` (12 digits), then by `bhxh_code` (10 digits): at least one
    is given. The rest of the identity (name, gender, date of birth, where they live, in current administrative
    units) is used to create a person the hub does not know yet, and to make sure a person found is the same one."""

    full_name: str
    gender: Gender
    date_of_birth: dt.date
    province_code: str
    commune_code: str
    address: str = ""
    personal_id_number: str | None = None
    bhxh_code: str | None = None
    periods: tuple[ContributionPeriod, ...] = ()

    def __post_init__(self) -> None:
        if self.personal_id_number is None and self.bhxh_code is None:
            raise ValueError("a record gives a personal identification number or a BHXH code")
        if self.personal_id_number is not None and not PERSONAL_ID.fullmatch(self.personal_id_number):
            raise ValueError("personal_id_number must be 12 digits")
        if self.bhxh_code is not None and not BHXH_CODE.fullmatch(self.bhxh_code):
            raise ValueError("bhxh_code must be 10 digits")
        if not self.full_name.strip() or len(self.full_name) > MAX_NAME:
            raise ValueError(f"full_name must be non-empty and at most {MAX_NAME} characters")
        if len(self.address) > MAX_ADDRESS:
            raise ValueError(f"address must be at most {MAX_ADDRESS} characters")
        if not PROVINCE_CODE.fullmatch(self.province_code) or not COMMUNE_CODE.fullmatch(self.commune_code):
            raise ValueError("province_code must be 2 digits and commune_code 5 digits")
        if not isinstance(self.gender, Gender):
            raise ValueError("gender must be a Gender")

    @property
    def label(self) -> str:
        """The identifier to name the record by in reports: the ID number, else the BHXH code."""
        return self.personal_id_number or self.bhxh_code or ""


def check_record(record: ContributionRecord, *, today: dt.date) -> list[BusinessError]:
    """Every reason the record cannot be stored as it stands (empty when it can), in one pass."""
    errors = check_identity(
        personal_id_number=record.personal_id_number,
        date_of_birth=record.date_of_birth,
        gender=record.gender,
        province_code=record.province_code,
        commune_code=record.commune_code,
        today=today,
    )
    for period in record.periods:
        errors += check_period(period, born=record.date_of_birth, today=today)
    return errors + check_overlaps(record.periods)


def check_identity(
    *,
    personal_id_number: str | None,
    date_of_birth: dt.date | None,
    gender: Gender | None,
    province_code: str | None,
    commune_code: str | None,
    today: dt.date,
) -> list[BusinessError]:
    """The identity's own consistency; a value given as None (unreadable) is not checked."""
    errors: list[BusinessError] = []
    if date_of_birth is not None and date_of_birth > today:
        errors.append(
            contribution_error(
                C.DATE_OF_BIRTH_IN_FUTURE,
                field="dateOfBirth",
                day=f"{date_of_birth:%d/%m/%Y}",
                today=f"{today:%d/%m/%Y}",
            )
        )
    if personal_id_number is not None:
        check = check_personal_id(personal_id_number, date_of_birth=date_of_birth, gender=gender, today=today)
        if not check.ok:
            errors.append(
                contribution_error(
                    C.INVALID_PERSONAL_ID,
                    field="personalIdNumber",
                    detail=" ".join(problem.message_en for problem in check.issues),
                    detail_vi=" ".join(problem.message_vi for problem in check.issues),
                )
            )
    if province_code is not None and commune_code is not None:
        commune = admin_catalog().get(UnitLevel.COMMUNE, commune_code, Era.CURRENT)
        if commune is None or commune.province_code != province_code:
            errors.append(
                contribution_error(
                    C.INVALID_LOCATION, field="communeCode", commune=commune_code, province=province_code
                )
            )
    return errors


def check_period(period: ContributionPeriod, *, born: dt.date | None, today: dt.date) -> list[BusinessError]:
    """The period's months against the calendar, and its employer's province against the current provinces."""
    errors = check_month_range(period.first, period.last, born=born, today=today)
    employer = period.employer
    if employer is not None and (problem := check_employer_province(employer.code, employer.province_code)):
        errors.append(problem)
    return errors


def check_employer_province(code: str, province_code: str) -> BusinessError | None:
    """UNKNOWN_EMPLOYER_PROVINCE unless `province_code` is a current province."""
    if admin_catalog().get(UnitLevel.PROVINCE, province_code, Era.CURRENT) is not None:
        return None
    return contribution_error(C.UNKNOWN_EMPLOYER_PROVINCE, field="employerProvinceCode", code=code, value=province_code)


def check_month_range(first: Month, last: Month, *, born: dt.date | None, today: dt.date) -> list[BusinessError]:
    """MONTH_OUT_OF_RANGE, once, when the period starts or ends before 01/1995 (or the month of birth), or more than
    five years after the current month."""
    earliest = max(FIRST_MONTH, Month.of(born)) if born is not None else FIRST_MONTH
    latest = Month.of(today).shift(MONTHS_AHEAD)
    errors = []
    for name, month in (("fromMonth", first), ("toMonth", last)):
        if not earliest <= month <= latest:
            errors.append(
                contribution_error(C.MONTH_OUT_OF_RANGE, field=name, month=month, earliest=earliest, latest=latest)
            )
            break  # one period, one reason: both ends out of range say the same thing
    return errors


def check_overlaps(periods: Sequence[ContributionPeriod]) -> list[BusinessError]:
    """MONTHS_OVERLAP for each period that repeats a month of another (a person has one row per month), naming the
    period it overlaps; in one sweep over the periods sorted by their first month."""
    clashes: dict[int, tuple[int, Month]] = {}
    reach_end, reach_position = -1, 0  # the furthest month covered so far, and by which period
    for position in sorted(range(len(periods)), key=lambda p: (_index(periods[p].first), p)):
        start, end = _index(periods[position].first), _index(periods[position].last)
        if start <= reach_end:
            clashes[position] = (reach_position, periods[position].first)
        if end > reach_end:
            reach_end, reach_position = end, position
    return [
        contribution_error(
            C.MONTHS_OVERLAP,
            field="fromMonth",
            month=month,
            where=f"period {other + 1} of the same record",
            where_vi=f"giai đoạn {other + 1} của cùng bản ghi",
        )
        for position, (other, month) in sorted(clashes.items())
    ]


def month_rows(record: ContributionRecord) -> Iterable[tuple[Month, ContributionPeriod]]:
    """Each month of the record with the period that pays it."""
    for period in record.periods:
        for month in period.months():
            yield month, period


def _index(month: Month) -> int:
    return month.year * 12 + month.month - 1
