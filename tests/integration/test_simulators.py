"""The connectors against their simulators, each a real HTTP service on loopback started with `running(...)`."""

import datetime as dt
import socket
import time

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
    Refusal,
)
from connectors.http import unparsed
from connectors.population import ChildField, ChildQuery, IdentityAnswer, IdentityStatus, PopulationClient
from connectors.simulators.civil_registry import OutcomeStore, create_civil_registry_simulator
from connectors.simulators.population import PopulationRegister, RegisteredPerson, create_population_simulator
from connectors.simulators.serve import running
from hub.infra.clock import FixedClock
from hub.persons.models import Gender

START = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
TOKEN = "simulator-token"
BORN = dt.date(2026, 10, 1)
MOTHER = "001190012345"
CHILD = "001226012345"


# -- population database ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def population_clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture(scope="module")
def population_server(population_clock):
    register = PopulationRegister()
    with running(create_population_simulator(clock=population_clock, register=register, token=TOKEN)) as url:
        yield url, register


@pytest.fixture
def population_url(population_server) -> str:
    url, register = population_server
    register.clear()
    return url


def an(**changes) -> ChildQuery:
    fields = {"full_name": "Nguyễn Văn An", "date_of_birth": BORN, "gender": Gender.MALE, "mother_personal_id": MOTHER}
    return ChildQuery(**{**fields, **changes})


async def load(url: str, *people: RegisteredPerson) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url) as sim:
        return await sim.post("/sim/people", json=[person.to_json() for person in people])


async def test_a_registered_child_matches_and_gets_the_number(population_url, population_clock):
    # Given a child in the register, with the mother's number
    loaded = await load(population_url, RegisteredPerson("Nguyễn Văn An", BORN, Gender.MALE, CHILD, MOTHER))
    assert loaded.status_code == 201 and loaded.json() == {"loaded": 1, "total": 1}
    # When the hub asks about the child without the number, spelling the name without diacritics
    async with PopulationClient(population_url, token=TOKEN) as client:
        answer = await client.verify_child(an(full_name="NGUYEN VAN AN"))
    # Then the register recognises the child and gives the number
    assert answer == IdentityAnswer.match(CHILD, population_clock.now())


async def test_many_children_are_checked_in_one_call_each_answered_in_order(population_url, population_clock):
    # Given one registered child and one the register has never seen
    await load(population_url, RegisteredPerson("Nguyễn Văn An", BORN, Gender.MALE, CHILD, MOTHER))
    # When the hub asks about both, and the known one a second time with a wrong date, in one call
    async with PopulationClient(population_url, token=TOKEN) as client:
        answers = await client.verify_children(
            [an(), an(full_name="Lê Thị Hoa", mother_personal_id="001190099999"), an(date_of_birth=BORN.replace(day=2))]
        )
    # Then each query gets its own answer, in the order asked
    now = population_clock.now()
    assert answers == (
        IdentityAnswer.match(CHILD, now),
        IdentityAnswer.not_found(now),
        IdentityAnswer.mismatch((ChildField.DATE_OF_BIRTH,), now),
    )


async def test_a_batch_with_one_malformed_query_is_refused_whole(population_url):
    body = {"queries": [an().to_json(), {**an().to_json(), "gender": "other"}]}
    async with PopulationClient(population_url, token=TOKEN) as client:
        with pytest.raises(PermanentError) as caught:
            await client.request("POST", "/v1/identity/verify-children", body=body, parse=unparsed)
        with pytest.raises(ValueError, match="1 to 500"):
            await client.verify_children([])
    assert caught.value.status == 400


async def test_a_child_who_disagrees_is_a_mismatch_naming_the_fields(population_url):
    await load(population_url, RegisteredPerson("Nguyễn Văn An", BORN, Gender.MALE, CHILD, MOTHER))
    async with PopulationClient(population_url, token=TOKEN) as client:
        by_number = await client.verify_child(an(personal_id=CHILD, full_name="Nguyễn Văn Bình", gender=Gender.FEMALE))
        by_mother = await client.verify_child(an(date_of_birth=dt.date(2026, 9, 30)))
    assert by_number.status is IdentityStatus.MISMATCH
    assert by_number.mismatched == (ChildField.FULL_NAME, ChildField.GENDER)
    assert by_mother.mismatched == (ChildField.DATE_OF_BIRTH,)


async def test_an_unknown_child_is_not_found(population_url):
    await load(population_url, RegisteredPerson("Nguyễn Văn An", BORN, Gender.MALE, CHILD, MOTHER))
    async with PopulationClient(population_url, token=TOKEN) as client:
        unknown_number = await client.verify_child(an(personal_id="001226099999"))
        unknown_child = await client.verify_child(an(full_name="Lê Thị Hoa", gender=Gender.FEMALE))
    assert unknown_number.status is IdentityStatus.NOT_FOUND
    assert unknown_child.status is IdentityStatus.NOT_FOUND


async def test_a_pending_number_becomes_a_match_once_the_clock_passes_its_date(population_url, population_clock):
    # Given a child whose number is assigned a day from now
    available = population_clock.now() + dt.timedelta(days=1)
    await load(population_url, RegisteredPerson("Nguyễn Văn An", BORN, Gender.MALE, CHILD, MOTHER, available))
    async with PopulationClient(population_url, token=TOKEN) as client:
        # When the hub asks today, the register says to come back then
        today = await client.verify_child(an())
        # And when it asks again after that time, it gets the number
        population_clock.advance(dt.timedelta(days=1, seconds=1))
        tomorrow = await client.verify_child(an())
    assert today.status is IdentityStatus.PENDING
    assert today.retry_after == available
    assert tomorrow == IdentityAnswer.match(CHILD, population_clock.now())


async def test_a_malformed_load_is_refused_whole_with_the_reason(population_url):
    good = RegisteredPerson("Nguyễn Văn An", BORN, Gender.MALE, CHILD, MOTHER).to_json()
    async with httpx.AsyncClient(base_url=population_url) as sim:
        refused = await sim.post("/sim/people", json=[good, {**good, "personal_id": None, "gender": "x"}])
        health = await sim.get("/healthz")
    assert refused.status_code == 400
    assert refused.json()["reason"] == "body[1].gender: expected one of male, female"
    assert health.json() == {"status": "ok", "people": 0}


async def test_a_wrong_token_is_permanent(population_url):
    async with PopulationClient(population_url, token="not-the-token") as client:
        with pytest.raises(PermanentError) as caught:
            await client.verify_child(an())
    assert caught.value.status == 401


async def test_an_unavailable_register_is_transient():
    with running(create_population_simulator(failure_rate=1.0)) as url:
        async with PopulationClient(url) as client:
            with pytest.raises(TransientError) as caught:
                await client.verify_child(an())
    assert (caught.value.status, caught.value.retry_after) == (503, 1.0)


async def test_nobody_listening_is_transient():
    with socket.socket() as probe:  # a port that was free a moment ago, and closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with PopulationClient(f"http://127.0.0.1:{port}", timeout=2) as client:
        with pytest.raises(TransientError, match="could not connect"):
            await client.verify_child(an())


async def test_failures_follow_the_seed_and_latency_delays_each_call():
    async def statuses(seed: int) -> list[int]:
        app = create_population_simulator(failure_rate=0.5, seed=seed)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as sim:
            return [(await sim.post("/v1/identity/verify-child", json=an().to_json())).status_code for _ in range(40)]

    first, again, other = await statuses(1), await statuses(1), await statuses(2)
    assert first == again != other
    assert set(first) == {200, 503}

    slow = create_population_simulator(latency_ms=30)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=slow), base_url="http://sim") as sim:
        started = time.perf_counter()
        await sim.post("/v1/identity/verify-child", json=an().to_json())
        assert time.perf_counter() - started >= 0.03


# -- civil registry ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry_server():
    store = OutcomeStore()
    with running(create_civil_registry_simulator(clock=FixedClock(START), store=store)) as url:
        yield url, store


@pytest.fixture
def registry_url(registry_server) -> str:
    url, store = registry_server
    store.clear()
    return url


def outcome(**changes) -> CaseOutcome:
    fields = {
        "event_id": "evt-1",
        "office_code": "00004",
        "book_number": "01/2026",
        "record_number": "123",
        "case_reference": "case-1",
        "state": CaseState.CARD_ISSUED,
        "changed_at": START,
        "card": Card("TE1790123456789", BORN, dt.date(2032, 9, 30)),
    }
    return CaseOutcome(**{**fields, **changes})


async def test_the_same_event_pushed_twice_is_stored_once_with_the_same_acknowledgement(registry_url):
    async with CivilRegistryClient(registry_url) as client:
        first = await client.push_outcome(outcome())
        again = await client.push_outcome(outcome())
        stored = await client.list_outcomes(case="case-1")
    assert first == again == Acknowledgement("evt-1", START)
    assert [received.outcome for received in stored] == [outcome()]


async def test_outcomes_are_listed_by_office_and_case_newest_last(registry_url):
    rejected = Reason("CHILD_TOO_OLD", "Trẻ đã đủ 6 tuổi khi đăng ký", "The child was 6 or older when registered")
    pushed = [
        outcome(event_id="e1", state=CaseState.RECEIVED, card=None),
        outcome(event_id="e2", case_reference="case-2", state=CaseState.REJECTED, card=None, reasons=(rejected,)),
        outcome(event_id="e3"),
        outcome(event_id="e4", office_code="00007", case_reference="case-9", state=CaseState.NEEDS_REVIEW, card=None),
    ]
    async with CivilRegistryClient(registry_url) as client:
        for item in pushed:
            await client.push_outcome(item)
        case_1 = await client.list_outcomes(office="00004", case="case-1")
        office = await client.list_outcomes(office="00004")
        everything = await client.list_outcomes()
    assert [received.outcome for received in case_1] == [pushed[0], pushed[2]]
    assert [received.outcome.event_id for received in office] == ["e1", "e2", "e3"]
    assert [received.outcome for received in everything] == pushed


async def test_a_malformed_body_is_permanent_with_the_reason(registry_url):
    async with CivilRegistryClient(registry_url) as client:
        with pytest.raises(PermanentError) as caught:
            await client.request("POST", "/v1/outcomes", body={**outcome().to_json(), "card": None}, parse=unparsed)
    assert caught.value.status == 400
    assert caught.value.reason == "POST /v1/outcomes: an outcome in state card_issued needs the card"


async def test_an_event_id_reused_for_other_content_is_permanent(registry_url):
    async with CivilRegistryClient(registry_url) as client:
        await client.push_outcome(outcome())
        with pytest.raises(PermanentError) as caught:
            await client.push_outcome(outcome(state=CaseState.CARD_REVOKED))
    assert caught.value.status == 409


async def test_a_batch_of_outcomes_is_acknowledged_one_by_one_and_a_conflict_refused_alone(registry_url):
    # Given an event the registry already holds
    async with CivilRegistryClient(registry_url) as client:
        await client.push_outcome(outcome(event_id="e1"))
        # When a batch repeats it, reuses its id for other content, and brings two new events of two offices
        results = await client.push_outcomes(
            [
                outcome(event_id="e1"),
                outcome(event_id="e1", state=CaseState.CARD_REVOKED),
                outcome(event_id="e2", state=CaseState.RECEIVED, card=None),
                outcome(event_id="e3", office_code="00007", case_reference="case-7"),
            ]
        )
        stored = await client.list_outcomes()
    # Then the repeat and the new ones are acknowledged, the conflicting one alone refused, and nothing doubled
    assert results[0] == Acknowledgement("e1", START)
    assert isinstance(results[1], Refusal) and results[1].code == "conflicting_event"
    assert results[2:] == (Acknowledgement("e2", START), Acknowledgement("e3", START))
    assert [received.outcome.event_id for received in stored] == ["e1", "e2", "e3"]


async def test_a_malformed_batch_stores_nothing(registry_url):
    body = {"outcomes": [outcome(event_id="ok").to_json(), {**outcome().to_json(), "card": None}]}
    async with CivilRegistryClient(registry_url) as client:
        with pytest.raises(PermanentError) as caught:
            await client.request("POST", "/v1/outcomes/batch", body=body, parse=unparsed)
        assert await client.list_outcomes() == ()
    assert caught.value.status == 400


async def test_an_unavailable_registry_is_transient():
    with running(create_civil_registry_simulator(failure_rate=1.0)) as url:
        async with CivilRegistryClient(url) as client:
            with pytest.raises(TransientError) as caught:
                await client.push_outcome(outcome())
            with pytest.raises(TransientError):
                await client.list_outcomes()
    assert caught.value.status == 503
