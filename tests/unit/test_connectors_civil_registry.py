"""The civil-registry connector: outcomes on the wire, the client over a mock transport, and the simulator's store."""

import datetime as dt
import json

import httpx
import pytest

from connectors import PermanentError, TransientError
from connectors.civil_registry import (
    Acknowledgement,
    Card,
    CaseOutcome,
    CaseState,
    CivilRegistryClient,
    Reason,
    ReceivedOutcome,
)
from connectors.simulators.civil_registry import ConflictingEvent, OutcomeStore
from connectors.wire import MalformedJson

CHANGED = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
RECEIVED = CHANGED + dt.timedelta(seconds=2)
CARD = Card("TE1790123456789", dt.date(2026, 10, 1), dt.date(2032, 9, 30))
TOO_OLD = Reason("CHILD_TOO_OLD", "Trẻ đã đủ 6 tuổi khi đăng ký", "The child was 6 or older when registered")


def outcome(**changes) -> CaseOutcome:
    fields = {
        "event_id": "evt-1",
        "office_code": "00004",
        "book_number": "01/2026",
        "record_number": "123",
        "case_reference": "case-1",
        "state": CaseState.CARD_ISSUED,
        "changed_at": CHANGED,
        "card": CARD,
    }
    return CaseOutcome(**{**fields, **changes})


def test_an_issued_card_on_the_wire_looks_like_this():
    assert outcome().to_json() == {
        "event_id": "evt-1",
        "office_code": "00004",
        "book_number": "01/2026",
        "record_number": "123",
        "case_reference": "case-1",
        "state": "card_issued",
        "changed_at": "2026-11-02T03:00:00+00:00",
        "card": {"number": "TE1790123456789", "valid_from": "2026-10-01", "valid_to": "2032-09-30"},
        "reasons": [],
    }


@pytest.mark.parametrize(
    "item",
    [
        outcome(),
        outcome(state=CaseState.RECEIVED, card=None),
        outcome(state=CaseState.REJECTED, card=None, reasons=(TOO_OLD, TOO_OLD)),
        outcome(state=CaseState.CARD_REVOKED, reasons=(TOO_OLD,)),
        outcome(state=CaseState.NEEDS_REVIEW, card=None),
    ],
)
def test_every_state_travels_and_back(item):
    assert CaseOutcome.from_json(json.loads(json.dumps(item.to_json(), ensure_ascii=False))) == item


@pytest.mark.parametrize(
    "make",
    [
        lambda: outcome(card=None),
        lambda: outcome(state=CaseState.CARD_CHANGED, card=None),
        lambda: outcome(state=CaseState.REJECTED, card=None),
        lambda: outcome(event_id=" "),
        lambda: outcome(record_number="9" * 101),
        lambda: outcome(changed_at=dt.datetime(2026, 11, 2, 3, 0)),
        lambda: Card("TE1790123456789", dt.date(2026, 10, 1), dt.date(2026, 9, 30)),
        lambda: Reason("CODE", "", "English"),
    ],
)
def test_an_outcome_that_does_not_hold_together_is_refused(make):
    with pytest.raises(ValueError):
        make()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"state": "lost"}, "state: expected one of received, card_issued"),
        ({"changed_at": "2026-11-02T03:00:00"}, "changed_at: expected an ISO 8601 timestamp with a time zone"),
        ({"card": {"number": "TE1", "valid_from": "2026-10-01"}}, "card.valid_to: expected a date"),
        ({"reasons": [{"code": "X", "message_vi": "v"}]}, r"reasons\[0\].message_en: expected"),
        ({"reasons": "none"}, "reasons: expected a JSON list"),
    ],
)
def test_a_malformed_outcome_names_the_field(change, message):
    with pytest.raises(MalformedJson, match=message):
        CaseOutcome.from_json({**outcome().to_json(), **change})


def test_a_body_that_is_not_an_object_is_malformed():
    with pytest.raises(MalformedJson, match="expected a JSON object"):
        CaseOutcome.from_json([outcome().to_json()])


# -- client over a mock transport ---------------------------------------------------------------------------------


def client_answering(status: int, body: object) -> tuple[CivilRegistryClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    transport = httpx.MockTransport(handler)
    return CivilRegistryClient("http://registry.test", token="t0ken", transport=transport), seen


async def test_push_outcome_posts_it_and_reads_the_acknowledgement():
    client, seen = client_answering(201, {"event_id": "evt-1", "received_at": "2026-11-02T10:00:02+07:00"})
    async with client:
        ack = await client.push_outcome(outcome())
    assert ack == Acknowledgement("evt-1", RECEIVED)
    assert (seen[0].method, seen[0].url.path) == ("POST", "/v1/outcomes")
    assert json.loads(seen[0].content) == outcome().to_json()
    assert seen[0].headers["authorization"] == "Bearer t0ken"


async def test_an_acknowledgement_of_another_event_is_permanent():
    client, _ = client_answering(200, {"event_id": "evt-2", "received_at": "2026-11-02T03:00:02+00:00"})
    async with client:
        with pytest.raises(PermanentError, match="acknowledged event 'evt-2'"):
            await client.push_outcome(outcome())


async def test_a_refused_outcome_is_permanent_with_the_receivers_reason():
    client, _ = client_answering(400, {"error": "malformed", "reason": "state: expected one of ..."})
    async with client:
        with pytest.raises(PermanentError) as caught:
            await client.push_outcome(outcome())
    assert caught.value.status == 400
    assert caught.value.reason == "POST /v1/outcomes: state: expected one of ..."


async def test_an_outage_is_transient_with_its_retry_hint():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"reason": "simulated outage"}, headers={"Retry-After": "1"})

    async with CivilRegistryClient("http://registry.test", transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(TransientError) as caught:
            await client.push_outcome(outcome())
    assert (caught.value.status, caught.value.retry_after) == (503, 1.0)


async def test_list_outcomes_sends_the_filters_and_reads_the_list():
    listed = ReceivedOutcome(outcome(), RECEIVED)
    client, seen = client_answering(200, {"outcomes": [listed.to_json()]})
    async with client:
        assert await client.list_outcomes(office="00004", case="case-1") == (listed,)
        assert await client.list_outcomes() == (listed,)
    assert dict(seen[0].url.params) == {"office": "00004", "case": "case-1"}
    assert not seen[1].url.params


# -- the simulator's store -------------------------------------------------------------------------------------------


def test_the_store_keeps_an_event_once_and_acknowledges_repeats_alike():
    store = OutcomeStore()
    first, new = store.receive(outcome(), RECEIVED)
    again, repeated = store.receive(outcome(), RECEIVED + dt.timedelta(minutes=5))
    assert (new, repeated) == (True, False)
    assert first == again == Acknowledgement("evt-1", RECEIVED)
    assert len(store) == 1


def test_the_store_refuses_an_event_id_reused_for_other_content():
    store = OutcomeStore()
    store.receive(outcome(), RECEIVED)
    with pytest.raises(ConflictingEvent):
        store.receive(outcome(record_number="124"), RECEIVED)


def test_the_store_lists_by_office_and_case_oldest_first():
    store = OutcomeStore()
    items = [
        outcome(event_id="a", state=CaseState.RECEIVED, card=None),
        outcome(event_id="b", office_code="00007", case_reference="case-2"),
        outcome(event_id="c"),
        outcome(event_id="d", office_code="00007"),  # the same case reference from another office
    ]
    for step, item in enumerate(items):
        store.receive(item, RECEIVED + dt.timedelta(seconds=step))

    def ids(**filters) -> list[str]:
        return [received.outcome.event_id for received in store.outcomes(**filters)]

    assert ids() == ["a", "b", "c", "d"]
    assert ids(office="00004") == ["a", "c"]
    assert ids(case="case-1") == ["a", "c", "d"]
    assert ids(office="00004", case="case-1") == ["a", "c"]
    assert ids(office="99999") == []
    store.clear()
    assert ids() == []
