"""GraphQL for what follows intake: the review queue of probable duplicates, and cancelling a registration."""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry

from hub.childcards.corrections import (
    Amendment,
    amend_registration,
    cancel_registration,
    decide_review,
    open_reviews,
    request_card_elsewhere,
)
from hub.childcards.errors import ChildCardErrorCode as E
from hub.childcards.errors import childcard_error
from hub.childcards.models import CaseState, DeliveryMethod
from hub.childcards.rules import GuardianRole
from hub.infra.errors import BusinessErrors
from hub.persons.models import Gender
from schema.childcards.intake import blank
from schema.childcards.types import ChildCardError
from schema.context import Info, write
from schema.errors import payload_errors


@strawberry.type
class ReviewCandidate:
    full_name: str
    date_of_birth: dt.date
    gender: Gender
    personal_id_number: str | None
    commune_code: str


@strawberry.type
class ChildCardReview:
    id: strawberry.ID
    case_reference: str
    child_name: str
    registry_office_code: str
    reason: str
    created_at: dt.datetime
    candidate: ReviewCandidate


@strawberry.input(description="What a correction changes; a field left out keeps what is on record.")
class BirthRegistrationAmendmentInput:
    full_name: str | None = strawberry.field(default=None, description="The child's.")
    date_of_birth: dt.date | None = strawberry.field(default=None, description="The child's.")
    gender: Gender | None = strawberry.field(default=None, description="The child's.")
    ethnicity_code: str | None = strawberry.field(default=None, description="The child's.")
    personal_id_number: str | None = strawberry.field(default=None, description="The child's.")
    facility_code: str | None = strawberry.field(default=None, description="The primary-care facility.")
    guardian: GuardianRole | None = strawberry.field(default=None, description="Whose details go on the card.")
    delivery: DeliveryMethod | None = None
    delivery_address: str | None = None

    def amendment(self) -> Amendment:
        return Amendment(
            full_name=blank(self.full_name),
            date_of_birth=self.date_of_birth,
            gender=self.gender,
            ethnicity_code=blank(self.ethnicity_code),
            personal_id_number=blank(self.personal_id_number),
            facility_code=blank(self.facility_code.upper()) if self.facility_code else None,
            guardian=self.guardian,
            delivery=self.delivery,
            delivery_address=blank(self.delivery_address),
        )


@strawberry.type
class CaseChangePayload:
    case_reference: str | None = None
    state: CaseState | None = None
    errors: list[ChildCardError] = strawberry.field(default_factory=list)


@strawberry.type
class ChildCardReviewQuery:
    @strawberry.field(description="Probable duplicates waiting for an officer, oldest first (reading is audited).")
    async def child_card_reviews(self, info: Info) -> list[ChildCardReview]:
        rows = await write(info, lambda s, now, actor: open_reviews(s, now=now, actor=actor))
        return [
            ChildCardReview(
                id=strawberry.ID(str(review.id)),
                case_reference=case.reference,
                child_name=case.child_name,
                registry_office_code=case.registry_office_code,
                reason=review.reason,
                created_at=review.created_at,
                candidate=ReviewCandidate(
                    full_name=person.full_name,
                    date_of_birth=person.date_of_birth,
                    gender=Gender(person.gender),
                    personal_id_number=person.personal_id_number,
                    commune_code=person.commune_code,
                ),
            )
            for review, case, person in rows
        ]


@strawberry.type
class ChildCardChangeMutation:
    @strawberry.mutation(description="Decide a probable duplicate: the same person (link) or a different one.")
    async def decide_child_card_review(self, info: Info, id: strawberry.ID, same_person: bool) -> CaseChangePayload:
        try:
            case = await write(
                info,
                lambda s, now, actor: decide_review(
                    s, now=now, actor=actor, review_id=_review_id(id), same_person=same_person
                ),
            )
        except BusinessErrors as exc:
            return CaseChangePayload(errors=payload_errors(ChildCardError, exc))
        return CaseChangePayload(case_reference=case.reference, state=CaseState(case.state))

    @strawberry.mutation(
        description="Correct a registration sent earlier with only what changes: the card is reissued and the "
        "earlier one kept. A corrected record that fails a check is refused with every reason, changing nothing."
    )
    async def amend_birth_registration(
        self,
        info: Info,
        registry_office_code: str,
        book_number: str,
        record_number: str,
        changes: BirthRegistrationAmendmentInput,
    ) -> CaseChangePayload:
        key = (registry_office_code.strip(), book_number.strip(), record_number.strip())
        amendment = changes.amendment()
        try:
            case = await write(
                info,
                lambda s, now, actor: amend_registration(s, now=now, actor=actor, key=key, amendment=amendment),
                retries=2,
            )
        except BusinessErrors as exc:
            return CaseChangePayload(errors=payload_errors(ChildCardError, exc))
        return CaseChangePayload(case_reference=case.reference, state=CaseState(case.state))

    @strawberry.mutation(description="Cancel a registration sent earlier; a card issued for it is revoked.")
    async def cancel_birth_registration(
        self, info: Info, registry_office_code: str, book_number: str, record_number: str, reason: str
    ) -> CaseChangePayload:
        key = (registry_office_code.strip(), book_number.strip(), record_number.strip())
        try:
            case = await write(
                info, lambda s, now, actor: cancel_registration(s, now=now, actor=actor, key=key, reason=reason)
            )
        except BusinessErrors as exc:
            return CaseChangePayload(errors=payload_errors(ChildCardError, exc))
        return CaseChangePayload(case_reference=case.reference, state=CaseState(case.state))


@strawberry.type
class CardRequestPayload:
    case_reference: str | None = None
    card_number: str | None = None
    card_version: int | None = None
    delivery_address: str | None = None
    errors: list[ChildCardError] = strawberry.field(default_factory=list)


@strawberry.type
class ChildCardRequestMutation:
    @strawberry.mutation(
        description="Ask, as the office where the child lives, for the card of a child registered elsewhere: by ID "
        "number, or by the original office + book + number. The card is reissued for delivery here."
    )
    async def request_child_card(
        self,
        info: Info,
        personal_id_number: str | None = None,
        registry_office_code: str | None = None,
        book_number: str | None = None,
        record_number: str | None = None,
        delivery_address: str | None = None,
    ) -> CardRequestPayload:
        key = None
        if registry_office_code and book_number and record_number:
            key = (registry_office_code.strip(), book_number.strip(), record_number.strip())
        number = personal_id_number.strip() if personal_id_number else None
        try:
            case, card = await write(
                info,
                lambda s, now, actor: request_card_elsewhere(
                    s, now=now, actor=actor, personal_id_number=number, key=key, delivery_address=delivery_address
                ),
            )
        except BusinessErrors as exc:
            return CardRequestPayload(errors=payload_errors(ChildCardError, exc))
        return CardRequestPayload(
            case_reference=case.reference,
            card_number=card.card_number,
            card_version=card.version,
            delivery_address=card.delivery_address,
        )


def _review_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise BusinessErrors([childcard_error(E.REVIEW_UNKNOWN, field="id")]) from None
