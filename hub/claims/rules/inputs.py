"""What the benefit rules compute from: a contribution history and the event (certificate, birth, return to work).

Only compulsory contributions (BHXH bắt buộc) pay into the sickness and maternity fund; months of voluntary
contributions (BHXH tự nguyện) are kept in the history but count neither toward eligibility, nor toward the years
that set the sickness day limit, nor toward the salary averages.
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
import functools
from dataclasses import dataclass, field
from decimal import Decimal

from hub.claims.rules.months import Month
from hub.claims.rules.tables import living_children_at_birth

HALF_DAY = Decimal("0.5")


class WorkType(enum.StrEnum):
    """The work the employee was contributing for that month."""

    NORMAL = "normal"
    # nghề, công việc nặng nhọc, độc hại, nguy hiểm (or a place with a regional allowance of 0.7 or more)
    HEAVY_HAZARDOUS = "heavy_hazardous"


class ContributionKind(enum.StrEnum):
    COMPULSORY = "compulsory"  # bắt buộc: counts for short-term benefits
    VOLUNTARY = "voluntary"  # tự nguyện: does not


@dataclass(frozen=True)
class ContributionMonth:
    """One month of contributions and the contribution salary (tiền lương tháng đóng BHXH) in whole VND."""

    month: Month
    salary_vnd: int
    work_type: WorkType = WorkType.NORMAL
    kind: ContributionKind = ContributionKind.COMPULSORY

    def __post_init__(self) -> None:
        if isinstance(self.salary_vnd, bool) or not isinstance(self.salary_vnd, int) or self.salary_vnd <= 0:
            raise ValueError(f"contribution salary for {self.month} must be a positive whole VND amount")

    @property
    def compulsory(self) -> bool:
        return self.kind is ContributionKind.COMPULSORY


class OutsideHistory(LookupError):
    """A rule asked about a month before the part of the history that was read: a bug in how far back it is read."""


@dataclass(frozen=True)
class ContributionHistory:
    """The months a person contributed, at most one row per month.

    A history read for recent events may list only the months from `since` on, with the number of compulsory months
    before it (`compulsory_months_before_since`): enough for every rule as long as it asks about months from `since`
    on, and it is refused any question about earlier months."""

    months: tuple[ContributionMonth, ...]
    since: Month | None = None
    compulsory_months_before_since: int = 0

    def __post_init__(self) -> None:
        seen = [row.month for row in self.months]
        if len(set(seen)) != len(seen):
            raise ValueError("a month appears twice in the contribution history")
        if self.since is not None and any(month < self.since for month in seen):
            raise ValueError(f"a history listed from {self.since} lists an earlier month")

    def compulsory_count_before(self, month: Month) -> int:
        """How many compulsory months there are strictly before `month`."""
        return self.compulsory_months_before_since + len(self.compulsory_before(month))

    def compulsory(self, month: Month) -> ContributionMonth | None:
        """The compulsory contribution of `month`, if there is one."""
        if self.since is not None and month < self.since:
            raise OutsideHistory(f"the history is listed from {self.since}, not from {month}")
        return self._compulsory_by_month.get(month)

    def compulsory_before(self, month: Month) -> list[ContributionMonth]:
        """Compulsory months strictly before `month`, most recent first (those listed: from `since` on)."""
        if self.since is not None and month < self.since:
            raise OutsideHistory(f"the history is listed from {self.since}, not from {month}")
        rows = self._compulsory_in_order
        return rows[: bisect.bisect_left(rows, month, key=lambda row: row.month)][::-1]

    @functools.cached_property
    def _compulsory_in_order(self) -> list[ContributionMonth]:
        """The rules look months up many times per claim: index them once."""
        return sorted((row for row in self.months if row.compulsory), key=lambda row: row.month)

    @functools.cached_property
    def _compulsory_by_month(self) -> dict[Month, ContributionMonth]:
        return {row.month: row for row in self._compulsory_in_order}


def _check_days(value: Decimal, name: str) -> None:
    if value < 0 or (value / HALF_DAY) % 1 != 0:
        raise ValueError(f"{name} must be a non-negative multiple of half a day, not {value}")


def _check_half_days(start: dt.date, end: dt.date, half_days: frozenset[dt.date]) -> None:
    if end < start:
        raise ValueError(f"the leave ends ({end}) before it starts ({start})")
    if any(not start <= day <= end for day in half_days):
        raise ValueError("every half day must lie inside the leave")


@dataclass(frozen=True)
class SickLeave:
    """A sick-leave certificate (giấy chứng nhận nghỉ việc hưởng BHXH) for the employee's own sickness.

    `half_days` are the days on which only half a day is taken; `days_taken_this_year` are the sickness days already
    paid in the calendar year of `start`.
    """

    start: dt.date
    end: dt.date
    half_days: frozenset[dt.date] = field(default_factory=frozenset)
    days_taken_this_year: Decimal = Decimal(0)
    long_term_disease: bool = False  # bệnh cần chữa trị dài ngày (Ministry of Health list)
    diagnosis: str | None = None  # the ICD-10 code that makes it one (dotted, e.g. C34.1)
    declared: bool = False  # declared by a processor rather than recognised on the certificate

    def __post_init__(self) -> None:
        _check_half_days(self.start, self.end, self.half_days)
        _check_days(self.days_taken_this_year, "days_taken_this_year")


@dataclass(frozen=True)
class ChildCareLeave:
    """Leave to care for a sick child under 7 (nghỉ việc chăm sóc con ốm đau); `days_taken_this_year` are the days
    already paid for this child in the calendar year of `start`."""

    child_born: dt.date
    start: dt.date
    end: dt.date
    half_days: frozenset[dt.date] = field(default_factory=frozenset)
    days_taken_this_year: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _check_half_days(self.start, self.end, self.half_days)
        _check_days(self.days_taken_this_year, "days_taken_this_year")
        if self.start < self.child_born:
            raise ValueError("child-care leave cannot start before the child is born")


class RegisterCheck(enum.StrEnum):
    """What came of asking the population database for the mother's children (hub.claims.evidence)."""

    ANSWERED = "answered"  # it listed her children: `Birth.register_living_children` holds the count
    MOTHER_NOT_FOUND = "mother_not_found"  # it does not know the mother
    NO_ANSWER = "no_answer"  # it could not be reached, or refused the query


@dataclass(frozen=True)
class Birth:
    """A birth as the birth certificate (XML9) gives it: `SO_CON` (every fetus of the pregnancy, a stillborn one
    included: 2024 law Art 53(4)), `SINHCON_PHAUTHUAT`, `SINHCON_DUOI32TUAN`; the mother's living children before
    it (from `LAN_SINH` and `SO_CON_SONG`, hub.claims.rules.tables.living_children_before; None: not known).

    The mother's grounds for the shorter eligibility (2024 law Art 50): a doctor ordered rest during the pregnancy
    (a pregnancy-rest certificate, XML10), or she took leave for infertility treatment.

    `register_check`: what the population database said of her children (None: not asked, the hub not connected
    to it); `register_living_children`: her children it lists born before this birth and alive at it. Which count
    the rules use: `living_before`."""

    date: dt.date
    children: int = 1
    caesarean: bool = False
    under_32_weeks: bool = False
    gestation_weeks: int | None = None
    living_children_before: int | None = None
    pregnancy_rest_ordered: bool = False
    infertility_treatment: bool = False
    register_living_children: int | None = None
    register_check: RegisterCheck | None = None

    def __post_init__(self) -> None:
        if self.children < 1:
            raise ValueError("a birth has at least one child")
        if (self.register_living_children is not None) != (self.register_check is RegisterCheck.ANSWERED):
            raise ValueError("the register's count is given when it answered, and only then")
        if self.register_living_children is not None and self.register_living_children < 0:
            raise ValueError("a mother cannot have fewer than no living children")
        if self.living_children_before is not None and self.living_children_before < 0:
            raise ValueError("a mother cannot have fewer than no living children")
        if self.gestation_weeks is not None and (self.gestation_weeks < 32) != self.under_32_weeks:
            raise ValueError(f"gestation of {self.gestation_weeks} weeks disagrees with under_32_weeks")

    @property
    def living_before(self) -> int | None:
        """The mother's living children before this birth as the rules count them: the population database's count
        when it answered, else the birth certificate's (hub.claims.rules.tables.living_children_at_birth)."""
        return living_children_at_birth(self.living_children_before, self.register_living_children)


@dataclass(frozen=True)
class LeavePeriod:
    """One stretch of leave, both ends included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the leave ends ({self.end}) before it starts ({self.start})")


class ConvalescenceCause(enum.StrEnum):
    """What the convalescence (dưỡng sức, phục hồi sức khỏe) follows."""

    SICKNESS_LONG_TERM = "sickness_long_term"
    SICKNESS_SURGERY = "sickness_surgery"
    SICKNESS_OTHER = "sickness_other"
    MATERNITY_MULTIPLE_BIRTH = "maternity_multiple_birth"
    MATERNITY_CAESAREAN = "maternity_caesarean"
    MATERNITY_OTHER = "maternity_other"

    @property
    def after_sickness(self) -> bool:
        return self.value.startswith("sickness")


@dataclass(frozen=True)
class CauseEvidence:
    """What the hub's own evidence says a convalescence follows (hub.claims.rules.convalescence.cause_from_evidence):
    the cause it supports, and which evidence, in Vietnamese and English."""

    cause: ConvalescenceCause
    evidence_vi: str
    evidence_en: str


@dataclass(frozen=True)
class ConvalescenceLeave:
    """Convalescence days asked for: `days` calendar days from `start`, after returning to work on `returned_to_work`.

    `days_already_taken` are convalescence days already paid against the same maximum (this calendar year's, after
    sickness; this birth's, after maternity); `sickness_days_this_year` the sickness days paid this year, which must
    reach a minimum before convalescence after sickness is due.
    """

    cause: ConvalescenceCause
    returned_to_work: dt.date
    start: dt.date
    days: int
    days_already_taken: int = 0
    sickness_days_this_year: Decimal = Decimal(0)
    evidence: CauseEvidence | None = None  # None: the cause is not checked (no evidence was looked at)
    # The last day of the sick leave or maternity leave it follows, when the hub's evidence shows it (the 2024 law
    # counts the 30 days from there, and refuses a convalescence after a maternity leave cut short by an early return)
    leave_ended: dt.date | None = None

    def __post_init__(self) -> None:
        if self.days < 1 or self.days_already_taken < 0:
            raise ValueError("convalescence needs at least one day and a non-negative count of days taken")
        if self.start < self.returned_to_work:
            raise ValueError("convalescence starts after returning to work")
        _check_days(self.sickness_days_this_year, "sickness_days_this_year")
