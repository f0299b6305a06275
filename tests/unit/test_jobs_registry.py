import datetime as dt
import uuid
from dataclasses import dataclass

import pytest

from hub.jobs import JobContext, JobKind, PermanentJobError, job
from hub.jobs.registry import registered_jobs


@dataclass(frozen=True)
class Payload:
    person_id: uuid.UUID
    born: dt.date
    at: dt.datetime
    note: str | None = None


noop = JobKind("tests.unit.noop", Payload)


@job(noop)
async def run_noop(ctx: JobContext, payload: Payload) -> None:
    return None


def test_payload_round_trips_through_json():
    payload = Payload(uuid.uuid4(), dt.date(2020, 2, 29), dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC), "x")
    encoded = noop.encode(payload)
    assert encoded["person_id"] == str(payload.person_id)
    assert noop.decode(encoded) == payload


@dataclass(frozen=True)
class BatchPayload:
    case_ids: list[uuid.UUID]
    versions: list[int]


batch = JobKind("tests.unit.batch", BatchPayload)


@job(batch)
async def run_batch(ctx: JobContext, payload: BatchPayload) -> None:
    return None


def test_lists_of_identifiers_round_trip_through_json():
    payload = BatchPayload([uuid.uuid4(), uuid.uuid4()], [1, 3])
    encoded = batch.encode(payload)
    assert encoded == {"case_ids": [str(i) for i in payload.case_ids], "versions": [1, 3]}
    assert batch.decode(encoded) == payload


def test_wrong_payload_type_is_refused():
    with pytest.raises(TypeError, match="takes a Payload"):
        noop.encode({"person_id": "x"})  # type: ignore[arg-type]


def test_undecodable_payload_is_permanent():
    with pytest.raises(PermanentJobError):
        noop.decode({"person_id": "not-a-uuid", "born": "2020-01-01", "at": "2026-01-01T00:00:00+00:00"})


def test_payload_must_be_a_dataclass():
    with pytest.raises(TypeError, match="must be a dataclass"):
        JobKind("tests.unit.bad", dict)


def test_a_kind_takes_one_handler():
    with pytest.raises(ValueError, match="already declared"):

        @job(noop)
        async def again(ctx: JobContext, payload: Payload) -> None:
            return None

    assert [spec.handler for spec in registered_jobs() if spec.name == noop.name] == [run_noop]
