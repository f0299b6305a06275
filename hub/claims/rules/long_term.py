"""Long-term diseases (bệnh cần chữa trị dài ngày): the Ministry of Health's list (TT 25/2025/TT-BYT Appendix I,
ICD-10, in `data/long_term_diseases.csv` [to confirm long-term-list: the file holds only the rows checked so far])
and how a diagnosis is matched against it."""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

LIST_SOURCE = "TT 25/2025/TT-BYT Phụ lục I"  # [to confirm long-term-list]
# An ICD-10 code as hospitals write it: a letter, two digits, optionally a dot and one or two more characters.
ICD10 = re.compile(r"\b([A-TV-Z][0-9]{2})(?:\.?([0-9A-Z]{1,2}))?\b")


@dataclass(frozen=True)
class ListedDisease:
    """One row of the list: every code from `first` to `last` (compact form, e.g. A061, C97) is on it."""

    group: str
    number: str
    name_vi: str
    first: str
    last: str

    def covers(self, code: str) -> bool:
        return self.first <= code[: len(self.first)] and code[: len(self.last)] <= self.last


def compact(code: str) -> str | None:
    """An ICD-10 code without its dot, upper case (C34.1 → C341); None if `code` is not one."""
    found = ICD10.fullmatch(code.strip().upper())
    if found is None:
        return None
    return found.group(1) + (found.group(2) or "")


def dotted(code: str) -> str:
    """The usual way of writing a compact code: C341 → C34.1."""
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def codes_in(texts: Iterable[str | None]) -> list[str]:
    """The ICD-10 codes written in `texts` (a diagnosis such as "C34.1 - Ung thư phế quản; J18.9"), compact, in
    order and without repeats."""
    found: dict[str, None] = {}
    for text in texts:
        for match in ICD10.finditer((text or "").upper()):
            found[match.group(1) + (match.group(2) or "")] = None
    return list(found)


@functools.cache
def long_term_list() -> tuple[ListedDisease, ...]:
    text = resources.files("hub.claims.rules.data").joinpath("long_term_diseases.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO("".join(line for line in text.splitlines(True) if not line.startswith("#"))))
    listed = []
    for row in rows:
        first, last = compact(row["first_code"]), compact(row["last_code"])
        if first is None or last is None:
            raise ValueError(f"long_term_diseases.csv: not an ICD-10 code in row {row}")
        listed.append(ListedDisease(row["group"], row["number"], row["name_vi"], first, last))
    return tuple(listed)


def listed_disease(code: str) -> ListedDisease | None:
    """The row of the list `code` (compact or dotted) falls under, if any."""
    compacted = compact(code)
    if compacted is None:
        return None
    return next((row for row in long_term_list() if row.covers(compacted)), None)


def first_listed(codes: Iterable[str]) -> str | None:
    """The first of `codes` on the list, dotted (C34.1); None when none is."""
    return next((dotted(code) for code in codes if listed_disease(code) is not None), None)
