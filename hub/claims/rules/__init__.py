"""Benefit rules as dated versions (sickness, child care, maternity, paternity, convalescence): pure computation,
each result carrying its reason codes and explanation lines in Vietnamese and English."""

from hub.claims.rules.contributions import (
    ContributionYears,
    average_salary,
    contribution_years,
    months_before_birth,
    salary_month_for_leave,
)
from hub.claims.rules.convalescence import compute_convalescence, convalescence_window
from hub.claims.rules.death_incapacity import AfterBirth, MotherLeave, RemainingLeave, compute_remaining_maternity
from hub.claims.rules.inputs import (
    Birth,
    ChildCareLeave,
    ContributionHistory,
    ContributionKind,
    ContributionMonth,
    ConvalescenceCause,
    ConvalescenceLeave,
    LeavePeriod,
    SickLeave,
    WorkType,
)
from hub.claims.rules.lunar import LunarDate, from_lunar, lunar_new_year, to_lunar
from hub.claims.rules.maternity import (
    birth_leave_months,
    compute_father_lump_sum,
    compute_maternity,
    maternity_event_date,
    maternity_leave_months,
)
from hub.claims.rules.months import Month, add_months
from hub.claims.rules.outcome import Benefit, Computation, Explanation, round_vnd
from hub.claims.rules.paternity import compute_paternity, paternity_days, paternity_window
from hub.claims.rules.pregnancy import (
    PregnancyLoss,
    PrenatalVisit,
    compute_pregnancy_loss,
    compute_prenatal_visits,
)
from hub.claims.rules.reasons import Reason, ReasonCode
from hub.claims.rules.sickness import (
    child_care_day_limit,
    compute_child_care,
    compute_sickness,
    sickness_day_limit,
)
from hub.claims.rules.tables import (
    BASE_SALARIES,
    RULES_START,
    BaseSalary,
    LawVersion,
    NoRuleForDate,
    Rule,
    base_salary_on,
    law_on,
    reference_level_on,
    source,
)
from hub.claims.rules.workdays import (
    VIETNAM_CALENDAR,
    Holiday,
    WorkingCalendar,
    lunar_new_year_days,
    national_day_adjacent,
)

__all__ = [
    "BASE_SALARIES",
    "RULES_START",
    "VIETNAM_CALENDAR",
    "AfterBirth",
    "BaseSalary",
    "Benefit",
    "Birth",
    "ChildCareLeave",
    "Computation",
    "ContributionHistory",
    "ContributionKind",
    "ContributionMonth",
    "ContributionYears",
    "ConvalescenceCause",
    "ConvalescenceLeave",
    "Explanation",
    "Holiday",
    "LawVersion",
    "LeavePeriod",
    "LunarDate",
    "Month",
    "MotherLeave",
    "NoRuleForDate",
    "PregnancyLoss",
    "PrenatalVisit",
    "Reason",
    "ReasonCode",
    "RemainingLeave",
    "Rule",
    "SickLeave",
    "WorkType",
    "WorkingCalendar",
    "add_months",
    "average_salary",
    "base_salary_on",
    "birth_leave_months",
    "child_care_day_limit",
    "compute_child_care",
    "compute_convalescence",
    "compute_father_lump_sum",
    "compute_maternity",
    "compute_paternity",
    "compute_pregnancy_loss",
    "compute_prenatal_visits",
    "compute_remaining_maternity",
    "compute_sickness",
    "contribution_years",
    "convalescence_window",
    "from_lunar",
    "law_on",
    "lunar_new_year",
    "lunar_new_year_days",
    "maternity_event_date",
    "maternity_leave_months",
    "months_before_birth",
    "national_day_adjacent",
    "paternity_days",
    "paternity_window",
    "reference_level_on",
    "round_vnd",
    "salary_month_for_leave",
    "sickness_day_limit",
    "source",
    "to_lunar",
]
