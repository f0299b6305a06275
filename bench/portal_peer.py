"""The bare peer of the portal's `caseStatus`: Starlette + strawberry, nothing else, answering a constant of the same
shape as the hub's CaseStatus (the same field names and types, the same enums). No authentication, no database, no
audit: what a GraphQL read costs on this stack before the hub does any work. Served as `hub serve` serves the hub
(uvicorn.run of a factory, one process by default, uvicorn's default keep-alive), so that the two differ only in
the application.

    python -m bench.portal_peer --port 8100 [--workers 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import enum

import strawberry
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL


@strawberry.enum
class ClaimKind(enum.Enum):
    SICKNESS = "sickness"
    MATERNITY = "maternity"
    CONVALESCENCE = "convalescence"


@strawberry.enum
class ClaimState(enum.Enum):
    COMPUTED = "computed"
    APPROVED = "approved"
    PAID = "paid"


@strawberry.enum
class PaymentKind(enum.Enum):
    TOP_UP = "top_up"
    RECOVERY = "recovery"


@strawberry.type
class CaseAdjustment:
    kind: PaymentKind
    amount_vnd: int
    ordered_at: dt.datetime
    settled_at: dt.datetime | None


@strawberry.type
class CaseStatus:
    reference: str
    kind: ClaimKind
    state: ClaimState
    event_date: dt.date
    received_at: dt.datetime
    due_on: dt.date | None
    decided_at: dt.datetime | None
    amount_vnd: int | None
    overdue: bool
    paid_vnd: int
    recovered_vnd: int
    to_pay_vnd: int
    to_recover_vnd: int
    adjustments: list[CaseAdjustment]


RECEIVED = dt.datetime(2026, 3, 2, 8, 15, tzinfo=dt.UTC)


@strawberry.type
class Query:
    @strawberry.field
    async def case_status(self, reference: str) -> CaseStatus:
        return CaseStatus(
            reference=reference,
            kind=ClaimKind.SICKNESS,
            state=ClaimState.APPROVED,
            event_date=dt.date(2026, 2, 20),
            received_at=RECEIVED,
            due_on=dt.date(2026, 3, 16),
            decided_at=RECEIVED + dt.timedelta(days=3),
            amount_vnd=1_845_000,
            overdue=False,
            paid_vnd=0,
            recovered_vnd=0,
            to_pay_vnd=1_845_000,
            to_recover_vnd=0,
            adjustments=[],
        )


def create() -> Starlette:
    schema = strawberry.Schema(query=Query)
    return Starlette(
        routes=[
            Route("/graphql", GraphQL(schema), methods=["GET", "POST"]),
            Route("/healthz", lambda request: JSONResponse({"status": "ok"})),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    from hub.entry.asgi import SERVER_HTTP, SERVER_LOOP

    parser = argparse.ArgumentParser(prog="python -m bench.portal_peer", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    # As `hub serve` runs the hub (hub.entry.cli): the same server, loop, HTTP parser, workers and log level.
    uvicorn.run(
        "bench.portal_peer:create",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        loop=SERVER_LOOP,
        http=SERVER_HTTP,
    )


if __name__ == "__main__":
    main()
