"""Birth registrations to child cards, through the API, on both backends, with a real worker issuing the cards."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from hub.audit.models import AuditEntry
from hub.audit.purpose import Purpose
from hub.catalogs.facilities import FacilityFields, add_facility, retire_facility
from hub.catalogs.models import FacilityLevel
from hub.childcards.models import ChildCard, ChildCardCase, ReviewItem
from hub.clients.models import Client
from hub.clients.permissions import ClientKind, Principal, Role
from hub.entry.worker import WorkerService
from hub.persons.id_numbers import compose_personal_id
from hub.persons.models import Gender, Person
from hub.persons.service import NewPerson, create_person
from tests.helpers import graphql_data, graphql_error_codes, make_client, make_person, wait_until

SUBMIT = """mutation($records: [BirthRegistrationInput!]!) { submitBirthRegistrations(records: $records) {
  accepted rejected results { index accepted caseReference state errors { code field message messageVi } } } }"""
CASE = """query($ref: String!) { childCardCase(reference: $ref) {
  reference state version childName reasons { code }
  card { version cardNumber bhxhCode validFrom validTo facilityCode guardianRole guardianName delivery }
  cards { version supersededAt } history { state } } }"""
CHILD_ID = compose_personal_id("48", Gender.MALE, 2026, 4512)
DECIDES = {"roles": frozenset({Role.CHILD_CARD_REVIEW, Role.PERSON_READ})}


def birth(**changes: Any) -> dict[str, Any]:
    """A registration that passes every check; `changes` replace top-level or dotted (child.x) fields."""
    record: dict[str, Any] = {
        "registryOfficeCode": "20242",
        "bookNumber": "01/2026",
        "recordNumber": "15",
        "registeredOn": "2026-10-20",
        "child": {
            "fullName": "Nguyễn Minh An",
            "gender": "MALE",
            "dateOfBirth": "2026-10-01",
            "ethnicityCode": "01",
            "personalIdNumber": CHILD_ID,
            "placeOfBirth": "Bệnh viện Đà Nẵng",
        },
        "mother": {
            "fullName": "Trần Thị Mai",
            "dateOfBirth": "1994-02-01",
            "personalIdNumber": "048194000123",
            "address": "12 Bạch Đằng, Hải Châu",
        },
        "father": {
            "fullName": "Nguyễn Văn Nam",
            "dateOfBirth": "1992-05-05",
            "personalIdNumber": "048092000456",
            "address": "12 Bạch Đằng, Hải Châu",
        },
        "registrant": {"fullName": "Nguyễn Văn Nam", "address": "12 Bạch Đằng, Hải Châu"},
        "facilityCode": "48001",
        "delivery": "AT_OFFICE",
    }
    record = copy.deepcopy(record)
    for path, value in changes.items():
        target = record
        *parents, leaf = path.split(".")
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    return record


@pytest.fixture
async def office(hub, settings, clock, signer, backend):
    """Clients, facilities, and a worker (embedded on SQLite; on PostgreSQL one beside the app, over Redis)."""
    _, state = hub
    db = state.services.db
    tokens = {}
    for name, kind, where in [
        ("ubnd-hai-chau", ClientKind.CIVIL_REGISTRY, "commune:20242"),
        ("ubnd-thanh-khe", ClientKind.CIVIL_REGISTRY, "commune:20209"),
        ("ubnd-ba-dinh", ClientKind.CIVIL_REGISTRY, "commune:00004"),
        ("operator", ClientKind.OPERATOR, "national"),
        ("supervisor-48", ClientKind.SUPERVISOR, "province:48"),
    ]:
        principal, tokens[name] = await make_client(db, signer, clock, name, kind, where)
        if name == "operator":
            operator = principal
    async with db.transaction() as session:
        for code, accepts in (("48001", True), ("48002", False), ("48003", True)):
            fields = FacilityFields(code, f"Cơ sở {code}", "48", FacilityLevel.DISTRICT, accepts)
            await add_facility(session, now=clock.now(), actor=operator, fields=fields)
        await retire_facility(session, now=clock.now(), actor=operator, code="48003", reason="Giải thể")
    worker = None
    if backend == "postgresql":
        worker = WorkerService(settings, clock, threads=4)
        worker.start()
    yield tokens
    if worker is not None:
        await asyncio.to_thread(worker.stop)


async def submit(client, tokens, *records: dict[str, Any], as_: str = "ubnd-hai-chau") -> dict[str, Any]:
    return (await graphql_data(client, SUBMIT, {"records": list(records)}, token=tokens[as_]))[
        "submitBirthRegistrations"
    ]


async def case_when(client, tokens, reference: str, state: str, as_: str = "ubnd-hai-chau") -> dict[str, Any]:
    found: dict[str, Any] = {}

    async def reached() -> bool:
        found.update((await graphql_data(client, CASE, {"ref": reference}, token=tokens[as_]))["childCardCase"])
        return found["state"] == state

    await wait_until(reached, timeout=20)
    return found


async def count(hub, model) -> int:
    async with hub[1].services.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_registration_becomes_a_card_within_seconds(hub, office):
    client, _ = hub
    answer = await submit(client, office, birth())
    (result,) = answer["results"]
    assert (answer["accepted"], result["accepted"], result["state"], result["errors"]) == (1, True, "RECEIVED", [])
    case = await case_when(client, office, result["caseReference"], "CARD_ISSUED")
    card = case["card"]
    assert card["cardNumber"] == f"TE148{card['bhxhCode']}" and card["bhxhCode"].startswith("48")
    assert (card["validFrom"], card["validTo"]) == ("2026-10-01", "2032-10-01")
    assert (card["guardianRole"], card["guardianName"], card["delivery"]) == ("FATHER", "Nguyễn Văn Nam", "AT_OFFICE")
    assert [h["state"] for h in case["history"]] == ["RECEIVED", "CARD_ISSUED"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"child.dateOfBirth": "2020-10-19", "child.personalIdNumber": None}, "CHILD_NOT_UNDER_SIX"),
        ({"child.personalIdNumber": "04822600451"}, "ID_NUMBER_MALFORMED"),
        (
            {"child.personalIdNumber": compose_personal_id("48", Gender.MALE, 2025, 4512)},
            "ID_NUMBER_BIRTH_DATE_MISMATCH",
        ),
        ({"child.personalIdNumber": compose_personal_id("48", Gender.FEMALE, 2026, 4512)}, "ID_NUMBER_GENDER_MISMATCH"),
        ({"child.personalIdNumber": compose_personal_id("01", Gender.MALE, 2026, 4512)}, "ID_NUMBER_PLACE_MISMATCH"),
        (
            {"child.dateOfBirth": "2026-12-01", "registeredOn": "2026-12-02", "child.personalIdNumber": None},
            "BIRTH_DATE_IN_FUTURE",
        ),
        ({"child.dateOfBirth": "2026-10-21", "child.personalIdNumber": None}, "BIRTH_DATE_AFTER_REGISTRATION"),
        ({"facilityCode": "48999"}, "FACILITY_UNKNOWN"),
        ({"facilityCode": "48003"}, "FACILITY_RETIRED"),
        ({"facilityCode": "48002"}, "FACILITY_NOT_FOR_CHILDREN"),
        ({"registryOfficeCode": "20218"}, "COMMUNE_UNKNOWN"),  # Thạc Gián: gone since 1/7/2025
        ({"guardian": "MOTHER", "mother": None}, "GUARDIAN_MISSING"),
        ({"delivery": "BY_POST"}, "POSTAL_ADDRESS_MISSING"),
    ],
)
async def test_each_check_gives_exactly_its_code(hub, office, changes, code):
    client, _ = hub
    (result,) = (await submit(client, office, birth(**changes)))["results"]
    # A record from an office that did not exist cannot be placed: it is answered without opening a case.
    assert result["accepted"] is False and result["state"] == (None if code == "COMMUNE_UNKNOWN" else "REJECTED")
    assert [e["code"] for e in result["errors"]] == [code]
    assert result["errors"][0]["message"] and result["errors"][0]["messageVi"]


async def test_an_office_outside_the_callers_jurisdiction(hub, office):
    client, _ = hub
    (result,) = (await submit(client, office, birth(), as_="ubnd-thanh-khe"))["results"]
    assert [e["code"] for e in result["errors"]] == ["OFFICE_OUTSIDE_JURISDICTION"]
    assert result["caseReference"] is None
    assert await count(hub, ChildCardCase) == 0


async def test_the_same_batch_twice_gives_the_same_answers_and_one_case_each(hub, office):
    client, _ = hub
    batch = [
        birth(),
        birth(recordNumber="16", **{"child.fullName": "Nguyễn Minh Bảo", "child.personalIdNumber": None}),
        birth(recordNumber="17", facilityCode="48002"),
    ]
    first = await submit(client, office, *batch)
    second = await submit(client, office, *batch)

    def answer(
        payload: dict[str, Any],
    ) -> list[dict[str, Any]]:  # the state may have moved on (the card issued meanwhile); the answer may not
        return [{k: v for k, v in r.items() if k != "state"} for r in payload["results"]]

    assert answer(first) == answer(second) and first["accepted"] == second["accepted"] == 2
    assert [r["accepted"] for r in first["results"]] == [True, True, False]
    assert await count(hub, ChildCardCase) == 3
    for issued in first["results"][:2]:
        await case_when(client, office, issued["caseReference"], "CARD_ISSUED")
    again = await submit(client, office, *batch)
    assert [r["caseReference"] for r in again["results"]] == [r["caseReference"] for r in first["results"]]
    assert await count(hub, ChildCard) == 2


async def test_overlapping_batches_at_once_create_no_duplicates(hub, office):
    client, _ = hub
    shared = [
        birth(recordNumber=str(n), **{"child.fullName": f"Trẻ {n}", "child.personalIdNumber": None}) for n in range(20)
    ]
    answers = await asyncio.gather(submit(client, office, *shared[:15]), submit(client, office, *shared[5:]))
    references = {r["caseReference"] for a in answers for r in a["results"]}
    assert len(references) == 20
    assert await count(hub, ChildCardCase) == 20
    async with hub[1].services.db.sessions() as session:
        children = await session.scalar(select(func.count()).select_from(Person).where(Person.name_key.like("tre%")))
    assert children == 20


async def test_one_child_registered_twice_in_a_batch_is_one_person(hub, office):
    client, _ = hub
    # The same child (same identification number) in two books of the office: two cases, one child
    answer = await submit(client, office, birth(), birth(bookNumber="02/2026"))
    assert answer["accepted"] == 2
    async with hub[1].services.db.sessions() as session:
        children = await session.scalar(
            select(func.count()).select_from(Person).where(Person.personal_id_number == CHILD_ID)
        )
    assert children == 1


async def test_a_corrected_record_reopens_its_case(hub, office):
    client, _ = hub
    (rejected,) = (await submit(client, office, birth(facilityCode="48002")))["results"]
    (fixed,) = (await submit(client, office, birth()))["results"]
    assert fixed["caseReference"] == rejected["caseReference"] and fixed["accepted"]
    case = await case_when(client, office, fixed["caseReference"], "CARD_ISSUED")
    assert case["version"] == 2 and case["reasons"] == []
    assert [h["state"] for h in case["history"]] == ["REJECTED", "RECEIVED", "CARD_ISSUED"]


async def test_a_record_changed_after_the_card_reissues_it_and_keeps_the_old_one(hub, office):
    client, _ = hub
    (first,) = (await submit(client, office, birth()))["results"]
    issued = await case_when(client, office, first["caseReference"], "CARD_ISSUED")
    await submit(client, office, birth(**{"child.fullName": "Nguyễn Minh Ân", "guardian": "MOTHER"}))
    changed = await case_when(client, office, first["caseReference"], "CARD_CHANGED")
    assert changed["childName"] == "Nguyễn Minh Ân"
    assert changed["card"]["version"] == 2 and changed["card"]["guardianName"] == "Trần Thị Mai"
    assert changed["card"]["bhxhCode"] == issued["card"]["bhxhCode"]  # the code is for life
    assert [(c["version"], c["supersededAt"] is not None) for c in changed["cards"]] == [(2, False), (1, True)]


AMEND = """mutation($office: String!, $book: String!, $record: String!, $changes: BirthRegistrationAmendmentInput!) {
  amendBirthRegistration(registryOfficeCode: $office, bookNumber: $book, recordNumber: $record, changes: $changes) {
    caseReference state errors { code field } } }"""


async def test_an_amendment_sends_only_what_changes_and_reissues_the_card(hub, office):
    client, _ = hub
    (first,) = (await submit(client, office, birth()))["results"]
    issued = await case_when(client, office, first["caseReference"], "CARD_ISSUED")
    key = {"office": "20242", "book": "01/2026", "record": "15"}

    async def amend(changes: dict[str, Any], as_: str = "ubnd-hai-chau") -> dict[str, Any]:
        answer = await graphql_data(client, AMEND, {**key, "changes": changes}, token=office[as_])
        return answer["amendBirthRegistration"]

    changes = {
        "fullName": " Nguyễn Minh Ân ",
        "guardian": "MOTHER",
        "delivery": "BY_POST",
        "deliveryAddress": "12 Bạch Đằng",
    }
    done = await amend(changes)
    assert (done["caseReference"], done["errors"]) == (first["caseReference"], [])
    changed = await case_when(client, office, first["caseReference"], "CARD_CHANGED")
    assert (changed["version"], changed["childName"]) == (2, "Nguyễn Minh Ân")
    card = changed["card"]
    assert (card["version"], card["guardianName"], card["delivery"]) == (2, "Trần Thị Mai", "BY_POST")
    assert card["bhxhCode"] == issued["card"]["bhxhCode"] and card["facilityCode"] == "48001"
    assert [(c["version"], c["supersededAt"] is not None) for c in changed["cards"]] == [(2, False), (1, True)]
    # The same correction again changes nothing.
    assert (await amend(changes))["errors"] == []
    # A correction that fails a check is refused whole: the case keeps its version and its card.
    refused = await amend({"facilityCode": "99999", "fullName": "Nguyễn An"})
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("FACILITY_UNKNOWN", "facilityCode")]
    kept = await case_when(client, office, first["caseReference"], "CARD_CHANGED")
    assert (kept["version"], kept["childName"], kept["card"]["version"]) == (2, "Nguyễn Minh Ân", 2)
    assert [e["code"] for e in (await amend({"gender": "FEMALE"}, as_="ubnd-thanh-khe"))["errors"]] == ["CASE_UNKNOWN"]
    cancel = {**key, "reason": "Đăng ký trùng"}
    await graphql_data(client, CANCEL, cancel, token=office["ubnd-hai-chau"])
    assert [e["code"] for e in (await amend({"fullName": "Nguyễn An"}))["errors"]] == ["ALREADY_CANCELLED"]


async def test_a_child_without_an_identification_number_still_gets_a_card(hub, office):
    client, _ = hub
    (result,) = (await submit(client, office, birth(**{"child.personalIdNumber": None})))["results"]
    assert result["accepted"]
    await case_when(client, office, result["caseReference"], "CARD_ISSUED")


async def test_a_known_child_is_linked_not_duplicated(hub, office, clock):
    client, state = hub
    known = await make_person(
        state.services.db, clock, commune="20242", province="48", name="Nguyễn Minh An", personal_id_number=CHILD_ID
    )
    (result,) = (await submit(client, office, birth()))["results"]
    await case_when(client, office, result["caseReference"], "CARD_ISSUED")
    async with state.services.db.sessions() as session:
        case = await session.scalar(select(ChildCardCase))
        assert case is not None and case.person_id == known.id
        assert (
            await session.scalar(select(func.count()).select_from(Person).where(Person.name_key == "nguyenminhan")) == 1
        )


REVIEWS = "{ childCardReviews { id caseReference reason candidate { fullName communeCode } } }"
DECIDE = """mutation($id: ID!, $same: Boolean!) { decideChildCardReview(id: $id, samePerson: $same) {
  caseReference state errors { code } } }"""
CANCEL = """mutation($office: String!, $book: String!, $record: String!, $reason: String!) {
  cancelBirthRegistration(registryOfficeCode: $office, bookNumber: $book, recordNumber: $record, reason: $reason) {
    caseReference state errors { code messageVi } } }"""


async def probable_duplicate(hub, office, clock) -> tuple[str, Person]:
    """A child submitted while a person with the same name, birth date and gender, but no mother on file, exists."""
    client, state = hub
    async with state.services.db.transaction() as session:
        known = await create_person(
            session,
            now=clock.now(),
            actor=None,
            purpose=Purpose.SYSTEM,
            new=NewPerson("Nguyễn Minh An", Gender.MALE, dt.date(2026, 10, 1), "48", "20209", "Thanh Khê"),
        )
    (result,) = (await submit(client, office, birth(**{"child.personalIdNumber": None})))["results"]
    assert result["accepted"] and result["state"] == "NEEDS_REVIEW"
    return result["caseReference"], known


async def test_a_probable_duplicate_waits_for_an_officer_who_links_it(hub, office, clock):
    client, _ = hub
    reference, known = await probable_duplicate(hub, office, clock)
    assert await count(hub, ReviewItem) == 1 and await count(hub, ChildCard) == 0
    (review,) = (await graphql_data(client, REVIEWS, token=office["supervisor-48"]))["childCardReviews"]
    assert review["caseReference"] == reference and review["candidate"] == {
        "fullName": "Nguyễn Minh An",
        "communeCode": "20209",
    }
    assert await graphql_error_codes(client, REVIEWS, token=office["ubnd-hai-chau"]) == ["FORBIDDEN"]
    decided = await graphql_data(client, DECIDE, {"id": review["id"], "same": True}, token=office["supervisor-48"])
    assert decided["decideChildCardReview"]["errors"] == []
    await case_when(client, office, reference, "CARD_ISSUED")
    async with hub[1].services.db.sessions() as session:
        case = await session.scalar(select(ChildCardCase))
        assert case is not None and case.person_id == known.id
    again = await graphql_data(client, DECIDE, {"id": review["id"], "same": False}, token=office["supervisor-48"])
    assert [e["code"] for e in again["decideChildCardReview"]["errors"]] == ["REVIEW_ALREADY_DECIDED"]


async def test_a_duplicate_across_provinces_waits_for_a_national_officer(hub, office, clock, signer):
    client, state = hub
    db = state.services.db
    _, hanoi = await make_client(db, signer, clock, "supervisor-01", ClientKind.SUPERVISOR, "province:01", **DECIDES)
    _, national = await make_client(db, signer, clock, "supervisor", ClientKind.SUPERVISOR, "national", **DECIDES)
    # Given a Hà Nội registration that may be a child already known in Đà Nẵng
    async with db.transaction() as session:
        await create_person(
            session,
            now=clock.now(),
            actor=None,
            purpose=Purpose.SYSTEM,
            new=NewPerson("Phan Thị Yến", Gender.FEMALE, dt.date(2026, 10, 1), "48", "20242", "Hải Châu"),
        )
    record = birth(registryOfficeCode="00004", facilityCode="48001", **{"child.personalIdNumber": None})
    record["child"] |= {"fullName": "Phan Thị Yến", "gender": "FEMALE"}
    (result,) = (await submit(client, office, record, as_="ubnd-ba-dinh"))["results"]
    assert result["state"] == "NEEDS_REVIEW", result
    # Then neither province's supervisor sees the pair, nor can decide it; a national one does
    for token in (hanoi, office["supervisor-48"]):
        assert (await graphql_data(client, REVIEWS, token=token))["childCardReviews"] == []
    (review,) = (await graphql_data(client, REVIEWS, token=national))["childCardReviews"]
    for token in (hanoi, office["supervisor-48"]):
        refused = await graphql_data(client, DECIDE, {"id": review["id"], "same": True}, token=token)
        assert [e["code"] for e in refused["decideChildCardReview"]["errors"]] == ["REVIEW_UNKNOWN"]
    async with db.sessions() as session:
        known = await session.scalar(select(Person).where(Person.full_name == "Phan Thị Yến"))
        assert known is not None and known.bhxh_code is None  # nothing written on Đà Nẵng's person
    decided = await graphql_data(client, DECIDE, {"id": review["id"], "same": False}, token=national)
    assert decided["decideChildCardReview"]["errors"] == []


async def test_an_officer_can_decide_it_is_a_different_child(hub, office, clock):
    client, _ = hub
    reference, known = await probable_duplicate(hub, office, clock)
    (review,) = (await graphql_data(client, REVIEWS, token=office["supervisor-48"]))["childCardReviews"]
    await graphql_data(client, DECIDE, {"id": review["id"], "same": False}, token=office["supervisor-48"])
    await case_when(client, office, reference, "CARD_ISSUED")
    async with hub[1].services.db.sessions() as session:
        case = await session.scalar(select(ChildCardCase))
        assert case is not None and case.person_id not in (None, known.id)


async def test_a_cancelled_registration_revokes_its_card(hub, office):
    client, _ = hub
    (result,) = (await submit(client, office, birth()))["results"]
    await case_when(client, office, result["caseReference"], "CARD_ISSUED")
    key = {"office": "20242", "book": "01/2026", "record": "15", "reason": "Đăng ký sai thẩm quyền"}
    elsewhere = await graphql_data(client, CANCEL, key, token=office["ubnd-thanh-khe"])
    assert [e["code"] for e in elsewhere["cancelBirthRegistration"]["errors"]] == ["CASE_UNKNOWN"]
    done = (await graphql_data(client, CANCEL, key, token=office["ubnd-hai-chau"]))["cancelBirthRegistration"]
    assert (done["state"], done["errors"]) == ("CARD_REVOKED", [])
    case = await case_when(client, office, result["caseReference"], "CARD_REVOKED")
    assert case["card"] is None and case["cards"][0]["supersededAt"] is None
    async with hub[1].services.db.sessions() as session:
        card = await session.scalar(select(ChildCard))
        assert card is not None and card.revoke_reason == "Đăng ký sai thẩm quyền"
    twice = await graphql_data(client, CANCEL, key, token=office["ubnd-hai-chau"])
    assert [e["code"] for e in twice["cancelBirthRegistration"]["errors"]] == ["ALREADY_CANCELLED"]
    unknown = await graphql_data(client, CANCEL, {**key, "record": "999"}, token=office["ubnd-hai-chau"])
    assert [e["code"] for e in unknown["cancelBirthRegistration"]["errors"]] == ["CASE_UNKNOWN"]


async def test_a_case_of_another_commune_is_not_visible(hub, office):
    client, _ = hub
    (result,) = (await submit(client, office, birth()))["results"]
    codes = await graphql_error_codes(client, CASE, {"ref": result["caseReference"]}, token=office["ubnd-thanh-khe"])
    assert codes == ["FORBIDDEN"]
    assert await graphql_error_codes(client, CASE, {"ref": "TE000000000000"}, token=office["ubnd-hai-chau"]) == [
        "FORBIDDEN"
    ]
    seen = await graphql_data(client, CASE, {"ref": result["caseReference"]}, token=office["supervisor-48"])
    assert seen["childCardCase"]["reference"] == result["caseReference"]


LIST = """query($filter: CaseFilterInput, $first: Int!, $after: String) {
  childCardCases(filter: $filter, first: $first, after: $after) {
    totalCount edges { cursor node { reference state childName recordNumber } }
    pageInfo { hasNextPage endCursor } } }"""


async def test_cases_are_found_by_state_name_and_page(hub, office, clock):
    client, _ = hub
    for number, name in (("20", "Trần Bảo Ngọc"), ("21", "Lê Văn Tâm"), ("22", "Trần Bảo Châu")):
        clock.advance(dt.timedelta(seconds=1))
        await submit(
            client, office, birth(recordNumber=number, **{"child.fullName": name, "child.personalIdNumber": None})
        )
    clock.advance(dt.timedelta(seconds=1))
    await submit(client, office, birth(recordNumber="23", facilityCode="48002"))
    token = office["ubnd-hai-chau"]
    everything = (await graphql_data(client, LIST, {"first": 10}, token=token))["childCardCases"]
    assert everything["totalCount"] == 4
    assert [e["node"]["recordNumber"] for e in everything["edges"]] == ["23", "22", "21", "20"]  # newest first
    refused = {"states": ["REJECTED"]}
    assert [
        e["node"]["recordNumber"]
        for e in (await graphql_data(client, LIST, {"filter": refused, "first": 10}, token=token))["childCardCases"][
            "edges"
        ]
    ] == ["23"]
    by_name = {"name": "tran bao"}
    page = (await graphql_data(client, LIST, {"filter": by_name, "first": 1}, token=token))["childCardCases"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"]
    assert page["edges"][0]["node"]["childName"] == "Trần Bảo Châu"
    rest = (
        await graphql_data(
            client, LIST, {"filter": by_name, "first": 1, "after": page["pageInfo"]["endCursor"]}, token=token
        )
    )["childCardCases"]
    assert [e["node"]["childName"] for e in rest["edges"]] == ["Trần Bảo Ngọc"] and not rest["pageInfo"]["hasNextPage"]
    # Another commune sees none of them; the province supervisor sees all
    assert (await graphql_data(client, LIST, {"first": 10}, token=office["ubnd-thanh-khe"]))["childCardCases"][
        "totalCount"
    ] == 0
    assert (await graphql_data(client, LIST, {"first": 10}, token=office["supervisor-48"]))["childCardCases"][
        "totalCount"
    ] == 4


async def test_a_card_number_leads_to_its_case(hub, office):
    client, _ = hub
    (result,) = (await submit(client, office, birth()))["results"]
    case = await case_when(client, office, result["caseReference"], "CARD_ISSUED")
    query = "query($n: String!) { childCard(cardNumber: $n) { reference card { cardNumber } } }"
    found = await graphql_data(client, query, {"n": case["card"]["cardNumber"]}, token=office["ubnd-hai-chau"])
    assert found["childCard"]["reference"] == result["caseReference"]
    assert await graphql_error_codes(client, query, {"n": "TE1480000000000"}, token=office["ubnd-hai-chau"]) == [
        "FORBIDDEN"
    ]


REPORT = """query($from: Date!, $to: Date!) { childCardReport(firstDay: $from, lastDay: $to) {
  overdueBefore rows { level code name received issued rejected cancelled waiting overdue } xlsxBase64 } }"""


async def test_the_timeliness_report_counts_per_province_and_unit(hub, office, clock):
    client, state = hub
    from hub.catalogs.bhxh_units import UnitFields, save_unit, set_served_communes

    operator = await _principal(state, "operator")
    async with state.services.db.transaction() as session:
        await save_unit(
            session, now=clock.now(), actor=operator, fields=UnitFields("4801", "BHXH khu vực Hải Châu", "48", "20242")
        )
        await set_served_communes(session, now=clock.now(), actor=operator, code="4801", commune_codes=["20242"])
    await probable_duplicate(hub, office, clock)  # waiting for an officer
    (issued,) = (await submit(client, office, birth(recordNumber="30", **{"child.fullName": "Đỗ Hải Đăng"})))["results"]
    await submit(client, office, birth(recordNumber="31", facilityCode="48002"))  # rejected
    await case_when(client, office, issued["caseReference"], "CARD_ISSUED")
    clock.advance(dt.timedelta(days=7))  # the waiting case is now past the 2-working-day deadline
    days = {"from": "2026-11-01", "to": "2026-11-30"}
    report = (await graphql_data(client, REPORT, days, token=office["supervisor-48"]))["childCardReport"]
    counts = {
        (r["level"], r["code"]): (r["received"], r["issued"], r["rejected"], r["waiting"], r["overdue"])
        for r in report["rows"]
    }
    assert counts == {("province", "48"): (3, 1, 1, 1, 1), ("unit", "4801"): (3, 1, 1, 1, 1)}
    assert await graphql_error_codes(client, REPORT, days, token=office["ubnd-hai-chau"]) == ["FORBIDDEN"]
    import base64
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(base64.b64decode(report["xlsxBase64"]))).worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[2][:4] == ["Cấp", "Mã", "Tên", "Tiếp nhận"]
    assert values[4] == ["Tỉnh", "48", "Thành phố Đà Nẵng", 3, 1, 1, 0, 1, 1]


async def _principal(state: Any, name: str) -> Principal:
    async with state.services.db.sessions() as session:
        client = await session.scalar(select(Client).where(Client.name == name))
        assert client is not None
        return client.principal()


REQUEST = """mutation($id: String, $office: String, $book: String, $record: String, $address: String) {
  requestChildCard(personalIdNumber: $id, registryOfficeCode: $office, bookNumber: $book, recordNumber: $record,
                   deliveryAddress: $address) {
    caseReference cardNumber cardVersion deliveryAddress errors { code } } }"""


async def move_child(hub, commune_code: str) -> None:
    """The family moved: the child's address is now in `commune_code` (of Đà Nẵng)."""
    async with hub[1].services.db.transaction() as session:
        child = await session.scalar(select(Person).where(Person.personal_id_number == CHILD_ID))
        assert child is not None
        child.commune_code = commune_code


async def test_the_office_where_the_child_lives_asks_for_the_card(hub, office):
    client, _ = hub
    (result,) = (await submit(client, office, birth()))["results"]
    first = await case_when(client, office, result["caseReference"], "CARD_ISSUED")
    await move_child(hub, "20209")
    thanh_khe = office["ubnd-thanh-khe"]
    # By ID number: the card is reissued for collection at the Thanh Khê office
    asked = (await graphql_data(client, REQUEST, {"id": CHILD_ID}, token=thanh_khe))["requestChildCard"]
    assert asked["errors"] == [] and asked["cardVersion"] == 2
    assert asked["cardNumber"] == first["card"]["cardNumber"] and asked["deliveryAddress"] == "UBND Phường Thanh Khê"
    # By the original office, book and number, to be posted
    by_key = {"office": "20242", "book": "01/2026", "record": "15", "address": "8 Hà Huy Tập, Thanh Khê"}
    posted = (await graphql_data(client, REQUEST, by_key, token=thanh_khe))["requestChildCard"]
    assert (posted["cardVersion"], posted["deliveryAddress"]) == (3, "8 Hà Huy Tập, Thanh Khê")
    changed = await case_when(client, office, result["caseReference"], "CARD_CHANGED")
    assert changed["card"]["delivery"] == "BY_POST"
    unknown = (await graphql_data(client, REQUEST, {"id": "048226999999"}, token=thanh_khe))["requestChildCard"]
    assert [e["code"] for e in unknown["errors"]] == ["CHILD_UNKNOWN"]


async def test_an_office_where_the_child_does_not_live_gets_nothing(hub, office):
    client, _ = hub
    (result,) = (await submit(client, office, birth()))["results"]
    await case_when(client, office, result["caseReference"], "CARD_ISSUED")
    by_key = {"office": "20242", "book": "01/2026", "record": "15", "address": "1 Điện Biên Phủ, Ba Đình"}
    # Given a child registered and living in Hải Châu, when offices elsewhere ask for its card
    for name, asked in (("ubnd-ba-dinh", {"id": CHILD_ID}), ("ubnd-ba-dinh", by_key), ("ubnd-thanh-khe", by_key)):
        answer = (await graphql_data(client, REQUEST, asked, token=office[name]))["requestChildCard"]
        # Then each is answered as if there were no such child, and no card is issued
        assert [e["code"] for e in answer["errors"]] == ["CHILD_UNKNOWN" if "id" in asked else "CASE_UNKNOWN"]
        assert answer["cardNumber"] is None
    assert await count(hub, ChildCard) == 1
    # And each attempt is in the audit log, on the child's trail, with the operation and what it named
    async with hub[1].services.db.sessions() as session:
        child = await session.scalar(select(Person).where(Person.personal_id_number == CHILD_ID))
        refused = (await session.scalars(select(AuditEntry).where(AuditEntry.operation == "access.refused"))).all()
    assert [(e.client_name, e.person_id, e.details["operation"]) for e in refused] == [
        ("ubnd-ba-dinh", child.id, "requestChildCard"),
        ("ubnd-ba-dinh", child.id, "requestChildCard"),
        ("ubnd-thanh-khe", child.id, "requestChildCard"),
    ]
    assert refused[0].details["arguments"]["personalIdNumber"] == CHILD_ID
    assert refused[0].details["record"] == f"childcard.case:{result['caseReference']}"


async def test_a_card_cannot_be_requested_before_it_exists(hub, office):
    client, _ = hub
    await submit(client, office, birth(facilityCode="48002"))  # rejected: no card
    key = {"office": "20242", "book": "01/2026", "record": "15"}
    answer = (await graphql_data(client, REQUEST, key, token=office["ubnd-hai-chau"]))["requestChildCard"]
    assert [e["code"] for e in answer["errors"]] == ["NO_CARD_YET"]
