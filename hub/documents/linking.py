"""Who a document is about: the person named by ID number, BHXH code or card number, found with one query per key
kind for a whole submission; documents naming nobody known wait, unmatched, until that person arrives."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CompoundSelect, Select, false, null, or_, select, true, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.documents.models import Document, LinkState
from hub.documents.uses import announce
from hub.infra.db import one_of_named
from hub.jobs import JobKind, enqueue
from hub.persons.models import Person, PersonIdentityNumber

log = logging.getLogger(__name__)
RELINK_EVERY = dt.timedelta(minutes=15)
RELINK_CHUNK = 1000

CARD_LENGTH = 15
BHXH_CODE_LENGTH = 10


@dataclass(frozen=True)
class Subject:
    """The identifiers a document gives for the person it is about, as written (None when absent or malformed)."""

    personal_id: str | None = None
    bhxh_code: str | None = None
    card_number: str | None = None

    @classmethod
    def of(cls, personal_id: str | None, bhxh_code: str | None, card_number: str | None) -> Subject:
        """From 1/8/2025 BHXH uses the 12-digit ID number in place of the BHXH code: a document may carry either in
        either field, so each is read by its length."""
        if not _digits(personal_id, 12) and _digits(bhxh_code, 12):
            personal_id, bhxh_code = bhxh_code, None
        elif not _digits(bhxh_code, BHXH_CODE_LENGTH) and _digits(personal_id, BHXH_CODE_LENGTH):
            personal_id, bhxh_code = None, personal_id
        return cls(_digits(personal_id, 12), _digits(bhxh_code, BHXH_CODE_LENGTH), _card(card_number))

    @property
    def code(self) -> str | None:
        """The BHXH code: given outright, or the last ten characters of the card number (domain-rules §2)."""
        if self.bhxh_code:
            return self.bhxh_code
        tail = self.card_number[-BHXH_CODE_LENGTH:] if self.card_number else None
        return tail if tail and tail.isdigit() else None

    @property
    def empty(self) -> bool:
        return not (self.personal_id or self.bhxh_code or self.card_number)


def _digits(value: str | None, length: int) -> str | None:
    value = (value or "").strip()
    return value if len(value) == length and value.isdigit() else None


def _card(value: str | None) -> str | None:
    """The first well-formed card number of `value`: MA_THE_BHYT lists a new card after a ';' (a card renewed during
    the episode), and every card of one episode is the same person's."""
    for part in (value or "").split(";"):
        card = part.strip().upper()
        if len(card) == CARD_LENGTH and card.isalnum():
            return card
    return None


class PersonIndex:
    """The people a batch of subjects names, loaded with at most two queries."""

    def __init__(self, by_id_number: dict[str, uuid.UUID], by_code: dict[str, uuid.UUID]) -> None:
        self._by_id_number = by_id_number
        self._by_code = by_code

    @classmethod
    async def load(cls, session: AsyncSession, subjects: Iterable[Subject]) -> PersonIndex:
        """One query for the people named by ID number or by BHXH code, and for those who held a cancelled ID
        number: a number cancelled and re-established (NĐ 70/2024 Art 11) still names its person."""
        wanted = PeopleWanted.of(subjects)
        if not wanted:
            return cls({}, {})
        connection = await session.connection()
        return cls.of_rows(wanted, await connection.execute(_people_named(connection.dialect.name), wanted.values))

    @classmethod
    def of_rows(cls, wanted: PeopleWanted, rows: Iterable[Sequence[Any]]) -> PersonIndex:
        """The index of the rows `people_named` gives for `wanted`: (person id, ID number, BHXH code, cancelled)."""
        by_id_number: dict[str, uuid.UUID] = {}
        by_code: dict[str, uuid.UUID] = {}
        former: dict[str, uuid.UUID] = {}
        for person_id, number, code, cancelled in rows:
            if cancelled and number:
                former[number] = person_id
                continue
            if number in wanted.numbers:
                by_id_number[number] = person_id
            if code in wanted.codes:
                by_code[code] = person_id
        # A number someone holds now names them, whoever held it before.
        by_id_number.update((n, p) for n, p in former.items() if n not in by_id_number)
        return cls(by_id_number, by_code)

    def person_of(self, subject: Subject) -> uuid.UUID | None:
        """The ID number decides first (it identifies a citizen for life); then the BHXH code."""
        if subject.personal_id and subject.personal_id in self._by_id_number:
            return self._by_id_number[subject.personal_id]
        code = subject.code
        return self._by_code.get(code) if code else None


@dataclass(frozen=True)
class PeopleWanted:
    """The ID numbers and BHXH codes a batch of subjects gives, which `people_named` looks up."""

    numbers: frozenset[str]
    codes: frozenset[str]

    @classmethod
    def of(cls, subjects: Iterable[Subject]) -> PeopleWanted:
        subjects = list(subjects)
        numbers = frozenset(s.personal_id for s in subjects if s.personal_id)
        return cls(numbers, frozenset(code for s in subjects if (code := s.code)))

    def __bool__(self) -> bool:
        return bool(self.numbers or self.codes)

    @property
    def values(self) -> dict[str, list[str]]:
        """The values of the parameters of `people_named`."""
        return {"numbers": [*self.numbers], "codes": [*self.codes]}


# Asked of every submission: built once per dialect (SQLAlchemy keys every new statement object).
@functools.cache
def _people_named(dialect: str) -> CompoundSelect[uuid.UUID, str | None, str | None, bool]:
    return union_all(*people_named(dialect))


def people_named(dialect: str) -> tuple[Select[uuid.UUID, str | None, str | None, bool], ...]:
    """The people whose ID number is one of :numbers or whose BHXH code is one of :codes (`cancelled` false), and
    those who held one of :numbers before it was cancelled (`cancelled` true): two SELECTs, of a UNION ALL (with a
    query of the caller's too, which then pads these with columns of its own)."""
    named = or_(
        one_of_named(dialect, Person.personal_id_number, "numbers"), one_of_named(dialect, Person.bhxh_code, "codes")
    )
    current = select(Person.id, Person.personal_id_number, Person.bhxh_code, false().label("cancelled")).where(named)
    cancelled = select(PersonIdentityNumber.person_id, PersonIdentityNumber.number, null(), true()).where(
        one_of_named(dialect, PersonIdentityNumber.number, "numbers"), PersonIdentityNumber.cancelled_on.is_not(None)
    )
    return current, cancelled


async def link_waiting(session: AsyncSession, person_ids: Collection[uuid.UUID], *, now: dt.datetime) -> int:
    """Link the unmatched documents that name any of these people (new, or just given an ID number or a code).

    Returns how many documents were linked. Two queries for the people and the documents, one update per person."""
    if not person_ids:
        return 0
    people = (
        await session.execute(
            select(Person.id, Person.personal_id_number, Person.bhxh_code).where(Person.id.in_(person_ids))
        )
    ).all()
    by_number = {number: person_id for person_id, number, _ in people if number}
    former = await session.execute(
        select(PersonIdentityNumber.number, PersonIdentityNumber.person_id).where(
            PersonIdentityNumber.person_id.in_(person_ids), PersonIdentityNumber.cancelled_on.is_not(None)
        )
    )
    by_number.update({number: person_id for number, person_id in former})
    by_code = {code: person_id for person_id, _, code in people if code}
    conditions = []
    if by_number:
        conditions.append(Document.subject_personal_id.in_(by_number))
    if by_code:
        conditions.append(Document.subject_bhxh_code.in_(by_code))  # stored as Subject.code: card numbers too
    if not conditions:
        return 0
    waiting = (
        await session.execute(
            select(
                Document.id, Document.subject_personal_id, Document.subject_bhxh_code, Document.subject_card_number
            ).where(Document.link_state == LinkState.UNMATCHED.value, or_(*conditions))
        )
    ).all()
    index = PersonIndex(by_number, by_code)
    return await _link(session, {row.id: index.person_of(Subject(*row[1:])) for row in waiting}, now=now)


async def link_unmatched(
    session: AsyncSession, *, now: dt.datetime, after: uuid.UUID | None = None, limit: int = RELINK_CHUNK
) -> tuple[int, uuid.UUID | None]:
    """Try the next `limit` unmatched documents (by id, after `after`) against the people known now.

    Returns how many were linked and the last id looked at (None when the queue has been read to its end)."""
    query = select(
        Document.id, Document.subject_personal_id, Document.subject_bhxh_code, Document.subject_card_number
    ).where(Document.link_state == LinkState.UNMATCHED.value)
    if after is not None:
        query = query.where(Document.id > after)
    rows = (await session.execute(query.order_by(Document.id).limit(limit))).all()
    if not rows:
        return 0, None
    subjects = {
        row.id: Subject(row.subject_personal_id, row.subject_bhxh_code, row.subject_card_number) for row in rows
    }
    people = await PersonIndex.load(session, subjects.values())
    linked = await _link(
        session, {document_id: people.person_of(subject) for document_id, subject in subjects.items()}, now=now
    )
    return linked, rows[-1].id if len(rows) == limit else None


async def _link(session: AsyncSession, found: dict[uuid.UUID, uuid.UUID | None], *, now: dt.datetime) -> int:
    by_person: dict[uuid.UUID, list[uuid.UUID]] = {}
    for document_id, person_id in found.items():
        if person_id is not None:
            by_person.setdefault(person_id, []).append(document_id)
    for person_id, document_ids in by_person.items():
        await session.execute(
            update(Document)
            .where(Document.id.in_(document_ids))
            .values(person_id=person_id, link_state=LinkState.LINKED.value)
        )
    linked = [document_id for ids in by_person.values() for document_id in ids]
    if linked:
        await announce(session, linked, now=now)
    return len(linked)


@dataclass(frozen=True)
class LinkUnmatched:
    after: uuid.UUID | None = None


LINK_UNMATCHED = JobKind("documents.link_unmatched", LinkUnmatched, queue="documents")


async def link_unmatched_chunk(session: AsyncSession, request: LinkUnmatched, now: dt.datetime) -> None:
    """Work through the unmatched queue a chunk per job; while documents still wait, look again later."""
    linked, last = await link_unmatched(session, now=now, after=request.after)
    if linked:
        log.info("linked %d waiting documents to people who arrived since", linked)
    if last is not None:
        await enqueue(session, LINK_UNMATCHED, LinkUnmatched(last), now=now)
    elif await session.scalar(select(Document.id).where(Document.link_state == LinkState.UNMATCHED.value).limit(1)):
        await schedule_relink(session, now=now)


async def schedule_relink(session: AsyncSession, *, now: dt.datetime) -> None:
    """Make sure one pass over the unmatched queue is due within RELINK_EVERY (one per window, however many ask)."""
    window = int(now.timestamp() // RELINK_EVERY.total_seconds())
    await enqueue(
        session,
        LINK_UNMATCHED,
        LinkUnmatched(),
        now=now,
        dedup_key=f"documents.link_unmatched:{window}",
        delay=RELINK_EVERY,
    )
