"""The checks of a placed record (`check_record`) that need no database."""

import dataclasses
import datetime as dt

import pytest

from hub.childcards.checks import check_record
from tests.unit.test_childcard_records import FULL, MOTHER

TODAY = dt.date(2026, 3, 10)


def number_errors(mother_number: str, *, registrant_is_mother: bool) -> list[tuple[str, str | None]]:
    mother = dataclasses.replace(MOTHER, personal_id_number=mother_number)
    registrant = mother if registrant_is_mother else dataclasses.replace(mother)  # the same details, or a copy
    record = dataclasses.replace(FULL, mother=mother, registrant=registrant)
    errors = check_record(record, today=TODAY, facility=None)
    return [(e.code, e.field) for e in errors if e.code == "PERSON_ID_NUMBER_INVALID"]


@pytest.mark.parametrize("registrant_is_mother", [True, False])
def test_a_registrant_who_is_the_mother_has_her_number_checked_as_hers(registrant_is_mother):
    # Good for both; the registrant's check (without a gender) is the mother's, which passed.
    assert number_errors("048195000456", registrant_is_mother=registrant_is_mother) == []
    # Says born 1996: wrong for both, each answered.
    assert number_errors("048196000456", registrant_is_mother=registrant_is_mother) == [
        ("PERSON_ID_NUMBER_INVALID", "mother.personalIdNumber"),
        ("PERSON_ID_NUMBER_INVALID", "registrant.personalIdNumber"),
    ]
    # Says male: wrong for the mother only, a registrant's gender being unknown.
    assert number_errors("048095000456", registrant_is_mother=registrant_is_mother) == [
        ("PERSON_ID_NUMBER_INVALID", "mother.personalIdNumber")
    ]
