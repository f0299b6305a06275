"""A birth registration as the civil registry sends it, and its canonical form (what is hashed and stored)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from hub.childcards.models import DeliveryMethod
from hub.childcards.rules import GuardianRole
from hub.persons.models import Gender


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

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.registry_office_code, self.book_number.strip(), self.record_number.strip())

    def canonical(self) -> dict[str, Any]:
        """A JSON-ready form with every field, dates as ISO strings: what is hashed and kept verbatim."""
        data: dict[str, Any] = _plain(dataclasses.asdict(self))
        return data

    def content_hash(self, canonical: dict[str, Any] | None = None) -> str:
        """SHA-256 of the canonical form (pass it when already built)."""
        data = self.canonical() if canonical is None else canonical
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    @classmethod
    def from_canonical(cls, data: dict[str, Any]) -> BirthRecord:
        def person(value: dict[str, Any] | None) -> PersonDetails | None:
            if value is None:
                return None
            return PersonDetails(
                full_name=value["full_name"],
                date_of_birth=_date(value["date_of_birth"]),
                personal_id_number=value["personal_id_number"],
                address=value["address"],
            )

        child = data["child"]
        registrant = person(data["registrant"])
        assert registrant is not None
        return cls(
            registry_office_code=data["registry_office_code"],
            book_number=data["book_number"],
            record_number=data["record_number"],
            registered_on=dt.date.fromisoformat(data["registered_on"]),
            child=ChildDetails(
                full_name=child["full_name"],
                gender=Gender(child["gender"]),
                date_of_birth=dt.date.fromisoformat(child["date_of_birth"]),
                ethnicity_code=child["ethnicity_code"],
                nationality=child["nationality"],
                personal_id_number=child["personal_id_number"],
                place_of_birth=child["place_of_birth"],
            ),
            registrant=registrant,
            facility_code=data["facility_code"],
            delivery=DeliveryMethod(data["delivery"]),
            mother=person(data["mother"]),
            father=person(data["father"]),
            guardian=GuardianRole(data["guardian"]) if data["guardian"] else None,
            delivery_address=data["delivery_address"],
        )


def _plain(value: Any) -> Any:
    """`value` with dates as ISO text and enumerations as their values, ready for JSON."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(f"cannot store {type(value).__name__}")


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
