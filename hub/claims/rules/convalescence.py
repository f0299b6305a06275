"""Convalescence (dưỡng sức, phục hồi sức khỏe) after sickness or maternity: up to 10 / 7 / 5 calendar days by
cause, starting within the first 30 days back at work, paid at 30% of the base salary (2024 law: reference level)
per day.

The days include weekends and public holidays (2014 law Art 29(1)). The maximum after sickness is per calendar year;
after maternity, per birth.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from hub.claims.rules.formatting import days, vnd
from hub.claims.rules.inputs import Birth, CauseEvidence, ConvalescenceCause, ConvalescenceLeave
from hub.claims.rules.outcome import Benefit, Computation, Explainer
from hub.claims.rules.reasons import Reason, ReasonCode, reason
from hub.claims.rules.tables import RULES_START, Rule, benefit_base_on, law_on, law_title

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
# 2014 law Art 29(1): convalescence after sickness follows at least 30 days of sickness benefit in the year. Not in
# the domain rules, and the 2024 wording is unverified. [to confirm convalescence-min-sickness]
MIN_SICKNESS_DAYS = 30


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


def convalescence_window(returned_to_work: dt.date) -> tuple[dt.date, dt.date]:
    """The days on which convalescence may start: the first 30 days back at work, the return day being day 1."""
    return returned_to_work, returned_to_work + dt.timedelta(days=WINDOW_DAYS - 1)


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
    first, last = convalescence_window(leave.returned_to_work)
    if leave.start > last:
        why = reason(
            ReasonCode.STARTS_TOO_LATE_AFTER_RETURN,
            start=leave.start,
            window=WINDOW_DAYS,
            returned=leave.returned_to_work,
        )
        return _refused(leave, why, explainer, notes)
    if leave.cause.after_sickness and leave.sickness_days_this_year < MIN_SICKNESS_DAYS:
        why = reason(
            ReasonCode.NOT_ENOUGH_SICKNESS_DAYS, days=days(leave.sickness_days_this_year), needed=MIN_SICKNESS_DAYS
        )
        return _refused(leave, why, explainer, notes)
    maximum = MAX_DAYS[leave.cause]
    remaining = max(0, maximum - leave.days_already_taken)
    paid = min(leave.days, remaining)
    unpaid = leave.days - paid
    explainer.add(
        rule,
        f"min({leave.days}, {maximum} − {leave.days_already_taken}) = {paid}",
        f"Dưỡng sức ({leave.cause.value}) bắt đầu {leave.start}, trong {WINDOW_DAYS} ngày đầu trở lại làm việc "
        f"({first}–{last}); tối đa {maximum} ngày (kể cả ngày nghỉ hằng tuần, lễ, Tết), đã hưởng "
        f"{leave.days_already_taken}; xin {leave.days}, được hưởng {paid} ngày.",
        f"Convalescence ({leave.cause.value}) starting {leave.start}, within the first {WINDOW_DAYS} days back at "
        f"work ({first}–{last}); at most {maximum} days (weekends and holidays included), "
        f"{leave.days_already_taken} already paid; {leave.days} asked, {paid} paid.",
        cause=leave.cause.value,
        returned_to_work=leave.returned_to_work,
    )
    if not paid:
        return _refused(
            leave, reason(ReasonCode.YEARLY_LIMIT_REACHED, limit=maximum, year=leave.start.year), explainer, notes
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
