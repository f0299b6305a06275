"""GraphQL types of child-card cases: the case, its cards, its history, its reasons."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from hub.childcards.errors import ChildCardErrorCode
from hub.childcards.models import CaseEvent, CaseState, ChildCard, DeliveryMethod
from hub.childcards.queries import CaseView
from hub.childcards.rules import GuardianRole

strawberry.enum(ChildCardErrorCode, name="ChildCardErrorCode")
strawberry.enum(CaseState, name="CaseState")
strawberry.enum(DeliveryMethod, name="DeliveryMethod")
strawberry.enum(GuardianRole, name="GuardianRole")


@strawberry.type
class ChildCardError:
    field: str | None
    code: ChildCardErrorCode
    message: str
    message_vi: str


@strawberry.type(name="ChildCard")
class ChildCardType:
    version: int
    card_number: str
    bhxh_code: str
    valid_from: dt.date
    valid_to: dt.date
    facility_code: str
    guardian_role: GuardianRole
    guardian_name: str
    address: str
    delivery: DeliveryMethod
    delivery_address: str | None
    issued_at: dt.datetime
    superseded_at: dt.datetime | None
    revoked_at: dt.datetime | None
    revoke_reason: str | None

    @classmethod
    def from_model(cls, c: ChildCard) -> ChildCardType:
        return cls(
            version=c.version,
            card_number=c.card_number,
            bhxh_code=c.bhxh_code,
            valid_from=c.valid_from,
            valid_to=c.valid_to,
            facility_code=c.facility_code,
            guardian_role=GuardianRole(c.guardian_role),
            guardian_name=c.guardian_name,
            address=c.address,
            delivery=DeliveryMethod(c.delivery_method),
            delivery_address=c.delivery_address,
            issued_at=c.issued_at,
            superseded_at=c.superseded_at,
            revoked_at=c.revoked_at,
            revoke_reason=c.revoke_reason,
        )


@strawberry.type
class CaseHistoryEntry:
    state: CaseState
    occurred_at: dt.datetime
    details: JSON

    @classmethod
    def from_model(cls, e: CaseEvent) -> CaseHistoryEntry:
        return cls(state=CaseState(e.state), occurred_at=e.occurred_at, details=JSON(e.details))


@strawberry.type(name="ChildCardCase")
class ChildCardCaseType:
    reference: str
    registry_office_code: str
    book_number: str
    record_number: str
    registered_on: dt.date
    state: CaseState
    child_name: str
    child_personal_id_number: str | None
    population_check: str | None = strawberry.field(
        description="The population database's answer: match, mismatch, not_found, pending; null: not asked yet."
    )
    version: int
    received_at: dt.datetime
    issued_at: dt.datetime | None
    reasons: list[ChildCardError]
    card: ChildCardType | None = strawberry.field(description="The card in force, if any.")
    cards: list[ChildCardType] = strawberry.field(description="Every version, newest first.")
    history: list[CaseHistoryEntry]

    @classmethod
    def from_view(cls, view: CaseView) -> ChildCardCaseType:
        case = view.case
        cards = [ChildCardType.from_model(c) for c in view.cards]
        current = next((c for c in cards if c.superseded_at is None and c.revoked_at is None), None)
        return cls(
            reference=case.reference,
            registry_office_code=case.registry_office_code,
            book_number=case.book_number,
            record_number=case.record_number,
            registered_on=case.registered_on,
            state=CaseState(case.state),
            child_name=case.child_name,
            child_personal_id_number=case.child_personal_id,
            population_check=case.population_check,
            version=case.version,
            received_at=case.received_at,
            issued_at=case.issued_at,
            reasons=[
                ChildCardError(
                    field=r["field"],
                    code=ChildCardErrorCode(r["code"]),
                    message=r["message"],
                    message_vi=r["message_vi"],
                )
                for r in case.reasons
            ],
            card=current,
            cards=cards,
            history=[CaseHistoryEntry.from_model(e) for e in view.events],
        )
