"""The child-card jobs: card issuance, and the two that call other systems (the population database's checks and
the outcomes pushed back to the civil registry), which read what to send, call with no transaction open, then
store the answers in the transaction that completes the job."""

from __future__ import annotations

from connectors import PermanentError
from hub.childcards import outcomes, population
from hub.childcards.issuance import ISSUE_CARDS, IssueCards, issue_cards
from hub.childcards.outcomes import PUSH_OUTCOMES, PushOutcomes
from hub.childcards.population import CHECK_POPULATION, CheckPopulation
from hub.jobs import CallContext, JobContext, PermanentJobError, calling_job, job


@job(ISSUE_CARDS)
async def issue(ctx: JobContext, request: IssueCards) -> None:
    await issue_cards(ctx.session, request, ctx.clock.now())


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
        answers = await client.verify_children(asked.queries)
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
