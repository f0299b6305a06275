"""GraphQL types of claims: the claim with its computation and explanation, history and payment orders; the
portal's case status (no medical content)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeVar

import strawberry
from sqlalchemy import inspect, select
from sqlalchemy.orm import InstrumentedAttribute
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON
from strawberry.types.nodes import SelectedField, Selection

from hub.claims import ledger
from hub.claims.deadlines import bhxh_working_days, deadline_source, filing_deadlines
from hub.claims.errors import ClaimErrorCode
from hub.claims.models import Claim, ClaimEvent, ClaimKind, ClaimState, PaymentKind, PaymentOrder
from hub.claims.queries import WAITING, CaseOrder, CaseView
from hub.claims.service import Decision
from hub.infra.clock import vietnam_date
from hub.persons.models import Person
from schema.context import Info, Services

strawberry.enum(ClaimKind, name="ClaimKind")
strawberry.enum(ClaimState, name="ClaimState")
strawberry.enum(PaymentKind, name="PaymentKind")
strawberry.enum(Decision, name="ClaimDecision")
strawberry.enum(ClaimErrorCode, name="ClaimErrorCode")


@strawberry.type
class ClaimError:
    field: str | None
    code: ClaimErrorCode
    message: str
    message_vi: str


@strawberry.type
class ExplanationLine:
    rule: str
    source: str = strawberry.field(description="The article of law, decree or decision the step applies.")
    inputs: JSON
    arithmetic: str
    text_vi: str
    text_en: str


@strawberry.type
class ClaimReason:
    code: str
    message_vi: str
    message_en: str


@strawberry.type
class ClaimComputation:
    law: str
    event_date: dt.date
    eligible: bool
    amount_vnd: int
    paid_days: str
    leave_months: int
    reasons: list[ClaimReason]
    rounding_vi: str
    rounding_en: str
    # Read with the claim when the response asks for them (`asks_for_explanation`), never apart: another
    # computation could end in between, and its lines would not match this one's amounts.
    lines: strawberry.Private[list[dict[str, Any]] | None]

    @strawberry.field(description="Every step: rule, legal source, inputs, arithmetic (read only when asked for).")
    def explanation(self) -> list[ExplanationLine]:
        if self.lines is None:
            raise RuntimeError("the explanation lines were not read with the claim: see asks_for_explanation")
        return [
            ExplanationLine(
                rule=line["rule"],
                source=line["source"],
                inputs=JSON(line["inputs"]),
                arithmetic=line["arithmetic"],
                text_vi=line["text_vi"],
                text_en=line["text_en"],
            )
            for line in self.lines
        ]

    @classmethod
    def of(cls, data: dict[str, object], lines: list[dict[str, Any]] | None) -> ClaimComputation:
        reasons = data["reasons"]
        assert isinstance(reasons, list)
        return cls(
            law=str(data["law"]),
            event_date=dt.date.fromisoformat(str(data["event_date"])),
            eligible=bool(data["eligible"]),
            amount_vnd=int(str(data["amount_vnd"])),
            paid_days=str(data["paid_days"]),
            leave_months=int(str(data["leave_months"])),
            reasons=[ClaimReason(**reason) for reason in reasons],
            rounding_vi=str(data["rounding_vi"]),
            rounding_en=str(data["rounding_en"]),
            lines=lines,
        )


@strawberry.type
class ClaimEventType:
    state: ClaimState
    occurred_at: dt.datetime
    actor: str | None
    details: JSON

    @classmethod
    def of(cls, event: ClaimEvent) -> ClaimEventType:
        return cls(
            state=ClaimState(event.state), occurred_at=event.occurred_at, actor=event.actor, details=JSON(event.details)
        )


@strawberry.type(name="PaymentOrder")
class PaymentOrderType:
    kind: PaymentKind
    amount_vnd: int
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    confirmed_by: str | None

    @classmethod
    def of(cls, order: PaymentOrder) -> PaymentOrderType:
        return cls(
            kind=PaymentKind(order.kind),
            amount_vnd=order.amount_vnd,
            created_at=order.created_at,
            confirmed_at=order.confirmed_at,
            confirmed_by=order.confirmed_by,
        )


T = TypeVar("T")
V = TypeVar("V")


async def _column_by_id(
    services: Services, key: InstrumentedAttribute[uuid.UUID], column: InstrumentedAttribute[V], ids: list[uuid.UUID]
) -> dict[uuid.UUID, V]:
    """One column of the rows with these ids, in one query (a DataLoader's batch)."""
    async with services.db.sessions() as session:
        rows = await session.execute(select(key, column).where(key.in_(ids)))
        return {row_id: value for row_id, value in rows}


class PersonNames(DataLoader[uuid.UUID, str]):
    """Full names of people, one query per batch of claims (a work queue page)."""

    def __init__(self, services: Services) -> None:
        async def load(ids: list[uuid.UUID]) -> list[str]:
            names = await _column_by_id(services, Person.id, Person.full_name, ids)
            return [names.get(person_id, "") for person_id in ids]

        super().__init__(load_fn=load)


def asks_for_explanation(info: Info) -> bool:
    """Whether the response shows a claim's computation with its explanation lines (in fragments too)."""

    def asked(selections: Sequence[Selection], within_computation: bool) -> bool:
        for selection in selections:
            name = selection.name if isinstance(selection, SelectedField) else None
            if within_computation and name == "explanation":
                return True
            if asked(selection.selections, within_computation or name == "computation"):
                return True
        return False

    return asked(info.selected_fields, False)


@strawberry.type
class ClaimFiling:
    returned_to_work: dt.date = strawberry.field(description="The first working day after the leave.")
    employee_by: dt.date = strawberry.field(description="The employee hands the file to the employer by then.")
    employer_by: dt.date = strawberry.field(description="The employer's file reaches BHXH by then.")
    late: bool = strawberry.field(description="Filed with BHXH after that: the employer must explain why.")
    bhxh_working_days: int = strawberry.field(
        description="BHXH's working days from the complete file: 7, or 5 for maternity the employee filed herself."
    )
    legal_basis: list[str] = strawberry.field(
        description="The articles of the employee's, the employer's and BHXH's deadlines (Luật BHXH 41/2024)."
    )


class _OfClaim(Protocol):
    async def ledger_orders(self, info: Info) -> Sequence[PaymentOrder | CaseOrder]: ...


# The payments ledger of a claim, the same fields on Claim and CaseStatus: each resolver's docstring is its
# field's description.


def _ledger_field(resolver: Callable[..., Awaitable[T]]) -> T:
    field: T = strawberry.field(resolver=resolver, description=resolver.__doc__)
    return field


async def _balance(root: _OfClaim, info: Info) -> ledger.Balance:
    return ledger.Balance.of(await root.ledger_orders(info))


async def _paid_vnd(root: _OfClaim, info: Info) -> int:
    """Paid so far: the payment and top-ups."""
    return (await _balance(root, info)).paid


async def _recovered_vnd(root: _OfClaim, info: Info) -> int:
    """Recovered so far."""
    return (await _balance(root, info)).recovered


async def _to_pay_vnd(root: _OfClaim, info: Info) -> int:
    """Ordered and not yet paid: the payment of an approved claim, or a top-up."""
    return (await _balance(root, info)).to_pay


async def _to_recover_vnd(root: _OfClaim, info: Info) -> int:
    """Ordered to be recovered and not yet recovered."""
    return (await _balance(root, info)).to_recover


async def _adjustments(root: _OfClaim, info: Info) -> list[CaseAdjustment]:
    """The top-ups and recoveries, oldest first, paid or pending."""
    return [
        CaseAdjustment(
            kind=PaymentKind(order.kind),
            amount_vnd=order.amount_vnd,
            ordered_at=order.created_at,
            settled_at=order.confirmed_at,
        )
        for order in await root.ledger_orders(info)
        if order.kind in ledger.ADJUSTMENTS
    ]


@strawberry.type(name="Claim")
class ClaimType:
    reference: str
    kind: ClaimKind
    state: ClaimState
    person_id: strawberry.ID
    province_code: str
    event_date: dt.date
    details: JSON = strawberry.field(description="What the claim is about: leave dates, the birth …")
    origin: str
    eligible: bool | None
    amount_vnd: int | None
    approved_amount_vnd: int | None
    needs_confirmation: bool
    filed_on: dt.date | None
    filed_by: str | None = strawberry.field(
        description="Who filed it by hand: employer, employee (directly) or bhxh; null when a document opened it."
    )
    due_on: dt.date | None
    decision_reason: str | None
    decided_by: str | None
    decided_at: dt.datetime | None
    assigned_to: str | None = strawberry.field(description="The processor working the claim (takeClaim).")
    assigned_at: dt.datetime | None
    created_at: dt.datetime
    overdue: bool
    stored_computation: strawberry.Private[dict[str, object] | None]
    stored_explanation: strawberry.Private[list[dict[str, Any]] | None]  # None: not read (asks_for_explanation)
    claim_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The amount, eligibility and every explanation line (read only when asked for).")
    def computation(self) -> ClaimComputation | None:
        if not self.stored_computation:
            return None
        return ClaimComputation.of(self.stored_computation, self.stored_explanation)

    @strawberry.field(
        description="The deadlines before BHXH's: the employee's 45 days from returning to work, then the "
        "employer's 7 working days; null while the leave's end is not known."
    )
    def filing(self) -> ClaimFiling | None:
        details = self.details if isinstance(self.details, dict) else {}
        deadlines = filing_deadlines(self.kind, details, self.stored_computation)
        if deadlines is None:
            return None
        return ClaimFiling(
            returned_to_work=deadlines.returned_to_work,
            employee_by=deadlines.employee_by,
            employer_by=deadlines.employer_by,
            late=deadlines.late(self.filed_on),
            bhxh_working_days=bhxh_working_days(self.kind, self.filed_by),
            legal_basis=[deadline_source(party, self.kind) for party in ("employee", "employer", "bhxh")],
        )

    @strawberry.field(description="The insured person's full name.")
    async def person_name(self, info: Info) -> str:
        return await info.context.loader(PersonNames).load(uuid.UUID(self.person_id))

    # The payments ledger, as caseStatus reads it (paidVnd - recoveredVnd + toPayVnd - toRecoverVnd is owed).

    async def ledger_orders(self, info: Info) -> Sequence[PaymentOrder | CaseOrder]:
        return await info.context.loader(Ledgers).load(self.claim_id)

    paid_vnd = _ledger_field(_paid_vnd)
    recovered_vnd = _ledger_field(_recovered_vnd)
    to_pay_vnd = _ledger_field(_to_pay_vnd)
    to_recover_vnd = _ledger_field(_to_recover_vnd)
    adjustments = _ledger_field(_adjustments)

    @classmethod
    def of(cls, claim: Claim, *, today: dt.date) -> ClaimType:
        return cls(
            reference=claim.reference,
            kind=ClaimKind(claim.kind),
            state=ClaimState(claim.state),
            person_id=strawberry.ID(str(claim.person_id)),
            province_code=claim.province_code,
            event_date=claim.event_date,
            details=JSON(claim.details),
            origin=claim.origin,
            eligible=claim.eligible,
            amount_vnd=claim.amount_vnd,
            approved_amount_vnd=claim.approved_amount_vnd,
            needs_confirmation=claim.needs_confirmation,
            filed_on=claim.filed_on,
            filed_by=claim.filed_by,
            due_on=claim.due_on,
            decision_reason=claim.decision_reason,
            decided_by=claim.decided_by,
            decided_at=claim.decided_at,
            assigned_to=claim.assigned_to,
            assigned_at=claim.assigned_at,
            created_at=claim.created_at,
            overdue=is_overdue(claim, today),
            stored_computation=claim.computation,
            stored_explanation=None if "explanation" in inspect(claim).unloaded else claim.explanation or [],
            claim_id=claim.id,
        )


def is_overdue(claim: Claim | CaseView, today: dt.date) -> bool:
    return claim.state in WAITING and claim.due_on is not None and claim.due_on < today


def today(info: Info) -> dt.date:
    return vietnam_date(info.context.services.clock.now())


class Ledgers(DataLoader[uuid.UUID, list[PaymentOrder]]):
    """The payment orders of claims, oldest first, one query for the claims a response asks about."""

    def __init__(self, services: Services) -> None:
        async def load(ids: list[uuid.UUID]) -> list[list[PaymentOrder]]:
            found: dict[uuid.UUID, list[PaymentOrder]] = {claim_id: [] for claim_id in ids}
            async with services.db.sessions() as session:
                orders = await session.scalars(
                    select(PaymentOrder)
                    .where(PaymentOrder.claim_id.in_(ids))
                    .order_by(PaymentOrder.created_at, PaymentOrder.id)
                )
                for order in orders:
                    found[order.claim_id].append(order)
            return [found[claim_id] for claim_id in ids]

        super().__init__(load_fn=load)


@strawberry.type
class CaseAdjustment:
    """A top-up or recovery after a recalculation (a certificate amended or revoked, an earlier leave filed)."""

    kind: PaymentKind
    amount_vnd: int
    ordered_at: dt.datetime
    settled_at: dt.datetime | None = strawberry.field(description="When it was paid or recovered; null: pending.")


@strawberry.type
class CaseStatus:
    """What the national service portal may show a citizen: state, dates and amounts; no medical content. The
    amounts paid, recovered and pending add up to what is owed: paidVnd - recoveredVnd + toPayVnd - toRecoverVnd."""

    reference: str
    kind: ClaimKind
    state: ClaimState
    event_date: dt.date
    received_at: dt.datetime
    due_on: dt.date | None
    decided_at: dt.datetime | None
    amount_vnd: int | None = strawberry.field(description="The amount approved, as adjusted since.")
    overdue: bool
    # The payment orders, read with the claim in the same transaction (hub.claims.queries.case_status).
    orders: strawberry.Private[tuple[CaseOrder, ...]]

    async def ledger_orders(self, info: Info) -> Sequence[PaymentOrder | CaseOrder]:
        return self.orders

    paid_vnd = _ledger_field(_paid_vnd)
    recovered_vnd = _ledger_field(_recovered_vnd)
    to_pay_vnd = _ledger_field(_to_pay_vnd)
    to_recover_vnd = _ledger_field(_to_recover_vnd)
    adjustments = _ledger_field(_adjustments)

    @classmethod
    def of(cls, claim: CaseView, *, today: dt.date) -> CaseStatus:
        decided = claim.state in (ClaimState.APPROVED, ClaimState.PAID)
        return cls(
            reference=claim.reference,
            kind=ClaimKind(claim.kind),
            state=ClaimState(claim.state),
            event_date=claim.event_date,
            received_at=claim.created_at,
            due_on=claim.due_on,
            decided_at=claim.decided_at,
            amount_vnd=claim.approved_amount_vnd if decided else None,
            overdue=is_overdue(claim, today),
            orders=claim.orders,
        )
