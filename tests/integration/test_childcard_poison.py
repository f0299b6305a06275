"""Poison records on both backends (issue 18): a record that cannot be processed fails alone, with its reason on
its case and pushed to the registry, and the rest of its job goes on."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, cast

import pytest
from sqlalchemy import select, update

from connectors.connections import Connectors
from connectors.population import ChildQuery, IdentityAnswer, IdentityStatus
from hub.catalogs.facilities import FacilityFields, add_facility
from hub.catalogs.models import FacilityLevel
from hub.childcards import jobs as childcard_jobs
from hub.childcards import rules
from hub.childcards.corrections import open_reviews
from hub.childcards.intake import submit_registrations
from hub.childcards.issuance import ISSUE_CARDS
from hub.childcards.models import CaseEvent, ChildCardCase, DeliveryMethod, Registration, ReviewItem
from hub.childcards.population import CHECK_POPULATION
from hub.childcards.records import BirthRecord, ChildDetails, PersonDetails
from hub.childcards.rules import GuardianRole
from hub.clients.permissions import ClientKind, Principal
from hub.clients.tokens import TokenSigner
from hub.infra.metrics import Metrics
from hub.jobs import JobKind
from hub.jobs.executor import execute
from hub.jobs.models import JobState, OutboxJob
from hub.persons.models import Gender, Person
from tests.helpers import make_client

HANDLERS = childcard_jobs  # the handlers of the child-card jobs, declared on import
MOTHER_NUMBER = "048194000123"
LONG_NAME = "Nguyễn Văn " + "Nam" * 80  # 251 characters: a card holds 200


def record(number: int, **child: Any) -> BirthRecord:
    return BirthRecord(
        registry_office_code="20242",
        book_number="01/2026",
        record_number=str(number),
        registered_on=dt.date(2026, 10, 20),
        child=ChildDetails(
            **{
                "full_name": f"Nguyễn Minh An {number}",
                "gender": Gender.MALE,
                "date_of_birth": dt.date(2026, 10, 1),
                "ethnicity_code": "01",
                **child,
            }
        ),
        registrant=PersonDetails("Nguyễn Văn Nam", address="12 Bạch Đằng, Hải Châu"),
        facility_code="48001",
        delivery=DeliveryMethod.AT_OFFICE,
        mother=PersonDetails("Trần Thị Mai", dt.date(1994, 2, 1), MOTHER_NUMBER, "12 Bạch Đằng, Hải Châu"),
        father=PersonDetails("Nguyễn Văn Nam", dt.date(1992, 5, 5), "048092000456", "12 Bạch Đằng, Hải Châu"),
        guardian=GuardianRole.FATHER,
    )


@pytest.fixture
async def office(db, settings, clock) -> Principal:
    signer = TokenSigner(settings.token_secret)
    operator, _ = await make_client(db, signer, clock, "operator", ClientKind.OPERATOR, "national")
    registry, _ = await make_client(db, signer, clock, "ubnd-hai-chau", ClientKind.CIVIL_REGISTRY, "commune:20242")
    async with db.transaction() as session:
        fields = FacilityFields("48001", "Cơ sở 48001", "48", FacilityLevel.DISTRICT, True)
        await add_facility(session, now=clock.now(), actor=operator, fields=fields)
    return registry


async def submit(db, clock, office: Principal, records: list[BirthRecord]) -> list[str]:
    async with db.transaction() as session:
        outcomes = await submit_registrations(session, now=clock.now(), actor=office, records=records)
        assert all(o.accepted for o in outcomes), [o.errors for o in outcomes]
        return [o.case.reference for o in outcomes if o.case is not None]


async def run_jobs(db, clock, kind: JobKind[Any], connectors: Any = None, rounds: int = 12) -> None:
    """Run every pending job of `kind` until none is left (or `rounds` passes), as a worker would."""
    connectors = connectors or Connectors.__new__(Connectors)
    for _ in range(rounds):
        async with db.sessions() as session:
            ids = (
                await session.scalars(
                    select(OutboxJob.id)
                    .where(OutboxJob.kind == kind.name, OutboxJob.state == JobState.PENDING.value)
                    .order_by(OutboxJob.id)
                )
            ).all()
        if not ids:
            return
        for job_id in ids:
            await execute(db, clock, job_id, max_attempts=3, metrics=Metrics(), connectors=cast(Connectors, connectors))


async def cases(db) -> dict[str, ChildCardCase]:
    async with db.sessions() as session:
        return {c.record_number: c for c in (await session.scalars(select(ChildCardCase))).all()}


async def jobs_of(db, kind: JobKind[Any]) -> list[OutboxJob]:
    async with db.sessions() as session:
        return list((await session.scalars(select(OutboxJob).where(OutboxJob.kind == kind.name))).all())


async def events_of(db, case_id) -> list[CaseEvent]:
    async with db.sessions() as session:
        query = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        return list((await session.scalars(query)).all())


async def test_a_guardian_name_too_long_for_a_card_is_refused_alone(db, clock, office):
    # Given five registrations in one card job, one with a guardian's name longer than a card holds. The intake
    # refuses such a name now (FIELD_TOO_LONG), so the stored registration is changed as one kept from before.
    father = PersonDetails("Trần Văn Bố", dt.date(1992, 5, 5), "048092000456")
    poisoned = dataclasses.replace(record(3), father=father)
    await submit(db, clock, office, [record(1), record(2), poisoned, record(4), record(5)])
    async with db.transaction() as session:
        (registration,) = (
            await session.scalars(
                select(Registration).join(ChildCardCase).where(ChildCardCase.record_number == poisoned.record_number)
            )
        ).all()
        registration.payload = {
            **registration.payload,
            "father": {**registration.payload["father"], "full_name": LONG_NAME},
        }
    # When the card job has run
    await run_jobs(db, clock, ISSUE_CARDS)
    # Then the four others have their cards, and the job is done
    found = await cases(db)
    assert {n: c.state for n, c in found.items() if n != "3"} == dict.fromkeys("1245", "card_issued")
    assert all(j.state == JobState.DONE.value for j in await jobs_of(db, ISSUE_CARDS))
    # And the poisoned case is rejected with the reason, on the case and in the event pushed to the registry
    assert found["3"].state == "rejected"
    assert [r["code"] for r in found["3"].reasons] == ["CARD_FIELD_TOO_LONG"]
    (*_, last) = await events_of(db, found["3"].id)
    assert last.state == "rejected" and last.details["reasons"][0]["code"] == "CARD_FIELD_TOO_LONG"
    assert "200" in last.details["reasons"][0]["message"]


async def test_a_record_the_batch_cannot_write_is_isolated_on_the_retry(db, clock, office, monkeypatch):
    # Given a card job of three whose middle record makes the batch raise (a failure no check foresaw)
    await submit(db, clock, office, [record(1), record(2, date_of_birth=dt.date(2026, 9, 30)), record(3)])
    validity = rules.card_validity

    def failing(born: dt.date) -> tuple[dt.date, dt.date]:
        if born == dt.date(2026, 9, 30):
            raise ValueError("no validity for this record")
        return validity(born)

    monkeypatch.setattr("hub.childcards.issuance.card_validity", failing)
    # When the job has run (the batch failed once, then ran case by case)
    await run_jobs(db, clock, ISSUE_CARDS)
    # Then the others have their cards and the job is done; the poisoned case is rejected with the error
    found = await cases(db)
    assert (found["1"].state, found["2"].state, found["3"].state) == ("card_issued", "rejected", "card_issued")
    assert [r["code"] for r in found["2"].reasons] == ["CARD_NOT_ISSUED"]
    assert "no validity for this record" in found["2"].reasons[0]["message"]
    (job,) = await jobs_of(db, ISSUE_CARDS)
    assert job.state == JobState.DONE.value and job.attempts == 2


@dataclasses.dataclass
class FakePopulation:
    """The population database: every child found, with the number `numbers` gives by name."""

    numbers: dict[str, str]
    asked: list[list[ChildQuery]] = dataclasses.field(default_factory=list)
    now: dt.datetime = dt.datetime(2026, 10, 21, tzinfo=dt.UTC)

    async def verify_children(self, queries: list[ChildQuery]) -> list[IdentityAnswer]:
        self.asked.append(list(queries))
        return [IdentityAnswer(IdentityStatus.MATCH, self.now, self.numbers[q.full_name]) for q in queries]


@dataclasses.dataclass
class FakeConnectors:
    client: FakePopulation

    def population(self) -> FakePopulation:
        return self.client


def numbers_for(*serials: int) -> dict[str, str]:
    return {f"Nguyễn Minh An {n}": f"0482260{n:05d}" for n in serials}


async def test_a_blank_named_child_does_not_hold_back_its_batch_mates(db, clock, office):
    # Given five cards issued, one of whose registrations has a blank name
    await submit(db, clock, office, [record(n) for n in range(1, 6)])
    async with db.transaction() as session:
        blank = (
            await session.scalars(select(Registration).join(ChildCardCase).where(ChildCardCase.record_number == "3"))
        ).one()
        payload = {**blank.payload, "child": {**blank.payload["child"], "full_name": "   "}}
        await session.execute(update(Registration).where(Registration.id == blank.id).values(payload=payload))
    await run_jobs(db, clock, ISSUE_CARDS)
    # When the population check has run
    population = FakePopulation(numbers_for(1, 2, 4, 5))
    await run_jobs(db, clock, CHECK_POPULATION, FakeConnectors(population))
    # Then the four others were asked about and have their numbers; the check is done
    found = await cases(db)
    assert {n: c.child_personal_id for n, c in found.items() if n != "3"} == {
        str(n): f"0482260{n:05d}" for n in (1, 2, 4, 5)
    }
    assert all(j.state == JobState.DONE.value for j in await jobs_of(db, CHECK_POPULATION))
    assert len(population.asked) == 1 and len(population.asked[0]) == 4
    # And the blank-named child's case says why it was not asked, beside its card
    assert found["3"].state == "card_issued" and found["3"].population_check == "not_asked"
    assert [r["code"] for r in found["3"].reasons] == ["POPULATION_CHECK_NOT_ASKED"]


async def test_a_number_another_person_holds_opens_a_review(db, clock, office, settings):
    # Given three cards issued, and a population database that gives the second child the mother's number
    await submit(db, clock, office, [record(n) for n in range(1, 4)])
    await run_jobs(db, clock, ISSUE_CARDS)
    population = FakePopulation({**numbers_for(1, 3), "Nguyễn Minh An 2": MOTHER_NUMBER})
    # When the population check has run
    await run_jobs(db, clock, CHECK_POPULATION, FakeConnectors(population))
    # Then it is done, the others have their numbers, and nothing raised a unique violation
    assert all(j.state == JobState.DONE.value for j in await jobs_of(db, CHECK_POPULATION))
    found = await cases(db)
    assert (found["1"].child_personal_id, found["3"].child_personal_id) == ("048226000001", "048226000003")
    # And the clash waits for an officer: the case needs review, with the reason, pushed to the registry
    clash = found["2"]
    assert clash.child_personal_id is None and clash.state == "needs_review"
    assert clash.population_check == "number_held"
    assert [r["code"] for r in clash.reasons] == ["POPULATION_NUMBER_HELD"]
    (*_, last) = await events_of(db, clash.id)
    assert last.state == "needs_review" and last.details["reasons"][0]["code"] == "POPULATION_NUMBER_HELD"
    async with db.sessions() as session:
        mother = (await session.scalars(select(Person).where(Person.personal_id_number == MOTHER_NUMBER))).one()
        (review,) = (await session.scalars(select(ReviewItem))).all()
        assert (review.case_id, review.candidate_person_id, review.state) == (clash.id, mother.id, "open")
    # In the review queue of a supervisor of the province
    signer = TokenSigner(settings.token_secret)
    supervisor, _ = await make_client(db, signer, clock, "supervisor-48", ClientKind.SUPERVISOR, "province:48")
    async with db.transaction() as session:
        waiting = await open_reviews(session, now=clock.now(), actor=supervisor)
    assert [c.reference for _, c, _ in waiting] == [clash.reference]
