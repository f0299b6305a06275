"""Jobs that failed for good, on both backends: listed for national operators and supervisors, retried on an
operator's word (audited), never retried silently by the executor or the relay."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import select

from connectors.connections import Connectors
from hub.audit.models import AuditEntry
from hub.clients.permissions import ClientKind
from hub.clients.tokens import TokenSigner
from hub.infra.metrics import Metrics
from hub.infra.settings import ConnectorSettings, OutboxSettings
from hub.jobs import PermanentJobError, enqueue
from hub.jobs.executor import Outcome, execute
from hub.jobs.failed import NotFailed, failed_jobs, retry_job
from hub.jobs.models import JobState, OutboxJob
from hub.jobs.relay import relay_once
from tests.helpers import graphql_data, graphql_error_codes, make_client
from tests.integration.jobfixtures import CreatePerson, create_person_job

FAILED = """query($after: String) { failedJobs(first: 1, after: $after) {
  totalCount edges { cursor node { id kind attempts lastError finishedAt } } pageInfo { hasNextPage endCursor } } }"""


async def failed_job(db, clock, name: str = "") -> int:
    """A job run once with a payload its handler can never take: failed for good."""
    async with db.transaction() as session:
        job_id = await enqueue(session, create_person_job, CreatePerson(uuid.uuid4(), name), now=clock.now())
    async with db.transaction() as session:
        row = await session.get_one(OutboxJob, job_id)
        row.payload = {"unknown": 1}  # decodes to nothing: PermanentJobError
    outcome = await execute(
        db, clock, job_id, max_attempts=3, metrics=Metrics(), connectors=Connectors(ConnectorSettings())
    )
    assert outcome is Outcome.FAILED
    return job_id


async def given_failed(db, clock) -> int:
    """A job recorded as failed for good (in an app whose worker would otherwise run it at once)."""
    async with db.transaction() as session:
        job_id = await enqueue(
            session, create_person_job, CreatePerson(uuid.uuid4(), "x"), now=clock.now(), delay=dt.timedelta(days=9)
        )
        row = await session.get_one(OutboxJob, job_id)
        row.state, row.attempts, row.last_error = JobState.FAILED.value, 10, "PermanentJobError: refused"
        row.finished_at = clock.now()
    return job_id


async def row(db, job_id) -> OutboxJob:
    async with db.sessions() as session:
        return await session.get_one(OutboxJob, job_id)


async def test_a_failed_job_is_never_run_or_sent_again_by_itself(db, clock):
    job_id = await failed_job(db, clock)
    # A late delivery of its message is skipped, and the relay leaves it alone
    outcome = await execute(
        db, clock, job_id, max_attempts=3, metrics=Metrics(), connectors=Connectors(ConnectorSettings())
    )
    assert outcome is Outcome.SKIPPED
    report = await relay_once(db, StubBroker(), clock, OutboxSettings())
    assert report.total == 0
    found = await row(db, job_id)
    assert (found.state, found.attempts) == (JobState.FAILED.value, 1)
    assert PermanentJobError.__name__ in (found.last_error or "")


async def test_retry_puts_a_failed_job_back_to_pending_audited(db, clock):
    first, second = await failed_job(db, clock, "a"), await failed_job(db, clock, "b")
    async with db.sessions() as session:
        page = await failed_jobs(session, actor=None, first=1)
    assert [j.id for j in page.jobs] == [second] and page.has_next and page.total == 2
    async with db.transaction() as session:
        retried = await retry_job(session, first, now=clock.now(), actor=None)
    assert (retried.state, retried.attempts, retried.sends, retried.sent_at) == (JobState.PENDING.value, 0, 0, None)
    async with db.sessions() as session:
        (entry,) = (await session.scalars(select(AuditEntry).where(AuditEntry.operation == "jobs.retry"))).all()
        assert entry.details["job"] == first
    # The relay sends it on its next pass
    broker = StubBroker()
    broker.declare_queue("default")
    assert (await relay_once(db, broker, clock, OutboxSettings())).sent == 1
    # A job that is not failed is not retried
    with pytest.raises(NotFailed):
        async with db.transaction() as session:
            await retry_job(session, first, now=clock.now(), actor=None)


async def clients_tokens(db, settings, clock, *, with_registry: bool) -> dict[str, str]:
    """Tokens of a national operator and supervisor, a province's operator and, if asked, a commune's registry."""
    signer = TokenSigner(settings.token_secret)
    clients = [
        ("operator", ClientKind.OPERATOR, "national"),
        ("supervisor", ClientKind.SUPERVISOR, "national"),
        ("operator-48", ClientKind.OPERATOR, "province:48"),
    ]
    if with_registry:
        clients.append(("registry", ClientKind.CIVIL_REGISTRY, "commune:20242"))
    tokens = {}
    for name, kind, where in clients:
        _, tokens[name] = await make_client(db, signer, clock, name, kind, where)
    return tokens


async def test_failed_jobs_query_for_national_operators_and_supervisors(hub, settings, clock):
    client, state = hub
    db = state.services.db
    tokens = await clients_tokens(db, settings, clock, with_registry=True)
    first, second = await given_failed(db, clock), await given_failed(db, clock)
    page = (await graphql_data(client, FAILED, token=tokens["operator"]))["failedJobs"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"]
    assert [e["node"]["id"] for e in page["edges"]] == [second]
    assert "PermanentJobError" in page["edges"][0]["node"]["lastError"]
    after = page["pageInfo"]["endCursor"]
    page = (await graphql_data(client, FAILED, {"after": after}, token=tokens["supervisor"]))["failedJobs"]
    assert [e["node"]["id"] for e in page["edges"]] == [first] and not page["pageInfo"]["hasNextPage"]
    for name in ("operator-48", "registry"):
        assert await graphql_error_codes(client, FAILED, token=tokens[name]) == ["FORBIDDEN"]


RETRY = "mutation($id: Int!) { retryJob(id: $id) { job { id attempts } errors { code } } }"


async def test_retry_job_mutation_for_national_operators_audited(hub, settings, clock):
    client, state = hub
    db = state.services.db
    tokens = await clients_tokens(db, settings, clock, with_registry=False)
    job_id = await given_failed(db, clock)
    # Supervisors see failed jobs but do not run them; a provincial operator sees none.
    for name in ("supervisor", "operator-48"):
        assert await graphql_error_codes(client, RETRY, {"id": job_id}, token=tokens[name]) == ["FORBIDDEN"]
    assert (await row(db, job_id)).state == JobState.FAILED.value
    retried = (await graphql_data(client, RETRY, {"id": job_id}, token=tokens["operator"]))["retryJob"]
    assert retried == {"job": {"id": job_id, "attempts": 0}, "errors": []}
    assert (await row(db, job_id)).state == JobState.PENDING.value
    again = (await graphql_data(client, RETRY, {"id": job_id}, token=tokens["operator"]))["retryJob"]
    assert again == {"job": None, "errors": [{"code": "NOT_FAILED"}]}
    async with db.sessions() as session:
        operations = (await session.scalars(select(AuditEntry.operation))).all()
    assert operations.count("jobs.retry") == 1
