"""The [to confirm] register: every mark in hub/claims names an entry, entries are complete, the README lists them."""

from __future__ import annotations

import re
from pathlib import Path

from hub.claims.overlap import EXCLUSIONS
from hub.claims.rules.tables import LawVersion, Rule, source
from hub.claims.rules.uncertain import REGISTER, mark, mark_vi, marked_ids, readme_table

ROOT = Path(__file__).resolve().parents[2]
# "to confirm" written without the bracketed mark (a bare "# to confirm" note) names no entry: not allowed.
_BARE = re.compile(r"(?<!\[)(?:#\s*)to confirm|(?<![\[\w])to confirm\]")


def _hub_code() -> list[Path]:
    """Every module of the hub: hub/claims, where the brief requires it, and the rest, which the register lists too."""
    return sorted((ROOT / "hub").rglob("*.py"))


def test_every_to_confirm_mark_in_the_hub_code_names_a_register_entry():
    unknown: list[str] = []
    for path in _hub_code():
        if path.name == "uncertain.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.relative_to(ROOT)}:{number}"
            unknown += [f"{where}: {found!r}" for found in marked_ids(line) if found not in REGISTER]
            if _BARE.search(line) or re.search(r"\[(?:to confirm|cần xác nhận)\]", line):
                unknown.append(f"{where}: a mark without an id")
    assert not unknown, "\n".join(unknown)


def test_every_entry_is_complete_in_both_languages_with_a_slug_id():
    for entry in REGISTER.values():
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", entry.id), entry.id
        assert all((entry.rule, entry.question, entry.source, entry.text_en, entry.text_vi)), entry.id
        assert mark(entry.id).startswith(f"[to confirm {entry.id}: ") and entry.text_vi in mark_vi(entry.id)


def test_the_readme_lists_the_register():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = readme.split("<!-- uncertain:begin -->\n", 1)[1].split("\n<!-- uncertain:end -->", 1)[0]
    assert listed == readme_table(), "regenerate the README's table from hub.claims.rules.uncertain.readme_table()"


def test_explanations_name_the_entry_they_rest_on():
    """A source the register marks carries the mark into each explanation line citing it; an unconfirmed overlap
    pair names its entry in the refusal in both languages."""
    cited = source(Rule.LONG_TERM_DISEASE_LIST, LawVersion.LAW_2024)
    assert marked_ids(cited) == ["long-term-list"]
    assert marked_ids(source(Rule.BIRTH_MONTH_COUNTING, LawVersion.LAW_2024)) == ["birth-month-15th"]
    assert marked_ids(source(Rule.MATERNITY_LEAVE, LawVersion.LAW_2024)) == []
    unconfirmed = next(e for e in EXCLUSIONS.values() if not e.confirmed)
    assert marked_ids(unconfirmed.cited()) == ["overlap-pairs"]
    assert marked_ids(unconfirmed.cited(vietnamese=True)) == ["overlap-pairs"]


def test_the_readme_lists_every_rule_with_its_source_and_dates():
    from hub.claims.rules.catalogue import readme_rule_table

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = readme.split("<!-- rules:begin -->\n", 1)[1].split("\n<!-- rules:end -->", 1)[0]
    assert listed == readme_rule_table(), "regenerate the README's rule table from catalogue.readme_rule_table()"
    assert all(f"| `{rule.value}` |" in listed for rule in Rule)
