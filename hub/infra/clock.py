"""Injectable time: stored timestamps are UTC; legal dates are read in Asia/Ho_Chi_Minh."""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that stands still until told to move; for tests and reproducible demos."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = start.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, delta: dt.timedelta) -> None:
        self._now += delta


def vietnam_date(moment: dt.datetime) -> dt.date:
    """The calendar date in Vietnam at `moment`, the calendar the law counts in."""
    return moment.astimezone(VIETNAM).date()


def legal_date(clock: Clock) -> dt.date:
    """Today's date in Vietnam."""
    return vietnam_date(clock.now())
