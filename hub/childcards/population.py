"""Check children with the national population database, beside the card and never blocking it: many children in
one call; a late answer is asked again later, and an identification number that arrives later is attached to the
child and the case."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.population import MAX_BATCH, ChildQuery, IdentityAnswer, IdentityStatus
from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.childcards.errors import ChildCardErrorCode as E
from hub.childcards.errors import childcard_error
from hub.childcards.events import CaseStateChange, record_id_number_attached, set_states
from hub.childcards.loading import current_births
from hub.childcards.models import CaseState, ChildCardCase, ReviewItem, ReviewState
from hub.childcards.records import BirthRecord
from hub.infra.db import insert_new, one_of, plan_for_batches
from hub.infra.ids import new_id
from hub.jobs import JobContext, JobKind, enqueue
from hub.persons.models import Person

RECHECK_AFTER = dt.timedelta(hours=6)  # when the database says "pending" without saying until when
MAX_RECHECKS = 60  # about two weeks of asking, after which the officer sees the case still pending
CHECK_BATCH = MAX_BATCH  # cases per job, and per call to the population database
_CaseRow = Row[uuid.UUID, int, uuid.UUID, str, str]  # id, version, person_id (not null), reference, state
NOT_ASKED = "not_asked"  # population_check of a child the database cannot be asked about as the record stands
NUMBER_HELD = "number_held"  # population_check of a child given a number another person holds: under review
# A case in one of these states is held for an officer when the number it was given is another person's.
_REVIEWABLE = (CaseState.RECEIVED.value, CaseState.CARD_ISSUED.value, CaseState.CARD_CHANGED.value)


@dataclass(frozen=True)
class CheckPopulation:
    case_ids: list[uuid.UUID]
    round: int = 1


def _merge_checks(first: CheckPopulation, later: CheckPopulation) -> CheckPopulation | None:
    """Two waiting checks of the same round as one, up to CHECK_BATCH cases."""
    if first.round != later.round or len(first.case_ids) + len(later.case_ids) > CHECK_BATCH:
        return None
    return CheckPopulation(first.case_ids + later.case_ids, first.round)


CHECK_POPULATION = JobKind(
    "childcards.check_population", CheckPopulation, queue="population", max_attempts=50, merge=_merge_checks
)


@dataclass(frozen=True)
class PopulationQuestions:
    """What a check asks the population database: one query per case, and whom each case was about when asked."""

    queries: list[ChildQuery]
    asked_about: dict[uuid.UUID, uuid.UUID]  # case id -> person id, in the order of the queries
    # Cases the database cannot be asked about as their records stand (a blank name, say), with the problem: left
    # out of the call, so that they do not fail the check of the whole batch.
    not_asked: dict[uuid.UUID, str] = field(default_factory=dict)


async def questions(session: AsyncSession, request: CheckPopulation) -> PopulationQuestions | None:
    """What to ask about the cases of a check (hub.childcards.jobs); None when none is linked to a child."""
    await plan_for_batches(session)
    # Columns, not entities, and set-based writes: a check touches every case of a batch, and the ORM's loading
    # and per-row flush were most of its cost.
    cases = await _cases(session, request.case_ids, lock=False)
    if not cases:
        return None
    births = await current_births(session, {c.id: c.version for c in cases})
    numbers = await _id_numbers(session, {c.person_id for c in cases}, lock=False)
    asked = PopulationQuestions([], {})
    for case in cases:
        try:
            query = _query(births[case.id], numbers[case.person_id])
        except ValueError as exc:
            asked.not_asked[case.id] = str(exc)
            continue
        asked.queries.append(query)
        asked.asked_about[case.id] = case.person_id
    return asked


async def store_answers(
    job: JobContext, request: CheckPopulation, asked: PopulationQuestions, answered: Sequence[IdentityAnswer]
) -> None:
    """Write what the database answered on the cases, attach the ID numbers it found, and ask again later about
    the children it does not know yet."""
    session, now = job.session, job.clock.now()
    await plan_for_batches(session)
    answers = dict(zip(asked.asked_about, answered, strict=True))
    # Locked in the order of the issuance job, and read again with what others changed meanwhile. A case linked to
    # someone else meanwhile is left out: the next check asks about them.
    cases = [c for c in await _cases(session, list(answers), lock=True) if c.person_id == asked.asked_about[c.id]]
    numbers = await _id_numbers(session, {c.person_id for c in cases}, lock=True)
    await _not_asked(session, asked.not_asked)
    # Who holds each number the database gives: a number already another person's is not attached (the unique
    # key would refuse it, and the check would fail for good) but put to an officer.
    holders = await _holders(
        session, {a.personal_id for a in answers.values() if a.status is IdentityStatus.MATCH and a.personal_id}
    )
    clashes: list[tuple[_CaseRow, str, uuid.UUID]] = []
    by_status: dict[IdentityStatus, list[uuid.UUID]] = defaultdict(list)
    attached: list[AuditEvent] = []
    attached_to: list[uuid.UUID] = []
    pending: list[tuple[uuid.UUID, IdentityAnswer]] = []
    for case in cases:
        answer = answers[case.id]
        by_status[answer.status].append(case.id)
        if answer.status is IdentityStatus.MATCH and answer.personal_id and not numbers[case.person_id]:
            holder = holders.get(answer.personal_id)
            if holder is not None and holder != case.person_id:
                clashes.append((case, answer.personal_id, holder))
                continue
            await _attach(session, case, answer.personal_id)
            numbers[case.person_id] = answer.personal_id  # the same child by another registration: attached once
            holders[answer.personal_id] = case.person_id
            event = AuditEvent(
                "childcard.attach_personal_id", Purpose.CARD_ISSUANCE, case.person_id, {"case": case.reference}
            )
            attached.append(event)
            attached_to.append(case.id)
        elif answer.status is IdentityStatus.PENDING:
            pending.append((case.id, answer))
    for status, ids in by_status.items():
        await session.execute(
            update(ChildCardCase)
            .where(one_of(session, ChildCardCase.id, ids))
            .values(population_check=status.value)
            .execution_options(synchronize_session=False)
        )
    await _review_clashes(session, clashes, now)
    if pending and request.round < MAX_RECHECKS:
        # Ask again when the register said it would know, else after RECHECK_AFTER; the earliest of the batch.
        later = min(
            (a.retry_after - now) if a.retry_after and a.retry_after > now else RECHECK_AFTER for _, a in pending
        )
        await enqueue(
            session,
            CHECK_POPULATION,
            CheckPopulation([case_id for case_id, _ in pending], request.round + 1),
            now=now,
            delay=later,
            dedup_key=f"childcards.population:job{job.job_id}",
        )
    await record_id_number_attached(session, attached_to, now)  # the registry's software is told the number
    await record(session, now=now, actor=None, events=attached)


async def _not_asked(session: AsyncSession, not_asked: dict[uuid.UUID, str]) -> None:
    """Cases the database could not be asked about: the problem as a reason on the case, beside its card."""
    if not not_asked:
        return
    reasons = await _reasons(session, not_asked)
    for case_id, problem in not_asked.items():
        reason = _reason_of(childcard_error(E.POPULATION_CHECK_NOT_ASKED, field="child.fullName", problem=problem))
        await session.execute(
            update(ChildCardCase)
            .where(ChildCardCase.id == case_id)
            .values(population_check=NOT_ASKED, reasons=_with(reasons.get(case_id, []), reason))
            .execution_options(synchronize_session=False)
        )


async def _review_clashes(
    session: AsyncSession, clashes: list[tuple[_CaseRow, str, uuid.UUID]], now: dt.datetime
) -> None:
    """Cases the database gave a number another person holds: each waits in the review queue of probable duplicates
    (ReviewItem, the holder as the candidate), its case NEEDS_REVIEW with the reason, pushed to the registry. The
    officer decides: the same child (the case moves to the holder, the card is reissued) or another."""
    if not clashes:
        return
    case_ids = [case.id for case, _, _ in clashes]
    open_pairs = {
        (row.case_id, row.candidate_person_id)
        for row in await session.execute(
            select(ReviewItem.case_id, ReviewItem.candidate_person_id).where(
                one_of(session, ReviewItem.case_id, case_ids), ReviewItem.state == ReviewState.OPEN.value
            )
        )
    }
    reasons = await _reasons(session, case_ids)
    reviews: list[ReviewItem] = []
    changes: list[CaseStateChange] = []
    audit: list[AuditEvent] = []
    for case, number, holder in clashes:
        error = childcard_error(E.POPULATION_NUMBER_HELD, field="child.personalIdNumber", number=number)
        reason = _reason_of(error)
        await session.execute(
            update(ChildCardCase)
            .where(ChildCardCase.id == case.id)
            .values(population_check=NUMBER_HELD, reasons=_with(reasons.get(case.id, []), reason))
            .execution_options(synchronize_session=False)
        )
        if (case.id, holder) in open_pairs or case.state not in _REVIEWABLE:
            continue
        open_pairs.add((case.id, holder))
        reviews.append(
            ReviewItem(
                id=new_id(),
                case_id=case.id,
                candidate_person_id=holder,
                reason=error.message[:300],
                state=ReviewState.OPEN.value,
                created_at=now,
            )
        )
        changes.append(
            CaseStateChange(case.id, CaseState.NEEDS_REVIEW, {"candidate": str(holder), "reasons": [reason]})
        )
        audit.append(AuditEvent("childcard.number_held", Purpose.CARD_ISSUANCE, holder, {"case": case.reference}))
    await insert_new(session, reviews)
    await set_states(session, changes, now)
    await record(session, now=now, actor=None, events=audit)


async def _holders(session: AsyncSession, numbers: set[str]) -> dict[str, uuid.UUID]:
    """The person holding each of `numbers`, where one does."""
    if not numbers:
        return {}
    query = select(Person.personal_id_number, Person.id).where(one_of(session, Person.personal_id_number, numbers))
    return {row.personal_id_number: row.id for row in await session.execute(query)}


async def _reasons(
    session: AsyncSession, ids: Sequence[uuid.UUID] | dict[uuid.UUID, Any]
) -> dict[uuid.UUID, list[Any]]:
    query = select(ChildCardCase.id, ChildCardCase.reasons).where(one_of(session, ChildCardCase.id, list(ids)))
    return {row.id: list(row.reasons or []) for row in await session.execute(query)}


def _with(reasons: list[dict[str, Any]], reason: dict[str, Any]) -> list[dict[str, Any]]:
    """`reasons` with `reason` in place of any of the same code."""
    return [*(r for r in reasons if r.get("code") != reason["code"]), reason]


def _reason_of(error: Any) -> dict[str, Any]:
    return {"code": error.code, "field": error.field, "message": error.message, "message_vi": error.message_vi}


async def _cases(session: AsyncSession, ids: Sequence[uuid.UUID], *, lock: bool) -> Sequence[_CaseRow]:
    """The cases linked to a child: id, version, person_id, reference, state."""
    query = select(
        ChildCardCase.id, ChildCardCase.version, ChildCardCase.person_id, ChildCardCase.reference, ChildCardCase.state
    ).where(one_of(session, ChildCardCase.id, ids), ChildCardCase.person_id.is_not(None))
    if lock:  # in the lock order of the issuance job
        query = query.order_by(ChildCardCase.id).with_for_update()
    return cast(Sequence[_CaseRow], (await session.execute(query)).all())  # person_id: not null, by the filter


async def _id_numbers(session: AsyncSession, ids: set[uuid.UUID], *, lock: bool) -> dict[uuid.UUID, str | None]:
    """The identification number of each person (None: not known yet)."""
    query = select(Person.id, Person.personal_id_number).where(one_of(session, Person.id, ids))
    if lock:
        query = query.order_by(Person.id).with_for_update()
    return {row.id: row.personal_id_number for row in await session.execute(query)}


async def _attach(session: AsyncSession, case: _CaseRow, number: str) -> None:
    """The identification number the register found, on the child and the case."""
    for statement in (
        update(Person).where(Person.id == case.person_id).values(personal_id_number=number),
        update(ChildCardCase).where(ChildCardCase.id == case.id).values(child_personal_id=number),
    ):
        await session.execute(statement.execution_options(synchronize_session=False))


def _query(birth: BirthRecord, personal_id: str | None) -> ChildQuery:
    return ChildQuery(
        full_name=birth.child.full_name,
        date_of_birth=birth.child.date_of_birth,
        gender=birth.child.gender,
        mother_personal_id=_valid_number(birth.mother.personal_id_number if birth.mother else None),
        personal_id=personal_id,
    )


def _valid_number(number: str | None) -> str | None:
    """The mother's number as the register takes it (12 digits); an old 9-digit ID card number is left out, so the
    child is looked up without it rather than failing the whole batch."""
    return number if number and len(number) == 12 and number.isdigit() else None


async def queue_population_checks(session: AsyncSession, case_ids: Sequence[uuid.UUID], now: dt.datetime) -> None:
    """Ask the population database about the children of these cases, in jobs of CHECK_BATCH."""
    for start in range(0, len(case_ids), CHECK_BATCH):
        await enqueue(session, CHECK_POPULATION, CheckPopulation(list(case_ids[start : start + CHECK_BATCH])), now=now)
