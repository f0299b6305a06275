"""Job declarations: a name, a queue, a typed payload and an idempotent async handler."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import inspect
import typing
import uuid
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession

from connectors.connections import Connectors
from hub.infra.clock import Clock

P = TypeVar("P")
T = TypeVar("T")
DEFAULT_QUEUE = "default"


class PermanentJobError(Exception):
    """The job can never succeed as it stands (bad payload, rejected by an external system): do not retry."""


class Resources:
    """Long-lived objects of the worker process that the jobs of some domain need (the evidence intake, say), made on
    first use and looked up by their type: the job machinery knows no domain."""

    def __init__(self, factories: Mapping[type[Any], Callable[[], Any]] | None = None) -> None:
        self._factories = dict(factories or {})

    def get(self, kind: type[T]) -> T | None:
        """The process's `kind`, or None when this process has none (not configured for it)."""
        factory = self._factories.get(kind)
        return None if factory is None else cast(T, factory())


@dataclass(frozen=True)
class JobContext:
    """What a handler gets besides its payload: the job's transaction, the clock, which attempt this is, the
    connections to other systems and the process's resources."""

    session: AsyncSession
    clock: Clock
    job_id: int
    attempt: int
    connectors: Connectors
    resources: Resources = field(default_factory=Resources)


class CallContext(Protocol):
    """What the handler of a job that calls another system gets. No transaction is open while it runs: it reads
    what to ask in `reading()`, calls the other system, and stores the answers in `completing()`, whose transaction
    also marks the job done (once: a second delivery that finished first makes `completing()` raise
    `Superseded`, and its answers are dropped)."""

    clock: Clock
    job_id: int
    attempt: int
    connectors: Connectors
    resources: Resources

    def reading(self) -> AbstractAsyncContextManager[AsyncSession]: ...

    def writing(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A transaction of its own that commits when the block ends, for a long job that stores its work a part at a
        time (a list imported chunk by chunk). It renews the job's lease, and raises `Superseded` if another delivery
        has taken the job over."""
        ...

    def completing(self) -> AbstractAsyncContextManager[JobContext]: ...


class Superseded(Exception):
    """Another delivery of the job took it over while this one was calling out: this one's answers are dropped."""


Handler = Callable[[JobContext, P], Awaitable[None]]
CallingHandler = Callable[[CallContext, P], Awaitable[None]]
# Two payloads of a job as one, or None when together they would be too large for one run.
Merge = Callable[[P, P], P | None]


@dataclass(frozen=True)
class JobKind(Generic[P]):
    """A kind of job: its name, queue and payload. Declared beside the code that enqueues it; its handler is
    declared in the domain's `jobs` module, with `@job` or `@calling_job`."""

    name: str
    payload_type: type[P]
    queue: str = DEFAULT_QUEUE
    max_attempts: int | None = None  # None: HUB_JOB_MAX_ATTEMPTS
    # Given: a job found waiting when one of its kind is claimed runs with it (hub.jobs.executor), which spares the
    # fixed cost of a run when many small jobs queue up.
    merge: Merge[P] | None = None
    # True: not published when its transaction commits but by the outbox relay's next pass (within
    # HUB_OUTBOX_POLL_SECONDS, in batches, in a worker). For jobs no caller waits on: publishing one at the commit
    # is a broker round trip in the web process, 0.4 ms of its CPU for every envelope of documents received.
    relayed: bool = False

    def __post_init__(self) -> None:
        if not (isinstance(self.payload_type, type) and dataclasses.is_dataclass(self.payload_type)):
            raise TypeError(f"the payload of job {self.name} must be a dataclass")

    def encode(self, payload: P) -> dict[str, Any]:
        if not isinstance(payload, self.payload_type):
            raise TypeError(f"job {self.name} takes a {self.payload_type.__name__}, not {type(payload).__name__}")
        return {f.name: _to_json(getattr(payload, f.name)) for f in dataclasses.fields(payload)}  # type: ignore[arg-type]

    def decode(self, data: dict[str, Any]) -> P:
        hints = _type_hints(self.payload_type)
        try:
            return self.payload_type(**{name: _from_json(hints[name], value) for name, value in data.items()})
        except (KeyError, TypeError, ValueError) as exc:
            raise PermanentJobError(f"payload does not fit {self.payload_type.__name__}: {exc}") from exc


@dataclass(frozen=True)
class JobSpec(Generic[P]):
    """A kind of job with its handler: in the job's own transaction (`handler`), or calling out (`calling`)."""

    kind: JobKind[P]
    handler: Handler[P] | None = None
    calling: CallingHandler[P] | None = None

    @property
    def name(self) -> str:
        return self.kind.name


_REGISTRY: dict[str, JobSpec[Any]] = {}


def job(kind: JobKind[P]) -> Callable[[Handler[P]], Handler[P]]:
    """Declare the handler of `kind`. It runs inside the transaction that marks the job done, so its writes and the
    completion commit together; it must still be idempotent, because a job can be delivered more than once. A
    handler that calls another system is declared with `calling_job` instead: no transaction is held across a call."""

    def register(handler: Handler[P]) -> Handler[P]:
        _register(JobSpec(kind, handler=handler))
        return handler

    return register


def calling_job(kind: JobKind[P]) -> Callable[[CallingHandler[P]], CallingHandler[P]]:
    """Declare the handler of `kind`, a job that calls another system: it reads in `ctx.reading()`, calls with no
    transaction open, and writes in `ctx.completing()` (see CallContext)."""

    def register(handler: CallingHandler[P]) -> CallingHandler[P]:
        _register(JobSpec(kind, calling=handler))
        return handler

    return register


def _register(spec: JobSpec[Any]) -> None:
    handler = spec.handler or spec.calling
    if len(inspect.signature(handler).parameters) != 2:  # type: ignore[arg-type]
        raise TypeError(f"the handler of job {spec.name} takes (ctx, payload)")
    known = _REGISTRY.get(spec.name)
    if known is not None and (known.handler or known.calling) is not handler:
        raise ValueError(f"a job named {spec.name!r} is already declared")
    _REGISTRY[spec.name] = spec


def registered_jobs() -> list[JobSpec[Any]]:
    return list(_REGISTRY.values())


def get_job(name: str) -> JobSpec[Any] | None:
    return _REGISTRY.get(name)


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _type_hints(payload_type: type[Any]) -> dict[str, Any]:
    """The fields' types of a payload, resolved once: `typing.get_type_hints` evaluates every annotation again, for
    each payload a worker decodes (a merged job's too)."""
    hints = _HINTS.get(payload_type)
    if hints is None:
        hints = _HINTS[payload_type] = typing.get_type_hints(payload_type)
    return hints


def _to_json(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_to_json(item) for item in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _from_json(hint: Any, value: Any) -> Any:
    return None if value is None else _reader(hint)(value)


@functools.cache
def _reader(hint: Any) -> Callable[[Any], Any]:
    """How a JSON value (not null) of type `hint` is read back, worked out once per type: asking `typing` for a
    list's item type again for each item was most of decoding a payload of 500 case ids."""
    origin = typing.get_origin(hint)
    if origin in (list, tuple):
        (item_hint, *_) = typing.get_args(hint) or (Any,)
        item = _reader(item_hint)
        return lambda value: origin(None if element is None else item(element) for element in value)
    base = next((a for a in typing.get_args(hint) if a is not type(None)), hint)
    if base is uuid.UUID:
        return uuid.UUID
    if base is dt.datetime:
        return dt.datetime.fromisoformat
    if base is dt.date:
        return dt.date.fromisoformat
    return _as_it_is


def _as_it_is(value: Any) -> Any:
    return value
