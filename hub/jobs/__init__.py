"""Background jobs: a `JobKind` is declared beside the code that enqueues it, its handler in the domain's `jobs`
module (`@job`, or `@calling_job` for a job that calls another system); jobs are written to the outbox with the
change that causes them, and run by Dramatiq."""

from hub.jobs.outbox import enqueue
from hub.jobs.registry import (
    CallContext,
    JobContext,
    JobKind,
    JobSpec,
    PermanentJobError,
    Resources,
    calling_job,
    job,
)

__all__ = [
    "CallContext",
    "JobContext",
    "JobKind",
    "JobSpec",
    "PermanentJobError",
    "Resources",
    "calling_job",
    "enqueue",
    "job",
]
