"""What every resolver gets: the caller, and the process's services (database, clock, token signer, metrics,
signed-document intake)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from strawberry.types.nodes import SelectedField

from connectors.connections import Connectors
from hub.audit.purpose import Purpose
from hub.audit.refusals import RefusedRecord, collecting_refusals
from hub.audit.service import AuditEvent, JsonValue, record
from hub.clients.permissions import Principal
from hub.clients.tokens import TokenSigner
from hub.documents.intake import Intake
from hub.infra.clock import Clock
from hub.infra.db import Database
from hub.infra.errors import Forbidden
from hub.infra.metrics import Metrics
from hub.infra.settings import Settings


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    clock: Clock
    signer: TokenSigner
    metrics: Metrics
    intake: Intake
    connectors: Connectors


L = TypeVar("L")


@dataclass(frozen=True)
class Context:
    services: Services
    principal: Principal
    request: Request | None = None
    loaders: dict[type, object] = field(default_factory=dict)

    def loader(self, kind: type[L]) -> L:
        """This request's DataLoader of `kind` (built with the services on first use): one query per batch."""
        found = self.loaders.get(kind)
        if found is None:
            found = self.loaders[kind] = kind(self.services)  # type: ignore[call-arg]
        assert isinstance(found, kind)
        return found


Info = strawberry.Info[Context, None]


T = TypeVar("T")


async def write(
    info: Info, work: Callable[[AsyncSession, dt.datetime, Principal], Awaitable[T]], *, retries: int = 0
) -> T:
    """Run a service call in one writing transaction, as the caller, at the clock's present moment.

    With `retries`, a transaction that lost a race (a unique key taken by a request creating the same record at
    once, or a deadlock) is run again from the start; the service, being idempotent, then finds what the other
    one created. A refusal is audited after the transaction, which it rolled back (see `audited_refusals`)."""
    services = info.context.services
    async with audited_refusals(info):
        return await to_the_end(
            services.db.run(
                lambda session: work(session, services.clock.now(), info.context.principal), retries=retries
            )
        )


async def read(info: Info, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run a read-only service call (no write lock on SQLite); a refusal is audited as for `write`."""

    async def in_session() -> T:
        async with info.context.services.db.sessions() as session:
            return await work(session)

    async with audited_refusals(info):
        return await to_the_end(in_session())


async def to_the_end(work: Awaitable[T]) -> T:
    """Await `work` in a task of its own that runs to its end even if the request is cancelled meanwhile.

    graphql-core cancels the other root fields of a query when one fails; a transaction cut off half-way, its
    rollback cancelled too, kept SQLite's write lock and stalled every later write of the process."""
    task = asyncio.ensure_future(work)
    task.add_done_callback(_retrieved)
    return await asyncio.shield(task)


def _retrieved(task: asyncio.Future[Any]) -> None:
    """Take a finished task's outcome, so that one whose awaiter was cancelled is not reported as never retrieved."""
    if not task.cancelled():
        task.exception()


@asynccontextmanager
async def audited_refusals(info: Info) -> AsyncIterator[None]:
    """Record in the audit log, in a transaction of its own, every refusal of the block: a `Forbidden`, and the
    records a service refused while answering "unknown" (`hub.audit.refusals`). Who, which operation with the
    arguments it named, and which record."""
    with collecting_refusals() as noted:
        refused = False
        try:
            yield
        except Forbidden:
            refused = True
            raise
        finally:
            if refused or noted:
                await _record_refusals(info, noted)


MAX_AUDITED_ARGUMENT = 200


async def _record_refusals(info: Info, noted: list[RefusedRecord]) -> None:
    field_node = info.selected_fields[0]  # the resolver's own field, its arguments with the variables put in
    arguments = _argument_summary(field_node.arguments if isinstance(field_node, SelectedField) else {})
    details: dict[str, JsonValue] = {"operation": info.field_name, "arguments": arguments}
    events = [
        AuditEvent("access.refused", Purpose.ACCESS_CONTROL, r.person_id, {**details, "record": f"{r.kind}:{r.key}"})
        for r in noted
    ] or [AuditEvent("access.refused", Purpose.ACCESS_CONTROL, None, details)]
    services, actor = info.context.services, info.context.principal
    await to_the_end(
        services.db.run(lambda session: record(session, now=services.clock.now(), actor=actor, events=events))
    )


def _argument_summary(arguments: dict[str, Any]) -> dict[str, JsonValue]:
    """The arguments that name a record (short text, numbers, flags); a payload (an envelope, a batch, an input
    object) is only sized, so that the log neither swells nor keeps what was refused."""
    summary: dict[str, JsonValue] = {}
    for name, value in arguments.items():
        short_text = isinstance(value, str) and len(value) <= MAX_AUDITED_ARGUMENT
        if short_text or value is None or isinstance(value, bool | int | float):
            summary[name] = value
        elif isinstance(value, str):
            summary[name] = f"<{len(value)} characters>"
        elif isinstance(value, list):
            summary[name] = f"<{len(value)} items>"
        else:
            summary[name] = "<object>"
    return summary
