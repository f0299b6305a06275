"""What every resolver gets: the caller, and the process's services (database, clock, token signer, metrics,
signed-document intake)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from hub.clients.permissions import Principal
from hub.clients.tokens import TokenSigner
from hub.clock import Clock
from hub.db import Database
from hub.documents.intake import Intake
from hub.integrations import Connectors
from hub.metrics import Metrics
from hub.settings import Settings


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
    one created."""
    services = info.context.services
    return await services.db.run(
        lambda session: work(session, services.clock.now(), info.context.principal), retries=retries
    )


async def read(info: Info, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run a read-only service call (no write lock on SQLite)."""
    async with info.context.services.db.sessions() as session:
        return await work(session)
