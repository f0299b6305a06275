"""The population database's family-relationship query (a mother's children) against its simulator, a real HTTP
service that takes only calls signed by the hub and bearing its token; and how the claims' evidence job counts
the answer (or its absence)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from connectors import PermanentError
from connectors.population import ChildrenAnswer, PopulationClient, RegisteredChild
from connectors.simulators.population import PopulationRegister, RegisteredPerson, create_population_simulator
from connectors.simulators.serve import running
from hub.claims.evidence import ChildrenCount, MotherToAsk, count_children
from hub.claims.rules import RegisterCheck
from hub.persons.models import Gender
from signing.detached import MessageSigner
from tests.conftest import hub_certificate, hub_signing_identity

TOKEN = "population-token"
MOTHER, ELDER, DEAD, NEWBORN, STRANGER = "048194000123", "048223000111", "048224000222", "048226000333", "048190000999"
BORN = dt.date(2026, 8, 10)
NOW = dt.datetime(2026, 8, 20, 3, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def population():
    register = PopulationRegister()
    register.add_many(
        [
            RegisteredPerson("Phạm Thị Hoa", dt.date(1995, 5, 20), Gender.FEMALE, MOTHER),
            RegisteredPerson("Lê Minh Khang", dt.date(2023, 4, 2), Gender.MALE, ELDER, MOTHER),
            RegisteredPerson(
                "Lê Minh Châu", dt.date(2024, 6, 1), Gender.FEMALE, DEAD, MOTHER, date_of_death=dt.date(2025, 1, 3)
            ),
            RegisteredPerson("Lê Minh An", BORN, Gender.MALE, NEWBORN, MOTHER),
            RegisteredPerson("Lê Thị Nụ", BORN, Gender.FEMALE, None, MOTHER),  # no number yet
        ]
    )
    app = create_population_simulator(register=register, token=TOKEN, hub_certificate=hub_certificate())
    with running(app) as url:
        yield url


def client(url: str, token: str = TOKEN) -> PopulationClient:
    return PopulationClient(url, token=token, signer=MessageSigner(hub_signing_identity()))


async def test_a_mothers_children_come_with_their_birth_dates_and_whether_they_live(population):
    """Four children: one older living, one older dead (3/1/2025), the newborn and its twin without a number yet.
    Living before a birth on 10/8/2026: only the elder, 1."""
    async with client(population) as register:
        answer = await register.children_of(MOTHER)
    assert answer.found and answer.mother_personal_id == MOTHER
    assert [(c.personal_id, c.date_of_birth, c.alive) for c in answer.children] == [
        (ELDER, dt.date(2023, 4, 2), True),
        (DEAD, dt.date(2024, 6, 1), False),
        (NEWBORN, BORN, True),
        (None, BORN, True),
    ]
    assert answer.children[1].date_of_death == dt.date(2025, 1, 3)
    assert answer.living_before(BORN) == 1
    assert answer.living_before(dt.date(2024, 12, 1)) == 2  # the second was alive then


async def test_an_unknown_mother_is_an_answer_not_an_error(population):
    async with client(population) as register:
        answer = await register.children_of(STRANGER)
    assert not answer.found and answer.children == ()


async def test_a_call_without_the_token_is_refused(population):
    async with client(population, token="wrong") as register:
        with pytest.raises(PermanentError):
            await register.children_of(MOTHER)


def test_the_answer_round_trips_and_refuses_inconsistent_children():
    dead = RegisteredChild(dt.date(2024, 6, 1), alive=False, personal_id=DEAD)  # died, date unknown
    answer = ChildrenAnswer(MOTHER, True, (dead,), NOW)
    assert ChildrenAnswer.from_json(answer.to_json()) == answer
    assert answer.living_before(BORN) == 0
    with pytest.raises(ValueError):
        RegisteredChild(dt.date(2024, 6, 1), alive=True, date_of_death=dt.date(2025, 1, 3))
    with pytest.raises(ValueError):
        ChildrenAnswer(STRANGER, False, (dead,), NOW)


async def test_the_evidence_job_counts_the_living_children_before_the_birth_or_reports_no_answer(population):
    """Before a birth on 10/8/2026 the register lists the elder son alive (1), the daughter dead before it, the
    newborn and its twin not before it: ANSWERED 1. An unknown mother: MOTHER_NOT_FOUND. A register that cannot be
    reached: NO_ANSWER, and no error (the certificate's count then stands)."""
    claim = uuid.uuid4()
    async with client(population) as register:
        counted = await count_children(register, MotherToAsk(claim, "R-1", BORN, MOTHER))
        unknown = await count_children(register, MotherToAsk(claim, "R-1", BORN, STRANGER))
    assert counted == ChildrenCount(claim, RegisterCheck.ANSWERED, 1)
    assert unknown == ChildrenCount(claim, RegisterCheck.MOTHER_NOT_FOUND)
    async with client("http://127.0.0.1:9") as unreachable:
        silent = await count_children(unreachable, MotherToAsk(claim, "R-1", BORN, MOTHER))
    assert silent == ChildrenCount(claim, RegisterCheck.NO_ANSWER)
