"""What each kind of claim is about, as stored with the claim (JSON) and handed to the rules; and the event key under
which an automatic and a manual claim for the same event meet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hub.claims.models import ClaimKind
from hub.claims.rules import (
    AfterBirth,
    Birth,
    ChildCareLeave,
    ConvalescenceCause,
    ConvalescenceLeave,
    LeavePeriod,
    MotherLeave,
    PregnancyLoss,
    PrenatalVisit,
    RegisterCheck,
    RemainingLeave,
    SickLeave,
)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class SicknessDetails:
    """A sick-leave certificate: the leave, half days, and whether the disease is on the long-term list."""

    start: dt.date
    end: dt.date
    half_days: tuple[dt.date, ...] = ()
    long_term_disease: bool = False
    certificate: str | None = None  # issuer/number of the XML11 it comes from
    diagnosis: str | None = None  # the ICD-10 code on the long-term list (the certificate's, or one declared)
    long_term_declared: bool = False  # declared by a processor (declareLongTermDisease)

    def leave(self, taken: Decimal) -> SickLeave:
        return SickLeave(
            self.start,
            self.end,
            frozenset(self.half_days),
            taken,
            self.long_term_disease,
            diagnosis=self.diagnosis,
            declared=self.long_term_declared,
        )


# A filing that names the child (hub.claims.filing) may leave its birth date to the child's person record.
CHILD_BORN_UNKNOWN = dt.date.min


@dataclass(frozen=True)
class ChildCareDetails:
    """Leave to care for a sick child; the child is known by `child_id` (its person) when a certificate or a
    filing names it, which keeps twins apart: each child has its own yearly limit (2024 law Art 44)."""

    child_born: dt.date
    start: dt.date
    end: dt.date
    half_days: tuple[dt.date, ...] = ()
    child_personal_id: str | None = None
    child_id: str | None = None  # the child's person id
    certificate: str | None = None  # issuer/number of the child's XML11 it comes from

    @property
    def child(self) -> str:
        """Who the child is, as precisely as known: its person, its ID number, else its birth date."""
        return self.child_id or self.child_personal_id or self.child_born.isoformat()

    def leave(self, taken: Decimal) -> ChildCareLeave:
        return ChildCareLeave(self.child_born, self.start, self.end, frozenset(self.half_days), taken)


@dataclass(frozen=True)
class BirthDetails:
    """A birth as the birth certificates (XML9) give it, for the mother's maternity and the father's paternity.

    `living_children_before`: the mother's living children before this birth (XML9 `LAN_SINH`, `SO_CON_SONG`;
    None: not known), which makes a second child (births from 1/7/2026); `register_check` and
    `register_living_children`: what the population database answered when asked (hub.claims.evidence), whose
    count wins (hub.claims.rules.tables.living_children_at_birth). `pregnancy_rest_ordered`: the mother holds
    a pregnancy-rest certificate (XML10) of the pregnancy; `infertility_treatment`: she took leave for it (2024 law
    Art 50)."""

    born: dt.date
    children: int = 1
    caesarean: bool = False
    under_32_weeks: bool = False
    leave_start: dt.date | None = None  # maternity: the mother's leave may start up to two months before
    periods: tuple[tuple[dt.date, dt.date], ...] = ()  # paternity: the father's leave, as his employer files it
    living_children_before: int | None = None
    pregnancy_rest_ordered: bool = False
    infertility_treatment: bool = False
    register_check: RegisterCheck | None = None
    register_living_children: int | None = None

    def birth(self) -> Birth:
        return Birth(
            self.born,
            self.children,
            self.caesarean,
            self.under_32_weeks,
            living_children_before=self.living_children_before,
            pregnancy_rest_ordered=self.pregnancy_rest_ordered,
            infertility_treatment=self.infertility_treatment,
            register_living_children=self.register_living_children,
            register_check=self.register_check,
        )

    def leave_periods(self) -> list[LeavePeriod]:
        return [LeavePeriod(start, end) for start, end in self.periods]


@dataclass(frozen=True)
class ConvalescenceDetails:
    cause: ConvalescenceCause
    returned_to_work: dt.date
    start: dt.date
    days: int

    def leave(self, already_taken: int, sickness_days_this_year: Decimal) -> ConvalescenceLeave:
        return ConvalescenceLeave(
            self.cause, self.returned_to_work, self.start, self.days, already_taken, sickness_days_this_year
        )


@dataclass(frozen=True)
class PregnancyLossDetails:
    """A pregnancy lost or ended (2024 law Art 52), from the sick-leave certificate (XML11) or the discharge paper
    (XML7) with `MA_DINH_CHI_THAI` 1 and `TUOI_THAI`; the leave runs from `start`."""

    start: dt.date
    weeks: int
    certificate: str | None = None  # issuer/number of the document it comes from

    def loss(self) -> PregnancyLoss:
        return PregnancyLoss(self.start, self.weeks)


@dataclass(frozen=True)
class PrenatalVisitDetails:
    """Prenatal visits (2024 law Art 51) as the employer files them: each visit's first day and working days."""

    visits: tuple[tuple[dt.date, int], ...]

    def __post_init__(self) -> None:
        if not self.visits:
            raise ValueError("prenatal visits need at least one visit")

    @property
    def start(self) -> dt.date:
        return min(day for day, _ in self.visits)

    def prenatal_visits(self) -> list[PrenatalVisit]:
        return [PrenatalVisit(day, days) for day, days in self.visits]


@dataclass(frozen=True)
class LumpSumDetails:
    """The father's lump sum for a birth whose mother is not eligible (2024 law Art 58): the birth, and the
    mother's maternity claim, whose computation says whether she is."""

    born: dt.date
    children: int
    mother_claim: str  # the id of the mother's maternity claim

    def birth(self) -> Birth:
        return Birth(self.born, self.children)


@dataclass(frozen=True)
class RemainingLeaveDetails:
    """The rest of a mother's maternity leave, taken by the father or the child's caregiver (2024 law Art 53) after
    `event` (AfterBirth: the mother died, or a council found she cannot care for the child) on `on`: the birth, the
    mother (her person id: her maternity claim gives her leave), and the evidence it rests on."""

    born: dt.date
    on: dt.date
    event: str  # AfterBirth.MOTHER_DIED or AfterBirth.MOTHER_CANNOT_CARE
    mother_id: str
    children: int = 1
    evidence: str | None = None  # where the event is read: the death extract, the council's minutes (XML12)

    @property
    def start(self) -> dt.date:
        """The leave runs from the day after the death or the finding."""
        return self.on + dt.timedelta(days=1)

    def remaining(self, mother: MotherLeave | None) -> RemainingLeave:
        return RemainingLeave(AfterBirth(self.event), self.born, self.on, mother)


ClaimDetails = (
    SicknessDetails
    | ChildCareDetails
    | BirthDetails
    | ConvalescenceDetails
    | PregnancyLossDetails
    | PrenatalVisitDetails
    | LumpSumDetails
    | RemainingLeaveDetails
)
_TYPES: dict[ClaimKind, type[ClaimDetails]] = {
    ClaimKind.SICKNESS: SicknessDetails,
    ClaimKind.CHILD_CARE: ChildCareDetails,
    ClaimKind.MATERNITY: BirthDetails,
    ClaimKind.PATERNITY: BirthDetails,
    ClaimKind.CONVALESCENCE: ConvalescenceDetails,
    ClaimKind.PREGNANCY_LOSS: PregnancyLossDetails,
    ClaimKind.PRENATAL_VISIT: PrenatalVisitDetails,
    ClaimKind.LUMP_SUM: LumpSumDetails,
    ClaimKind.REMAINING_MATERNITY: RemainingLeaveDetails,
}


def event_key(kind: ClaimKind, details: ClaimDetails) -> str:
    """The same event gives the same key, however the claim arrived: one claim per person, kind and event."""
    if isinstance(details, SicknessDetails):
        # A certificate is the event; a form without one is keyed by its first day.
        return f"certificate:{details.certificate}" if details.certificate else f"leave:{details.start.isoformat()}"
    if isinstance(details, ChildCareDetails):
        return f"child:{details.child}:{details.start.isoformat()}"
    if isinstance(details, BirthDetails):
        return f"birth:{details.born.isoformat()}"
    if isinstance(details, PregnancyLossDetails):
        return f"certificate:{details.certificate}" if details.certificate else f"loss:{details.start.isoformat()}"
    if isinstance(details, PrenatalVisitDetails):
        return f"prenatal:{details.start.isoformat()}"
    if isinstance(details, LumpSumDetails):
        # Keyed by the mother's claim: her claim's computation finds the father's lump sum by it.
        return lump_sum_key(details.mother_claim)
    if isinstance(details, RemainingLeaveDetails):
        # One per birth of a mother, whichever came first of her death and a council's finding.
        return remaining_key(details.mother_id, details.born)
    return f"convalescence:{details.returned_to_work.isoformat()}:{details.cause.value}"


def lump_sum_key(mother_claim: str) -> str:
    return f"mother-claim:{mother_claim}"


def remaining_key(mother_id: str, born: dt.date) -> str:
    return f"remaining:{mother_id}:{born.isoformat()}"


def event_date(details: ClaimDetails) -> dt.date:
    if isinstance(details, BirthDetails | LumpSumDetails):
        return details.born
    return details.start


def to_json(details: ClaimDetails) -> dict[str, Any]:
    return {name: _json_value(value) for name, value in vars(details).items()}


def _json_value(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, ConvalescenceCause | RegisterCheck):
        return value.value
    return value


def from_json(kind: ClaimKind, data: dict[str, Any]) -> ClaimDetails:
    cls = _TYPES[kind]
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name in {"start", "end", "born", "child_born", "returned_to_work", "leave_start", "on"}:
            values[name] = _date(value)
        elif name == "half_days":
            values[name] = tuple(dt.date.fromisoformat(day) for day in value)
        elif name == "visits":
            values[name] = tuple((dt.date.fromisoformat(day), int(days)) for day, days in value)
        elif name == "periods":
            values[name] = tuple((dt.date.fromisoformat(a), dt.date.fromisoformat(b)) for a, b in value)
        elif name == "cause":
            values[name] = ConvalescenceCause(value)
        elif name == "register_check":
            values[name] = None if value is None else RegisterCheck(value)
        else:
            values[name] = value
    return cls(**values)


def merged(kind: ClaimKind, stored: dict[str, Any], new: ClaimDetails, *, replacing: bool = False) -> ClaimDetails:
    """An automatic and a manual claim for one event: what either brings, the new one's values first where both
    say something (a certificate corrects the dates a form gave; a form adds the periods a certificate lacks).
    `replacing`: `new` comes from an amended version of the document the claim rests on."""
    previous = from_json(kind, stored)
    if isinstance(new, BirthDetails) and isinstance(previous, BirthDetails):
        # The population database's answer stands whatever document brings the birth again; it counted the children
        # before the birth date it was asked about, so it goes when that date changes.
        told = new if new.register_check is not None or new.born != previous.born else previous
        # An amended certificate (`replacing`) states the birth anew; otherwise a birth's facts only grow more
        # precise, so that a form's defaults cannot undo the twins a certificate gave.
        return BirthDetails(
            born=new.born,
            children=new.children if replacing else max(new.children, previous.children),
            caesarean=new.caesarean if replacing else new.caesarean or previous.caesarean,
            under_32_weeks=new.under_32_weeks if replacing else new.under_32_weeks or previous.under_32_weeks,
            leave_start=new.leave_start or previous.leave_start,
            periods=new.periods or previous.periods,
            living_children_before=(
                new.living_children_before
                if replacing or new.living_children_before is not None
                else previous.living_children_before
            ),
            pregnancy_rest_ordered=new.pregnancy_rest_ordered or previous.pregnancy_rest_ordered,
            infertility_treatment=new.infertility_treatment or previous.infertility_treatment,
            register_check=told.register_check,
            register_living_children=told.register_living_children,
        )
    old = vars(previous)
    fresh = vars(new)
    empty: tuple[object, ...] = (None, (), False)
    combined = {name: fresh[name] if fresh[name] not in empty else old[name] for name in fresh}
    return type(new)(**combined)
