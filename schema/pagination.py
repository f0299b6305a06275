"""Cursor pagination shared by every list: opaque cursors and the page information type."""

from __future__ import annotations

import base64
import datetime as dt
import uuid

import strawberry

from hub.infra.errors import InvalidRequest


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def encode_cursor(kind: str, *parts: str) -> str:
    """An opaque cursor for the row after which the next page starts."""
    return base64.urlsafe_b64encode("|".join((kind, *parts)).encode()).decode()


def decode_cursor(kind: str, cursor: str, parts: int) -> list[str]:
    """The parts of a cursor made by `encode_cursor(kind, ...)`; InvalidRequest for anything else."""
    try:
        found = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
    except (ValueError, UnicodeDecodeError):
        raise InvalidRequest("Malformed cursor.") from None
    if len(found) != parts + 1 or found[0] != kind:
        raise InvalidRequest("Malformed cursor.")
    return found[1:]


def page_info(cursors: list[str], has_next: bool) -> PageInfo:
    return PageInfo(has_next_page=has_next, end_cursor=cursors[-1] if cursors else None)


def time_cursor(kind: str, moment: dt.datetime, row_id: uuid.UUID) -> str:
    """A cursor for lists ordered by a timestamp, then an id."""
    return encode_cursor(kind, moment.isoformat(), str(row_id))


def decode_time_cursor(kind: str, cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    """The (timestamp, id) of a `time_cursor`; InvalidRequest for anything else."""
    moment, row_id = decode_cursor(kind, cursor, 2)
    try:
        return dt.datetime.fromisoformat(moment), uuid.UUID(row_id)
    except ValueError:
        raise InvalidRequest("Malformed cursor.") from None
