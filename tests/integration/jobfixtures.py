"""Jobs used by the outbox tests; also imported by a separate `hub worker --import` process."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from hub.infra.text import fold
from hub.jobs import CallContext, JobContext, JobKind, PermanentJobError, calling_job, job
from hub.persons.models import Person


@dataclass(frozen=True)
class CreatePerson:
    person_id: uuid.UUID
    full_name: str
    pause_marker: str | None = None  # on the first run: write this file, then sleep (to be killed)
    pause_seconds: float = 0.0
    fail_attempts: int = 0  # fail this many attempts before succeeding
    permanent_failure: bool = False


create_person_job = JobKind("tests.create_person", CreatePerson)


@job(create_person_job)
async def create_person(ctx: JobContext, request: CreatePerson) -> None:
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


# A job allowed more attempts than the outbox's deliveries (as the outcomes pushed to a registry are).
patient_job = JobKind("tests.patient", CreatePerson, max_attempts=4)


@job(patient_job)
async def patient(ctx: JobContext, request: CreatePerson) -> None:
    await create_person(ctx, request)


@dataclass(frozen=True)
class CreatePeople:
    people: list[uuid.UUID]
    fail: bool = False


def _merge_people(first: CreatePeople, later: CreatePeople) -> CreatePeople | None:
    if len(first.people) + len(later.people) > 3:
        return None
    return CreatePeople(first.people + later.people, first.fail or later.fail)


create_people_job = JobKind("tests.create_people", CreatePeople, merge=_merge_people)


@job(create_people_job)
async def create_people(ctx: JobContext, request: CreatePeople) -> None:
    """People by id, in one run; merges with waiting jobs of its kind up to three people."""
    if request.fail:
        raise RuntimeError("simulated failure")
    for person_id in request.people:
        await create_person(ctx, CreatePerson(person_id, f"Người {person_id.hex[:6]}"))


@dataclass(frozen=True)
class CallOut:
    """Ask another system about people, then create those not known yet."""

    people: list[uuid.UUID]


def _merge_calls(first: CallOut, later: CallOut) -> CallOut | None:
    return CallOut(first.people + later.people) if len(first.people) + len(later.people) <= 3 else None


call_out_job = JobKind("tests.call_out", CallOut, merge=_merge_calls)
# The other system: what a test makes it do (sleep, fail, watch the database) while the job calls it.
OtherSystem = Callable[[CallContext, CallOut], Awaitable[None]]
other_system: list[OtherSystem] = []


@calling_job(call_out_job)
async def call_out(ctx: CallContext, request: CallOut) -> None:
    async with ctx.reading() as session:
        known = set((await session.scalars(select(Person.id).where(Person.id.in_(request.people)))).all())
    unknown = [person_id for person_id in request.people if person_id not in known]
    if not unknown:
        return
    for call in other_system:
        await call(ctx, request)
    async with ctx.completing() as job:
        for person_id in unknown:
            await create_person(job, CreatePerson(person_id, f"Người {person_id.hex[:6]}"))
