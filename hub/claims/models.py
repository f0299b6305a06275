"""Claim tables: claims with their computation and history, payment orders."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.infra.db import Base, BigIntKey, UTCDateTime
from hub.infra.ids import new_id


class ClaimKind(enum.StrEnum):
    SICKNESS = "sickness"  # ốm đau: the employee's own sickness
    CHILD_CARE = "child_care"  # chăm con ốm: caring for a sick child under 7
    MATERNITY = "maternity"  # thai sản: the mother giving birth
    PATERNITY = "paternity"  # thai sản: the father's leave when his wife gives birth
    CONVALESCENCE = "convalescence"  # dưỡng sức phục hồi sức khỏe
    PREGNANCY_LOSS = "pregnancy_loss"  # thai sản: sẩy thai, nạo, hút thai, thai chết lưu, phá thai bệnh lý
    PRENATAL_VISIT = "prenatal_visit"  # thai sản: khám thai (Art 51), filed by the employer
    LUMP_SUM = "lump_sum"  # thai sản: the father's lump sum when the mother is not eligible (Art 58)
    # thai sản: the rest of the mother's leave, to the father or caregiver after her death or a council's finding
    # (Art 53); the value fits the kind column (16 characters)
    REMAINING_MATERNITY = "remaining_leave"


class ClaimState(enum.StrEnum):
    EVIDENCE_PENDING = "evidence_pending"
    COMPUTED = "computed"  # eligible with amounts, or ineligible with reasons: waits for a processor
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"  # returned for more evidence
    PAID = "paid"


class ClaimOrigin(enum.StrEnum):
    DOCUMENT = "document"  # opened by itself when the evidence arrived
    MANUAL = "manual"  # filed by the employer or the employee


class FiledBy(enum.StrEnum):
    """Who filed a claim by hand: the deadline BHXH has depends on it (Luật BHXH 41/2024 Art 63: 5 working days for
    a maternity file the employee brings herself, hub.claims.deadlines)."""

    EMPLOYER = "employer"
    EMPLOYEE = "employee"  # the insured person, directly (a citizen client)
    BHXH = "bhxh"  # keyed in by a processor


class PaymentKind(enum.StrEnum):
    PAYMENT = "payment"
    TOP_UP = "top_up"  # the approved amount rose after a recalculation
    RECOVERY = "recovery"  # it fell: to be recovered


WAITING_STATES = text("state IN ('evidence_pending', 'computed')")  # waiting on BHXH: the deadline runs


class Claim(Base):
    """One benefit claim: who, which benefit, for which event, where it stands, and what was computed."""

    __tablename__ = "claims"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"))
    employer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("employers.id"))
    province_code: Mapped[str] = mapped_column(String(2))  # the BHXH province that settles it
    # The event, as a key that an automatic and a manual claim for the same thing share (merging, never twice).
    event_key: Mapped[str] = mapped_column(String(160))
    event_date: Mapped[dt.date] = mapped_column(Date)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)  # the event's inputs (leave dates, birth …)
    origin: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(24))
    eligible: Mapped[bool | None] = mapped_column(Boolean)
    amount_vnd: Mapped[int | None] = mapped_column(BigInteger)
    computation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Its explanation lines, most of a computation's size: stored apart and loaded only when asked for, so that the
    # work queue reads a page of claims without them.
    explanation: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, deferred=True)
    computed_version: Mapped[int] = mapped_column(Integer)
    approved_amount_vnd: Mapped[int | None] = mapped_column(BigInteger)
    filed_on: Mapped[dt.date | None] = mapped_column(Date)
    filed_by: Mapped[str | None] = mapped_column(String(16))  # FiledBy of the first filing by hand; None: a document
    # BHXH settles within 7 working days of a complete file, 5 for maternity filed by the employee (deadlines.py)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    decision_reason: Mapped[str | None] = mapped_column(String(1000))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    needs_confirmation: Mapped[bool] = mapped_column(Boolean)  # a recalculation changed an approved amount
    # A document the claim rested on was revoked (or its civil-status record cancelled): the claim is not computed
    # again until a document brings new evidence, whatever computations were already queued.
    withdrawn_evidence: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # The insured person's name folded for search (hub.claims.search.name_key: no diacritics, đ → d, lower case).
    name_key: Mapped[str | None] = mapped_column(String(200))
    # The processor working the claim (their client name), taken and released with a compare-and-set
    # (hub.claims.assignment); a decision by anyone else is refused.
    assigned_to: Mapped[str | None] = mapped_column(String(200))
    assigned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("person_id", "kind", "event_key"),
        # The processors' queue: by province and state, oldest first; national queues by state; overdue by date.
        Index("ix_claims_province_code_state_created_at", "province_code", "state", "created_at"),
        Index("ix_claims_state_created_at", "state", "created_at"),
        Index("ix_claims_state_due_on", "state", "due_on"),
        Index("ix_claims_province_code_state_due_on", "province_code", "state", "due_on"),
        # Claims still waiting on BHXH, oldest first: the overdue queue takes the first past their date from here.
        Index(
            "ix_claims_waiting_province_code_created_at",
            "province_code",
            "created_at",
            "id",
            postgresql_where=WAITING_STATES,
            sqlite_where=WAITING_STATES,
        ),
        Index(
            "ix_claims_waiting_created_at",
            "created_at",
            "id",
            postgresql_where=WAITING_STATES,
            sqlite_where=WAITING_STATES,
        ),
        Index("ix_claims_employer_id", "employer_id"),
        # The work queue by due date (a claim without one, waiting on evidence, last): the waiting work of a province
        # or of the country; by province and state, ix_claims_province_code_state_due_on.
        Index(
            "ix_claims_waiting_province_code_due_on",
            "province_code",
            "due_on",
            "id",
            postgresql_where=WAITING_STATES,
            sqlite_where=WAITING_STATES,
        ),
        Index("ix_claims_waiting_due_on", "due_on", "id", postgresql_where=WAITING_STATES, sqlite_where=WAITING_STATES),
        # Searching by the start of a name (LIKE 'nguyen thi%'; text_pattern_ops whatever the collation): the waiting
        # work of a province or of the country, read from the index alone for the total; any state.
        Index(
            "ix_claims_waiting_province_code_name_key",
            "province_code",
            "name_key",
            postgresql_ops={"name_key": "text_pattern_ops"},
            postgresql_where=WAITING_STATES,
            sqlite_where=WAITING_STATES,
        ),
        Index(
            "ix_claims_waiting_name_key",
            "name_key",
            postgresql_ops={"name_key": "text_pattern_ops"},
            postgresql_where=WAITING_STATES,
            sqlite_where=WAITING_STATES,
        ),
        Index("ix_claims_name_key", "name_key", postgresql_ops={"name_key": "text_pattern_ops"}),
        Index("ix_claims_assigned_to", "assigned_to"),
    )


class ClaimEvent(Base):
    """The history of a claim: each state change or recalculation, by whom, why."""

    __tablename__ = "claim_events"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("claims.id"), index=True)
    state: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class PaymentOrder(Base):
    """An order to pay (or to recover) an amount of a claim; a difference after recalculation awaits confirmation."""

    __tablename__ = "payment_orders"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("claims.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
