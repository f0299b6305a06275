"""The [to confirm] register: every point of the rules the hub applies on a reading not yet confirmed from the
official text, in one table. Code marks such a point with `[to confirm <id>]` (Vietnamese `[cần xác nhận <id>]`),
and the explanation lines of a claim it affects carry that mark (`mark`, `mark_vi`, or a source from
`hub.claims.rules.tables.source`), so a processor sees which entry the figure rests on. A unit test checks that every
mark in hub/claims names an entry here, and that the README's table is this one (`readme_table`).

To add an item: one line in `data/uncertain.csv` (id, rule, question, source followed for now, explanation text in
English and in Vietnamese), then mark the code with `mark("<id>")` or a `[to confirm <id>]` comment.
Close an item by deleting its entry and its marks together."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType


@dataclass(frozen=True)
class Uncertain:
    """One [to confirm] item: `id` (a short slug), the rule it touches, the open question, the source the hub follows
    for now, and the text explanation lines show, in English and Vietnamese."""

    id: str
    rule: str
    question: str
    source: str
    text_en: str
    text_vi: str


def _load() -> tuple[Uncertain, ...]:
    """The register's rows, from `data/uncertain.csv` (one line per entry)."""
    text = resources.files("hub.claims.rules").joinpath("data/uncertain.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return tuple(Uncertain(**{key: value.strip() for key, value in row.items()}) for row in rows)


_ENTRIES = _load()
REGISTER: Mapping[str, Uncertain] = MappingProxyType({entry.id: entry for entry in _ENTRIES})
if len(REGISTER) != len(_ENTRIES):
    raise RuntimeError("two [to confirm] entries share an id")

# A mark in code or text: "[to confirm <id>]" or "[cần xác nhận <id>]", optionally with ": <text>" before the "]".
MARK = re.compile(r"\[(?:to confirm|cần xác nhận)(?:\s+([a-z0-9][a-z0-9-]*))?")


def mark(id: str) -> str:
    """The English mark of entry `id` for an explanation line or a source."""
    return f"[to confirm {REGISTER[id].id}: {REGISTER[id].text_en}]"


def mark_vi(id: str) -> str:
    return f"[cần xác nhận {REGISTER[id].id}: {REGISTER[id].text_vi}]"


def marked_ids(text: str) -> list[str | None]:
    """The entry ids the marks in `text` name, None for a mark that names none."""
    return [match.group(1) for match in MARK.finditer(text)]


def readme_table() -> str:
    """The README's table of the register (tests check the README holds exactly this)."""
    lines = ["| Id | Rule | Question | Followed for now |", "|---|---|---|---|"]
    lines += [f"| `{e.id}` | {e.rule} | {e.question} | {e.source} |" for e in REGISTER.values()]
    return "\n".join(lines)
