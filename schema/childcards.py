"""GraphQL for child cards: registry offices send birth registrations and follow their cases."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from hub.childcards.errors import ChildCardErrorCode
from hub.childcards.intake import MAX_BATCH, RecordOutcome, submit_registrations
from hub.childcards.models import CaseEvent, CaseState, ChildCard, DeliveryMethod
from hub.childcards.queries import CaseView, read_case
from hub.childcards.records import BirthRecord, ChildDetails, PersonDetails
from hub.childcards.rules import GuardianRole
from hub.errors import InvalidRequest
from hub.persons.models import Gender
from schema.context import Info, write

strawberry.enum(ChildCardErrorCode, name="ChildCardErrorCode")
strawberry.enum(CaseState, name="CaseState")
strawberry.enum(DeliveryMethod, name="DeliveryMethod")
strawberry.enum(GuardianRole, name="GuardianRole")


@strawberry.input
class PersonDetailsInput:
    full_name: str
    date_of_birth: dt.date | None = None
    personal_id_number: str | None = None
    address: str | None = None

    def details(self) -> PersonDetails:
        return PersonDetails(
            self.full_name.strip(), self.date_of_birth, _blank(self.personal_id_number), _blank(self.address)
        )


@strawberry.input
class ChildInput:
    full_name: str
    gender: Gender
    date_of_birth: dt.date
    ethnicity_code: str | None = None
    nationality: str = "VN"
    personal_id_number: str | None = None
    place_of_birth: str | None = None


@strawberry.input
class BirthRegistrationInput:
    registry_office_code: str = strawberry.field(description="The commune whose people's committee registered it.")
    book_number: str = strawberry.field(description="Quyển số.")
    record_number: str = strawberry.field(description="Số.")
    registered_on: dt.date
    child: ChildInput
    registrant: PersonDetailsInput = strawberry.field(description="The person who registered the birth.")
    facility_code: str = strawberry.field(description="The chosen primary-care facility (nơi KCB ban đầu).")
    delivery: DeliveryMethod
    mother: PersonDetailsInput | None = None
    father: PersonDetailsInput | None = None
    guardian: GuardianRole | None = strawberry.field(
        default=None, description="Whose details go on the card; default: father, else mother, else registrant."
    )
    delivery_address: str | None = None

    def record(self) -> BirthRecord:
        child = self.child
        return BirthRecord(
            registry_office_code=self.registry_office_code.strip(),
            book_number=self.book_number.strip(),
            record_number=self.record_number.strip(),
            registered_on=self.registered_on,
            child=ChildDetails(
                full_name=child.full_name.strip(),
                gender=child.gender,
                date_of_birth=child.date_of_birth,
                ethnicity_code=_blank(child.ethnicity_code),
                nationality=child.nationality,
                personal_id_number=_blank(child.personal_id_number),
                place_of_birth=_blank(child.place_of_birth),
            ),
            registrant=self.registrant.details(),
            facility_code=self.facility_code.strip().upper(),
            delivery=self.delivery,
            mother=self.mother.details() if self.mother else None,
            father=self.father.details() if self.father else None,
            guardian=self.guardian,
            delivery_address=_blank(self.delivery_address),
        )


@strawberry.type
class ChildCardError:
    field: str | None
    code: ChildCardErrorCode
    message: str
    message_vi: str


@strawberry.type
class RegistrationResult:
    index: int = strawberry.field(description="Position of the record in the batch sent.")
    book_number: str
    record_number: str
    accepted: bool
    case_reference: str | None
    state: CaseState | None
    errors: list[ChildCardError]

    @classmethod
    def from_outcome(cls, outcome: RecordOutcome) -> RegistrationResult:
        case = outcome.case
        return cls(
            index=outcome.index,
            book_number=outcome.record.book_number,
            record_number=outcome.record.record_number,
            accepted=outcome.accepted,
            case_reference=case.reference if case else None,
            state=CaseState(case.state) if case else None,
            errors=[
                ChildCardError(
                    field=e.field, code=ChildCardErrorCode(e.code), message=e.message, message_vi=e.message_vi
                )
                for e in outcome.errors
            ],
        )


@strawberry.type
class SubmitRegistrationsPayload:
    results: list[RegistrationResult]
    accepted: int
    rejected: int


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


@strawberry.type
class ChildCardQuery:
    @strawberry.field(description="A case by its reference, with its cards and history (the read is audited).")
    async def child_card_case(self, info: Info, reference: str) -> ChildCardCaseType:
        view = await write(info, lambda s, now, actor: read_case(s, now=now, actor=actor, reference=reference))
        return ChildCardCaseType.from_view(view)


@strawberry.type
class ChildCardMutation:
    @strawberry.mutation(description=f"Send up to {MAX_BATCH} birth registrations; each gets its own answer.")
    async def submit_birth_registrations(
        self, info: Info, records: list[BirthRegistrationInput]
    ) -> SubmitRegistrationsPayload:
        if len(records) > MAX_BATCH:
            raise InvalidRequest(f"A batch holds at most {MAX_BATCH} records; this one has {len(records)}.")
        births = [r.record() for r in records]
        outcomes = await write(
            info, lambda s, now, actor: submit_registrations(s, now=now, actor=actor, records=births), retries=2
        )
        results = [RegistrationResult.from_outcome(o) for o in outcomes]
        accepted = sum(r.accepted for r in results)
        return SubmitRegistrationsPayload(results=results, accepted=accepted, rejected=len(results) - accepted)


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value else None
