"""The document jobs and listeners: arrivals announced to every listener, changes told to the users of a document,
and the unmatched queue worked through; documents that arrive look for their people and newborns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.documents.linking import LINK_UNMATCHED, LinkUnmatched, link_unmatched_chunk, schedule_relink
from hub.documents.models import Document, LinkState
from hub.documents.newborns import BIRTH_CERTIFICATE, follow_codes, link_newborns
from hub.documents.uses import (
    ANNOUNCE_DOCUMENTS,
    NOTIFY_CHANGES,
    AnnounceDocuments,
    NotifyChanges,
    on_documents_arrived,
    tell_arrival_listeners,
    tell_change_listeners,
)
from hub.infra.db import one_of
from hub.jobs import JobContext, job


@job(ANNOUNCE_DOCUMENTS)
async def announce(ctx: JobContext, request: AnnounceDocuments) -> None:
    await tell_arrival_listeners(ctx.session, request, ctx.clock.now())


@job(NOTIFY_CHANGES)
async def notify_changes(ctx: JobContext, request: NotifyChanges) -> None:
    await tell_change_listeners(ctx.session, request)


@job(LINK_UNMATCHED)
async def link_unmatched(ctx: JobContext, request: LinkUnmatched) -> None:
    await link_unmatched_chunk(ctx.session, request, ctx.clock.now())


@on_documents_arrived
async def relink_later(session: AsyncSession, documents: Sequence[Document], now: dt.datetime) -> None:
    """Documents that name no one known yet: a pass over the unmatched queue is due within RELINK_EVERY."""
    if any(document.link_state == LinkState.UNMATCHED.value for document in documents):
        await schedule_relink(session, now=now)


@on_documents_arrived
async def link_arriving_newborns(session: AsyncSession, documents: Sequence[Document], now: dt.datetime) -> None:
    """A birth certificate linked to its mother (on arrival, or by a later pass) looks for the child; a document
    carrying a temporary card code whose child is known joins it."""
    mothers = {d.person_id for d in documents if d.doc_type == BIRTH_CERTIFICATE and d.person_id and not d.child_id}
    await link_newborns(session, mothers)
    codes = {d.child_card_code for d in documents if d.child_card_code and d.child_id is None}
    if codes:
        known = await session.execute(
            select(Document.child_card_code, Document.child_id)
            .where(one_of(session, Document.child_card_code, codes), Document.child_id.is_not(None))
            .distinct()
        )
        await follow_codes(session, {code: child_id for code, child_id in known if code and child_id})
