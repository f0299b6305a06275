"""The README's table of rules: each rule with its legal source and the dates it applies, generated from the dated
source table (hub.claims.rules.tables.SOURCES), so that the README cannot drift from the code (a unit test compares
them; regenerate with `python -c "from hub.claims.rules.catalogue import readme_rule_table as t; print(t())"`)."""

from __future__ import annotations

import datetime as dt

from hub.claims.rules.tables import BASE_SALARIES, LAW_2024_EFFECTIVE, RULES_START, LawVersion, Rule, source

_DATES = {
    LawVersion.LAW_2014: f"{RULES_START:%d/%m/%Y} – {LAW_2024_EFFECTIVE - dt.timedelta(days=1):%d/%m/%Y}",
    LawVersion.LAW_2024: f"from {LAW_2024_EFFECTIVE:%d/%m/%Y}",
}


def readme_rule_table() -> str:
    """One row per rule and law: the rule, the dates, the source (with its register mark, if any)."""
    lines = ["| Rule | Applies | Source |", "|---|---|---|"]
    for rule in Rule:
        cited = {law: source(rule, law) for law in LawVersion}
        if cited[LawVersion.LAW_2014] == cited[LawVersion.LAW_2024]:
            lines.append(f"| `{rule.value}` | from {RULES_START:%d/%m/%Y} | {cited[LawVersion.LAW_2024]} |")
            continue
        lines += [f"| `{rule.value}` | {_DATES[law]} | {cited[law]} |" for law in LawVersion]
    for row in BASE_SALARIES:  # the base salary (reference level, 2024 law) in force from each decree
        lines.append(f"| `base_salary` {row.amount_vnd:,} VND | from {row.effective:%d/%m/%Y} | {row.decree} |")
    return "\n".join(lines)
