"""The outcome fields added for issue 18 (change, child_personal_id, delivery): an outcome without them is read and
written exactly as before, and each round-trips."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.civil_registry import Card, CaseOutcome, CaseState, Change, Delivery, DeliveryMethod

OLD = {
    "event_id": "TE1-1",
    "office_code": "20242",
    "book_number": "01/2026",
    "record_number": "15",
    "case_reference": "TE1",
    "state": "card_issued",
    "changed_at": "2026-11-02T03:00:00+00:00",
    "card": {"number": "TE1480000000001", "valid_from": "2026-10-01", "valid_to": "2032-09-30"},
    "reasons": [],
}


def test_an_outcome_of_before_reads_and_writes_as_before():
    outcome = CaseOutcome.from_json(OLD)
    assert (outcome.change, outcome.child_personal_id, outcome.delivery) == (Change.STATE, None, None)
    assert outcome.to_json() == OLD


def test_the_new_fields_round_trip():
    outcome = CaseOutcome(
        event_id="TE1-2",
        office_code="20242",
        book_number="01/2026",
        record_number="15",
        case_reference="TE1",
        state=CaseState.CARD_CHANGED,
        changed_at=dt.datetime(2026, 11, 3, tzinfo=dt.UTC),
        card=Card("TE1480000000001", dt.date(2026, 10, 1), dt.date(2032, 9, 30)),
        change=Change.CARD_MOVED,
        delivery=Delivery(DeliveryMethod.AT_OFFICE, "UBND Phường Ba Đình", "00004", "01"),
    )
    assert CaseOutcome.from_json(outcome.to_json()) == outcome
    attached = CaseOutcome.from_json({**OLD, "change": "personal_id_attached", "child_personal_id": "048226004512"})
    assert attached.child_personal_id == "048226004512"


@pytest.mark.parametrize(
    "extra",
    [
        {"change": "personal_id_attached"},  # without the number
        {"child_personal_id": "12345"},
        {"change": "card_moved"},  # without the delivery
        {"delivery": {"method": "by_post", "address": None}},
        {"change": "teleported"},
    ],
)
def test_incomplete_new_fields_are_malformed(extra):
    with pytest.raises(ValueError):
        CaseOutcome.from_json({**OLD, **extra})
