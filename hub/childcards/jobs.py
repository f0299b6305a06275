"""The child-card jobs: card issuance, and the two that call other systems (the population database's checks and
the outcomes pushed back to the civil registry), which read what to send, call with no transaction open, then
store the answers in the transaction that completes the job."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from connectors import PermanentError
from hub.childcards import outcomes, population
from hub.childcards.errors import ChildCardErrorCode as E
from hub.childcards.errors import childcard_error
from hub.childcards.issuance import ISSUE_CARDS, CaseRef, IssueCards, issue_cards, refuse_cards
from hub.childcards.models import ChildCardCase
from hub.childcards.outcomes import PUSH_OUTCOMES, PushOutcomes
from hub.childcards.population import CHECK_POPULATION, CheckPopulation
from hub.jobs import CallContext, JobContext, PermanentJobError, calling_job, job

log = logging.getLogger(__name__)


@job(ISSUE_CARDS)
async def issue(ctx: JobContext, request: IssueCards) -> None:
    """The batch in a few statements; after a failed attempt, one case at a time under a savepoint, so that a case
    whose card cannot be written is refused alone (with the error as its reason) and the others are issued."""
    if ctx.attempt == 1:
        await issue_cards(ctx.session, request, ctx.clock.now())
    else:
        await issue_one_by_one(ctx.session, request, ctx)


async def issue_one_by_one(session: AsyncSession, request: IssueCards, ctx: JobContext) -> None:
    now = ctx.clock.now()
    failed: dict[CaseRef, Exception] = {}
    for case_id, version in zip(request.case_ids, request.versions, strict=True):
        try:
            async with session.begin_nested():
                await issue_cards(session, IssueCards([case_id], [version]), now)
        except Exception as exc:
            if not is_record_error(exc):
                raise  # the database, not the record: the job is retried
            case = await session.get_one(ChildCardCase, case_id)
            failed[CaseRef(case.id, case.reference, case.province_code)] = exc
    if failed and len(failed) == len(request.case_ids) > 1:
        raise next(iter(failed.values()))  # every case failing alike is not one bad record: retry the job
    if failed:
        log.error("job %d: %d case(s) refused alone: %s", ctx.job_id, len(failed), list(failed.values())[:3])
        refused = {case: [childcard_error(E.CARD_NOT_ISSUED, error=describe(exc))] for case, exc in failed.items()}
        await refuse_cards(session, refused, now)


def is_record_error(exc: Exception) -> bool:
    """Whether an error of one record's card is the record's: a constraint or a value the database refused, or a
    record the code cannot read. A lost connection, a deadlock or a timeout is not: the job is retried whole."""
    if isinstance(exc, DBAPIError):
        return not exc.connection_invalidated and isinstance(exc, IntegrityError | DataError)
    if isinstance(exc, SQLAlchemyError):
        return False
    return isinstance(exc, ValueError | LookupError | TypeError | AssertionError)


def describe(exc: Exception) -> str:
    """An error as a reason shows it: its kind and the first line of its message, short."""
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first_line}"[:200]


@calling_job(CHECK_POPULATION)
async def check_population(ctx: CallContext, request: CheckPopulation) -> None:
    """Many children in one call, beside the card and never blocking it: nothing is locked while the database is
    asked, so the card goes ahead whatever it takes to answer."""
    client = ctx.connectors.population()
    if client is None:
        return
    async with ctx.reading() as session:
        asked = await population.questions(session, request)
    if asked is None:
        return
    try:
        answers = await client.verify_children(asked.queries) if asked.queries else []
    except PermanentError as exc:
        count = len(asked.queries)
        raise PermanentJobError(f"the population database refused a check of {count} children: {exc}") from exc
    async with ctx.completing() as job:
        await population.store_answers(job, request, asked, answers)


@calling_job(PUSH_OUTCOMES)
async def push_outcomes(ctx: CallContext, request: PushOutcomes) -> None:
    """Many outcomes in one call to the civil-status software; a TransientError is retried with backoff (or when
    the registry said), for as long as PUSH_ATTEMPTS allows."""
    client = ctx.connectors.civil_registry()
    if client is None:
        return  # no registry connected: the outcomes stay queryable
    async with ctx.reading() as session:
        batch = await outcomes.outcomes_to_push(session, request)
    if batch is None:
        return
    try:
        results = await client.push_outcomes(batch.outcomes)
    except PermanentError as exc:
        async with ctx.completing() as job:
            await outcomes.batch_refused(job, batch, exc)
        return
    async with ctx.completing() as job:
        await outcomes.store_results(job, batch, results)
