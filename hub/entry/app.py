"""The Starlette application factory: /graphql, the officers' console (/console), the gateway-compatible endpoints,
/healthz, /readyz, /metrics, and the embedded worker."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib.resources import files

import dramatiq
import orjson
from cross_web import (
    HTTPException,  # what strawberry's views raise for a request they cannot take
    StarletteRequestAdapter,  # how strawberry's ASGI view reads a request
)
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http.ides import GraphQL_IDE
from strawberry.schema import BaseSchema

from connectors.connections import Connectors
from hub.audit.service import backlog
from hub.clients.permissions import Principal
from hub.clients.service import authenticate
from hub.clients.tokens import TokenSigner
from hub.documents.intake import Intake
from hub.entry import migrate
from hub.entry.broker import create_broker
from hub.entry.console.api import ConsoleApi
from hub.entry.console.web import Console
from hub.entry.gateway_http import (
    CHECK_IN_PATHS,
    PATHS,
    TOKEN_PATH,
    UPLOAD_PATHS,
    check_in,
    token_take,
    upload_dossiers,
)
from hub.entry.http_limits import RequestLimits, refusal
from hub.entry.runtime import JobRuntime
from hub.entry.worker import WorkerService
from hub.infra.clock import Clock, SystemClock
from hub.infra.db import Database
from hub.infra.errors import Unauthenticated
from hub.infra.metrics import Metrics
from hub.infra.settings import BrokerKind, Settings
from hub.jobs.outbox import BROKER_ERRORS, Dispatcher, job_counts
from hub.signatures.certificates import TrustCache
from hub.signatures.hub_identity import hub_identity
from schema import build_schema
from schema.context import Context, Services
from schema.errors import BAD_USER_INPUT
from schema.limits import NUL_MESSAGE, nul_in
from signing.detached import MessageSigner

log = logging.getLogger(__name__)
GRAPHQL_PATH = "/graphql"
ROUTES = (GRAPHQL_PATH, "/healthz", "/readyz", "/metrics", *PATHS)
CLIENT_CLOSED_REQUEST = 499


@dataclass
class Hub:
    """Everything one web process holds; `app.state.hub` in the running application."""

    services: Services
    broker: dramatiq.Broker
    worker: WorkerService | None


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    embedded_worker: bool = True,
    extra_job_modules: Iterable[str] = (),
) -> Starlette:
    """Build the web application.

    With the in-process broker (the default), the worker and the outbox relay run inside this process unless
    `embedded_worker` is False. With Redis, this process only publishes jobs; `hub worker` processes run them.
    """
    clock = clock or SystemClock()
    metrics = Metrics()
    db = Database(settings.database_url)
    worker: WorkerService | None = None
    if settings.broker_kind is BrokerKind.IN_PROCESS and embedded_worker:
        worker = WorkerService(settings, clock, metrics=metrics, extra_job_modules=extra_job_modules)
        broker = worker.broker
    else:
        runtime = JobRuntime(settings, clock, metrics, run_relay=False)
        broker = create_broker(runtime, extra_job_modules=extra_job_modules)
    db.add_commit_hook(Dispatcher(db, broker))
    identity = hub_identity(settings.documents, now=clock.now())
    services = Services(
        settings=settings,
        db=db,
        clock=clock,
        signer=TokenSigner(settings.token_secret, settings.previous_token_secrets),
        metrics=metrics,
        intake=Intake(
            trust=TrustCache(db, max_age_seconds=settings.documents.trust_refresh_seconds),
            identity=identity,
            max_bytes=settings.documents.max_envelope_bytes,
            max_table_bytes=settings.documents.max_table_bytes,
        ),
        connectors=Connectors(settings.connectors, MessageSigner(identity)),
    )
    hub = Hub(services, broker, worker)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            await migrate.require_current(db)
            if worker is not None:
                worker.start()
            yield
        finally:
            if worker is not None:
                await asyncio.to_thread(worker.stop)
            await services.connectors.aclose()
            await db.dispose()

    schema = build_schema(settings.graphql, introspection=settings.introspection)
    graphql = AuthenticatedGraphQL(services, schema, graphql_ide="graphiql" if settings.is_dev else None)
    console = Console(services, ConsoleApi(services, schema))
    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            Route(GRAPHQL_PATH, graphql, methods=["GET", "POST"]),
            Route(TOKEN_PATH, token_take, methods=["POST"]),
            *(Route(path, upload_dossiers, methods=["POST"]) for path in UPLOAD_PATHS),
            *(Route(path, check_in, methods=["POST"]) for path in CHECK_IN_PATHS),
            *console.routes(),
        ],
        lifespan=lifespan,
    )
    app.state.hub = hub
    # The gateway's endpoints keep their own limits, answered in the gateway's shape (hub.entry.gateway_http).
    app.add_middleware(
        RequestLimits,
        body_caps={GRAPHQL_PATH: settings.max_graphql_body_bytes},
        body_timeout_seconds=settings.http.body_timeout_seconds,
        release_memory_after_bytes=settings.http.release_memory_after_bytes,
    )
    app.add_middleware(RequestMetrics, metrics=metrics)  # outermost: it counts the limits' refusals too
    return app


class _StreamedBody(StarletteRequestAdapter):
    """The request as strawberry reads it, with its body read into one buffer and not kept on the request.

    Starlette's `Request.body()` joins the chunks (twice the body at its peak) and keeps the result on the request
    for as long as it lives: through the whole operation, beside the variables decoded from it. A base64 envelope
    of 20 MiB is a 28 MB body; read so, it is freed as soon as the JSON is decoded."""

    async def get_body(self) -> bytes:
        buffer = io.BytesIO()
        async for chunk in self._request.stream():
            buffer.write(chunk)
        return buffer.getvalue()  # the buffer's own bytes, not a copy


class AuthenticatedGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view, behind bearer-token authentication: no operation runs without a client."""

    request_adapter_class = _StreamedBody

    def __init__(self, services: Services, schema: BaseSchema, *, graphql_ide: GraphQL_IDE | None) -> None:
        super().__init__(schema, graphql_ide=graphql_ide, allow_queries_via_get=False)
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1008})
            return
        request = Request(scope)
        if request.method == "GET" and self.graphql_ide and "text/html" in request.headers.get("accept", ""):
            # The IDE page itself; the queries it sends authenticate like any other.
            await (await self.render_graphql_ide(request))(scope, receive, send)
            return
        try:
            principal = await self._authenticate(request)
        except Unauthenticated as exc:
            response = refusal(401, exc.code, str(exc), headers={"WWW-Authenticate": 'Bearer realm="hub"'})
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        answer: Response
        try:
            answer = await self.run(Request(scope, receive))
        except HTTPException as exc:
            # Strawberry answers these in plain text; clients of this API read the GraphQL error shape.
            answer = refusal(exc.status_code, getattr(exc, "code", "BAD_REQUEST"), exc.reason)
        await answer(scope, receive, send)

    async def _authenticate(self, request: Request) -> Principal:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Authentication required: send `Authorization: Bearer <token>`.")
        async with self.services.db.autocommit() as connection:
            return await authenticate(connection, self.services.signer, token.strip(), now=self.services.clock.now())

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """GraphiQL from the package's own copies of its scripts (hub/entry/console/static): no CDN."""
        page = (files("hub.entry.console") / "static" / "graphiql.html").read_text(encoding="utf-8")
        return HTMLResponse(page)

    def encode_json(self, data: object) -> bytes:
        """UTF-8 JSON with Vietnamese letters as they are, not as \\u escapes: written by orjson (a twentieth of the
        json module's time), or by the json module what orjson refuses (an integer past 64 bits)."""
        try:
            return orjson.dumps(data)
        except orjson.JSONEncodeError:
            return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

    def decode_json(self, data: str | bytes) -> object:
        """A JSON object, or a 400 that says what is wrong (strawberry takes any JSON value for an object)."""
        try:
            decoded = json.loads(data)
        except json.JSONDecodeError as exc:
            raise HTTPException(400, f"The request body is not valid JSON: {exc.msg} at position {exc.pos}.") from None
        except UnicodeDecodeError:
            raise HTTPException(400, "The request body is not UTF-8 text.") from None
        except RecursionError:
            raise HTTPException(400, "The request body is nested too deeply.") from None
        if not isinstance(decoded, dict):
            expected = 'a JSON object {"query": ..., "variables": {...}}'
            raise HTTPException(400, f"The request body must be {expected}, not {_json_kind(decoded)}.")
        # JSON can only carry U+0000 escaped: a body without the escape is walked no further (a batch of 2,000
        # registrations holds some 60,000 strings).
        escaped = b"\\u0000" in data if isinstance(data, bytes) else "\\u0000" in data
        if escaped and (where := nul_in(decoded.get("variables"), "$")) is not None:
            raise BadUserInput(f"The variable {where.replace('$.', '$', 1)} {NUL_MESSAGE}.")
        return decoded

    async def get_context(self, request: Request | object, response: object = None) -> Context:
        assert isinstance(request, Request)
        return Context(services=self.services, principal=request.state.principal, request=request)


class BadUserInput(HTTPException):
    """A request whose variables hold what no field may take, refused before any operation runs."""

    code = BAD_USER_INPUT

    def __init__(self, reason: str) -> None:
        super().__init__(400, reason)


def _json_kind(value: object) -> str:
    match value:
        case None:
            return "null"
        case list():
            return "an array"
        case str():
            return "a string"
        case bool():
            return "a boolean"
        case _:
            return "a number"


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready when the database answers, is migrated to this version, and the broker answers."""
    hub: Hub = request.app.state.hub
    checks: dict[str, str] = {}
    try:
        async with hub.services.db.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
        state = await migrate.status(hub.services.db)
        checks["migrations"] = "ok" if state.ok else state.describe()
    except (SQLAlchemyError, OSError) as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    checks["broker"] = await _broker_check(hub.broker)
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


async def _broker_check(broker: dramatiq.Broker) -> str:
    client = getattr(broker, "client", None)
    if client is None:
        return "ok"  # the in-process broker lives as long as this process
    try:
        await asyncio.to_thread(client.ping)
        return "ok"
    except BROKER_ERRORS as exc:
        return f"unreachable: {type(exc).__name__}"


async def metrics_endpoint(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    hub.services.metrics.set_outbox(await job_counts(hub.services.db))
    async with hub.services.db.sessions() as session:
        waiting = await backlog(session)
    hub.services.metrics.set_audit_backlog(waiting.entries, waiting.age_seconds(hub.services.clock.now()))
    return PlainTextResponse(hub.services.metrics.render(), media_type="text/plain; version=0.0.4")


class RequestMetrics:
    """Counts requests and their latency, labelled by known route only (no unbounded label values)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = scope["path"] if scope["path"] in ROUTES else "other"
        started = time.perf_counter()
        # Unless an answer starts: 500 if the application raised, else the client left before one (nginx's 499).
        status = CLIENT_CLOSED_REQUEST

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        except BaseException:
            status = 500 if status == CLIENT_CLOSED_REQUEST else status
            raise
        finally:
            self.metrics.http_requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.http_latency.labels(route).observe(time.perf_counter() - started)
