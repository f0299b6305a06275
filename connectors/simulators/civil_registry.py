"""A simulator of the civil-status software's side of the interconnection: it takes the hub's case outcomes and
keeps them in memory, as a real HTTP service.

    POST /v1/outcomes                  201 first receipt, 200 a repeat (same acknowledgement), 400 a malformed body,
                                       409 an event id already received with different content
    POST /v1/outcomes/batch            200 with a result per outcome (acknowledged, or refused when conflicting);
                                       400 a malformed body or more than MAX_BATCH outcomes, storing nothing
    GET  /v1/outcomes?office=&case=    what arrived, oldest first (see `connectors.civil_registry`)
    GET  /healthz
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from cryptography import x509
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.civil_registry import (
    MAX_BATCH,
    OUTCOMES_BATCH_PATH,
    OUTCOMES_PATH,
    Acknowledgement,
    BatchResult,
    CaseOutcome,
    ReceivedOutcome,
    Refusal,
)
from connectors.simulators.kit import ApiGuard, ClockLike, error_response, now_function, read_batch, read_json
from hub.infra.clock import SystemClock


class ConflictingEvent(ValueError):
    """An event id arrived again with different content: the sender reused an id, which is its bug."""


class OutcomeStore:
    """The outcomes received, in arrival order, indexed by event id, office and case reference."""

    def __init__(self) -> None:
        self._by_event: dict[str, ReceivedOutcome] = {}
        self._by_office: defaultdict[str, list[ReceivedOutcome]] = defaultdict(list)
        self._by_case: defaultdict[str, list[ReceivedOutcome]] = defaultdict(list)

    def __len__(self) -> int:
        return len(self._by_event)

    def receive(self, outcome: CaseOutcome, now: dt.datetime) -> tuple[Acknowledgement, bool]:
        """Store `outcome` unless its event was received before; the acknowledgement and whether it was new."""
        held = self._by_event.get(outcome.event_id)
        if held is not None:
            if held.outcome != outcome:
                raise ConflictingEvent(f"event {outcome.event_id} was received before with different content")
            return Acknowledgement(outcome.event_id, held.received_at), False
        received = ReceivedOutcome(outcome, now)
        self._by_event[outcome.event_id] = received
        self._by_office[outcome.office_code].append(received)
        self._by_case[outcome.case_reference].append(received)
        return Acknowledgement(outcome.event_id, now), True

    def outcomes(self, *, office: str | None = None, case: str | None = None) -> list[ReceivedOutcome]:
        """Oldest first, filtered by office code and/or case reference."""
        if case is not None:
            found = self._by_case.get(case, [])
            return [r for r in found if office is None or r.outcome.office_code == office]
        if office is not None:
            return list(self._by_office.get(office, []))
        return list(self._by_event.values())  # dicts keep insertion order

    def clear(self) -> None:
        self._by_event.clear()
        self._by_office.clear()
        self._by_case.clear()


def create_civil_registry_simulator(
    *,
    clock: ClockLike | None = None,
    failure_rate: float = 0.0,
    latency_ms: int = 0,
    seed: int = 0,
    store: OutcomeStore | None = None,
    token: str | None = None,
    hub_certificate: x509.Certificate | None = None,
    unknown_offices: frozenset[str] = frozenset(),
) -> Starlette:
    """The simulator as an ASGI app. Pass `store` to inspect it in process (it is also `app.state.store`);
    `token`, when set, is required as a bearer token on /v1 calls, and `hub_certificate`, when set, the signature of
    its holder. An outcome for one of `unknown_offices` (an office not set up in the software yet) is malformed to it:
    a 400, for a batch holding one too."""
    received = OutcomeStore() if store is None else store
    now = now_function(SystemClock() if clock is None else clock)
    guard = ApiGuard(
        failure_rate=failure_rate, latency_ms=latency_ms, seed=seed, token=token, hub_certificate=hub_certificate
    )

    async def push_outcome(request: Request) -> Response:
        try:
            outcome = CaseOutcome.from_json(await read_json(request))
        except ValueError as exc:
            return error_response(400, "malformed", str(exc))
        if outcome.office_code in unknown_offices:
            return error_response(400, "malformed", f"unknown registry office {outcome.office_code}")
        try:
            ack, new = received.receive(outcome, now())
        except ConflictingEvent as exc:
            return error_response(409, "conflicting_event", str(exc))
        return JSONResponse(ack.to_json(), status_code=201 if new else 200)

    async def push_outcomes(request: Request) -> Response:
        try:
            outcomes = await read_batch(request, "outcomes", MAX_BATCH, CaseOutcome.from_fields)
        except ValueError as exc:
            return error_response(400, "malformed", str(exc))
        unknown = sorted({o.office_code for o in outcomes} & unknown_offices)
        if unknown:
            return error_response(400, "malformed", f"unknown registry office {', '.join(unknown)}")
        at = now()
        results: list[BatchResult] = []
        for outcome in outcomes:
            try:
                results.append(received.receive(outcome, at)[0])
            except ConflictingEvent as exc:
                results.append(Refusal(outcome.event_id, "conflicting_event", str(exc)))
        return JSONResponse({"results": [result.to_json() for result in results]})

    async def list_outcomes(request: Request) -> Response:
        found = received.outcomes(office=request.query_params.get("office"), case=request.query_params.get("case"))
        return JSONResponse({"outcomes": [item.to_json() for item in found]})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "outcomes": len(received)})

    app = Starlette(
        routes=[
            Route(OUTCOMES_PATH, guard(push_outcome), methods=["POST"]),
            Route(OUTCOMES_BATCH_PATH, guard(push_outcomes), methods=["POST"]),
            Route(OUTCOMES_PATH, guard(list_outcomes), methods=["GET"]),
            Route("/healthz", health, methods=["GET"]),
        ]
    )
    app.state.store = received
    return app
