"""News about people that other domains may be waiting for: a birth registered (the hub now knows the child, and
who its mother is), contributions stored, an answer of another system about them. The domain that learns it tells
the listeners, in its own transaction and without importing them; a domain waiting on such evidence (claims)
registers a listener in its `jobs` module, as document listeners are (hub.documents.uses)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Awaitable, Callable, Collection

from sqlalchemy.ext.asyncio import AsyncSession


class News(enum.StrEnum):
    BIRTH_REGISTERED = "birth_registered"  # the people: the parents of children just registered
    CONTRIBUTIONS_STORED = "contributions_stored"  # the people: those whose contributions were stored
    EVIDENCE_ANSWERED = "evidence_answered"  # the people: those another system just answered about


NewsListener = Callable[[AsyncSession, News, frozenset[uuid.UUID], dt.datetime], Awaitable[None]]
_listeners: list[NewsListener] = []


def on_news(listener: NewsListener) -> NewsListener:
    """Register a listener told of news about people (it must be cheap: it runs in the teller's transaction)."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


async def tell(session: AsyncSession, news: News, people: Collection[uuid.UUID], *, now: dt.datetime) -> None:
    """Tell every listener this news about these people."""
    known = frozenset(people)
    if known:
        for listener in _listeners:
            await listener(session, news, known, now)
