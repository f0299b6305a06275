"""Maternity when a death or an incapacity follows a birth (Luật BHXH 41/2024/QH15 Art 53(3)–(6); 2014 law,
58/2014/QH13 Art 34(3), (4), (6)) [to confirm death-articles]:

- **the child dies** (Art 53(3)): a child under 2 months old: the mother's leave is 4 months from the birth; a child
  2 months old or older: 2 months from the death; never beyond the leave she had (Art 53(1))
  [to confirm child-death-leave];
- **the mother dies** after the birth, or **a medical assessment council finds that she cannot care for the child**
  (Hội đồng giám định y khoa; XML12 minutes): the father, or the person who cares for the child, takes the rest of
  her leave from the day after the death or the finding; when the mother had no leave of her own (not insured, or
  not eligible under Art 50), he takes leave until the child is 6 months old (Art 53(4)–(5))
  [to confirm caregiver-remaining-leave].

Leave here counts calendar days, weekends and holidays included (Art 53(6)). Evidence: the civil-status death extract
(`fetchDeathExtract`), a discharge paper or record summary naming a child who died (XML7, XML8 `NGAY_CONCHET`), the
council's minutes (XML12). The rules are pure: they give the period and the explanation lines; opening the claim is
hub.claims.opening's."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from hub.claims.rules.contributions import average_salary, compulsory_months_in, months_before_birth
from hub.claims.rules.formatting import vnd
from hub.claims.rules.inputs import ContributionHistory
from hub.claims.rules.months import add_months
from hub.claims.rules.outcome import Benefit, Computation, Explainer, Explanation
from hub.claims.rules.reasons import Reason, ReasonCode, reason
from hub.claims.rules.tables import RULES_START, Rule, law_on, law_title
from hub.claims.rules.uncertain import mark, mark_vi
from hub.infra.text import fold

CHILD_YOUNG_MONTHS = 2  # a child dying before this age: the mother's leave is LEAVE_AFTER_YOUNG_CHILD from the birth
LEAVE_AFTER_YOUNG_CHILD_MONTHS = 4
LEAVE_AFTER_OLDER_CHILD_MONTHS = 2  # from the death
CAREGIVER_UNTIL_CHILD_MONTHS = 6  # the father or caregiver, when the mother had no leave of her own
TAKER_MIN_MONTHS = 6  # the father's or caregiver's compulsory months in the 12 before the birth
DAYS_IN_A_MONTH = 30  # a part month of maternity leave is paid by the day: the monthly amount ÷ 30


class AfterBirth(enum.StrEnum):
    """What happened after the birth that changes who takes the maternity leave."""

    CHILD_DIED = "child_died"
    MOTHER_DIED = "mother_died"
    MOTHER_CANNOT_CARE = "mother_cannot_care"  # a medical assessment council's finding


class Taker(enum.StrEnum):
    MOTHER = "mother"
    FATHER_OR_CAREGIVER = "father_or_caregiver"


@dataclass(frozen=True)
class MotherLeave:
    """The mother's maternity leave as computed for the birth (Art 53(1)); None when she had none of her own."""

    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class AdjustedLeave:
    """Who takes which days after the event; `period` None when nothing is left to take."""

    taker: Taker
    period: tuple[dt.date, dt.date] | None
    explanation: tuple[Explanation, ...]

    @property
    def days(self) -> int:
        return 0 if self.period is None else (self.period[1] - self.period[0]).days + 1


def leave_after_child_death(born: dt.date, died: dt.date, mother: MotherLeave) -> AdjustedLeave:
    """The mother's leave when her child dies (Art 53(3)): it ends 4 months after the birth (child under 2 months) or
    2 months after the death, and never after the leave she had."""
    if died < born:
        raise ValueError("a child cannot die before its birth")
    explainer = Explainer(law_on(born))
    young = died < add_months(born, CHILD_YOUNG_MONTHS)
    if young:
        end = add_months(born, LEAVE_AFTER_YOUNG_CHILD_MONTHS) - dt.timedelta(days=1)
        how_en = f"under {CHILD_YOUNG_MONTHS} months old: {LEAVE_AFTER_YOUNG_CHILD_MONTHS} months from the birth"
        how_vi = f"dưới {CHILD_YOUNG_MONTHS} tháng tuổi: {LEAVE_AFTER_YOUNG_CHILD_MONTHS} tháng tính từ ngày sinh"
        arithmetic = f"{born} + {LEAVE_AFTER_YOUNG_CHILD_MONTHS} months − 1 day = {end}"
    else:
        end = add_months(died, LEAVE_AFTER_OLDER_CHILD_MONTHS) - dt.timedelta(days=1)
        how_en = f"{CHILD_YOUNG_MONTHS} months old or older: {LEAVE_AFTER_OLDER_CHILD_MONTHS} months from the death"
        how_vi = f"từ đủ {CHILD_YOUNG_MONTHS} tháng tuổi: {LEAVE_AFTER_OLDER_CHILD_MONTHS} tháng tính từ ngày con chết"
        arithmetic = f"{died} + {LEAVE_AFTER_OLDER_CHILD_MONTHS} months − 1 day = {end}"
    end = min(end, mother.end)
    explainer.add(
        Rule.DEATH_OR_INCAPACITY,
        f"{arithmetic}; min(…, {mother.end}) = {end}",
        f"Con sinh ngày {born} chết ngày {died}, {how_vi}; mẹ nghỉ từ {mother.start} đến {end}, không quá thời gian "
        f"nghỉ thai sản đã có. {mark_vi('child-death-leave')}",
        f"The child born on {born} died on {died}, {how_en}; the mother's leave runs from {mother.start} to {end}, "
        f"never beyond the leave she had. {mark('child-death-leave')}",
        born=born,
        died=died,
    )
    return AdjustedLeave(Taker.MOTHER, (mother.start, end), explainer.done())


def _what(event: AfterBirth) -> tuple[str, str]:
    """What happened to the mother, in Vietnamese and English."""
    if event is AfterBirth.MOTHER_DIED:
        return "mẹ chết", "the mother died"
    return (
        "Hội đồng giám định y khoa kết luận mẹ không đủ sức khỏe để chăm sóc con",
        "a medical assessment council found that the mother cannot care for the child",
    )


def remaining_leave(event: AfterBirth, *, born: dt.date, on: dt.date, mother: MotherLeave | None) -> AdjustedLeave:
    """The leave the father or the child's caregiver takes after the mother dies, or after a medical assessment
    council finds she cannot care for the child (`on`: the day of the death or of the council's meeting): the rest
    of her leave from the next day; with no leave of her own, until the child is 6 months old (Art 53(4)–(5))."""
    if event is AfterBirth.CHILD_DIED:
        raise ValueError("a child's death changes the mother's own leave: use leave_after_child_death")
    if on < born:
        raise ValueError("the event follows the birth")
    explainer = Explainer(law_on(born))
    start = on + dt.timedelta(days=1)
    what_vi, what_en = _what(event)
    if mother is not None:
        end = mother.end
        arithmetic = f"[{on} + 1 day, {mother.end}]"
        rest_en = f"the rest of the mother's leave (which ran to {mother.end})"
        rest_vi = f"thời gian còn lại của mẹ (nghỉ đến {mother.end})"
    else:
        end = add_months(born, CAREGIVER_UNTIL_CHILD_MONTHS) - dt.timedelta(days=1)
        arithmetic = f"[{on} + 1 day, {born} + {CAREGIVER_UNTIL_CHILD_MONTHS} months − 1 day]"
        rest_en = f"leave until the child is {CAREGIVER_UNTIL_CHILD_MONTHS} months old (the mother had no leave)"
        rest_vi = f"nghỉ đến khi con đủ {CAREGIVER_UNTIL_CHILD_MONTHS} tháng tuổi (mẹ không có thời gian nghỉ)"
    period = (start, end) if start <= end else None
    shown_en = f"from {start} to {end}" if period else "nothing is left"
    shown_vi = f"từ {start} đến {end}" if period else "không còn thời gian nghỉ"
    explainer.add(
        Rule.DEATH_OR_INCAPACITY,
        f"{arithmetic} = {period[1].toordinal() - period[0].toordinal() + 1 if period else 0} days",
        f"Ngày {on} {what_vi}: cha hoặc người trực tiếp nuôi dưỡng nghỉ {rest_vi}, {shown_vi}. "
        f"{mark_vi('caregiver-remaining-leave')}",
        f"On {on} {what_en}: the father or the child's caregiver takes {rest_en}, {shown_en}. "
        f"{mark('caregiver-remaining-leave')}",
        born=born,
        event=event.value,
        on=on,
    )
    return AdjustedLeave(Taker.FATHER_OR_CAREGIVER, period, explainer.done())


@dataclass(frozen=True)
class Finding:
    """An event after a birth, as a piece of evidence shows it: what, on which day, and from where."""

    event: AfterBirth
    on: dt.date
    evidence: str


# How minutes say the mother cannot care for the child, folded (no diacritics, case or spaces); XML12 has no coded
# field for it, so the conclusion's text is read [to confirm xml12-cannot-care].
CANNOT_CARE = tuple(
    fold(phrase)
    for phrase in (
        "không đủ sức khỏe để chăm sóc con",
        "không còn đủ sức khỏe để chăm sóc con",
        "không đủ sức khoẻ để chăm sóc con",
        "không thể chăm sóc con",
    )
)


def _yyyymmdd(text: str | None) -> dt.date | None:
    if not text or len(text) < 8 or not text[:8].isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def finding_in_document(doc_type: str, fields: Mapping[str, str | None]) -> Finding | None:
    """What a stored document says happened after a birth, as its fields are stored (QĐ 4750 text): a record
    summary (XML8) giving the day a child died (`NGAY_CONCHET`), or a council's minutes (XML12) concluding that the
    mother cannot care for the child (on `NGAY_HOP`, the day the council met)."""
    if doc_type == "XML8":
        died = _yyyymmdd(fields.get("NGAY_CONCHET"))
        return Finding(AfterBirth.CHILD_DIED, died, "XML8 NGAY_CONCHET") if died else None
    if doc_type == "XML12":
        met = _yyyymmdd(fields.get("NGAY_HOP"))
        said = fold(" ".join(fields.get(name) or "" for name in ("DUOC_XACDINH", "KET_QUA_KHAM", "DE_NGHI")))
        if met and any(phrase in said for phrase in CANNOT_CARE):
            return Finding(AfterBirth.MOTHER_CANNOT_CARE, met, "XML12 DUOC_XACDINH/KET_QUA_KHAM")
    return None


def finding_in_death_extract(date_of_death: dt.date, *, is_mother: bool) -> Finding:
    """A civil-status death extract (`fetchDeathExtract`) of the mother or of the child."""
    event = AfterBirth.MOTHER_DIED if is_mother else AfterBirth.CHILD_DIED
    return Finding(event, date_of_death, "trích lục khai tử")


def months_and_days(first: dt.date, last: dt.date) -> tuple[int, int]:
    """A leave from `first` to `last` as whole months from `first` and the days after them."""
    months = 0
    while add_months(first, months + 1) - dt.timedelta(days=1) <= last:
        months += 1
    return months, (last - add_months(first, months)).days + 1


def leave_handed_over(
    event: AfterBirth, on: dt.date, start: dt.date, end: dt.date, explainer: Explainer
) -> tuple[dt.date, int, int]:
    """The mother's own leave when the father or caregiver takes the rest of it from the day after `on` (Art 53): it
    ends on `on`, paid for its whole months and its days (÷ 30, as the rest is); explained. (last day, months, days)"""
    last = max(min(end, on), start)
    months, days = months_and_days(start, last)
    what_vi, what_en = _what(event)
    explainer.add(
        Rule.DEATH_OR_INCAPACITY,
        f"[{start}, min({end}, {on})] = {months} months + {days} days",
        f"Ngày {on} {what_vi}: thời gian nghỉ của mẹ tính đến {last} ({months} tháng {days} ngày); thời gian còn lại "
        f"do cha hoặc người trực tiếp nuôi dưỡng hưởng. {mark_vi('caregiver-remaining-leave')}",
        f"On {on} {what_en}: her own leave counts to {last} ({months} months {days} days); the father or caregiver "
        f"takes the rest. {mark('caregiver-remaining-leave')}",
        on=on,
        event=event.value,
    )
    return last, months, days


@dataclass(frozen=True)
class RemainingLeave:
    """What the father's or caregiver's remaining leave is computed from: the birth, the event after it (the mother's
    death or the council's finding, on `on`), and the mother's own leave (None: she had none, not insured or not
    eligible)."""

    event: AfterBirth
    born: dt.date
    on: dt.date
    mother: MotherLeave | None


def compute_remaining_maternity(history: ContributionHistory, remaining: RemainingLeave) -> Computation:
    """The father's or caregiver's maternity benefit for the rest of the mother's leave (Art 53, `remaining_leave`),
    on his own contributions: he needs 6 compulsory months in the 12 before the birth (counted as for the mother)
    [to confirm remaining-leave-eligibility]; he is paid 100% of his own average contribution salary of the 6 months
    before his leave (Art 59) for each whole month of it, and that ÷ 30 for each day of a part month
    [to confirm remaining-leave-odd-days]. No lump sum: the birth's lump sum is the mother's (or, she not eligible,
    the father's own lump-sum claim)."""
    explainer = Explainer(law_on(remaining.born))
    start = remaining.on + dt.timedelta(days=1)
    if remaining.born < RULES_START:
        why = reason(ReasonCode.RULES_NOT_AVAILABLE_FOR_DATE, day=remaining.born, start=RULES_START)
        return _refused_remaining(start, why, explainer)
    explainer.add(
        Rule.LAW_VERSION,
        f"{remaining.born} → {explainer.law.value}",
        f"Con sinh ngày {remaining.born}: áp dụng {law_title(explainer.law)}.",
        f"The child was born on {remaining.born}: {law_title(explainer.law)} applies.",
        event_date=remaining.born,
    )
    adjusted = remaining_leave(remaining.event, born=remaining.born, on=remaining.on, mother=remaining.mother)
    explainer.lines.extend(adjusted.explanation)
    window = months_before_birth(history, remaining.born)
    paid = compulsory_months_in(history, window)
    explainer.add(
        Rule.REMAINING_LEAVE_CONDITIONS,
        f"{paid} {'<' if paid < TAKER_MIN_MONTHS else '≥'} {TAKER_MIN_MONTHS}",
        f"Cha hoặc người trực tiếp nuôi dưỡng đã đóng BHXH bắt buộc {paid} tháng trong 12 tháng trước khi sinh "
        f"({window[0]}–{window[-1]}); cần từ đủ {TAKER_MIN_MONTHS}. {mark_vi('remaining-leave-eligibility')}",
        f"The father or caregiver paid {paid} compulsory months in the 12 before the birth "
        f"({window[0]}–{window[-1]}); {TAKER_MIN_MONTHS} needed. {mark('remaining-leave-eligibility')}",
        months_paid=paid,
    )
    if paid < TAKER_MIN_MONTHS:
        why = reason(
            ReasonCode.INSUFFICIENT_CONTRIBUTIONS, paid=paid, first=window[0], last=window[-1], needed=TAKER_MIN_MONTHS
        )
        return _refused_remaining(start, why, explainer)
    if adjusted.period is None:
        return _refused_remaining(start, reason(ReasonCode.NO_REMAINING_LEAVE, on=remaining.on), explainer)
    first, last = adjusted.period
    months, days = months_and_days(first, last)
    average, salary_months = average_salary(history, first)
    exact = average * months + average * days / DAYS_IN_A_MONTH
    explainer.add(
        Rule.MATERNITY_AMOUNT,
        f"{vnd(average)} × {months} + {vnd(average)} ÷ {DAYS_IN_A_MONTH} × {days} = {vnd(exact)}",
        f"Bình quân tiền lương đóng BHXH của người nghỉ, {len(salary_months)} tháng trước khi nghỉ "
        f"({', '.join(map(str, salary_months))}): {vnd(average)} đồng; {first}–{last} là {months} tháng và {days} "
        f"ngày: {vnd(average)} × {months} + {vnd(average)} ÷ {DAYS_IN_A_MONTH} × {days} = {vnd(exact)} đồng. "
        f"{mark_vi('remaining-leave-odd-days')}",
        f"The taker's own average contribution salary of the {len(salary_months)} months before the leave "
        f"({', '.join(map(str, salary_months))}): {vnd(average)} VND; {first}–{last} is {months} months and {days} "
        f"days: {vnd(average)} × {months} + {vnd(average)} ÷ {DAYS_IN_A_MONTH} × {days} = {vnd(exact)} VND. "
        f"{mark('remaining-leave-odd-days')}",
        months=months,
        days=days,
    )
    period = (first, last)
    return explainer.paid_leave(
        Benefit.REMAINING_MATERNITY, first, exact, months=months, period=period, salary_months=salary_months
    )


def _refused_remaining(start: dt.date, why: Reason, explainer: Explainer) -> Computation:
    return Computation(
        Benefit.REMAINING_MATERNITY, explainer.law, start, False, (why,), 0, Fraction(0), explainer.done()
    )
