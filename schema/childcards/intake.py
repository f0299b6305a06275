"""GraphQL for the intake of birth registrations, and reading a case."""

from __future__ import annotations

import dataclasses
import datetime as dt

import strawberry
from strawberry.utils.str_converters import to_camel_case

from hub.childcards.errors import ChildCardErrorCode
from hub.childcards.intake import MAX_BATCH, RecordOutcome, submit_registrations
from hub.childcards.models import CaseState, DeliveryMethod
from hub.childcards.records import FIELD_LIMITS, BirthRecord, ChildDetails, PersonDetails
from hub.childcards.rules import GuardianRole
from hub.infra.errors import InvalidRequest
from hub.persons.models import Gender
from schema.childcards.types import ChildCardError
from schema.context import Info, write
from schema.inputs import planned_input


@planned_input
@strawberry.input
class PersonDetailsInput:
    full_name: str
    date_of_birth: dt.date | None = None
    personal_id_number: str | None = None
    address: str | None = None

    def details(self) -> PersonDetails:
        return PersonDetails(
            self.full_name.strip(), self.date_of_birth, blank(self.personal_id_number), blank(self.address)
        )


@planned_input
@strawberry.input
class ChildInput:
    full_name: str
    gender: Gender
    date_of_birth: dt.date
    ethnicity_code: str | None = None
    nationality: str = "VN"
    personal_id_number: str | None = None
    place_of_birth: str | None = None


@planned_input
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
                ethnicity_code=blank(child.ethnicity_code),
                nationality=child.nationality,
                personal_id_number=blank(child.personal_id_number),
                place_of_birth=blank(child.place_of_birth),
            ),
            registrant=self.registrant.details(),
            facility_code=self.facility_code.strip().upper(),
            delivery=self.delivery,
            mother=self.mother.details() if self.mother else None,
            father=self.father.details() if self.father else None,
            guardian=self.guardian,
            delivery_address=blank(self.delivery_address),
        )


_FIELDS = dataclasses.fields(BirthRegistrationInput)
REGISTRATION_FIELDS = frozenset(to_camel_case(f.name) for f in _FIELDS)
REQUIRED_FIELDS = frozenset(
    to_camel_case(f.name)
    for f in _FIELDS
    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
)
# The texts of a registration, by their paths within the record (`child.fullName`), that the intake refuses record by
# record (FIELD_CHARACTERS: every control character, NUL among them): one record holding a NUL is answered alone.
ANSWERED_PER_RECORD = frozenset(FIELD_LIMITS)


def is_registration(value: object) -> bool:
    """Whether a JSON value has the shape of a `BirthRegistrationInput`: every required field, no other. No other
    input has `child` and `registrant`, and no input is a JSON scalar, so it can only be a registration."""
    return isinstance(value, dict) and REQUIRED_FIELDS <= value.keys() <= REGISTRATION_FIELDS


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


def blank(value: str | None) -> str | None:
    """The text without spaces around it; None for none or only spaces."""
    return value.strip() or None if value else None
