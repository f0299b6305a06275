"""Clients of external government systems, each with a simulator (a small real HTTP service).

ConnectorError
├── TransientError   worth retrying: timeouts, 5xx, 429, connection refused (actors raise dramatiq.Retry)
└── PermanentError   will fail again: 4xx, a malformed or refused answer (actors list it in `throws=`)

Each carries `reason` (short, safe to log: no personal data) and `status`, the HTTP status when there was an answer.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every error raised by a connector."""

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason if status is None else f"{reason} (HTTP {status})")
        self.reason = reason
        self.status = status


class TransientError(ConnectorError):
    """The external system could not answer now; the same call may succeed later."""

    def __init__(self, reason: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(reason, status=status)
        # Seconds the system asked us to wait (its Retry-After header), when it said.
        self.retry_after = retry_after


class PermanentError(ConnectorError):
    """The external system refused the call or answered something unusable; retrying will not help."""
