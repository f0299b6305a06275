"""What every resolver gets: the caller, and the process's services (database, clock, token signer, metrics)."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry
from starlette.requests import Request

from hub.clients.permissions import Principal
from hub.clients.tokens import TokenSigner
from hub.clock import Clock
from hub.db import Database
from hub.metrics import Metrics
from hub.settings import Settings


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    clock: Clock
    signer: TokenSigner
    metrics: Metrics


@dataclass(frozen=True)
class Context:
    services: Services
    principal: Principal
    request: Request | None = None


Info = strawberry.Info[Context, None]
