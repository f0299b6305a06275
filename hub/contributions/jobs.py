"""The contribution jobs: people's contributions brought up to date from BHXH's contribution system, asked with no
transaction open."""

from __future__ import annotations

from hub.contributions import sync
from hub.contributions.sync import SYNC_CONTRIBUTIONS, SyncContributions
from hub.jobs import CallContext, calling_job


@calling_job(SYNC_CONTRIBUTIONS)
async def sync_contributions(ctx: CallContext, request: SyncContributions) -> None:
    client = ctx.connectors.contributions()
    if client is None:
        sync.log.info("not connected to the contribution system: %d people not synchronised", len(request.person_ids))
        return
    async with ctx.reading() as session:
        people = await sync.people_to_ask(session, request)
    records = await sync.ask(client, people)
    if records:
        async with ctx.completing() as job:
            await sync.store_answers(job, records)
