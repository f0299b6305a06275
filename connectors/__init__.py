"""Clients of external government systems, each with a simulator (a small real HTTP service).

ConnectorError
├── TransientError   worth retrying: timeouts, 5xx, connection refused (actors raise dramatiq.Retry)
└── PermanentError   will fail again: 4xx, a malformed or refused answer (actors list it in `throws=`)
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every error raised by a connector."""


class TransientError(ConnectorError):
    """The external system could not answer now; the same call may succeed later."""


class PermanentError(ConnectorError):
    """The external system refused the call or answered something unusable; retrying will not help."""
