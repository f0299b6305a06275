"""Background jobs: declared with `@job`, written to the outbox with the change that causes them, run by Dramatiq."""

from hub.jobs.outbox import enqueue
from hub.jobs.registry import JobContext, JobSpec, PermanentJobError, job

__all__ = ["JobContext", "JobSpec", "PermanentJobError", "enqueue", "job"]
