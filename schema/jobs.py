"""GraphQL for background jobs: those that failed for good, for national operators and supervisors."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from hub.clients.permissions import ClientKind, Principal
from hub.infra.errors import Forbidden, InvalidRequest
from hub.jobs.failed import NotFailed, failed_jobs, retry_job
from hub.jobs.models import OutboxJob
from schema.context import Info, read, write
from schema.pagination import PageInfo, decode_cursor, encode_cursor, page_info

CURSOR_KIND = "failed-job"


@strawberry.type
class FailedJob:
    id: int
    kind: str
    queue: str
    attempts: int
    sends: int = strawberry.field(description="How many times the relay sent it to the workers.")
    created_at: dt.datetime
    finished_at: dt.datetime | None = strawberry.field(description="When it was given up on.")
    last_error: str | None

    @classmethod
    def from_model(cls, job: OutboxJob) -> FailedJob:
        return cls(
            id=job.id,
            kind=job.kind,
            queue=job.queue,
            attempts=job.attempts,
            sends=job.sends,
            created_at=job.created_at,
            finished_at=job.finished_at,
            last_error=job.last_error,
        )


@strawberry.type
class FailedJobEdge:
    cursor: str
    node: FailedJob


@strawberry.type
class FailedJobConnection:
    total_count: int
    edges: list[FailedJobEdge]
    page_info: PageInfo


@strawberry.type
class JobsQuery:
    @strawberry.field(
        description="Jobs that failed for good, newest first, with their last error (national operators and "
        "supervisors; `hub jobs retry ID` runs one again)."
    )
    async def failed_jobs(self, info: Info, first: int = 50, after: str | None = None) -> FailedJobConnection:
        (after_id,) = decode_cursor(CURSOR_KIND, after, 1) if after else (None,)
        if after_id is not None and not after_id.isdigit():
            raise InvalidRequest("Malformed cursor.")
        actor = info.context.principal
        page = await read(
            info, lambda s: failed_jobs(s, actor=actor, first=first, after_id=int(after_id) if after_id else None)
        )
        edges = [
            FailedJobEdge(cursor=encode_cursor(CURSOR_KIND, str(j.id)), node=FailedJob.from_model(j)) for j in page.jobs
        ]
        return FailedJobConnection(
            total_count=page.total, edges=edges, page_info=page_info([e.cursor for e in edges], page.has_next)
        )


@strawberry.enum
class JobErrorCode(enum.StrEnum):
    NOT_FAILED = "NOT_FAILED"  # no failed job has this id (retried already, or never failed)


@strawberry.type
class JobError:
    code: JobErrorCode
    message: str
    message_vi: str


@strawberry.type
class RetryJobPayload:
    job: FailedJob | None = strawberry.field(default=None, description="The job, pending again.")
    errors: list[JobError] = strawberry.field(default_factory=list)


@strawberry.type
class JobsMutation:
    @strawberry.mutation(
        description="Run a failed job again, as `hub jobs retry ID` does: back to pending, its attempts counted from "
        "zero, sent on the relay's next pass (national operators; audited)."
    )
    async def retry_job(self, info: Info, id: int) -> RetryJobPayload:

        async def work(session: AsyncSession, now: dt.datetime, actor: Principal) -> OutboxJob:
            if actor.kind is not ClientKind.OPERATOR:  # supervisors see failed jobs, operators run them
                raise Forbidden()
            return await retry_job(session, id, now=now, actor=actor)

        try:
            job = await write(info, work)
        except NotFailed:
            return RetryJobPayload(
                errors=[
                    JobError(
                        code=JobErrorCode.NOT_FAILED,
                        message=f"Job {id} is not a failed job.",
                        message_vi=f"Tác vụ {id} không ở trạng thái lỗi.",
                    )
                ]
            )
        return RetryJobPayload(job=FailedJob.from_model(job))
