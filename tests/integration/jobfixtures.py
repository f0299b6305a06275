"""Jobs used by the outbox tests; also imported by a separate `hub worker --import` process."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from hub.jobs import JobContext, PermanentJobError, job
from hub.persons.models import Person
from hub.text import fold


@dataclass(frozen=True)
class CreatePerson:
    person_id: uuid.UUID
    full_name: str
    pause_marker: str | None = None  # on the first run: write this file, then sleep (to be killed)
    pause_seconds: float = 0.0
    fail_attempts: int = 0  # fail this many attempts before succeeding
    permanent_failure: bool = False


@job("tests.create_person")
async def create_person_job(ctx: JobContext, request: CreatePerson) -> None:
    if request.permanent_failure:
        raise PermanentJobError("refused for good")
    if await ctx.session.get(Person, request.person_id) is not None:
        return  # already done: idempotent
    now = ctx.clock.now()
    ctx.session.add(
        Person(
            id=request.person_id,
            full_name=request.full_name,
            name_key=fold(request.full_name),
            gender="female",
            date_of_birth=dt.date(1990, 1, 1),
            province_code="48",
            commune_code="20242",
            address="Đà Nẵng",
            created_at=now,
            updated_at=now,
        )
    )
    await ctx.session.flush()
    if request.pause_marker and not Path(request.pause_marker).exists():
        Path(request.pause_marker).write_text(str(os.getpid()))
        await asyncio.sleep(request.pause_seconds)
    if ctx.attempt <= request.fail_attempts:
        raise RuntimeError(f"simulated failure on attempt {ctx.attempt}")


@job("tests.patient", max_attempts=4)
async def patient_job(ctx: JobContext, request: CreatePerson) -> None:
    """A job allowed more attempts than the outbox's deliveries (as the outcomes pushed to a registry are)."""
    await create_person_job.handler(ctx, request)


@dataclass(frozen=True)
class CreatePeople:
    people: list[uuid.UUID]
    fail: bool = False


def _merge_people(first: CreatePeople, later: CreatePeople) -> CreatePeople | None:
    if len(first.people) + len(later.people) > 3:
        return None
    return CreatePeople(first.people + later.people, first.fail or later.fail)


@job("tests.create_people", merge=_merge_people)
async def create_people_job(ctx: JobContext, request: CreatePeople) -> None:
    """People by id, in one run; merges with waiting jobs of its kind up to three people."""
    if request.fail:
        raise RuntimeError("simulated failure")
    for person_id in request.people:
        await create_person_job.handler(ctx, CreatePerson(person_id, f"Người {person_id.hex[:6]}"))
