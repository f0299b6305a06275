"""Refused attempts on identified records, kept for the audit log.

A refusal is decided deep in a domain's service, inside a transaction that then rolls back: whatever it would have
written is gone. So the service notes the refused record here (`Principal.require` does, given the record), and the
API edge records every noted refusal, and every `Forbidden`, in a transaction of its own once the refused one is over
(see `schema.context`).
Some refusals answer "unknown" on purpose, so that a caller learns nothing of a record outside its reach; they are
noted all the same."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RefusedRecord:
    """The record a caller was refused: its kind (`childcard.case`, `certificate`, `claim` …), its key as the caller
    named it, and the person it is about when known (so that the person's own access log shows the attempt)."""

    kind: str
    key: str
    person_id: uuid.UUID | None = None


_noted: ContextVar[list[RefusedRecord] | None] = ContextVar("refused_records", default=None)


def note_refusal(refused: RefusedRecord) -> None:
    """Remember a refusal for the request being served; outside one (a job, the CLI) there is nobody to tell."""
    noted = _noted.get()
    if noted is not None and refused not in noted:
        noted.append(refused)


@contextmanager
def collecting_refusals() -> Iterator[list[RefusedRecord]]:
    """Collect the refusals noted while the block runs (a transaction retried from the start notes each once)."""
    noted: list[RefusedRecord] = []
    token = _noted.set(noted)
    try:
        yield noted
    finally:
        _noted.reset(token)
