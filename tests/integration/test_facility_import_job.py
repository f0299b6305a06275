"""An operator's facility list imported by a job, on both backends: a chunk per transaction with its progress, each
rejected row kept with its reasons (a poison row alone), resumed after a crash where it stopped, a failure written
on the import and on the job; through GraphQL, seen only by the client that started it."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import hub.catalogs.jobs  # noqa: F401  (the job's handler, declared)
from connectors.connections import Connectors
from hub.audit.models import AuditEntry
from hub.catalogs import facility_import
from hub.catalogs.facility_import import ImportFacilityList, column_map, import_facilities, run_import, start_import
from hub.catalogs.models import FacilityImport, FacilityImportRejection, HealthFacility, ImportState
from hub.clients.models import Client
from hub.clients.permissions import ClientKind, Principal
from hub.infra.metrics import Metrics
from hub.infra.settings import ConnectorSettings
from hub.infra.spreadsheets import Cell, read_rows
from hub.jobs import JobContext, Resources
from hub.jobs.executor import Outcome, execute
from hub.jobs.failed import retry_job
from hub.jobs.models import JobState, OutboxJob
from tests.helpers import graphql_data, graphql_error_codes, make_client, wait_until
from tests.integration.documents_kit import stop, worker_for

HEADER = "MA_CSKCB,TEN_CSKCB,MA_TINH,TUYEN,KCB_BD_TRE_EM\n"
ROWS = 600
CHUNK = 100
# Rows as a spreadsheet numbers them (the header is row 1) and why each is rejected.
REJECTED = {
    12: ["INVALID_LEVEL"],
    252: ["DUPLICATE_IN_FILE"],
    423: ["ROW_NOT_STORED"],  # a name longer than the column: the database refuses it, the chunk's other rows go in
    558: ["OUTSIDE_JURISDICTION"],
}
FACILITY_IMPORT = """query($id: ID!) { facilityImport(id: $id) {
  id fileName state totalRows rowsDone created updated unchanged rejectedCount problem
  rejected { row code errors { field code message messageVi } } } }"""
IMPORT = """mutation($n: String!, $c: String!) { importFacilities(fileName: $n, contentBase64: $c) {
  facilityImport { id state rowsDone } problem } }"""


def facility_list() -> bytes:
    lines = []
    for i in range(ROWS):
        code, name, province, level = f"48{i:03d}", f"Trạm Y tế số {i}", "48", "4"
        if i == 10:
            level = "7"
        if i == 250:
            code = "48001"
        if i == 420:
            name = "Trạm Y tế " + "rất dài " * 50
        if i == 555:
            code, province = "01555", "01"
        lines.append(f"{code},{name},{province},{level},1\n")
    lines.insert(300, ",,,,\n")  # a blank line, skipped
    return (HEADER + "".join(lines)).encode()


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facility_import, "CHUNK_ROWS", CHUNK)


async def operator(db, signer, clock, name: str = "operator-48", where: str = "province:48") -> tuple[Principal, str]:
    return await make_client(db, signer, clock, name, ClientKind.OPERATOR, where)


async def an_existing_facility(db, clock) -> None:
    """Facility 48005 stored before, under another name: the import updates it."""
    header = ["MA_CSKCB", "TEN_CSKCB", "MA_TINH", "TUYEN", "KCB_BD_TRE_EM"]
    rows: list[list[Cell]] = [["48005", "Cũ", "48", 4, 1]]
    async with db.transaction() as session:
        await import_facilities(session, iter(rows), column_map(header), now=clock.now(), actor=None)


async def started(db, clock, actor: Principal, content: bytes | None = None) -> tuple[uuid.UUID, int]:
    async with db.transaction() as session:
        record = await start_import(
            session, file_name="co-so.csv", content=content or facility_list(), now=clock.now(), actor=actor
        )
        job_id = await session.scalar(select(OutboxJob.id).where(OutboxJob.kind == "catalogs.import_facilities"))
    return record.id, int(job_id or 0)


async def the_import(db, import_id: uuid.UUID) -> FacilityImport:
    async with db.sessions() as session:
        return await session.get_one(FacilityImport, import_id)


async def rejections(db, import_id: uuid.UUID) -> dict[int, list[str]]:
    async with db.sessions() as session:
        rows = await session.scalars(
            select(FacilityImportRejection).where(FacilityImportRejection.import_id == import_id)
        )
        return {r.row: [e["code"] for e in r.errors] for r in rows}


@dataclass
class Watching:
    """A job's context that commits each chunk as the executor's does, reads the import's progress after each commit,
    and can die at its n-th transaction as a killed worker would."""

    db: Any
    clock: Any
    import_id: uuid.UUID
    attempt: int = 1
    die_at: int | None = None
    seen: list[int] = field(default_factory=list)
    job_id: int = 0
    connectors: Connectors = field(default_factory=lambda: Connectors(ConnectorSettings()))
    resources: Resources = field(default_factory=Resources)
    transactions: int = 0

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        self.transactions += 1
        if self.transactions == self.die_at:
            raise RuntimeError("the worker died")
        async with self.db.transaction() as session:
            yield session
        self.seen.append((await the_import(self.db, self.import_id)).rows_done)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self.db.transaction() as session:
            yield session

    @asynccontextmanager
    async def completing(self) -> AsyncIterator[JobContext]:
        async with self.db.transaction() as session:
            yield JobContext(session, self.clock, self.job_id, self.attempt, self.connectors, self.resources)


async def run(db, clock, job_id: int) -> Outcome:
    return await execute(
        db, clock, job_id, max_attempts=10, metrics=Metrics(), connectors=Connectors(ConnectorSettings())
    )


async def test_the_job_imports_chunk_by_chunk_and_keeps_each_rejected_row(db, clock, signer, small_chunks):
    actor, _ = await operator(db, signer, clock)
    await an_existing_facility(db, clock)
    import_id, _ = await started(db, clock, actor)
    pending = await the_import(db, import_id)
    assert (pending.state, pending.total_rows, pending.rows_done, pending.content) == (
        "pending",
        None,
        0,
        facility_list(),
    )

    watching = Watching(db, clock, import_id)
    await run_import(watching, ImportFacilityList(import_id))

    # The progress moved a chunk per transaction, each committed before the next began
    assert watching.seen == [0, 100, 200, 300, 400, 500, 600, 600]
    done = await the_import(db, import_id)
    assert (done.state, done.total_rows, done.rows_done) == (ImportState.DONE.value, ROWS, ROWS)
    assert (done.created, done.updated, done.unchanged, done.rejected) == (ROWS - 5, 1, 0, 4)
    assert done.content is None and done.finished_at == clock.now() and done.problem is None
    assert await rejections(db, import_id) == REJECTED
    async with db.sessions() as session:
        facilities = set(await session.scalars(select(HealthFacility.code)))
        poison = await session.get_one(FacilityImportRejection, (import_id, 423))
        audit = (await session.scalars(select(AuditEntry).where(AuditEntry.operation == "facility.import"))).all()
    assert len(facilities) == ROWS - 4 and {"48010", "48250", "48420", "01555"}.isdisjoint(facilities)
    assert "health_facilities.name: 409 characters" in poison.errors[0]["message"] and "dòng khác vẫn được lưu" in str(
        poison.errors[0]["message_vi"]
    )
    assert [a.details for a in audit][-1] == {"created": ROWS - 5, "updated": 1, "rejected": 4}
    assert audit[-1].client_name == actor.name


async def test_a_crashed_import_goes_on_from_the_last_chunk_stored(db, clock, signer, small_chunks):
    actor, _ = await operator(db, signer, clock)
    await an_existing_facility(db, clock)
    import_id, _ = await started(db, clock, actor)

    dying = Watching(db, clock, import_id, die_at=4)  # the start, two chunks, then the worker dies
    with pytest.raises(RuntimeError):
        await run_import(dying, ImportFacilityList(import_id))
    stopped = await the_import(db, import_id)
    assert (stopped.state, stopped.rows_done, stopped.problem) == (ImportState.RUNNING.value, 200, "RuntimeError")
    assert stopped.content is not None

    again = Watching(db, clock, import_id, attempt=2)
    await run_import(again, ImportFacilityList(import_id))
    assert again.seen == [200, 300, 400, 500, 600, 600]  # nothing done twice
    done = await the_import(db, import_id)
    assert (done.state, done.created, done.updated, done.rejected, done.problem) == ("done", ROWS - 5, 1, 4, None)
    # The duplicate of row 3 (stored by the first delivery) is still found by the second
    assert await rejections(db, import_id) == REJECTED


async def test_through_the_outbox_a_job_that_cannot_go_on_fails_visibly(db, clock, signer):
    actor, _ = await operator(db, signer, clock)
    import_id, job_id = await started(db, clock, actor, (HEADER + "48001,Trạm Y tế,48,4,1\n").encode())
    async with db.transaction() as session:
        (await session.get_one(Client, actor.client_id)).revoked_at = clock.now()

    assert await run(db, clock, job_id) is Outcome.FAILED
    failed = await the_import(db, import_id)
    assert failed.state == ImportState.FAILED.value
    assert failed.problem == "the client that started the import is gone or revoked"
    async with db.sessions() as session:
        job = await session.get_one(OutboxJob, job_id)
        assert await session.get(HealthFacility, "48001") is None
    assert job.state == JobState.FAILED.value and "revoked" in str(job.last_error)

    # Once the cause is mended, an operator retries the job from the failed jobs page: the import is done
    async with db.transaction() as session:
        (await session.get_one(Client, actor.client_id)).revoked_at = None
        await retry_job(session, job_id, now=clock.now(), actor=None)
    assert await run(db, clock, job_id) is Outcome.DONE
    done = await the_import(db, import_id)
    assert (done.state, done.created, done.problem) == ("done", 1, None)


async def test_a_client_that_lost_the_catalog_role_fails_at_once(db, clock, signer):
    actor, _ = await operator(db, signer, clock)
    import_id, job_id = await started(db, clock, actor, (HEADER + "48001,Trạm Y tế,48,4,1\n").encode())
    async with db.transaction() as session:
        (await session.get_one(Client, actor.client_id)).roles = ["client:manage"]

    assert await run(db, clock, job_id) is Outcome.FAILED  # no second attempt: the answer would not change
    failed = await the_import(db, import_id)
    assert (failed.state, failed.problem) == (
        "failed",
        "the client that started the import may no longer manage the catalog",
    )
    async with db.sessions() as session:
        assert (await session.get_one(OutboxJob, job_id)).attempts == 1


async def test_through_the_outbox_the_job_completes(db, clock, signer):
    actor, _ = await operator(db, signer, clock)
    import_id, job_id = await started(db, clock, actor)
    assert await run(db, clock, job_id) is Outcome.DONE
    done = await the_import(db, import_id)
    assert (done.state, done.created, done.rejected) == ("done", ROWS - 4, 4)
    assert await run(db, clock, job_id) is Outcome.SKIPPED  # delivered again: nothing to do


async def test_an_operator_follows_its_import_and_no_other_client_sees_it(hub, signer, clock, backend):
    client, state = hub
    db = state.services.db
    _, token = await operator(db, signer, clock)
    _, other = await operator(db, signer, clock, "operator-01", "province:01")
    _, national = await operator(db, signer, clock, "operator-tw", "national")
    worker = worker_for(state.services.settings, clock, backend)
    try:
        content = base64.b64encode(facility_list()).decode()
        answer = (await graphql_data(client, IMPORT, {"n": "co-so.csv", "c": content}, token=token))["importFacilities"]
        assert answer["problem"] is None and answer["facilityImport"]["state"] in ("PENDING", "RUNNING", "DONE")
        import_id = answer["facilityImport"]["id"]

        async def finished() -> bool:
            found = (await graphql_data(client, FACILITY_IMPORT, {"id": import_id}, token=token))["facilityImport"]
            return bool(found["state"] == "DONE")

        await wait_until(finished, timeout=60)
        found = (await graphql_data(client, FACILITY_IMPORT, {"id": import_id}, token=token))["facilityImport"]
        assert (found["totalRows"], found["rowsDone"], found["created"], found["rejectedCount"]) == (
            ROWS,
            ROWS,
            ROWS - 4,
            4,
        )
        assert {r["row"]: [e["code"] for e in r["errors"]] for r in found["rejected"]} == REJECTED
        duplicate = next(r for r in found["rejected"] if r["row"] == 252)
        assert duplicate["errors"][0]["messageVi"] == "Cơ sở KCB 48001 đã có ở dòng 3 của tệp."
        paged = """query($id: ID!) { facilityImport(id: $id) { rejected(first: 2, afterRow: 12) { row } } }"""
        rows = (await graphql_data(client, paged, {"id": import_id}, token=token))["facilityImport"]["rejected"]
        assert [r["row"] for r in rows] == [252, 423]

        # Another operator, of another province or national, is answered as if there were no such import
        for stranger in (other, national):
            assert (await graphql_data(client, FACILITY_IMPORT, {"id": import_id}, token=stranger)) == {
                "facilityImport": None
            }
        assert await graphql_error_codes(client, FACILITY_IMPORT, {"id": "no-such-id"}, token=token) == ["FORBIDDEN"]
        # A file that is not a list is answered at once, and nothing is queued
        bad = base64.b64encode(b"A,B\n1,2\n").decode()
        answer = (await graphql_data(client, IMPORT, {"n": "x.csv", "c": bad}, token=token))["importFacilities"]
        assert answer["facilityImport"] is None and "MA_CSKCB" in answer["problem"]
        answer = (await graphql_data(client, IMPORT, {"n": "x.pdf", "c": bad}, token=token))["importFacilities"]
        assert answer["facilityImport"] is None and ".xlsx" in answer["problem"]
        # A file name is kept as sent, or refused: never cut to the column's width, never with a control character
        # (a NUL is refused before any resolver runs, as in every string of the API)
        refusals = {"d" * 197 + ".csv": "INVALID_REQUEST", "   ": "INVALID_REQUEST", "co\u0000so.csv": "BAD_USER_INPUT"}
        for name, code in refusals.items():
            assert await graphql_error_codes(client, IMPORT, {"n": name, "c": content}, token=token) == [code]
        async with db.sessions() as session:
            assert len((await session.scalars(select(FacilityImport))).all()) == 1
    finally:
        await stop(worker)


async def test_the_command_line_still_imports_in_one_go(db, clock, tmp_path):
    path = tmp_path / "co-so.csv"
    path.write_bytes(facility_list())
    header, rows = read_rows(path)
    async with db.transaction() as session:
        report = await import_facilities(session, rows, column_map(header), now=clock.now(), actor=None)
    # Without an operator's jurisdiction the Hà Nội row is stored; the poison row is rejected alone
    assert (report.created, {r.row: [e.code for e in r.errors] for r in report.rejected}) == (
        ROWS - 3,
        {12: ["INVALID_LEVEL"], 252: ["DUPLICATE_IN_FILE"], 423: ["ROW_NOT_STORED"]},
    )
