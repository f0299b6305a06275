"""The claims of the claims benchmark (bench/claims.py): insured people of a generated population with the
contribution history the contribution system holds about them, each filing one SICKNESS claim; and claims as the
hub stores them, to fill the processors' work queue (`bulk_claim_rows`, rows for COPY into `claims`).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from connectors.simulators.contributions import synthetic_record
from devkit.synthetic import PopulationGenerator
from hub.contributions.records import ContributionRecord
from hub.infra.clock import vietnam_date

CURRENT_YEAR = 2025  # the last year the population generator's careers reach


@dataclass(frozen=True)
class Insured:
    record: ContributionRecord
    leave_start: dt.date
    leave_end: dt.date

    @property
    def settling_province(self) -> str:
        """Whose BHXH office settles the leave's claim: that of the employer of the last period, the one the leave
        falls in (hub.claims.routing)."""
        employer = self.record.periods[-1].employer if self.record.periods else None
        return employer.province_code if employer else self.record.province_code


def _working_days_from(start: dt.date, count: int) -> dt.date:
    day, left = start, count - 1
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def generate_insured(count: int, seed: int, rng: random.Random) -> list[Insured]:
    """`count` generated people still employed (their last contribution period is compulsory and reaches into the
    generator's last year, 2025: sickness is insured), each with a sick leave of 2 to 5 working days inside the last
    month they contributed. A claim is filed within 45 days of the return to work (Luật BHXH 41/2024 Art 48–49), so a
    day's claims are about recent leaves, as here."""
    generator = PopulationGenerator(seed)
    chosen: list[Insured] = []
    while len(chosen) < count:
        for person in generator.people(20_000):
            record = synthetic_record(person)
            if record is None or not record.personal_id_number or not record.periods:
                continue
            last = record.periods[-1]
            if last.employer is None or last.last.year < CURRENT_YEAR:
                continue
            first_day = dt.date(last.last.year, last.last.month, 1)
            start = first_day + dt.timedelta(days=rng.randrange(0, 18))
            while start.weekday() >= 5:
                start += dt.timedelta(days=1)
            chosen.append(Insured(record, start, _working_days_from(start, rng.randint(2, 5))))
            if len(chosen) == count:
                break
    return chosen


def claim_input(insured: Insured) -> dict[str, Any]:
    return {
        "kind": "SICKNESS",
        "personalId": insured.record.personal_id_number,
        "leave": {"start": insured.leave_start.isoformat(), "end": insured.leave_end.isoformat()},
    }


KINDS = (("sickness", 0.55), ("child_care", 0.15), ("maternity", 0.15), ("paternity", 0.08), ("convalescence", 0.07))
OLD_STATES = (
    ("paid", 0.74),
    ("approved", 0.08),
    ("rejected", 0.08),
    ("returned", 0.04),
    ("computed", 0.04),
    ("evidence_pending", 0.02),
)
RECENT_STATES = (("computed", 0.55), ("evidence_pending", 0.25), ("approved", 0.12), ("returned", 0.08))
COLUMNS = (
    "id",
    "reference",
    "kind",
    "person_id",
    "employer_id",
    "province_code",
    "event_key",
    "event_date",
    "details",
    "origin",
    "state",
    "eligible",
    "amount_vnd",
    "computation",
    "explanation",
    "computed_version",
    "approved_amount_vnd",
    "filed_on",
    "due_on",
    "decision_reason",
    "decided_by",
    "decided_at",
    "needs_confirmation",
    "created_at",
    "updated_at",
    "name_key",
)


def _pick(rng: random.Random, choices: Sequence[tuple[str, float]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _details(kind: str, event: dt.date, rng: random.Random, serial: int) -> tuple[str, dict[str, Any]]:
    """The event key and details JSON of a claim of this kind, as hub.claims.details.to_json writes them."""
    if kind == "sickness":
        end = event + dt.timedelta(days=rng.randint(1, 6))
        certificate = f"facility:{rng.randint(1, 96):02d}{rng.randint(0, 999):03d}/BULK{serial:09d}"
        details = {
            "start": event.isoformat(),
            "end": end.isoformat(),
            "half_days": [],
            "long_term_disease": False,
            "certificate": certificate,
        }
        return f"certificate:{certificate}", details
    if kind == "child_care":
        born = event - dt.timedelta(days=rng.randint(60, 2400))
        details = {
            "child_born": born.isoformat(),
            "start": event.isoformat(),
            "end": (event + dt.timedelta(days=rng.randint(1, 4))).isoformat(),
            "half_days": [],
            "child_personal_id": None,
        }
        return f"child:{born.isoformat()}:{event.isoformat()}#{serial}", details
    if kind in ("maternity", "paternity"):
        periods = [[event.isoformat(), (event + dt.timedelta(days=4)).isoformat()]] if kind == "paternity" else []
        details = {
            "born": event.isoformat(),
            "children": 1 if rng.random() < 0.98 else 2,
            "caesarean": rng.random() < 0.4,
            "under_32_weeks": rng.random() < 0.02,
            "leave_start": None,
            "periods": periods,
        }
        return f"birth:{event.isoformat()}#{serial}", details
    returned = event
    details = {
        "cause": "sickness",
        "returned_to_work": returned.isoformat(),
        "start": (returned + dt.timedelta(days=rng.randint(0, 20))).isoformat(),
        "days": rng.randint(3, 7),
    }
    return f"convalescence:{returned.isoformat()}:sickness#{serial}", details


def bulk_claim_rows(
    rng: random.Random,
    serials: range,
    *,
    people: Sequence[tuple[Any, str, str]],
    employers: Sequence[Any],
    templates: Sequence[tuple[str, str]],
    now: dt.datetime,
    states: Counter[str],
) -> list[tuple[Any, ...]]:
    """Rows of `claims` (in COLUMNS' order), one per serial: spread over the stored `people` (id, province, the
    name's search key) and `employers`, kinds, states and the year before `now`, computed ones with the computation
    and explanation of one of `templates` (claims the workers computed); `states` counts the states drawn."""
    rows: list[tuple[Any, ...]] = []
    for serial in serials:
        person_id, province, name_key = people[rng.randrange(len(people))]
        kind = _pick(rng, KINDS)
        age = rng.random() * 365
        created = now - dt.timedelta(days=age, seconds=rng.randrange(86_400))
        state = _pick(rng, RECENT_STATES if age < 21 else OLD_STATES)
        states[state] += 1
        event = created.date() - dt.timedelta(days=rng.randint(1, 40))
        key, details = _details(kind, event, rng, serial)
        computed = state != "evidence_pending"
        decided = state in ("approved", "paid", "rejected")
        computation, explanation = templates[serial % len(templates)] if computed else (None, None)
        amount = rng.randint(300_000, 60_000_000) if computed else None
        due = due_date(created) if computed else None
        manual = rng.random() < 0.3
        rows.append(
            (
                uuid.uuid4(),
                f"HS{created:%y%m%d}B{serial:09X}",
                kind,
                person_id,
                employers[rng.randrange(len(employers))] if employers and rng.random() < 0.9 else None,
                province,
                key,
                event,
                json.dumps(details),
                "manual" if manual else "document",
                state,
                (state != "rejected") if computed else None,
                amount,
                computation,
                explanation,
                1 if computed else 0,
                amount if state in ("approved", "paid") else None,
                created.date() if manual else None,
                due,
                "thiếu hồ sơ" if state in ("rejected", "returned") else None,
                f"bench-claims-{province}" if decided else None,
                created + dt.timedelta(days=rng.randint(1, 7)) if decided else None,
                rng.random() < 0.002 and state in ("approved", "paid"),
                created,
                created + dt.timedelta(hours=rng.randint(0, 200)),
                name_key,
            )
        )
    return rows


def due_date(created: dt.datetime) -> dt.date:
    """When BHXH must settle a claim computed at `created`, as the workers set it."""
    from hub.claims.rules import VIETNAM_CALENDAR
    from hub.claims.service import SETTLE_WORKING_DAYS

    return VIETNAM_CALENDAR.add_working_days(vietnam_date(created), SETTLE_WORKING_DAYS)
