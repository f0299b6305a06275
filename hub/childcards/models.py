"""Child-card tables: registrations as received, the case each becomes, its cards, its history, review items."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.clients.permissions import Location
from hub.infra.db import Base, BigIntKey, UTCDateTime
from hub.infra.ids import new_id
from hub.persons.models import Person

# The relationships below are never loaded (lazy="raise"): they tell the unit of work that a batch's people are
# written before the cases that refer to them, and cases before their registrations, cards and review items.


class CaseState(enum.StrEnum):
    RECEIVED = "received"
    CARD_ISSUED = "card_issued"
    REJECTED = "rejected"
    NEEDS_REVIEW = "needs_review"
    CARD_CHANGED = "card_changed"
    CARD_REVOKED = "card_revoked"


class DeliveryMethod(enum.StrEnum):
    AT_OFFICE = "at_office"  # collected at the registering office
    BY_POST = "by_post"


class ReviewState(enum.StrEnum):
    OPEN = "open"
    SAME_PERSON = "same_person"  # the officer linked the child to the existing person
    DIFFERENT_PERSON = "different_person"  # a new person was created


class Registration(Base):
    """One version of a birth registration exactly as the registry sent it (canonical JSON and its SHA-256)."""

    __tablename__ = "birth_registrations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("child_card_cases.id"))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    case: Mapped[ChildCardCase] = relationship(lazy="raise")

    __table_args__ = (UniqueConstraint("case_id", "version"),)


class ChildCardCase(Base):
    """A birth registration's way through the hub, keyed by the registry's office + book + record number."""

    __tablename__ = "child_card_cases"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    registry_office_code: Mapped[str] = mapped_column(String(5))
    book_number: Mapped[str] = mapped_column(String(50))
    record_number: Mapped[str] = mapped_column(String(50))
    # Where the office is today (a legacy office's registrations belong to the commune it became).
    province_code: Mapped[str] = mapped_column(String(2))
    commune_code: Mapped[str] = mapped_column(String(5))
    registered_on: Mapped[dt.date] = mapped_column(Date)
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("persons.id"))
    child_name: Mapped[str] = mapped_column(String(200))
    child_name_key: Mapped[str] = mapped_column(String(200))
    facility_code: Mapped[str] = mapped_column(String(5))
    child_personal_id: Mapped[str | None] = mapped_column(String(12))
    # The population database's answer about the child (match, mismatch, not_found, pending); None: not asked yet.
    population_check: Mapped[str | None] = mapped_column(String(16))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    person: Mapped[Person | None] = relationship(lazy="raise")

    __table_args__ = (
        UniqueConstraint("registry_office_code", "book_number", "record_number"),
        Index("ix_child_card_cases_state_province", "state", "province_code", "received_at"),
        Index("ix_child_card_cases_office_received", "registry_office_code", "received_at"),
        Index("ix_child_card_cases_child_personal_id", "child_personal_id"),
    )

    @property
    def location(self) -> Location:
        return Location(province_code=self.province_code, commune_code=self.commune_code)


class ChildCard(Base):
    """One version of a child's card; a reissue supersedes the previous version, which stays in the history."""

    __tablename__ = "child_cards"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("child_card_cases.id"))
    version: Mapped[int] = mapped_column(Integer)
    card_number: Mapped[str] = mapped_column(String(15), index=True)
    bhxh_code: Mapped[str] = mapped_column(String(10))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date] = mapped_column(Date)
    facility_code: Mapped[str] = mapped_column(String(5))
    guardian_role: Mapped[str] = mapped_column(String(16))
    guardian_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500))
    delivery_method: Mapped[str] = mapped_column(String(16))
    delivery_address: Mapped[str | None] = mapped_column(String(500))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(500))
    case: Mapped[ChildCardCase] = relationship(lazy="raise")

    __table_args__ = (UniqueConstraint("case_id", "version"),)


class CaseEvent(Base):
    """A state change of a case: its history, and what is pushed back to the registry office."""

    __tablename__ = "child_card_case_events"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("child_card_cases.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    # Each event is updated once, when acknowledged, no indexed column changing: with half of each page left free
    # that update stays on its page (HOT) and writes no index entries (migration 0015).
    __table_args__ = ({"postgresql_with": {"fillfactor": 50}},)


class ReviewItem(Base):
    """A probable duplicate person ("trùng nhân khẩu") for a BHXH officer to decide."""

    __tablename__ = "child_card_reviews"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("child_card_cases.id"), index=True)
    candidate_person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"))
    reason: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    case: Mapped[ChildCardCase] = relationship(lazy="raise")
    candidate: Mapped[Person] = relationship(lazy="raise")


class BhxhCodeCounter(Base):
    """The next free serial of social-insurance codes per province (2-digit province + 8 digits)."""

    __tablename__ = "bhxh_code_counters"

    province_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    next_serial: Mapped[int] = mapped_column(BigInteger)
