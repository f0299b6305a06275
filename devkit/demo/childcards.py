"""The child-card part of `hub demo`: registrations arrive, cards are issued, a correction, a cancellation, a
child without an ID number, a probable duplicate; the outcomes arrive at the registry's (simulated) software."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

from sqlalchemy import select

from connectors.civil_registry import CivilRegistryClient, ReceivedOutcome
from connectors.simulators.population import PopulationRegister, RegisteredPerson
from devkit.demo.tour import Echo, Tour
from devkit.qd4750_samples import SECOND_CHILD
from hub.audit.purpose import Purpose
from hub.infra.clock import Clock
from hub.infra.db import Database
from hub.infra.text import fold
from hub.persons.id_numbers import compose_personal_id
from hub.persons.models import Gender, Person
from hub.persons.service import NewPerson, create_person

REGISTRY, OFFICER = "demo-ubnd-phuong-hai-chau", "demo-giam-sat-da-nang"
SUBMIT = """mutation($records: [BirthRegistrationInput!]!) { submitBirthRegistrations(records: $records) {
  accepted rejected results { recordNumber accepted caseReference state errors { code messageVi } } } }"""
CASE = """query($ref: String!) { childCardCase(reference: $ref) { reference state version childName
  childPersonalIdNumber populationCheck reasons { code messageVi }
  card { cardNumber validFrom validTo guardianName facilityCode version }
  history { state } } }"""
NO_ID_CHILD = ("Lê Gia Hân", dt.date(2026, 9, 20), Gender.FEMALE, "048196001234")
TWIN_NAME = ("Phạm Bảo Long", dt.date(2026, 8, 2), Gender.MALE)


def registration(
    book: str,
    number: str,
    name: str,
    born: dt.date,
    gender: Gender,
    *,
    personal_id: str | None = None,
    mother_id: str = "048195004321",
    **extra: Any,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "registryOfficeCode": "20242",
        "bookNumber": book,
        "recordNumber": number,
        "registeredOn": (born + dt.timedelta(days=14)).isoformat(),
        "child": {
            "fullName": name,
            "gender": gender.name,
            "dateOfBirth": born.isoformat(),
            "ethnicityCode": "01",
            "personalIdNumber": personal_id,
        },
        "mother": {
            "fullName": "Trần Thị Thu",
            # Born in the year her ID number says (its 5th and 6th digits; a woman of the 1900s): the hub checks it.
            "dateOfBirth": f"19{mother_id[4:6]}-03-08",
            "personalIdNumber": mother_id,
            "address": "25 Trần Phú, Hải Châu, Đà Nẵng",
        },
        "registrant": {"fullName": "Trần Thị Thu", "address": "25 Trần Phú, Hải Châu, Đà Nẵng"},
        "facilityCode": "48001",
        "delivery": "AT_OFFICE",
    }
    record.update(extra)
    return record


async def seed_childcards(db: Database, clock: Clock, register: PopulationRegister, echo: Echo) -> None:
    """A child already on file (for the probable duplicate), and the population database's view of the demo."""
    name, born, gender = TWIN_NAME
    async with db.transaction() as session:
        known = await session.scalar(select(Person).where(Person.name_key == fold(name), Person.date_of_birth == born))
        if known is None:
            await create_person(
                session,
                now=clock.now(),
                actor=None,
                purpose=Purpose.SYSTEM,
                new=NewPerson(name, gender, born, "48", "20209", "8 Hà Huy Tập, Thanh Khê"),
            )
    child, born, gender, mother = NO_ID_CHILD
    register.add(
        RegisteredPerson(
            child, born, gender, personal_id=compose_personal_id("48", gender, born.year, 42), mother_personal_id=mother
        )
    )
    # The mother of the benefits tour's second child (born 10/8/2026) has an elder son, whom the population database
    # links to her: it confirms her birth certificate's count of living children.
    elder = dt.date(2023, 4, 2)
    register.add(
        RegisteredPerson(
            "Lê Minh Khang",
            elder,
            Gender.MALE,
            personal_id=compose_personal_id("48", Gender.MALE, elder.year, 43),
            mother_personal_id=SECOND_CHILD.so_cccd_nnd,
        )
    )
    echo(f"population database (simulated) knows {len(register)} children; a person named {name} is on file")


async def childcard_tour(tour: Tour, registry_url: str, clock: Clock) -> None:
    # A book of its own each run, so that running the demo again tells the same story with new records.
    book = f"DEMO/{clock.now():%Y%m%d%H%M%S}"
    born = dt.date(2026, 10, 5)
    son_id = compose_personal_id("48", Gender.MALE, born.year, 4242)
    batch = [
        registration(
            book,
            "1",
            "Nguyễn Minh Khôi",
            born,
            Gender.MALE,
            personal_id=son_id,
            father={
                "fullName": "Nguyễn Văn Hùng",
                "dateOfBirth": "1993-01-01",
                "personalIdNumber": "048093001111",
                "address": "25 Trần Phú, Hải Châu, Đà Nẵng",
            },
        ),
        registration(book, "2", "Võ Thị Lan", born, Gender.FEMALE, facilityCode="48002"),
        registration(
            book,
            "3",
            NO_ID_CHILD[0],
            NO_ID_CHILD[1],
            NO_ID_CHILD[2],
            mother_id=NO_ID_CHILD[3],
            delivery="BY_POST",
            deliveryAddress="25 Trần Phú, Hải Châu, Đà Nẵng",
        ),
        registration(book, "4", *TWIN_NAME, mother_id="048190007777"),
    ]
    answer = await tour.call(
        "a registry office sends four birth registrations in one batch", REGISTRY, SUBMIT, {"records": batch}
    )
    results = {r["recordNumber"]: r for r in answer["submitBirthRegistrations"]["results"]}
    await tour.call("the same batch again: the same answers, no new case", REGISTRY, SUBMIT, {"records": batch})
    khoi, lan, han, long = (results[n]["caseReference"] for n in "1234")
    await _until(tour, khoi, "CARD_ISSUED")
    await tour.call(
        "a card within seconds: TE1 + province + the child's new BHXH code, valid to 72 months",
        REGISTRY,
        CASE,
        {"ref": khoi},
    )
    await tour.call("the rejected record says why, in Vietnamese and English", REGISTRY, CASE, {"ref": lan})
    await _until(tour, han, "CARD_ISSUED", population="match")
    await tour.call(
        "no ID number: the card is issued anyway; the population database's number is attached later",
        REGISTRY,
        CASE,
        {"ref": han},
    )
    reviews = await tour.call(
        "a probable duplicate waits for a BHXH officer",
        OFFICER,
        "{ childCardReviews { id caseReference reason candidate { fullName communeCode } } }",
    )
    for review in reviews["childCardReviews"]:
        await tour.call(
            "the officer decides it is the same child: linked, not duplicated",
            OFFICER,
            "mutation($id: ID!) { decideChildCardReview(id: $id, samePerson: true) { state errors { code } } }",
            {"id": review["id"]},
        )
    await _until(tour, long, "CARD_ISSUED")
    corrected = dict(batch[0], child=dict(batch[0]["child"], fullName="Nguyễn Minh Khôi Nguyên"))
    await tour.call("a correction after the card: the record is sent again", REGISTRY, SUBMIT, {"records": [corrected]})
    await _until(tour, khoi, "CARD_CHANGED")
    await tour.call("the card is reissued (version 2), the first kept in the history", REGISTRY, CASE, {"ref": khoi})
    await tour.call(
        "a correction of one field only: the card goes to the mother",
        REGISTRY,
        """mutation($book: String!, $number: String!) { amendBirthRegistration(registryOfficeCode: "20242",
             bookNumber: $book, recordNumber: $number, changes: {guardian: MOTHER}) { state errors { code } } }""",
        {"book": book, "number": batch[0]["recordNumber"]},
    )
    await _until(tour, khoi, "CARD_CHANGED")
    await tour.call("the card is reissued again (version 3)", REGISTRY, CASE, {"ref": khoi})
    await tour.call(
        "a registration entered in error is cancelled: its card is revoked",
        REGISTRY,
        """mutation($book: String!) { cancelBirthRegistration(registryOfficeCode: "20242", bookNumber: $book,
             recordNumber: "4", reason: "Đăng ký trùng") { state errors { code } } }""",
        {"book": book},
    )
    async with CivilRegistryClient(registry_url) as registry:
        deadline, received = time.monotonic() + 30, tuple[ReceivedOutcome, ...]()
        # Outcomes are pushed by the worker as the states change: wait (bounded) for the last two to arrive.
        while time.monotonic() < deadline:
            received = tuple(r for r in await registry.list_outcomes(office="20242") if r.outcome.book_number == book)
            states = {(r.outcome.record_number, r.outcome.state.value) for r in received}
            if {("1", "card_changed"), ("4", "card_revoked")} <= states:
                break
            await asyncio.sleep(0.2)
    tour.echo(f"\n-- the registry's software received {len(received)} outcomes (each acknowledged):")
    for item in received:
        outcome = item.outcome
        card = f" card {outcome.card.number} to {outcome.card.valid_to}" if outcome.card else ""
        reasons = f" reasons {[r.code for r in outcome.reasons]}" if outcome.reasons else ""
        tour.echo(f"   {outcome.book_number}/{outcome.record_number} {outcome.state.value}{card}{reasons}")


async def _until(tour: Tour, reference: str, state: str, *, population: str | None = None, seconds: float = 30) -> None:
    """Wait (bounded) for the worker to bring a case to `state`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = await tour.http.post(
            "/graphql",
            json={"query": CASE, "variables": {"ref": reference}},
            headers={"Authorization": f"Bearer {tour.tokens[REGISTRY]}"},
        )
        case = response.json()["data"]["childCardCase"]
        if case["state"] == state and (population is None or case["populationCheck"] == population):
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"case {reference} did not reach {state} within {seconds:.0f}s")
