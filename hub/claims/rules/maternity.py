"""Maternity of a mother giving birth (chế độ thai sản khi sinh con): eligibility, leave, monthly amount, lump sum.

The mother needs at least 6 months of compulsory contributions in the 12 months before the birth; she gets 6 months
of leave (+1 month per child from the second), at most 2 of them before the birth, paid at 100% of the average
contribution salary of the 6 months before the leave, and a lump sum of 2 × base salary (2024 law: reference level)
per child, at the figure in force on the birth date.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from hub.claims.rules.contributions import average_salary, compulsory_months_in, months_before_birth
from hub.claims.rules.death_incapacity import DAYS_IN_A_MONTH, AfterBirth, leave_handed_over
from hub.claims.rules.formatting import vnd
from hub.claims.rules.inputs import Birth, ContributionHistory, RegisterCheck
from hub.claims.rules.months import add_months
from hub.claims.rules.outcome import Benefit, Computation, Explainer
from hub.claims.rules.reasons import Reason, ReasonCode, reason
from hub.claims.rules.tables import (
    FATHER_LUMP_SUM_MONTHS,
    INFERTILITY_MONTHS,
    INFERTILITY_WINDOW_MONTHS,
    PREGNANCY_REST_MONTHS,
    PREGNANCY_REST_TOTAL_MONTHS,
    RULES_START,
    SECOND_CHILD_FROM,
    LawVersion,
    Rule,
    benefit_base_on,
    is_second_child,
    law_on,
    law_title,
    second_child_leave,
)
from hub.claims.rules.uncertain import mark, mark_vi

MIN_CONTRIBUTION_MONTHS = 6
LEAVE_MONTHS = 6
EXTRA_MONTHS_PER_ADDITIONAL_CHILD = 1
MAX_MONTHS_BEFORE_BIRTH = 2
LUMP_SUM_MULTIPLE = 2


def maternity_event_date(birth: Birth, leave_start: dt.date) -> dt.date:
    """The date that chooses the law: the first day of the leave, since a leave begun before 1/7/2025 continues
    under the 2014 law (Luật BHXH 41/2024 Art 141(5)). [to confirm maternity-transition]
    """
    return leave_start


def maternity_leave_months(children: int, *, second_child: bool = False) -> int:
    """6 months, +1 per child from the second of the same birth; a second child born from 1/7/2026: the second-child
    table (hub.claims.rules.tables.second_child_leave)."""
    if second_child:
        return second_child_leave(children, False, 0).mother_months
    return LEAVE_MONTHS + EXTRA_MONTHS_PER_ADDITIONAL_CHILD * (children - 1)


def birth_leave_months(birth: Birth) -> int:
    """The mother's months of leave for this birth."""
    second = is_second_child(birth.date, birth.living_before)
    return maternity_leave_months(birth.children, second_child=second)


def _refused(start: dt.date, why: Reason, explainer: Explainer) -> Computation:
    return Computation(Benefit.MATERNITY, explainer.law, start, False, (why,), 0, Fraction(0), explainer.done())


def _check_eligibility(history: ContributionHistory, birth: Birth, explainer: Explainer) -> Reason | None:
    window = months_before_birth(history, birth.date)
    paid = compulsory_months_in(history, window)
    birth_month_counts = window[-1].month == birth.date.month and window[-1].year == birth.date.year
    explainer.add(
        Rule.BIRTH_MONTH_COUNTING,
        f"day {birth.date.day} {'≥' if birth.date.day >= 15 else '<'} 15 → {window[0]}–{window[-1]}",
        f"Sinh ngày {birth.date}: tháng sinh {'được' if birth_month_counts else 'không được'} tính; 12 tháng "
        f"trước khi sinh là {window[0]}–{window[-1]}. (Luật 2014: cùng cách tính theo TT 59/2015 Điều 9.)",
        f"Born on {birth.date}: the birth month {'counts' if birth_month_counts else 'does not count'}; the 12 "
        f"months before the birth are {window[0]}–{window[-1]}. (2014 law: the same reading, from TT 59/2015 Art 9.)",
        birth_date=birth.date,
    )
    explainer.add(
        Rule.MATERNITY_CONDITIONS,
        f"{paid} {'≥' if paid >= MIN_CONTRIBUTION_MONTHS else '<'} {MIN_CONTRIBUTION_MONTHS}",
        f"Đã đóng BHXH bắt buộc {paid} tháng trong 12 tháng trước khi sinh; cần từ đủ {MIN_CONTRIBUTION_MONTHS}.",
        f"{paid} months of compulsory contributions in the 12 months before the birth; "
        f"{MIN_CONTRIBUTION_MONTHS} needed.",
        months_paid=paid,
    )
    if paid >= MIN_CONTRIBUTION_MONTHS:
        return None
    if birth.pregnancy_rest_ordered:
        total = history.compulsory_count_before(window[-1].shift(1))
        met = paid >= PREGNANCY_REST_MONTHS and total >= PREGNANCY_REST_TOTAL_MONTHS
        explainer.add(
            Rule.MATERNITY_ELIGIBILITY_PATHS,
            f"{paid} {'≥' if paid >= PREGNANCY_REST_MONTHS else '<'} {PREGNANCY_REST_MONTHS}, "
            f"{total} {'≥' if total >= PREGNANCY_REST_TOTAL_MONTHS else '<'} {PREGNANCY_REST_TOTAL_MONTHS}",
            f"Nghỉ dưỡng thai theo chỉ định của cơ sở khám chữa bệnh (giấy nghỉ dưỡng thai): cần từ đủ "
            f"{PREGNANCY_REST_MONTHS} tháng trong 12 tháng trước khi sinh ({paid}) và đã đóng từ đủ "
            f"{PREGNANCY_REST_TOTAL_MONTHS} tháng ({total}): {'đủ' if met else 'không đủ'} điều kiện.",
            f"A doctor ordered rest during the pregnancy (pregnancy-rest certificate): {PREGNANCY_REST_MONTHS} of the "
            f"12 months before the birth ({paid}) and {PREGNANCY_REST_TOTAL_MONTHS} months paid in all ({total}) "
            f"needed: {'eligible' if met else 'not eligible'}.",
            months_paid=paid,
            months_paid_in_all=total,
        )
        if met:
            return None
    if birth.infertility_treatment and explainer.law is LawVersion.LAW_2024:
        longer = tuple(window[-1].shift(-offset) for offset in reversed(range(INFERTILITY_WINDOW_MONTHS)))
        paid24 = compulsory_months_in(history, longer)
        met = paid24 >= INFERTILITY_MONTHS
        explainer.add(
            Rule.MATERNITY_ELIGIBILITY_PATHS,
            f"{paid24} {'≥' if met else '<'} {INFERTILITY_MONTHS}",
            f"Nghỉ việc để điều trị vô sinh: cần từ đủ {INFERTILITY_MONTHS} tháng trong {INFERTILITY_WINDOW_MONTHS} "
            f"tháng trước khi sinh ({longer[0]}–{longer[-1]}): đã đóng {paid24} tháng.",
            f"Leave for infertility treatment: {INFERTILITY_MONTHS} of the {INFERTILITY_WINDOW_MONTHS} months before "
            f"the birth ({longer[0]}–{longer[-1]}) needed: {paid24} paid.",
            months_paid=paid24,
        )
        if met:
            return None
    return reason(
        ReasonCode.INSUFFICIENT_CONTRIBUTIONS,
        paid=paid,
        first=window[0],
        last=window[-1],
        needed=MIN_CONTRIBUTION_MONTHS,
    )


def birth_lump_sum(birth: Birth, explainer: Explainer) -> Fraction:
    """2 × base salary (2024 law: reference level) of the birth month (the figures change on the first of a month),
    per child: every fetus of a multiple pregnancy counts, a stillborn one included (2024 law Art 53(4)); explained."""
    base, name_vi, name_en = benefit_base_on(birth.date)
    exact = Fraction(LUMP_SUM_MULTIPLE * base.amount_vnd * birth.children)
    explainer.add(
        Rule.BASE_SALARY,
        f"{birth.date} → {base.amount_vnd:,}",
        f"{name_vi.capitalize()} ngày {birth.date}: {base.amount_vnd:,} đồng ({base.decree}, từ {base.effective}).",
        f"{name_en.capitalize()} on {birth.date}: {base.amount_vnd:,} VND ({base.decree}, from {base.effective}).",
        effective=base.effective,
        decree=base.decree,
    )
    explainer.add(
        Rule.BIRTH_LUMP_SUM,
        f"{LUMP_SUM_MULTIPLE} × {base.amount_vnd:,} × {birth.children} = {vnd(exact)}",
        f"Trợ cấp một lần = {LUMP_SUM_MULTIPLE} × {name_vi} × {birth.children} con = {vnd(exact)} đồng.",
        f"Lump sum = {LUMP_SUM_MULTIPLE} × {name_en} × {birth.children} children = {vnd(exact)} VND.",
        children=birth.children,
    )
    return exact


def compute_maternity(
    history: ContributionHistory,
    birth: Birth,
    *,
    leave_start: dt.date | None = None,
    handed_over: tuple[AfterBirth, dt.date] | None = None,
) -> Computation:
    """The mother's maternity benefit for a birth: the leave months' pay plus the lump sum, rounded once.

    `leave_start` defaults to the birth date; it may be up to 2 months before it. `handed_over`: she died, or a
    council found she cannot care for the child, on that day, and the father or caregiver takes the rest of her
    leave (Art 53): hers ends that day, its part month paid by the day (÷ 30), so that no day is paid twice.
    """
    start = leave_start or birth.date
    event = maternity_event_date(birth, start)
    explainer = Explainer(law_on(event))
    if min(event, birth.date) < RULES_START:
        return _refused(start, reason(ReasonCode.RULES_NOT_AVAILABLE_FOR_DATE, day=event, start=RULES_START), explainer)
    explainer.add(
        Rule.LAW_VERSION,
        f"{event} → {explainer.law.value}",
        f"Ngày bắt đầu nghỉ thai sản {event}: áp dụng {law_title(explainer.law)}.",
        f"Maternity leave starts on {event}: {law_title(explainer.law)} applies.",
        event_date=event,
    )
    if start > birth.date:
        return _refused(start, reason(ReasonCode.LEAVE_STARTS_AFTER_BIRTH, born=birth.date, start=start), explainer)
    if start < add_months(birth.date, -MAX_MONTHS_BEFORE_BIRTH):
        why = reason(ReasonCode.LEAVE_STARTS_TOO_EARLY, start=start, months=MAX_MONTHS_BEFORE_BIRTH, born=birth.date)
        return _refused(start, why, explainer)
    refusal = _check_eligibility(history, birth, explainer)
    if refusal is not None:
        return _refused(start, refusal, explainer)

    months = birth_leave_months(birth)
    end = add_months(start, months) - dt.timedelta(days=1)
    _explain_second_child(birth, explainer)
    explainer.add(
        Rule.MATERNITY_LEAVE,
        f"{months - (birth.children - 1)} + {birth.children - 1} = {months}",
        f"Sinh {birth.children} con: nghỉ {months} tháng, từ {start} đến {end}.",
        f"{birth.children} children born: {months} months of leave, from {start} to {end}.",
        children=birth.children,
    )
    days = 0
    if handed_over is not None:
        end, months, days = leave_handed_over(*handed_over, start, end, explainer)
    average, salary_months = average_salary(history, start)
    leave_pay = average * months + average * days / DAYS_IN_A_MONTH
    by_day = f" + {vnd(average)} ÷ {DAYS_IN_A_MONTH} × {days}" if days else ""
    explainer.add(
        Rule.MATERNITY_AMOUNT,
        f"{vnd(average)} × 100% × {months}{by_day} = {vnd(leave_pay)}",
        f"Bình quân tiền lương đóng BHXH của {len(salary_months)} tháng trước khi nghỉ "
        f"({', '.join(map(str, salary_months))}): {vnd(average)} đồng; × 100% × {months} tháng"
        f"{f' và {days} ngày (÷ {DAYS_IN_A_MONTH})' if days else ''} = {vnd(leave_pay)} đồng.",
        f"Average contribution salary of the {len(salary_months)} months before the leave "
        f"({', '.join(map(str, salary_months))}): {vnd(average)} VND; × 100% × {months} months"
        f"{f' and {days} days (÷ {DAYS_IN_A_MONTH})' if days else ''} = {vnd(leave_pay)} VND.",
        months_used=len(salary_months),
    )
    lump_sum = birth_lump_sum(birth, explainer)
    exact = leave_pay + lump_sum
    period = (start, end)
    return explainer.paid_leave(
        Benefit.MATERNITY, event, exact, months=months, period=period, salary_months=salary_months
    )


def explain_living_children(birth: Birth, explainer: Explainer) -> None:
    """The line saying where the count of the mother's living children before the birth comes from: the population
    database's family relationships when it answered (it wins over the birth certificate:
    [to confirm second-child-evidence]), else the birth certificate (XML9 `LAN_SINH`, `SO_CON_SONG`), and why."""
    certificate, register = birth.living_children_before, birth.register_living_children
    on_paper = "không ghi" if certificate is None else str(certificate)
    on_paper_en = "does not say" if certificate is None else str(certificate)
    if birth.register_check is RegisterCheck.ANSWERED and register is not None:
        if certificate is None or certificate == register:
            agree = "" if certificate is None else f", khớp với giấy chứng sinh (XML9: {certificate})"
            agree_en = "" if certificate is None else f", as the birth certificate says (XML9: {certificate})"
            vi_tail, en_tail = f"{agree}.", f"{agree_en}."
        else:
            vi_tail = (
                f"; giấy chứng sinh (XML9) ghi {certificate}: dùng số của Cơ sở dữ liệu quốc gia về dân cư. "
                f"{mark_vi('second-child-evidence')}"
            )
            en_tail = (
                f"; the birth certificate (XML9) says {certificate}: the population database's count is used. "
                f"{mark('second-child-evidence')}"
            )
        explainer.add(
            Rule.SECOND_CHILD,
            f"register={register}, XML9={certificate} → {register}",
            f"Cơ sở dữ liệu quốc gia về dân cư: mẹ có {register} con còn sống trước lần sinh này{vi_tail}",
            f"National population database: the mother had {register} living children before this birth{en_tail}",
            register_living_children=register,
            certificate_living_children=certificate,
        )
        return
    why_vi, why_en = {
        RegisterCheck.MOTHER_NOT_FOUND: ("không có thông tin về người mẹ", "does not know the mother"),
        RegisterCheck.NO_ANSWER: ("không trả lời", "did not answer"),
        None: ("chưa được đối chiếu (chưa kết nối)", "was not asked (not connected)"),
    }[birth.register_check]
    explainer.add(
        Rule.SECOND_CHILD,
        f"register={birth.register_check or 'not asked'}, XML9={certificate} → {certificate}",
        f"Cơ sở dữ liệu quốc gia về dân cư {why_vi}: dùng số con còn sống trước lần sinh này theo giấy chứng sinh "
        f"(XML9 LAN_SINH, SO_CON_SONG): {on_paper}.",
        f"The national population database {why_en}: the mother's living children before this birth are taken from "
        f"the birth certificate (XML9 LAN_SINH, SO_CON_SONG): {on_paper_en}.",
        certificate_living_children=certificate,
    )


def _explain_second_child(birth: Birth, explainer: Explainer) -> None:
    """The line saying whether the second-child rule applies (births from 1/7/2026 only)."""
    if birth.date < SECOND_CHILD_FROM:
        return
    explain_living_children(birth, explainer)
    known = birth.living_before
    if not is_second_child(birth.date, known):
        explainer.add(
            Rule.SECOND_CHILD,
            f"living_before={known} ≠ 1",
            f"Trước lần sinh này người mẹ có {'không rõ số' if known is None else known} con đang sống: không phải "
            "sinh con thứ hai.",
            f"Before this birth the mother had {'an unknown number of' if known is None else known} living "
            "children: not a second child.",
            living_children_before=known,
        )
        return
    leave = second_child_leave(birth.children, birth.caesarean, 0)
    vi, en = (
        (f" {mark_vi('second-child-combination')}", f" {mark('second-child-combination')}")
        if leave.to_confirm
        else ("", "")
    )
    explainer.add(
        Rule.SECOND_CHILD,
        f"living_before=1, children={birth.children}, caesarean={birth.caesarean} → {leave.mother_months}",
        f"Sinh con thứ hai từ 01/7/2026 (trước khi sinh đã có 1 con đang sống): người mẹ nghỉ {leave.mother_months} "
        f"tháng, tối đa 2 tháng trước khi sinh.{vi}",
        f"A second child born from 1/7/2026 (one living child before the birth): the mother gets "
        f"{leave.mother_months} months, at most 2 before the birth.{en}",
        living_children_before=1,
        children=birth.children,
        caesarean=birth.caesarean,
    )


def compute_father_lump_sum(history: ContributionHistory, birth: Birth, *, mother_eligible: bool) -> Computation:
    """The lump sum paid to the father when the mother gave birth but is not eligible for it (2014 law Art 38(2),
    which speaks of a mother who is not insured, 2024 law Art 58(1): both [to confirm lump-sum-father]): he needs
    6 compulsory months in the 12 before the birth (counted as for the mother)."""
    explainer = Explainer(law_on(birth.date))
    if birth.date < RULES_START:
        why = reason(ReasonCode.RULES_NOT_AVAILABLE_FOR_DATE, day=birth.date, start=RULES_START)
        return _refused_lump(birth, why, explainer)
    window = months_before_birth(history, birth.date)
    paid = compulsory_months_in(history, window)
    vi, en = f" {mark_vi('lump-sum-father')}", f" {mark('lump-sum-father')}"  # the condition on the mother, either law
    explainer.add(
        Rule.FATHER_LUMP_SUM,
        f"mother_eligible={mother_eligible}, {paid} {'≥' if paid >= FATHER_LUMP_SUM_MONTHS else '<'} "
        f"{FATHER_LUMP_SUM_MONTHS}",
        f"Người mẹ {'đủ' if mother_eligible else 'không đủ'} điều kiện hưởng trợ cấp một lần; người cha đã đóng "
        f"BHXH bắt buộc {paid} tháng trong 12 tháng trước khi sinh ({window[0]}–{window[-1]}), cần từ đủ "
        f"{FATHER_LUMP_SUM_MONTHS}.{vi}",
        f"The mother {'is' if mother_eligible else 'is not'} eligible for the lump sum; the father paid {paid} "
        f"compulsory months in the 12 before the birth ({window[0]}–{window[-1]}); {FATHER_LUMP_SUM_MONTHS} "
        f"needed.{en}",
        mother_eligible=mother_eligible,
        months_paid=paid,
    )
    if mother_eligible:
        return _refused_lump(birth, reason(ReasonCode.MOTHER_RECEIVES_LUMP_SUM), explainer)
    if paid < FATHER_LUMP_SUM_MONTHS:
        needed = FATHER_LUMP_SUM_MONTHS
        why = reason(ReasonCode.INSUFFICIENT_CONTRIBUTIONS, paid=paid, first=window[0], last=window[-1], needed=needed)
        return _refused_lump(birth, why, explainer)
    exact = birth_lump_sum(birth, explainer)
    amount = explainer.total(exact)
    return Computation(Benefit.LUMP_SUM, explainer.law, birth.date, True, (), amount, exact, explainer.done())


def _refused_lump(birth: Birth, why: Reason, explainer: Explainer) -> Computation:
    return Computation(Benefit.LUMP_SUM, explainer.law, birth.date, False, (why,), 0, Fraction(0), explainer.done())
