"""One event, one claim: how a new filing meets the claims a person already has, whatever channel either came by
(a hospital's certificate, an employer's list, a filing by hand or by the citizen).

The rule, checked in this order against the person's claims that were not rejected:
1. **The same event** (same kind; the same certificate, by its number with or without the facility, or the same
   leave days, the same birth, the same convalescence): the filing is merged into that claim.
2. **Days already claimed** (partly overlapping days of the same kind, or days of another kind the law does not pay
   twice, see `EXCLUSIONS`): the filing is refused, naming the claim it overlaps.
3. Otherwise it opens a claim of its own. A rejected claim blocks nothing: the same event may be filed again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from hub.claims.details import (
    BirthDetails,
    ChildCareDetails,
    ClaimDetails,
    ConvalescenceDetails,
    LumpSumDetails,
    PregnancyLossDetails,
    PrenatalVisitDetails,
    RemainingLeaveDetails,
    SicknessDetails,
)
from hub.claims.errors import ClaimErrorCode, claim_error
from hub.claims.models import ClaimKind, ClaimState
from hub.claims.rules import Birth
from hub.claims.rules.maternity import birth_leave_months
from hub.claims.rules.months import add_months
from hub.claims.rules.tables import law_on, pregnancy_loss_days
from hub.claims.rules.uncertain import mark, mark_vi
from hub.infra.errors import BusinessError

K = ClaimKind


@dataclass(frozen=True)
class Exclusion:
    """Two kinds of benefit that cannot both pay the same day: why, and where that is written."""

    source: str
    why_en: str
    why_vi: str
    confirmed: bool = False

    def cited(self, vietnamese: bool = False) -> str:
        why = self.why_vi if vietnamese else self.why_en
        flag = "" if self.confirmed else " " + (mark_vi("overlap-pairs") if vietnamese else mark("overlap-pairs"))
        return f"{why} ({self.source}){flag}"


LAW = "Luật BHXH 41/2024/QH15"
_ONCE = ("a day off work is paid by one benefit only", "mỗi ngày nghỉ việc chỉ hưởng một chế độ")
_ON_MATERNITY = ("not paid while on maternity leave", "không hưởng trong thời gian đang nghỉ thai sản")
_NO_DAYS = ("a lump sum pays no days: it overlaps nothing", "trợ cấp một lần không gắn với ngày nghỉ")
_AFTER_RETURN = ("convalescence follows the return to work", "dưỡng sức là sau khi đã trở lại làm việc")


def _rule(source: str, why: tuple[str, str], confirmed: bool = False) -> Exclusion:
    return Exclusion(f"{LAW} {source}", why[0], why[1], confirmed)


# Pairs of kinds (either order) whose days may not overlap for one person; a kind with itself: the same days twice.
# Art 42(2) lists leave on maternity benefit among the cases without sickness benefit (which covers child care,
# Art 42(1)(b)); the other pairs follow from each benefit replacing the pay of a day off work. The same pairs are
# applied to events under the 2014 law (58/2014/QH13 Art 25, TT 59/2015 Art 3) [to confirm overlap-pairs].
EXCLUSIONS: dict[frozenset[ClaimKind], Exclusion] = {
    frozenset({K.SICKNESS}): _rule("Art 43", ("one sickness benefit per day", "mỗi ngày một lần ốm đau"), True),
    frozenset({K.CHILD_CARE}): _rule("Art 44", ("one benefit per child and day", "mỗi con mỗi ngày một lần"), True),
    frozenset({K.MATERNITY}): _rule("Art 50", ("one maternity leave at a time", "một lần nghỉ thai sản"), True),
    frozenset({K.PATERNITY}): _rule("Art 53", ("one paternity leave per day", "mỗi ngày một lần nghỉ"), True),
    frozenset({K.CONVALESCENCE}): _rule("Art 46, 60", ("one convalescence per day", "mỗi ngày một lần"), True),
    frozenset({K.SICKNESS, K.MATERNITY}): _rule("Art 42(2)", _ON_MATERNITY),
    frozenset({K.CHILD_CARE, K.MATERNITY}): _rule("Art 42(2)", _ON_MATERNITY),
    frozenset({K.SICKNESS, K.CHILD_CARE}): _rule("Art 42-44", _ONCE),
    frozenset({K.SICKNESS, K.PATERNITY}): _rule("Art 42, 53", _ONCE),
    frozenset({K.CHILD_CARE, K.PATERNITY}): _rule("Art 44, 53", _ONCE),
    frozenset({K.CONVALESCENCE, K.SICKNESS}): _rule("Art 46(1)", _AFTER_RETURN),
    frozenset({K.CONVALESCENCE, K.CHILD_CARE}): _rule("Art 44, 46", _ONCE),
    frozenset({K.CONVALESCENCE, K.MATERNITY}): _rule("Art 60(1)", _AFTER_RETURN),
    frozenset({K.CONVALESCENCE, K.PATERNITY}): _rule("Art 46, 53", _ONCE),
    # Pregnancy loss (Art 52, issue 21): its leave replaces the pay of those days like the others
    # [to confirm overlap-pairs]; the father's lump sum (Art 58) pays no days and meets nothing but itself (the same
    # birth: merged).
    frozenset({K.PREGNANCY_LOSS}): _rule("Art 52", ("one leave per pregnancy loss", "mỗi lần sẩy thai một lần")),
    frozenset({K.PREGNANCY_LOSS, K.SICKNESS}): _rule("Art 42(2), 52", _ON_MATERNITY),
    frozenset({K.PREGNANCY_LOSS, K.CHILD_CARE}): _rule("Art 42(2), 52", _ON_MATERNITY),
    frozenset({K.PREGNANCY_LOSS, K.MATERNITY}): _rule("Art 52, 53", _ONCE),
    frozenset({K.PREGNANCY_LOSS, K.CONVALESCENCE}): _rule("Art 60(1)", _AFTER_RETURN),
    frozenset({K.PREGNANCY_LOSS, K.PATERNITY}): _rule("Art 52, 53", _ONCE),
    # Prenatal visits (Art 51): a visit's days are days off work like the others [to confirm overlap-pairs].
    frozenset({K.PRENATAL_VISIT}): _rule("Art 51", ("one prenatal visit per day", "mỗi ngày một lần khám thai")),
    **{
        frozenset({K.PRENATAL_VISIT, kind}): _rule("Art 51", _ON_MATERNITY if kind is K.MATERNITY else _ONCE)
        for kind in (K.SICKNESS, K.CHILD_CARE, K.MATERNITY, K.PATERNITY, K.CONVALESCENCE, K.PREGNANCY_LOSS)
    },
    # The rest of a mother's leave taken by the father or caregiver (Art 53): maternity leave like hers, so the same
    # pairs as maternity, and his own paternity days (Art 53(2)) are not paid again [to confirm overlap-pairs]; one
    # per birth, whichever evidence came first.
    frozenset({K.REMAINING_MATERNITY}): _rule("Art 53", ("one remaining leave per birth", "mỗi lần sinh một lần")),
    **{
        frozenset({K.REMAINING_MATERNITY, kind}): _rule(
            "Art 42(2), 53", _ON_MATERNITY if kind in (K.SICKNESS, K.CHILD_CARE) else _ONCE
        )
        for kind in (K.SICKNESS, K.CHILD_CARE, K.MATERNITY, K.PATERNITY, K.PREGNANCY_LOSS, K.PRENATAL_VISIT)
    },
    frozenset({K.REMAINING_MATERNITY, K.CONVALESCENCE}): _rule("Art 60(1)", _AFTER_RETURN),
    **{frozenset({K.LUMP_SUM, kind}): _rule("Art 58", _NO_DAYS, True) for kind in K},
}


@dataclass(frozen=True)
class Held:
    """A claim the person already has, as the rule sees it."""

    reference: str
    kind: ClaimKind
    event_key: str
    state: ClaimState
    details: ClaimDetails


@dataclass(frozen=True)
class Meeting:
    """What a filing meets: the claim of the same event (`merge`), or the claim whose days it overlaps."""

    claim: Held
    merge: bool
    exclusion: Exclusion | None = None
    days: tuple[dt.date, dt.date] | None = None  # the days both claim


Days = tuple[dt.date, dt.date]


def days_of(kind: ClaimKind, details: ClaimDetails) -> list[Days]:
    """The days (first, last) a claim pays for: a leave, a maternity leave, a father's periods, a convalescence."""
    if isinstance(details, SicknessDetails | ChildCareDetails):
        return [(details.start, details.end)]
    if isinstance(details, ConvalescenceDetails):
        return [(details.start, details.start + dt.timedelta(days=max(details.days, 1) - 1))]
    if isinstance(details, PregnancyLossDetails):
        days = pregnancy_loss_days(details.weeks, law_on(details.start))
        return [(details.start, details.start + dt.timedelta(days=days - 1))]
    if isinstance(details, PrenatalVisitDetails):
        return [(day, day + dt.timedelta(days=max(days, 1) - 1)) for day, days in details.visits]
    if isinstance(details, LumpSumDetails):
        return []  # a lump sum pays no days
    if isinstance(details, RemainingLeaveDetails):
        # At most to the end of the longest leave the birth gives (the mother's leave is known once computed)
        last = add_months(details.born, birth_leave_months(Birth(details.born, details.children)))
        return [(details.start, last - dt.timedelta(days=1))]
    if kind is K.MATERNITY:
        start = details.leave_start or details.born
        return [(start, add_months(start, birth_leave_months(details.birth())) - dt.timedelta(days=1))]
    return list(details.periods)


def certificate_number(certificate: str | None) -> tuple[str | None, str] | None:
    """A certificate as (facility or None, number), however it was written: `facility:48001/SERI123`, `SERI123`,
    ` seri123 `."""
    if not certificate or not certificate.strip():
        return None
    facility, _, number = certificate.strip().rpartition("/")
    return (facility.strip().lower() or None, "".join(number.split()).upper())


def same_certificate(a: str | None, b: str | None) -> bool | None:
    """Whether two certificates are the same one (None: one of them is not given)."""
    first, second = certificate_number(a), certificate_number(b)
    if first is None or second is None:
        return None
    if first[0] and second[0] and first[0] != second[0]:
        return False
    return first[1] == second[1]


def fuller_certificate(a: str | None, b: str | None) -> str | None:
    """Of two writings of one certificate, the one that names the facility."""
    return a if a and "/" in a and not (b and "/" in b) else b or a


def same_child(a: ChildCareDetails, b: ChildCareDetails) -> bool:
    """Whether two child-care leaves are for one child: by the child's ID number when both give it, else by the
    child's birth date (twins without ID numbers count as one child: the safe side)."""
    if a.child_personal_id and b.child_personal_id:
        return a.child_personal_id.strip() == b.child_personal_id.strip()
    return a.child_born == b.child_born


def same_event(kind: ClaimKind, key: str, details: ClaimDetails, held: Held) -> bool:
    """Whether a filing is about the event a held claim of the same kind is about."""
    if held.kind is not kind:
        return False
    old, new = held.details, details
    if isinstance(new, ChildCareDetails) and isinstance(old, ChildCareDetails) and not same_child(old, new):
        return False  # twins share a key that names the child by its birth date
    if held.event_key == key:
        return True
    if isinstance(new, SicknessDetails) and isinstance(old, SicknessDetails):
        certificate = same_certificate(old.certificate, new.certificate)
        if certificate is not None:
            return certificate
        return (old.start, old.end) == (new.start, new.end)
    if isinstance(new, ChildCareDetails) and isinstance(old, ChildCareDetails):
        return same_child(old, new) and (old.start, old.end) == (new.start, new.end)
    if isinstance(new, BirthDetails) and isinstance(old, BirthDetails):
        return old.born == new.born
    if isinstance(new, ConvalescenceDetails) and isinstance(old, ConvalescenceDetails):
        return (old.start, old.days) == (new.start, new.days)
    if isinstance(new, PregnancyLossDetails) and isinstance(old, PregnancyLossDetails):
        certificate = same_certificate(old.certificate, new.certificate)
        return certificate if certificate is not None else old.start == new.start
    if isinstance(new, PrenatalVisitDetails) and isinstance(old, PrenatalVisitDetails):
        return old.visits == new.visits
    if isinstance(new, LumpSumDetails) and isinstance(old, LumpSumDetails):
        return old.born == new.born
    if isinstance(new, RemainingLeaveDetails) and isinstance(old, RemainingLeaveDetails):
        return (old.mother_id, old.born) == (new.mother_id, new.born)
    return False


def _common(first: Iterable[Days], second: Iterable[Days]) -> Days | None:
    others = list(second)
    for start, end in first:
        for other_start, other_end in others:
            if start <= other_end and other_start <= end:
                return max(start, other_start), min(end, other_end)
    return None


def overlap(kind: ClaimKind, details: ClaimDetails, held: Held) -> Meeting | None:
    """The days a filing shares with a held claim where the law pays them once, if any."""
    exclusion = EXCLUSIONS.get(frozenset({kind, held.kind}))
    if exclusion is None:
        return None
    if (
        isinstance(details, ChildCareDetails)
        and isinstance(held.details, ChildCareDetails)
        and not same_child(details, held.details)
    ):
        return None  # Art 44: the limit, and the leave, are per child
    common = _common(days_of(kind, details), days_of(held.kind, held.details))
    return None if common is None else Meeting(held, merge=False, exclusion=exclusion, days=common)


def meet(kind: ClaimKind, key: str, details: ClaimDetails, claims: Iterable[Held]) -> Meeting | None:
    """What a filing meets among a person's claims: the claim of its event, else the first whose days it
    overlaps; rejected claims aside. None: it opens a claim of its own."""
    live = [held for held in claims if held.state is not ClaimState.REJECTED]
    exact = [held for held in live if held.kind is kind and held.event_key == key]
    for held in exact + live:
        if same_event(kind, key, details, held):
            return Meeting(held, merge=True)
    for held in live:
        if (found := overlap(kind, details, held)) is not None:
            return found
    return None


def for_merging(details: ClaimDetails, held: Held, *, keep_days: bool) -> ClaimDetails:
    """A filing's details as they merge into the held claim: the certificate written in full (with its facility)
    whichever side gave it so; and, for a filing by hand into a claim that rests on a certificate, the
    certificate's days."""
    if not isinstance(details, SicknessDetails) or not isinstance(held.details, SicknessDetails):
        return details
    old = held.details
    merged = replace(details, certificate=fuller_certificate(old.certificate, details.certificate))
    if keep_days:
        merged = replace(merged, start=old.start, end=old.end, half_days=old.half_days)
    return merged


KIND_VI = {
    K.SICKNESS: "ốm đau",
    K.CHILD_CARE: "chăm con ốm",
    K.MATERNITY: "thai sản",
    K.PATERNITY: "thai sản của lao động nam",
    K.CONVALESCENCE: "dưỡng sức phục hồi sức khỏe",
    K.PREGNANCY_LOSS: "thai sản khi sẩy thai, phá thai",
    K.PRENATAL_VISIT: "thai sản khi khám thai",
    K.LUMP_SUM: "trợ cấp một lần khi sinh con",
    K.REMAINING_MATERNITY: "thai sản thời gian còn lại của người mẹ",
}


def refusal(kind: ClaimKind, meeting: Meeting) -> BusinessError:
    """CLAIM_OVERLAPS, naming the claim whose days the filing overlaps, the days, and the rule."""
    assert meeting.exclusion is not None and meeting.days is not None
    held = meeting.claim
    return claim_error(
        ClaimErrorCode.CLAIM_OVERLAPS,
        field="leave",
        kind=kind.value,
        kind_vi=KIND_VI[kind],
        reference=held.reference,
        held_kind=held.kind.value,
        held_kind_vi=KIND_VI[held.kind],
        first=meeting.days[0].isoformat(),
        last=meeting.days[1].isoformat(),
        why_en=meeting.exclusion.cited(),
        why_vi=meeting.exclusion.cited(vietnamese=True),
    )
