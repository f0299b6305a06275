"""Convalescence (dưỡng sức, phục hồi sức khỏe) after sickness or maternity: up to 10 / 7 / 5 calendar days by
cause, starting within the first 30 days back at work, paid at 30% of the base salary (2024 law: reference level)
per day.

The days include weekends and public holidays (2014 law Art 29(1)). The maximum after sickness is per calendar year;
after maternity, per birth.

Dated versions (`VERSIONS`, chosen by the convalescence's first day):
- 2014 law (Luật BHXH 58/2014/QH13 Art 29, 41), before 1/7/2025: within the first 30 days back at work; after
  sickness, at least 30 days of sickness benefit in the year [to confirm convalescence-min-sickness] and each cause's
  maximum
  (10 / 7 / 5) per year.
- 2024 law (Luật BHXH 41/2024/QH15 Art 46, 60; domain-rules §6), from 1/7/2025: after sickness, only after at least
  30 days of sickness benefit in the calendar year, within 30 days of the end of the sick leave, each cause's
  maximum (10 / 7 / 5) and at most 10 days a year in all; after maternity, within 30 days of the end of the
  maternity leave, 10 / 7 / 5, and none if she went back to work before her leave ended.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from hub.claims.rules.formatting import days, vnd
from hub.claims.rules.inputs import Birth, CauseEvidence, ConvalescenceCause, ConvalescenceLeave
from hub.claims.rules.outcome import Benefit, Computation, Explainer
from hub.claims.rules.reasons import Reason, ReasonCode, reason
from hub.claims.rules.tables import RULES_START, LawVersion, Rule, benefit_base_on, law_on, law_title
from hub.claims.rules.uncertain import mark, mark_vi

RATE = Fraction(30, 100)
WINDOW_DAYS = 30
MAX_DAYS: dict[ConvalescenceCause, int] = {
    ConvalescenceCause.SICKNESS_LONG_TERM: 10,
    ConvalescenceCause.SICKNESS_SURGERY: 7,
    ConvalescenceCause.SICKNESS_OTHER: 5,
    ConvalescenceCause.MATERNITY_MULTIPLE_BIRTH: 10,
    ConvalescenceCause.MATERNITY_CAESAREAN: 7,
    ConvalescenceCause.MATERNITY_OTHER: 5,
}
# Convalescence after sickness follows at least 30 days of sickness benefit in the calendar year: 2024 law Art 46
# (domain-rules §6); for the 2014 law (Art 29(1)) the "in the year" reading is the hub's.
# [to confirm convalescence-min-sickness]
MIN_SICKNESS_DAYS = 30


@dataclass(frozen=True)
class ConvalescenceVersion:
    """The convalescence rules of one law: where the 30 days start, the yearly total after sickness (None: only each
    cause's maximum), whether an early return from maternity leave bars it, and the register entries of the points not
    yet confirmed (hub.claims.rules.uncertain), shown in the explanation of any claim they affect."""

    law: LawVersion
    window_from_leave_end: bool
    yearly_total_after_sickness: int | None
    early_return_bars_maternity: bool
    to_confirm: tuple[str, ...] = ()


VERSIONS: dict[LawVersion, ConvalescenceVersion] = {
    LawVersion.LAW_2014: ConvalescenceVersion(
        LawVersion.LAW_2014,
        window_from_leave_end=False,
        yearly_total_after_sickness=None,
        early_return_bars_maternity=False,
        to_confirm=("convalescence-min-sickness",),
    ),
    LawVersion.LAW_2024: ConvalescenceVersion(
        LawVersion.LAW_2024,
        window_from_leave_end=True,
        yearly_total_after_sickness=10,
        early_return_bars_maternity=True,
        to_confirm=("convalescence-window-start", "convalescence-caps"),
    ),
}


# The birth a convalescence after maternity follows: the latest one in the year before the return to work (maternity
# leave is 6 months, a month more per further child, and may end early).
BIRTH_LOOKBACK_DAYS = 366


def cause_after_birth(birth: Birth) -> ConvalescenceCause:
    """The cause a birth supports: a multiple birth, else a caesarean, else any other birth."""
    if birth.children >= 2:
        return ConvalescenceCause.MATERNITY_MULTIPLE_BIRTH
    return ConvalescenceCause.MATERNITY_CAESAREAN if birth.caesarean else ConvalescenceCause.MATERNITY_OTHER


def cause_from_evidence(
    asked: ConvalescenceCause,
    returned_to_work: dt.date,
    births: Sequence[tuple[Birth, str, str]],
    long_term_sickness_years: frozenset[int],
) -> CauseEvidence | None:
    """The cause the hub's evidence supports for a convalescence asked for as `asked`.

    After maternity: the latest birth (`births`, each with the document it is read from) in the year before the
    return to work; None when there is none (the claim waits for it). After sickness: a long-term disease must be
    on one of the year's sickness claims (`long_term_sickness_years`), else it is other sickness; surgery is not
    shown by any evidence the hub holds and is taken as asked."""
    if not asked.after_sickness:
        earliest = returned_to_work - dt.timedelta(days=BIRTH_LOOKBACK_DAYS)
        found = [item for item in births if earliest <= item[0].date <= returned_to_work]
        if not found:
            return None
        birth, source_vi, source_en = max(found, key=lambda item: item[0].date)
        surgery_vi = "phẫu thuật" if birth.caesarean else "không phẫu thuật"
        surgery_en = "by caesarean" if birth.caesarean else "without surgery"
        return CauseEvidence(
            cause_after_birth(birth),
            f"{source_vi} ngày {birth.date}: sinh {birth.children} con, {surgery_vi}",
            f"the {source_en} of {birth.date} shows {birth.children} child(ren) born {surgery_en}",
        )
    year = returned_to_work.year
    if asked is ConvalescenceCause.SICKNESS_LONG_TERM and not {year, year - 1} & long_term_sickness_years:
        return CauseEvidence(
            ConvalescenceCause.SICKNESS_OTHER,
            f"không hồ sơ ốm đau nào năm {year - 1}–{year} là bệnh cần chữa trị dài ngày",
            f"no sickness claim of {year - 1}–{year} is for a long-term disease",
        )
    return CauseEvidence(asked, f"hồ sơ ốm đau năm {year}", f"the sickness claims of {year}")


def leave_before(returned_to_work: dt.date, ends: Sequence[dt.date]) -> dt.date | None:
    """The last day of the leave a return to work follows: the latest of `ends` before the return (None: none)."""
    return max((end for end in ends if end < returned_to_work), default=None)


def maternity_leave_before(returned_to_work: dt.date, leaves: Sequence[tuple[dt.date, dt.date]]) -> dt.date | None:
    """The last day of the maternity leave of the latest birth (`leaves`: birth date, leave's last day) on or before
    the return to work, in the year before it; None when the hub knows of none. A return on or before that day is
    an early return (2024 law Art 60)."""
    earliest = returned_to_work - dt.timedelta(days=BIRTH_LOOKBACK_DAYS)
    found = [item for item in leaves if earliest <= item[0] <= returned_to_work]
    return max(found)[1] if found else None


def convalescence_window(returned_to_work: dt.date) -> tuple[dt.date, dt.date]:
    """The days on which convalescence may start: the first 30 days back at work, the return day being day 1."""
    return returned_to_work, returned_to_work + dt.timedelta(days=WINDOW_DAYS - 1)


def window_after_leave(leave_ended: dt.date) -> tuple[dt.date, dt.date]:
    """2024 law: the days on which convalescence may start, the 30 days after the leave's last day (the day after it
    being day 1) [to confirm convalescence-window-start]."""
    return leave_ended + dt.timedelta(days=1), leave_ended + dt.timedelta(days=WINDOW_DAYS)


def _to_confirm(explainer: Explainer, rule: Rule, version: ConvalescenceVersion, which: int) -> None:
    """An explanation line naming the register entry of a reading of the law this computation relies on."""
    entry = version.to_confirm[which]
    explainer.add(
        rule, mark(entry), f"Cách hiểu còn chờ xác nhận: {mark_vi(entry)}.", f"Reading still to confirm: {mark(entry)}."
    )


def _refused(leave: ConvalescenceLeave, why: Reason, explainer: Explainer, notes: Sequence[Reason] = ()) -> Computation:
    return Computation(
        Benefit.CONVALESCENCE,
        explainer.law,
        leave.start,
        False,
        (*notes, why),
        0,
        Fraction(0),
        explainer.done(),
        unpaid_days=Decimal(leave.days),
    )


def compute_convalescence(leave: ConvalescenceLeave) -> Computation:
    """Convalescence benefit under the law in force on its first day."""
    explainer = Explainer(law_on(leave.start))
    if leave.start < RULES_START:
        return _refused(
            leave, reason(ReasonCode.RULES_NOT_AVAILABLE_FOR_DATE, day=leave.start, start=RULES_START), explainer
        )
    explainer.add(
        Rule.LAW_VERSION,
        f"{leave.start} → {explainer.law.value}",
        f"Ngày bắt đầu nghỉ dưỡng sức {leave.start}: áp dụng {law_title(explainer.law)}.",
        f"Convalescence starts on {leave.start}: {law_title(explainer.law)} applies.",
        event_date=leave.start,
    )
    rule = Rule.CONVALESCENCE_AFTER_SICKNESS if leave.cause.after_sickness else Rule.CONVALESCENCE_AFTER_MATERNITY
    notes: list[Reason] = []
    if leave.evidence is not None:
        supported = leave.evidence.cause
        agrees = supported is leave.cause
        explainer.add(
            rule,
            f"{leave.cause.value} → {supported.value}",
            f"Lý do kê khai: {leave.cause.value}; đối chiếu {leave.evidence.evidence_vi}: "
            f"{'phù hợp' if agrees else f'không phù hợp, tính theo {supported.value}'}.",
            f"Cause asked: {leave.cause.value}; checked against {leave.evidence.evidence_en}: "
            f"{'it agrees' if agrees else f'it does not, computed as {supported.value}'}.",
            asked=leave.cause.value,
            supported=supported.value,
        )
        if not agrees:
            notes.append(
                reason(
                    ReasonCode.CAUSE_NOT_SUPPORTED_BY_EVIDENCE,
                    asked=leave.cause.value,
                    supported=supported.value,
                    evidence_vi=leave.evidence.evidence_vi,
                    evidence_en=leave.evidence.evidence_en,
                )
            )
            leave = dataclasses.replace(leave, cause=supported)
    version = VERSIONS[explainer.law]
    ended = leave.leave_ended
    early = ended is not None and leave.returned_to_work <= ended
    if version.early_return_bars_maternity and not leave.cause.after_sickness and early:
        why = reason(ReasonCode.RETURNED_TO_WORK_EARLY, returned=leave.returned_to_work, ended=ended)
        explainer.add(
            rule,
            f"{leave.returned_to_work} ≤ {ended}",
            f"Đi làm lại ngày {leave.returned_to_work}, trước khi hết thời gian nghỉ sinh con ({ended}): không được "
            "nghỉ dưỡng sức sau thai sản.",
            f"Back at work on {leave.returned_to_work}, before the maternity leave ended ({ended}): no "
            "convalescence after maternity.",
            returned_to_work=leave.returned_to_work,
            leave_ended=ended,
        )
        return _refused(leave, why, explainer, notes)
    if version.window_from_leave_end and leave.leave_ended is not None:
        first, last = window_after_leave(leave.leave_ended)
        if leave.start > last:
            _to_confirm(explainer, rule, version, 0)
            why = reason(
                ReasonCode.STARTS_TOO_LATE_AFTER_LEAVE, start=leave.start, window=WINDOW_DAYS, ended=leave.leave_ended
            )
            return _refused(leave, why, explainer, notes)
    else:
        first, last = convalescence_window(leave.returned_to_work)
        if leave.start > last:
            why = reason(
                ReasonCode.STARTS_TOO_LATE_AFTER_RETURN,
                start=leave.start,
                window=WINDOW_DAYS,
                returned=leave.returned_to_work,
            )
            return _refused(leave, why, explainer, notes)
    if leave.cause.after_sickness and version.law is LawVersion.LAW_2014:
        _to_confirm(explainer, rule, version, 0)
    if leave.cause.after_sickness and leave.sickness_days_this_year < MIN_SICKNESS_DAYS:
        why = reason(
            ReasonCode.NOT_ENOUGH_SICKNESS_DAYS, days=days(leave.sickness_days_this_year), needed=MIN_SICKNESS_DAYS
        )
        return _refused(leave, why, explainer, notes)
    maximum = MAX_DAYS[leave.cause]
    yearly = version.yearly_total_after_sickness if leave.cause.after_sickness else None
    if yearly is None:
        remaining = max(0, maximum - leave.days_already_taken)
        formula = f"min({leave.days}, {maximum} − {leave.days_already_taken})"
        limit_vi, limit_en = f"tối đa {maximum} ngày", f"at most {maximum} days"
    else:
        remaining = max(0, min(maximum, yearly - leave.days_already_taken))
        formula = f"min({leave.days}, {maximum}, {yearly} − {leave.days_already_taken})"
        limit_vi = f"tối đa {maximum} ngày cho lý do này và {yearly} ngày trong năm"
        limit_en = f"at most {maximum} days for this cause and {yearly} days a year in all"
        _to_confirm(explainer, rule, version, 1)
    paid = min(leave.days, remaining)
    unpaid = leave.days - paid
    since_vi = (
        f"trong {WINDOW_DAYS} ngày kể từ khi hết thời gian nghỉ {leave.leave_ended} ({first}–{last})"
        if version.window_from_leave_end and leave.leave_ended is not None
        else f"trong {WINDOW_DAYS} ngày đầu trở lại làm việc ({first}–{last})"
    )
    since_en = (
        f"within the {WINDOW_DAYS} days after the leave ended on {leave.leave_ended} ({first}–{last})"
        if version.window_from_leave_end and leave.leave_ended is not None
        else f"within the first {WINDOW_DAYS} days back at work ({first}–{last})"
    )
    if version.window_from_leave_end and leave.leave_ended is not None:
        _to_confirm(explainer, rule, version, 0)
    explainer.add(
        rule,
        f"{formula} = {paid}",
        f"Dưỡng sức ({leave.cause.value}) bắt đầu {leave.start}, {since_vi}; {limit_vi} (kể cả ngày nghỉ hằng tuần, "
        f"lễ, Tết), đã hưởng {leave.days_already_taken}; xin {leave.days}, được hưởng {paid} ngày.",
        f"Convalescence ({leave.cause.value}) starting {leave.start}, {since_en}; {limit_en} (weekends and "
        f"holidays included), {leave.days_already_taken} already paid; {leave.days} asked, {paid} paid.",
        cause=leave.cause.value,
        returned_to_work=leave.returned_to_work,
    )
    if not paid:
        limit = maximum if yearly is None else min(maximum, yearly)
        return _refused(
            leave, reason(ReasonCode.YEARLY_LIMIT_REACHED, limit=limit, year=leave.start.year), explainer, notes
        )
    if unpaid:
        notes.append(reason(ReasonCode.DAYS_BEYOND_YEARLY_LIMIT, unpaid=unpaid))
    base, name_vi, name_en = benefit_base_on(leave.start)
    exact = Fraction(base.amount_vnd) * RATE * paid
    explainer.add(
        Rule.BASE_SALARY,
        f"{leave.start} → {base.amount_vnd:,}",
        f"{name_vi.capitalize()} ngày {leave.start}: {base.amount_vnd:,} đồng ({base.decree}, từ {base.effective}).",
        f"{name_en.capitalize()} on {leave.start}: {base.amount_vnd:,} VND ({base.decree}, from {base.effective}).",
        effective=base.effective,
        decree=base.decree,
    )
    explainer.add(
        rule,
        f"{base.amount_vnd:,} × 30% × {paid} = {vnd(exact)}",
        f"Mức hưởng = 30% × {name_vi} × {paid} ngày = {vnd(exact)} đồng.",
        f"Amount = 30% × {name_en} × {paid} days = {vnd(exact)} VND.",
        days=paid,
    )
    amount = explainer.total(exact)
    end = leave.start + dt.timedelta(days=paid - 1)
    return Computation(
        Benefit.CONVALESCENCE,
        explainer.law,
        leave.start,
        True,
        tuple(notes),
        amount,
        exact,
        explainer.done(),
        paid_days=Decimal(paid),
        unpaid_days=Decimal(unpaid),
        period=(leave.start, end),
    )
