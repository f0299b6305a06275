"""GraphQL for people: read a person's record for a stated purpose, correct their address, check an ID number."""

from __future__ import annotations

import datetime as dt

import strawberry

from hub.audit.purpose import Purpose
from hub.infra.clock import legal_date
from hub.infra.errors import BusinessError
from hub.persons import service
from hub.persons.errors import PersonErrorCode
from hub.persons.id_numbers import IdNumberIssue, check_personal_id
from hub.persons.models import Gender, Person
from schema.context import Info, write
from schema.errors import payload_errors
from schema.ids import parse_uuid

strawberry.enum(Purpose, name="Purpose")
strawberry.enum(Gender, name="Gender")
strawberry.enum(PersonErrorCode, name="PersonErrorCode")


@strawberry.type(name="Person")
class PersonType:
    id: strawberry.ID
    full_name: str
    gender: Gender
    date_of_birth: dt.date
    personal_id_number: str | None
    bhxh_code: str | None
    province_code: str
    commune_code: str
    address: str

    @classmethod
    def from_model(cls, person: Person) -> PersonType:
        return cls(
            id=strawberry.ID(str(person.id)),
            full_name=person.full_name,
            gender=Gender(person.gender),
            date_of_birth=person.date_of_birth,
            personal_id_number=person.personal_id_number,
            bhxh_code=person.bhxh_code,
            province_code=person.province_code,
            commune_code=person.commune_code,
            address=person.address,
        )


@strawberry.type
class PersonError:
    field: str | None
    code: PersonErrorCode
    message: str
    message_vi: str


@strawberry.input
class ChangePersonAddressInput:
    person_id: strawberry.ID
    province_code: str
    commune_code: str
    address: str


@strawberry.type
class ChangePersonAddressPayload:
    person: PersonType | None = None
    errors: list[PersonError] = strawberry.field(default_factory=list)


strawberry.enum(IdNumberIssue, name="IdNumberIssue")


@strawberry.type
class IdNumberProblemType:
    code: IdNumberIssue
    message: str
    message_vi: str


@strawberry.type
class PersonalIdCheck:
    number: str
    valid: bool = strawberry.field(description="True when the number decodes and agrees with what was given.")
    province_code: str | None
    province_name: str | None
    gender: Gender | None
    birth_year: int | None
    issues: list[IdNumberProblemType]


@strawberry.type
class PersonQuery:
    @strawberry.field(description="What a personal identification number says, and every disagreement with the data.")
    def personal_id_check(
        self, info: Info, number: str, date_of_birth: dt.date | None = None, gender: Gender | None = None
    ) -> PersonalIdCheck:
        checked = check_personal_id(
            number, date_of_birth=date_of_birth, gender=gender, today=legal_date(info.context.services.clock)
        )
        decoded = checked.info
        return PersonalIdCheck(
            number=number,
            valid=checked.ok,
            province_code=decoded.province_code if decoded else None,
            province_name=decoded.province_name if decoded else None,
            gender=decoded.gender if decoded else None,
            birth_year=decoded.birth_year if decoded else None,
            issues=[
                IdNumberProblemType(code=p.code, message=p.message_en, message_vi=p.message_vi) for p in checked.issues
            ],
        )

    @strawberry.field(description="A person's record. The read is audited with its purpose.")
    async def person(self, info: Info, id: strawberry.ID, purpose: Purpose) -> PersonType:
        # A write: the read itself is recorded in the audit log.
        person = await write(
            info,
            lambda s, now, actor: service.read_person(
                s, now=now, actor=actor, person_id=parse_uuid(id), purpose=purpose
            ),
        )
        return PersonType.from_model(person)


@strawberry.type
class PersonMutation:
    @strawberry.mutation(description="Correct where a person lives; both communes must be in the caller's area.")
    async def change_person_address(self, info: Info, input: ChangePersonAddressInput) -> ChangePersonAddressPayload:
        try:
            person = await write(
                info,
                lambda s, now, actor: service.change_address(
                    s,
                    now=now,
                    actor=actor,
                    person_id=parse_uuid(input.person_id),
                    province_code=input.province_code,
                    commune_code=input.commune_code,
                    address=input.address,
                ),
            )
        except BusinessError as error:
            return ChangePersonAddressPayload(errors=payload_errors(PersonError, error))
        return ChangePersonAddressPayload(person=PersonType.from_model(person))
