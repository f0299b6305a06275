"""The canonical form of a birth registration: what is hashed (the idempotency of the intake) and stored."""

import dataclasses
import datetime as dt
import enum
from typing import Any

import pytest

from hub.childcards.models import DeliveryMethod
from hub.childcards.records import BirthRecord, ChildDetails, PersonDetails
from hub.childcards.rules import GuardianRole
from hub.persons.models import Gender

MOTHER = PersonDetails("Trần Thị Bình", dt.date(1995, 5, 6), "048195000456", "12 Lê Lợi")
FULL = BirthRecord(
    "20194",
    "01/2026",
    "123",
    dt.date(2026, 3, 2),
    ChildDetails("Nguyễn Văn An", Gender.MALE, dt.date(2026, 2, 20), "01", "VN", "048226000123", "Bệnh viện C"),
    MOTHER,
    "48195",
    DeliveryMethod.BY_POST,
    MOTHER,
    PersonDetails("Nguyễn Văn Cường"),
    GuardianRole.MOTHER,
    "12 Lê Lợi, Hải Châu",
)
MINIMAL = BirthRecord(
    "20194",
    "01",
    "7",
    dt.date(2026, 3, 2),
    ChildDetails("An", Gender.FEMALE, dt.date(2026, 3, 1)),
    PersonDetails("Bình"),
    "48195",
    DeliveryMethod.AT_OFFICE,
)


def _generic(value: Any) -> Any:
    """Every field of the record, dates as ISO text, enumerations as their values: what the canonical form is."""
    if dataclasses.is_dataclass(value):
        return {f.name: _generic(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@pytest.mark.parametrize("record", [FULL, MINIMAL])
def test_the_canonical_form_has_every_field_and_reads_back(record):
    assert record.canonical() == _generic(record)
    assert BirthRecord.from_canonical(record.canonical()) == record


def test_the_hashes_of_records_already_stored_do_not_change():
    # Computed when the form was built with dataclasses.asdict: a record sent again must still be recognised.
    assert FULL.content_hash() == "a26f312017805da7d53dc7e9b7d8cc73ba2bcc28b0f313587ace8e57e4521013"
    assert MINIMAL.content_hash() == "7edbe36459c096c3e5622e6f8c17e649712622aabe2da43e9092f42ce3877f2e"


def test_mapping_texts_visits_every_field_in_the_order_of_a_records_errors():
    assert list(FULL.texts()) == [
        *(f"registrant.{name}" for name in ("fullName", "personalIdNumber", "address")),
        "registryOfficeCode",
        "bookNumber",
        "recordNumber",
        *(f"child.{n}" for n in ("fullName", "ethnicityCode", "nationality", "personalIdNumber", "placeOfBirth")),
        "facilityCode",
        *(f"{role}.{n}" for role in ("mother", "father") for n in ("fullName", "personalIdNumber", "address")),
        "deliveryAddress",
    ]


def test_mapping_texts_keeps_what_it_does_not_change():
    assert FULL.cleaned() is FULL  # nothing to clean: the record itself
    renamed = FULL.map_texts(lambda name, value: "Hồ Thị Lan" if name == "mother.fullName" else value)
    assert renamed.mother == dataclasses.replace(MOTHER, full_name="Hồ Thị Lan")
    assert renamed.registrant is FULL.registrant and renamed.child is FULL.child and renamed.father is FULL.father
    assert dataclasses.replace(renamed, mother=MOTHER) == FULL


def test_a_canonical_form_with_an_unknown_value_is_refused_as_before():
    data = FULL.canonical()
    with pytest.raises(ValueError, match="'other' is not a valid Gender"):
        BirthRecord.from_canonical({**data, "child": {**data["child"], "gender": "other"}})
    with pytest.raises(ValueError, match="is not a valid DeliveryMethod"):
        BirthRecord.from_canonical({**data, "delivery": "by_drone"})
