"""The population-database connector: its wire format, its client over a mock transport, and the simulator's
register rules (match, mismatch, not found, pending) without HTTP."""

import datetime as dt
import json

import httpx
import pytest

from connectors import PermanentError, TransientError
from connectors.population import ChildField, ChildQuery, IdentityAnswer, IdentityStatus, PopulationClient
from connectors.simulators.population import PopulationRegister, RegisteredPerson
from connectors.wire import MalformedJson
from devkit.synthetic import ETHNICITIES, Address, Birth, Commune, Family, Person, WageRegion
from hub.persons.models import Gender

NOW = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
BORN = dt.date(2026, 10, 1)
MOTHER = "001190012345"
CHILD = "001226012345"
TWIN = "001226012346"


def an(**changes) -> ChildQuery:
    fields = {"full_name": "Nguyễn Văn An", "date_of_birth": BORN, "gender": Gender.MALE, "mother_personal_id": MOTHER}
    return ChildQuery(**{**fields, **changes})


def child(**changes) -> RegisteredPerson:
    fields = {
        "full_name": "Nguyễn Văn An",
        "date_of_birth": BORN,
        "gender": Gender.MALE,
        "personal_id": CHILD,
        "mother_personal_id": MOTHER,
    }
    return RegisteredPerson(**{**fields, **changes})


def register_of(*people: RegisteredPerson) -> PopulationRegister:
    register = PopulationRegister()
    register.add_many(people)
    return register


# -- wire format ------------------------------------------------------------------------------------------------


def test_a_query_travels_as_flat_json_and_back():
    query = an(personal_id=CHILD)
    assert query.to_json() == {
        "full_name": "Nguyễn Văn An",
        "date_of_birth": "2026-10-01",
        "gender": "male",
        "mother_personal_id": MOTHER,
        "personal_id": CHILD,
    }
    assert ChildQuery.from_json(json.loads(json.dumps(query.to_json()))) == query
    assert ChildQuery.from_json({**an(mother_personal_id=None).to_json()}) == an(mother_personal_id=None)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"full_name": ""}, "full_name"),
        ({"date_of_birth": "01/10/2026"}, "date_of_birth"),
        ({"gender": "m"}, "gender"),
        ({"mother_personal_id": "００1190012345"}, "mother_personal_id"),
        ({"personal_id": 1226012345}, "personal_id"),
    ],
)
def test_a_malformed_query_names_the_field(change, field):
    with pytest.raises(MalformedJson, match=f"^{field}: expected"):
        ChildQuery.from_json({**an().to_json(), **change})


def test_a_query_refuses_numbers_that_are_not_12_digits():
    with pytest.raises(ValueError, match="personal_id"):
        an(personal_id="12345")
    with pytest.raises(ValueError, match="full_name"):
        an(full_name="  ")


@pytest.mark.parametrize(
    "answer",
    [
        IdentityAnswer.match(CHILD, NOW),
        IdentityAnswer.mismatch((ChildField.FULL_NAME, ChildField.GENDER), NOW),
        IdentityAnswer.not_found(NOW),
        IdentityAnswer.pending(NOW),
        IdentityAnswer.pending(NOW, retry_after=NOW + dt.timedelta(days=1)),
    ],
)
def test_every_kind_of_answer_travels_and_back(answer):
    assert IdentityAnswer.from_json(json.loads(json.dumps(answer.to_json()))) == answer


def test_an_answer_on_the_wire_looks_like_this():
    answer = IdentityAnswer.pending(NOW, retry_after=NOW + dt.timedelta(hours=7))
    assert answer.to_json() == {
        "status": "pending",
        "personal_id": None,
        "mismatched_fields": [],
        "retry_after": "2026-11-02T10:00:00+00:00",
        "checked_at": "2026-11-02T03:00:00+00:00",
    }


def test_answer_times_are_read_in_utc_whatever_the_offset():
    answer = IdentityAnswer.from_json({"status": "not_found", "checked_at": "2026-11-02T10:00:00+07:00"})
    assert answer.checked_at == NOW
    assert answer.checked_at.tzinfo is dt.UTC


@pytest.mark.parametrize(
    "make",
    [
        lambda: IdentityAnswer(IdentityStatus.MATCH, NOW),
        lambda: IdentityAnswer(IdentityStatus.NOT_FOUND, NOW, personal_id=CHILD),
        lambda: IdentityAnswer(IdentityStatus.MISMATCH, NOW),
        lambda: IdentityAnswer(IdentityStatus.MATCH, NOW, personal_id=CHILD, mismatched=(ChildField.GENDER,)),
        lambda: IdentityAnswer(IdentityStatus.NOT_FOUND, NOW, retry_after=NOW),
        lambda: IdentityAnswer(IdentityStatus.NOT_FOUND, dt.datetime(2026, 11, 2)),
    ],
)
def test_an_answer_that_does_not_hold_together_is_refused(make):
    with pytest.raises(ValueError):
        make()


# -- client over a mock transport ---------------------------------------------------------------------------------


def client_answering(status: int, body: object) -> tuple[PopulationClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    return PopulationClient("http://population.test", transport=httpx.MockTransport(handler)), seen


async def test_verify_child_posts_the_query_and_reads_the_answer():
    client, seen = client_answering(200, IdentityAnswer.match(CHILD, NOW).to_json())
    async with client:
        answer = await client.verify_child(an())
    assert answer == IdentityAnswer.match(CHILD, NOW)
    assert seen[0].method == "POST"
    assert seen[0].url.path == "/v1/identity/verify-child"
    assert json.loads(seen[0].content) == an().to_json()


async def test_an_answer_that_breaks_the_rules_is_permanent():
    client, _ = client_answering(200, {"status": "match", "checked_at": "2026-11-02T03:00:00+00:00"})
    async with client:
        with pytest.raises(PermanentError, match="personal_id is given with a match"):
            await client.verify_child(an())


async def test_an_unknown_status_is_permanent():
    client, _ = client_answering(200, {"status": "maybe", "checked_at": "2026-11-02T03:00:00+00:00"})
    async with client:
        with pytest.raises(PermanentError, match="status: expected one of match, mismatch, not_found, pending"):
            await client.verify_child(an())


async def test_an_outage_is_transient():
    client, _ = client_answering(503, {"error": "unavailable", "reason": "simulated outage"})
    async with client:
        with pytest.raises(TransientError) as caught:
            await client.verify_child(an())
    assert caught.value.status == 503


# -- the simulator's register ---------------------------------------------------------------------------------------


def test_by_number_a_child_who_agrees_matches_with_folded_names():
    register = register_of(child())
    assert register.verify(an(personal_id=CHILD, full_name="NGUYEN  van an"), NOW) == IdentityAnswer.match(CHILD, NOW)


def test_by_number_every_disagreeing_field_is_listed():
    register = register_of(child())
    query = an(personal_id=CHILD, full_name="Nguyễn Văn Anh", gender=Gender.FEMALE, mother_personal_id=TWIN)
    answer = register.verify(query, NOW)
    assert answer.status is IdentityStatus.MISMATCH
    assert answer.mismatched == (ChildField.FULL_NAME, ChildField.GENDER, ChildField.MOTHER_PERSONAL_ID)
    assert answer.personal_id is None


def test_by_number_the_mother_is_compared_only_when_the_query_gives_her():
    register = register_of(child())
    assert register.verify(an(personal_id=CHILD, mother_personal_id=None), NOW).status is IdentityStatus.MATCH


def test_an_unknown_number_is_not_found():
    assert register_of(child()).verify(an(personal_id=TWIN), NOW).status is IdentityStatus.NOT_FOUND


def test_without_a_number_name_birth_gender_and_mother_find_the_number():
    register = register_of(child(), child(full_name="Nguyễn Văn Bình", personal_id=TWIN))
    assert register.verify(an(full_name="nguyen van an"), NOW) == IdentityAnswer.match(CHILD, NOW)
    assert register.verify(an(mother_personal_id=None), NOW) == IdentityAnswer.match(CHILD, NOW)


def test_without_a_number_namesakes_are_not_guessed_between():
    register = register_of(child(), child(personal_id=TWIN, mother_personal_id="001190099999"))
    assert register.verify(an(mother_personal_id=None), NOW).status is IdentityStatus.NOT_FOUND
    assert register.verify(an(), NOW) == IdentityAnswer.match(CHILD, NOW)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"full_name": "Nguyễn Văn Anh"}, ChildField.FULL_NAME),
        ({"date_of_birth": dt.date(2026, 10, 2)}, ChildField.DATE_OF_BIRTH),
        ({"gender": Gender.FEMALE}, ChildField.GENDER),
    ],
)
def test_a_child_of_the_mother_who_differs_in_one_field_is_a_mismatch(change, field):
    answer = register_of(child()).verify(an(**change), NOW)
    assert answer == IdentityAnswer.mismatch((field,), NOW)


def test_two_fields_off_or_two_near_children_is_not_found():
    register = register_of(child(), child(full_name="Nguyễn Văn Bình", personal_id=TWIN))
    # Two of the mother's children each differ only by name from "Nguyễn Văn Cường": which one is meant?
    assert register.verify(an(full_name="Nguyễn Văn Cường"), NOW).status is IdentityStatus.NOT_FOUND
    assert register_of(child()).verify(an(full_name="Lê Thị Hoa", gender=Gender.FEMALE), NOW).status is (
        IdentityStatus.NOT_FOUND
    )


def test_a_namesake_with_another_mother_is_not_taken_for_a_typo_in_her_number():
    answer = register_of(child()).verify(an(mother_personal_id="001190099999"), NOW)
    assert answer.status is IdentityStatus.NOT_FOUND


def test_a_number_not_yet_assigned_is_pending_until_it_is():
    later = NOW + dt.timedelta(days=1)
    register = register_of(child(number_available_at=later), child(full_name="Nguyễn Văn Bình", personal_id=None))
    assert register.verify(an(), NOW) == IdentityAnswer.pending(NOW, retry_after=later)
    assert register.verify(an(), later) == IdentityAnswer.match(CHILD, later)
    assert register.verify(an(full_name="Nguyễn Văn Bình"), later) == IdentityAnswer.pending(later)


def test_a_number_held_by_someone_else_refuses_the_whole_batch():
    register = register_of(child())
    with pytest.raises(ValueError, match="already registered"):
        register.add_many([child(personal_id=TWIN), child(full_name="Lê Văn Cường")])
    assert len(register) == 1
    assert register.add(child()) is False  # the very same record: nothing to do
    assert len(register) == 1


def test_a_date_for_a_number_needs_the_number():
    with pytest.raises(ValueError, match="number_available_at"):
        child(personal_id=None, number_available_at=NOW)


def synthetic_person(number: int, name: str, gender: Gender, born: dt.date, personal_id: str | None) -> Person:
    commune = Commune("00004", "Phường Ba Đình", "01", "Thành phố Hà Nội", "01", True, WageRegion.I)
    address = Address("Số 1 phố Điện Biên Phủ", commune)
    return Person(number, name, name.split()[0], gender, born, ETHNICITIES[0], personal_id, None, "01", address)


def test_a_synthetic_population_loads_with_children_linked_to_their_mother():
    mother = synthetic_person(1, "Trần Thị Mai", Gender.FEMALE, dt.date(1990, 3, 4), MOTHER)
    father = synthetic_person(2, "Nguyễn Văn Hùng", Gender.MALE, dt.date(1988, 5, 6), "001088012345")
    son = synthetic_person(3, "Nguyễn Văn An", Gender.MALE, BORN, CHILD)
    late = synthetic_person(4, "Nguyễn Thị Bình", Gender.FEMALE, BORN, None)
    births = tuple(Birth(kid, 1, 2, False, False, BORN) for kid in (son, late))
    register = PopulationRegister()

    assert register.add_families([Family(mother.address, mother, father, births)]) == 4

    assert register.verify(an(), NOW) == IdentityAnswer.match(CHILD, NOW)
    assert register.verify(an(full_name="Nguyễn Thị Bình", gender=Gender.FEMALE), NOW) == IdentityAnswer.pending(NOW)
    register.clear()
    assert len(register) == 0
