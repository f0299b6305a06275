"""Read and correct people's records; every read and write is checked against the caller and audited."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.refusals import RefusedRecord
from hub.audit.service import AuditEvent, JsonValue, record
from hub.catalogs.adminunits import Era, UnitLevel, admin_catalog
from hub.clients.permissions import Location, Principal, Role
from hub.infra.db import new_row
from hub.infra.errors import BusinessError, Forbidden
from hub.infra.ids import new_id
from hub.infra.text import fold
from hub.persons.errors import PersonErrorCode
from hub.persons.identity import ID_NUMBER_LENGTH, classify, number_is_taken, record_number_change
from hub.persons.models import Gender, NumberChangeReason, Person


@dataclass(frozen=True)
class NewPerson:
    full_name: str
    gender: Gender
    date_of_birth: dt.date
    province_code: str
    commune_code: str
    address: str
    personal_id_number: str | None = None
    bhxh_code: str | None = None
    mother_id: uuid.UUID | None = None


async def create_person(
    session: AsyncSession, *, now: dt.datetime, actor: Principal | None, purpose: Purpose, new: NewPerson
) -> Person:
    """Record a person, audited now."""
    if actor is not None:
        actor.require(Role.PERSON_WRITE, Location(new.province_code, new.commune_code))
    audit: list[AuditEvent] = []
    person = add_person(session, now=now, purpose=purpose, new=new, audit=audit)
    await record(session, now=now, actor=actor, events=audit)
    return person


def add_person(
    session: AsyncSession, *, now: dt.datetime, purpose: Purpose, new: NewPerson, audit: list[AuditEvent]
) -> Person:
    """Add a person to the session, for the caller to write with the rest of a batch; the creation is added to
    `audit`, which the caller records with its other events in one append. The caller has checked permissions."""
    person = new_person(now=now, purpose=purpose, new=new, audit=audit)
    session.add(person)
    return person


def new_person(*, now: dt.datetime, purpose: Purpose, new: NewPerson, audit: list[AuditEvent]) -> Person:
    """A new person, for the caller to write (see `add_person`)."""
    _check_location(new.province_code, new.commune_code)
    person = new_row(
        Person,
        id=new_id(),
        full_name=new.full_name,
        name_key=fold(new.full_name),
        mother_id=new.mother_id,
        gender=new.gender.value,
        date_of_birth=new.date_of_birth,
        personal_id_number=new.personal_id_number,
        bhxh_code=new.bhxh_code,
        province_code=new.province_code,
        commune_code=new.commune_code,
        address=new.address,
        created_at=now,
        updated_at=now,
    )
    audit.append(AuditEvent("person.create", purpose, person.id))
    return person


async def read_person(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, person_id: uuid.UUID, purpose: Purpose
) -> Person:
    """A person's record, for a caller whose jurisdiction covers them; the read is audited."""
    actor.require_purpose(purpose)
    person = await find_visible(session, actor, Role.PERSON_READ, person_id)
    await record(session, now=now, actor=actor, events=[AuditEvent("person.read", purpose, person.id)])
    return person


async def change_address(
    session: AsyncSession,
    *,
    now: dt.datetime,
    actor: Principal,
    person_id: uuid.UUID,
    province_code: str,
    commune_code: str,
    address: str,
) -> Person:
    """Correct where a person lives; the caller must cover both the old and the new commune."""
    person = await find_visible(session, actor, Role.PERSON_WRITE, person_id)
    actor.require(Role.PERSON_WRITE, Location(province_code, commune_code))
    _check_location(province_code, commune_code)
    if not address.strip():
        raise BusinessError(
            PersonErrorCode.ADDRESS_REQUIRED,
            "The address cannot be empty.",
            "Địa chỉ không được để trống.",
            field="address",
        )
    before = {"commune_code": person.commune_code}
    person.province_code, person.commune_code, person.address = province_code, commune_code, address.strip()
    person.updated_at = now
    event = AuditEvent(
        "person.change_address",
        Purpose.DATA_CORRECTION,
        person.id,
        details={"from_commune": before["commune_code"], "to_commune": commune_code},
    )
    await record(session, now=now, actor=actor, events=[event])
    return person


@dataclass(frozen=True)
class IdentityCorrection:
    """Who a person is, as a corrected source (a birth registration amended) now says: each field given replaces
    the one on record; None leaves it."""

    full_name: str | None = None
    date_of_birth: dt.date | None = None
    gender: Gender | None = None
    personal_id_number: str | None = None


def correct_identity(
    person: Person,
    correction: IdentityCorrection,
    *,
    now: dt.datetime,
    purpose: Purpose,
    audit: list[AuditEvent],
    details: dict[str, JsonValue] | None = None,
) -> bool:
    """Apply `correction` to the person; what changed is added to `audit` as `person.correct_identity`, with its
    values before and after (the identity's history), and `details`. Whether anything changed. The caller has
    checked permissions and that no one else holds a new ID number."""
    after: dict[str, str] = {}
    before: dict[str, str | None] = {}
    wanted = {
        "full_name": correction.full_name,
        "date_of_birth": correction.date_of_birth.isoformat() if correction.date_of_birth else None,
        "gender": correction.gender.value if correction.gender else None,
        "personal_id_number": correction.personal_id_number,
    }
    held = {
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth.isoformat(),
        "gender": person.gender,
        "personal_id_number": person.personal_id_number,
    }
    for name, value in wanted.items():
        if value is not None and value != held[name]:
            before[name], after[name] = held[name], value
    if not after:
        return False
    if correction.full_name is not None and "full_name" in after:
        person.full_name, person.name_key = correction.full_name, fold(correction.full_name)
    if correction.date_of_birth is not None and "date_of_birth" in after:
        person.date_of_birth = correction.date_of_birth
    if correction.gender is not None and "gender" in after:
        person.gender = correction.gender.value
    if "personal_id_number" in after:
        person.personal_id_number = correction.personal_id_number
    person.updated_at = now
    changed: dict[str, JsonValue] = {"before": dict(before), "after": dict(after)}
    audit.append(AuditEvent("person.correct_identity", purpose, person.id, {**(details or {}), **changed}))
    return True


async def find_visible(session: AsyncSession, actor: Principal, role: Role, person_id: uuid.UUID) -> Person:
    """The person, if `actor` holds `role` and covers where they live; Forbidden otherwise, existing or not."""
    actor.require(role)
    person = await session.get(Person, person_id)
    if person is None:
        raise Forbidden()  # a missing person and one outside the caller's jurisdiction look the same
    actor.require(role, person.location, record=RefusedRecord("person", str(person.id), person.id))
    return person


def _check_location(province_code: str, commune_code: str) -> None:
    """People's addresses are recorded in the units in force now."""
    commune = admin_catalog().get(UnitLevel.COMMUNE, commune_code, Era.CURRENT)
    if commune is None or commune.province_code != province_code:
        raise BusinessError(
            PersonErrorCode.INVALID_LOCATION,
            f"Commune {commune_code!r} is not a current commune of province {province_code!r}.",
            f"Mã xã {commune_code!r} không phải xã hiện hành của tỉnh {province_code!r}.",
            field="communeCode",
        )


async def change_personal_id(
    session: AsyncSession,
    *,
    now: dt.datetime,
    actor: Principal,
    person_id: uuid.UUID,
    new_number: str,
    reason: NumberChangeReason,
    on: dt.date,
) -> Person:
    """Cancel the person's ID number and establish `new_number` from `on` (NĐ 70/2024/NĐ-CP Art 11(7), (8), (11)):
    the old number stays in the person's identity history, so records naming it still find them. A number anyone
    else holds or held is refused (cancelled numbers are never reissued)."""
    person = await find_visible(session, actor, Role.PERSON_WRITE, person_id)
    if classify(new_number) is None or len(new_number.strip()) != ID_NUMBER_LENGTH:
        raise BusinessError(
            PersonErrorCode.ID_NUMBER_INVALID,
            "The personal identification number must be exactly 12 digits.",
            "Số định danh cá nhân phải gồm đúng 12 chữ số.",
            field="personalIdNumber",
        )
    number = new_number.strip()
    if await number_is_taken(session, number, person.id):
        raise BusinessError(
            PersonErrorCode.ID_NUMBER_TAKEN,
            "This personal identification number is or was another person's.",
            "Số định danh cá nhân này đã hoặc đang thuộc về người khác.",
            field="personalIdNumber",
        )
    held = person.personal_id_number
    audit: list[AuditEvent] = []
    details: dict[str, JsonValue] = {"reason": reason.value, "on": on.isoformat()}
    if correct_identity(
        person,
        IdentityCorrection(personal_id_number=number),
        now=now,
        purpose=Purpose.DATA_CORRECTION,
        audit=audit,
        details=details,
    ):
        await record_number_change(session, person_id=person.id, old=held, new=number, on=on, reason=reason, now=now)
        await record(session, now=now, actor=actor, events=audit)
    return person
