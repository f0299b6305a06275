"""A second child born from 1/7/2026, the mother's living children counted by the population database's family
relationships (a real HTTP simulator) when the hub is connected to it, on both backends: the claims' evidence job
asks for the mother's children, and the register's count confirms or corrects the birth certificate's (XML9
`LAN_SINH`, `SO_CON_SONG`) [to confirm second-child-evidence]. Not connected: tests/integration/
test_claims_maternity.py."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from connectors.simulators.population import PopulationRegister, RegisteredPerson, create_population_simulator
from connectors.simulators.serve import running
from hub.infra.settings import ConnectorSettings
from hub.persons.models import Gender
from tests.conftest import hub_certificate
from tests.helpers import wait_until
from tests.integration.test_claims import claims_when
from tests.integration.test_claims_maternity import MOTHER_ID, office, second_birth  # noqa: F401
from tests.integration.test_documents import submit

TOKEN = "population-token"
ELDER, DEAD, NEWBORN = "048223000111", "048224000222", "048226000333"


@pytest.fixture(scope="module")
def population():
    register = PopulationRegister()
    app = create_population_simulator(register=register, token=TOKEN, hub_certificate=hub_certificate())
    with running(app) as url:
        yield url, register


@pytest.fixture
def settings(settings, population):  # the hub and its worker connected to the population database
    url, _ = population
    return dataclasses.replace(settings, connectors=ConnectorSettings(population_url=url, population_token=TOKEN))


@pytest.fixture
def family(population):
    """Phạm Thị Hoa (the mother of the corpus's second-birth certificate) in the register with an elder son born
    2/4/2023 and alive, a daughter born 1/6/2024 who died 3/1/2025, and the child born 10/8/2026."""
    _, register = population
    register.clear()
    register.add_many(
        [
            RegisteredPerson("Phạm Thị Hoa", dt.date(1995, 5, 20), Gender.FEMALE, MOTHER_ID),
            RegisteredPerson("Lê Minh Khang", dt.date(2023, 4, 2), Gender.MALE, ELDER, MOTHER_ID),
            RegisteredPerson(
                "Lê Minh Châu", dt.date(2024, 6, 1), Gender.FEMALE, DEAD, MOTHER_ID, date_of_death=dt.date(2025, 1, 3)
            ),
            RegisteredPerson("Lê Minh An", dt.date(2026, 8, 10), Gender.MALE, NEWBORN, MOTHER_ID),
        ]
    )
    return register


async def counted_by_the_register(client, token: str) -> dict:
    """The mother's maternity claim once it is computed with the register's answer."""
    found: list[dict] = []

    async def answered() -> bool:
        found[:] = await claims_when(client, token, 1, states=["COMPUTED"])
        details = found[0]["details"]
        explanation = " ".join(line["textVi"] for line in found[0]["computation"]["explanation"])
        return details.get("register_check") == "answered" and "Cơ sở dữ liệu quốc gia về dân cư: mẹ" in explanation

    await wait_until(answered)
    return found[0]


async def test_a_second_child_confirmed_by_the_population_database(hub, office, family):  # noqa: F811
    """XML9: LAN_SINH 2, SO_CON_SONG 2, one child → 1 living child before. The register: the elder son alive, the
    daughter dead before the birth, the newborn not before it → 1. They agree: a second child born 10/8/2026.
    10,000,000 a month (average of 2/2026–7/2026) × 7 months = 70,000,000; lump sum 2 × 2,530,000 (reference level
    of 8/2026) = 5,060,000; total 75,060,000."""
    client, _ = hub
    assert (await submit(client, office["bv-48001"], second_birth()))["receipt"]
    claim = await counted_by_the_register(client, office["processor-48"])
    assert claim["details"]["living_children_before"] == 1 and claim["details"]["register_living_children"] == 1
    assert claim["eligible"] and claim["computation"]["leaveMonths"] == 7
    assert claim["amountVnd"] == 75_060_000
    lines = claim["computation"]["explanation"]
    vi = next(line["textVi"] for line in lines if "Cơ sở dữ liệu quốc gia về dân cư: mẹ" in line["textVi"])
    assert "mẹ có 1 con còn sống trước lần sinh này, khớp với giấy chứng sinh (XML9: 1)" in vi
    assert any("National population database: the mother had 1 living" in line["textEn"] for line in lines)
    assert not any("second-child-evidence" in line["textEn"] for line in lines)  # no disagreement


async def test_the_population_database_makes_a_first_child_on_the_certificate_a_second(hub, office, family):  # noqa: F811
    """XML9 says a first birth (LAN_SINH 1, SO_CON_SONG 1) → 0 living children before: 6 months, 65,060,000 on the
    certificate alone. The register shows the elder son alive at the birth → 1: the register wins [to confirm
    second-child-evidence], a second child → 10,000,000 × 7 = 70,000,000 + 2 × 2,530,000 = 75,060,000."""
    client, _ = hub
    assert (await submit(client, office["bv-48001"], second_birth(lan_sinh=1, so_con_song=1)))["receipt"]
    claim = await counted_by_the_register(client, office["processor-48"])
    assert claim["details"]["living_children_before"] == 0 and claim["details"]["register_living_children"] == 1
    assert claim["computation"]["leaveMonths"] == 7 and claim["amountVnd"] == 75_060_000
    lines = claim["computation"]["explanation"]
    line = next(line for line in lines if "Cơ sở dữ liệu quốc gia về dân cư: mẹ" in line["textVi"])
    assert "giấy chứng sinh (XML9) ghi 0: dùng số của Cơ sở dữ liệu quốc gia về dân cư" in line["textVi"]
    assert "[to confirm second-child-evidence" in line["textEn"]
    assert "[cần xác nhận second-child-evidence" in line["textVi"]


async def test_a_mother_the_register_does_not_know_keeps_the_certificate_count(hub, office, population):  # noqa: F811
    """The register is empty: XML9's 1 living child stands, said so → 7 months, 75,060,000."""
    _, register = population
    register.clear()
    client, _ = hub
    assert (await submit(client, office["bv-48001"], second_birth()))["receipt"]
    found: list[dict] = []

    async def told() -> bool:
        found[:] = await claims_when(client, office["processor-48"], 1, states=["COMPUTED"])
        return found[0]["details"].get("register_check") == "mother_not_found" and any(
            "does not know the mother" in line["textEn"] for line in found[0]["computation"]["explanation"]
        )

    await wait_until(told)
    assert found[0]["computation"]["leaveMonths"] == 7 and found[0]["amountVnd"] == 75_060_000
