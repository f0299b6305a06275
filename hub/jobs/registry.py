"""Job declarations: a name, a queue, a typed payload and an idempotent async handler."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import typing
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from hub.clock import Clock
from hub.integrations import Connectors

P = TypeVar("P")
DEFAULT_QUEUE = "default"


class PermanentJobError(Exception):
    """The job can never succeed as it stands (bad payload, rejected by an external system): do not retry."""


if TYPE_CHECKING:
    from hub.documents.intake import Intake


@dataclass(frozen=True)
class JobContext:
    """What a handler gets besides its payload: the job's transaction, the clock and which attempt this is."""

    session: AsyncSession
    clock: Clock
    job_id: int
    attempt: int
    connectors: Connectors
    intake: Intake | None = None  # verifies and stores signed evidence (hub.documents.evidence_intake)


Handler = Callable[[JobContext, P], Awaitable[None]]
# Two payloads of a job as one, or None when together they would be too large for one run.
Merge = Callable[[P, P], P | None]


@dataclass(frozen=True)
class JobSpec(Generic[P]):
    name: str
    queue: str
    payload_type: type[P]
    handler: Handler[P]
    max_attempts: int | None = None  # None: HUB_JOB_MAX_ATTEMPTS
    # Given: a job found waiting when one of its kind is claimed runs with it (hub.jobs.executor), which spares the
    # fixed cost of a run when many small jobs queue up.
    merge: Merge[P] | None = None

    def encode(self, payload: P) -> dict[str, Any]:
        if not isinstance(payload, self.payload_type):
            raise TypeError(f"job {self.name} takes a {self.payload_type.__name__}, not {type(payload).__name__}")
        return {f.name: _to_json(getattr(payload, f.name)) for f in dataclasses.fields(payload)}  # type: ignore[arg-type]

    def decode(self, data: dict[str, Any]) -> P:
        hints = typing.get_type_hints(self.payload_type)
        try:
            return self.payload_type(**{name: _from_json(hints[name], value) for name, value in data.items()})
        except (KeyError, TypeError, ValueError) as exc:
            raise PermanentJobError(f"payload does not fit {self.payload_type.__name__}: {exc}") from exc


_REGISTRY: dict[str, JobSpec[Any]] = {}


def job(
    name: str, *, queue: str = DEFAULT_QUEUE, max_attempts: int | None = None, merge: Merge[Any] | None = None
) -> Callable[[Handler[P]], JobSpec[P]]:
    """Declare a job. The handler runs inside the transaction that marks the job done, so its writes and the
    completion commit together; it must still be idempotent, because a job can be delivered more than once. With
    `merge`, waiting jobs of the kind may run together with the one claimed, as one payload."""

    def register(handler: Handler[P]) -> JobSpec[P]:
        params = list(inspect.signature(handler).parameters)
        if len(params) != 2:
            raise TypeError(f"the handler of job {name} takes (ctx, payload)")
        payload_type: type[P] = typing.get_type_hints(handler)[params[1]]
        if not (isinstance(payload_type, type) and dataclasses.is_dataclass(payload_type)):
            raise TypeError(f"the payload of job {name} must be a dataclass")
        if name in _REGISTRY and _REGISTRY[name].handler is not handler:
            raise ValueError(f"a job named {name!r} is already declared")
        spec: JobSpec[P] = JobSpec(name, queue, payload_type, handler, max_attempts, merge)
        _REGISTRY[name] = spec
        return spec

    return register


def registered_jobs() -> list[JobSpec[Any]]:
    return list(_REGISTRY.values())


def get_job(name: str) -> JobSpec[Any] | None:
    return _REGISTRY.get(name)


def _to_json(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_to_json(item) for item in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _from_json(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    if typing.get_origin(hint) in (list, tuple):
        (item_hint, *_) = typing.get_args(hint) or (Any,)
        return typing.get_origin(hint)(_from_json(item_hint, item) for item in value)
    base = next((a for a in typing.get_args(hint) if a is not type(None)), hint)
    if base is uuid.UUID:
        return uuid.UUID(value)
    if base is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if base is dt.date:
        return dt.date.fromisoformat(value)
    return value
