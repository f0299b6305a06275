"""A birth registration as the civil registry sends it, and its canonical form (what is hashed and stored)."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from hub.childcards.models import DeliveryMethod
from hub.childcards.rules import GuardianRole
from hub.infra.canonical import canonical_bytes
from hub.infra.text import clean_text
from hub.persons.models import Gender


class Chars(enum.StrEnum):
    """The characters a text field accepts, beyond the refusal of controls everywhere (`refused_characters`)."""

    NAME = "name"  # letters and combining marks, with spaces, hyphens, apostrophes and full stops; one letter at least
    CODE = "code"  # ASCII letters and digits
    DIGITS = "digits"  # ASCII digits
    TEXT = "text"  # any printable character


@dataclass(frozen=True)
class FieldLimit:
    """What a text field of a registration may hold, after `clean_text`: at most `length` characters of `chars`."""

    length: int
    chars: Chars
    required: bool = False  # blank (nothing left once cleaned) is refused


# Every text field of a registration, by its name in the API. The lengths are those of the columns the value is
# stored in (`ChildCardCase`, `Person`, `ChildCard`) or, for what only the registration's JSON keeps, the civil
# registry's own; a person's fields are the same for the registrant, the mother and the father.
NAME = FieldLimit(200, Chars.NAME, required=True)
PERSON_ID = FieldLimit(12, Chars.DIGITS)
ADDRESS = FieldLimit(500, Chars.TEXT)
FIELD_LIMITS: dict[str, FieldLimit] = {
    "registryOfficeCode": FieldLimit(5, Chars.DIGITS, required=True),
    "bookNumber": FieldLimit(50, Chars.TEXT, required=True),
    "recordNumber": FieldLimit(50, Chars.TEXT, required=True),
    "facilityCode": FieldLimit(5, Chars.CODE, required=True),
    "deliveryAddress": ADDRESS,
    "child.fullName": NAME,
    "child.ethnicityCode": FieldLimit(10, Chars.CODE),
    "child.nationality": FieldLimit(3, Chars.CODE, required=True),
    "child.personalIdNumber": PERSON_ID,
    "child.placeOfBirth": ADDRESS,
    **{
        f"{role}.{name}": limit
        for role in ("registrant", "mother", "father")
        for name, limit in (("fullName", NAME), ("personalIdNumber", PERSON_ID), ("address", ADDRESS))
    },
}

TextChange = Callable[[str, str | None], str | None]


@dataclass(frozen=True)
class PersonDetails:
    """A parent or the person who registered the birth, as written on the registration."""

    full_name: str
    date_of_birth: dt.date | None = None
    personal_id_number: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class ChildDetails:
    full_name: str
    gender: Gender
    date_of_birth: dt.date
    ethnicity_code: str | None = None
    nationality: str = "VN"
    personal_id_number: str | None = None
    place_of_birth: str | None = None


@dataclass(frozen=True)
class BirthRecord:
    """One registration (giấy khai sinh entry): office + book (quyển số) + record number (số) identify it."""

    registry_office_code: str  # the commune whose people's committee registered the birth
    book_number: str
    record_number: str
    registered_on: dt.date
    child: ChildDetails
    registrant: PersonDetails
    facility_code: str
    delivery: DeliveryMethod
    mother: PersonDetails | None = None
    father: PersonDetails | None = None
    guardian: GuardianRole | None = None  # None: the default of domain-rules §2
    delivery_address: str | None = None

    def map_texts(self, change: TextChange) -> BirthRecord:
        """The record with each text field replaced by `change(field, value)`, fields named as in FIELD_LIMITS.
        What `change` leaves as it was is the same object: the record itself when nothing changes, which is what
        cleaning an intake's record most often finds (`dataclasses.replace` rebuilding it was a third of the time)."""
        # In the order the fields were always visited, which is the order of a record's errors.
        child = self.child
        registrant = _map_person(self.registrant, _ROLE_FIELDS["registrant"], change)
        office = change("registryOfficeCode", self.registry_office_code) or ""
        book = change("bookNumber", self.book_number) or ""
        number = change("recordNumber", self.record_number) or ""
        child_texts = (
            change("child.fullName", child.full_name) or "",
            change("child.ethnicityCode", child.ethnicity_code),
            change("child.nationality", child.nationality) or "",
            change("child.personalIdNumber", child.personal_id_number),
            change("child.placeOfBirth", child.place_of_birth),
        )
        facility = change("facilityCode", self.facility_code) or ""
        mother = _map_person(self.mother, _ROLE_FIELDS["mother"], change)
        father = _map_person(self.father, _ROLE_FIELDS["father"], change)
        delivery_address = change("deliveryAddress", self.delivery_address)
        if child_texts != (
            child.full_name,
            child.ethnicity_code,
            child.nationality,
            child.personal_id_number,
            child.place_of_birth,
        ):
            name, ethnicity, nationality, id_number, place = child_texts
            child = ChildDetails(name, child.gender, child.date_of_birth, ethnicity, nationality, id_number, place)
        unchanged = (
            (office, book, number, facility, delivery_address)
            == (
                self.registry_office_code,
                self.book_number,
                self.record_number,
                self.facility_code,
                self.delivery_address,
            )
            and child is self.child
            and registrant is self.registrant
            and mother is self.mother
            and father is self.father
        )
        if unchanged:
            return self
        assert registrant is not None
        return BirthRecord(
            office,
            book,
            number,
            self.registered_on,
            child,
            registrant,
            facility,
            self.delivery,
            mother,
            father,
            self.guardian,
            delivery_address,
        )

    def texts(self) -> dict[str, str | None]:
        """Each text field's value, by its name in FIELD_LIMITS (a parent not on the record: no entries)."""
        found: dict[str, str | None] = {}

        def keep(name: str, value: str | None) -> str | None:
            found[name] = value
            return value

        self.map_texts(keep)
        return found

    def cleaned(self) -> BirthRecord:
        """The record as the hub stores and compares it: each text `clean_text`ed, codes in capitals, an optional
        field left blank None. Cleaning again changes nothing."""
        return self.map_texts(clean_field)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.registry_office_code, self.book_number.strip(), self.record_number.strip())

    def canonical(self) -> dict[str, Any]:
        """A JSON-ready form with every field, dates as ISO strings: what is hashed and kept verbatim (and read back
        by `from_canonical`). Written out field by field: `dataclasses.asdict` deep-copies every value, a tenth of
        the intake's time."""
        child = self.child
        return {
            "registry_office_code": self.registry_office_code,
            "book_number": self.book_number,
            "record_number": self.record_number,
            "registered_on": self.registered_on.isoformat(),
            "child": {
                "full_name": child.full_name,
                "gender": child.gender.value,
                "date_of_birth": child.date_of_birth.isoformat(),
                "ethnicity_code": child.ethnicity_code,
                "nationality": child.nationality,
                "personal_id_number": child.personal_id_number,
                "place_of_birth": child.place_of_birth,
            },
            "registrant": _person(self.registrant),
            "facility_code": self.facility_code,
            "delivery": self.delivery.value,
            "mother": _person(self.mother),
            "father": _person(self.father),
            "guardian": self.guardian.value if self.guardian else None,
            "delivery_address": self.delivery_address,
        }

    def content_hash(self, canonical: dict[str, Any] | None = None) -> str:
        """SHA-256 of the canonical form (pass it when already built)."""
        data = self.canonical() if canonical is None else canonical
        return hashlib.sha256(canonical_bytes(data)).hexdigest()

    @classmethod
    def from_canonical(cls, data: dict[str, Any]) -> BirthRecord:
        """The record whose canonical form is `data`. Read back for every card and every population check, so its
        parts are built positionally, and the enumerations found by value in a table: `Enum(value)` and keyword
        arguments were a third of the time."""
        child = data["child"]
        registrant = _person_from(data["registrant"])
        assert registrant is not None
        guardian = data["guardian"]
        return cls(
            data["registry_office_code"],
            data["book_number"],
            data["record_number"],
            dt.date.fromisoformat(data["registered_on"]),
            ChildDetails(
                child["full_name"],
                _member(_GENDERS, Gender, child["gender"]),
                dt.date.fromisoformat(child["date_of_birth"]),
                child["ethnicity_code"],
                child["nationality"],
                child["personal_id_number"],
                child["place_of_birth"],
            ),
            registrant,
            data["facility_code"],
            _member(_DELIVERIES, DeliveryMethod, data["delivery"]),
            _person_from(data["mother"]),
            _person_from(data["father"]),
            _member(_GUARDIANS, GuardianRole, guardian) if guardian else None,
            data["delivery_address"],
        )


E = TypeVar("E", bound=enum.Enum)
_GENDERS = {member.value: member for member in Gender}
_DELIVERIES = {member.value: member for member in DeliveryMethod}
_GUARDIANS = {member.value: member for member in GuardianRole}


def _member(members: dict[str, E], kind: type[E], value: str) -> E:
    """The member of `kind` whose value is `value`, as `kind(value)` finds it (and fails: ValueError)."""
    found = members.get(value)
    return kind(value) if found is None else found


def _person_from(value: dict[str, Any] | None) -> PersonDetails | None:
    if value is None:
        return None
    born = value["date_of_birth"]
    return PersonDetails(
        value["full_name"], dt.date.fromisoformat(born) if born else None, value["personal_id_number"], value["address"]
    )


# The names of a person's text fields in FIELD_LIMITS, by role.
_ROLE_FIELDS = {
    role: (f"{role}.fullName", f"{role}.personalIdNumber", f"{role}.address")
    for role in ("registrant", "mother", "father")
}


def _map_person(details: PersonDetails | None, names: tuple[str, str, str], change: TextChange) -> PersonDetails | None:
    """`details` with each text replaced by `change(field, value)`; the same object when none changes."""
    if details is None:
        return None
    name_field, number_field, address_field = names
    full_name = change(name_field, details.full_name) or ""
    number = change(number_field, details.personal_id_number)
    address = change(address_field, details.address)
    if (full_name, number, address) == (details.full_name, details.personal_id_number, details.address):
        return details
    return PersonDetails(full_name, details.date_of_birth, number, address)


def clean_field(name: str, value: str | None) -> str | None:
    """A text field's value as stored: `clean_text`ed, in capitals for a code, None for a blank optional field."""
    if value is None:
        return None
    cleaned = clean_text(value)
    if FIELD_LIMITS[name].chars is Chars.CODE:
        cleaned = cleaned.upper()
    return cleaned or (None if not FIELD_LIMITS[name].required else "")


def _person(details: PersonDetails | None) -> dict[str, Any] | None:
    if details is None:
        return None
    return {
        "full_name": details.full_name,
        "date_of_birth": details.date_of_birth.isoformat() if details.date_of_birth else None,
        "personal_id_number": details.personal_id_number,
        "address": details.address,
    }
