"""Issue 18, on both backends: an amendment reaches the child's person record (and later matching), a card asked for
by an office without an address of its own needs one, and the report refuses an empty period and labels every row
in Vietnamese and English."""

from __future__ import annotations

import base64
import io
from typing import Any

from sqlalchemy import func, select

from hub.audit.models import AuditEntry
from hub.childcards.models import ChildCard, ChildCardCase
from hub.clients.permissions import ClientKind
from hub.persons.id_numbers import compose_personal_id
from hub.persons.identity import identity_history
from hub.persons.models import Gender, Person
from tests.helpers import graphql_data, make_client, make_person, post_graphql
from tests.integration.test_childcards import (
    AMEND,
    CHILD_ID,
    LIST,
    REPORT,
    REQUEST,
    birth,
    case_when,
    count,
    move_child,
    office,  # noqa: F401  (a fixture)
    submit,
)

KEY = {"office": "20242", "book": "01/2026", "record": "15"}
NEW_ID = compose_personal_id("48", Gender.FEMALE, 2026, 8821)


async def amend(client, office, changes: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    answer = await graphql_data(client, AMEND, {**KEY, "changes": changes}, token=office["ubnd-hai-chau"])
    return answer["amendBirthRegistration"]


async def child(hub) -> Person:
    async with hub[1].services.db.sessions() as session:
        case = await session.scalar(select(ChildCardCase).where(ChildCardCase.record_number == "15"))
        assert case is not None and case.person_id is not None
        person = await session.get(Person, case.person_id)
        assert person is not None
        return person


async def test_an_amendment_corrects_the_childs_person_with_its_history(hub, office):  # noqa: F811
    client, _ = hub
    (first,) = (await submit(client, office, birth()))["results"]
    await case_when(client, office, first["caseReference"], "CARD_ISSUED")
    before = await child(hub)
    changes = {
        "fullName": " Nguyễn Minh Châu ",
        "dateOfBirth": "2026-10-02",
        "gender": "FEMALE",
        "ethnicityCode": "02",
        "personalIdNumber": NEW_ID,
    }
    assert (await amend(client, office, changes))["errors"] == []
    await case_when(client, office, first["caseReference"], "CARD_CHANGED")
    after = await child(hub)
    assert after.id == before.id
    assert (after.full_name, after.name_key, str(after.date_of_birth), after.gender, after.personal_id_number) == (
        "Nguyễn Minh Châu",
        "nguyenminhchau",
        "2026-10-02",
        "female",
        NEW_ID,
    )
    async with hub[1].services.db.sessions() as session:
        (entry,) = (
            await session.scalars(select(AuditEntry).where(AuditEntry.operation == "person.correct_identity"))
        ).all()
    assert (entry.person_id, entry.client_name, entry.details["case"]) == (
        before.id,
        "ubnd-hai-chau",
        first["caseReference"],
    )
    assert entry.details["before"] == {
        "full_name": "Nguyễn Minh An",
        "date_of_birth": "2026-10-01",
        "gender": "male",
        "personal_id_number": CHILD_ID,
    }
    assert entry.details["after"]["personal_id_number"] == NEW_ID
    # The identity history keeps the number established in error, cancelled, and the new one (NĐ 70/2024 Art 11)
    async with hub[1].services.db.sessions() as session:
        history = [(h.number, h.cancelled_on is not None, h.reason) for h in await identity_history(session, before.id)]
    assert history == [(CHILD_ID, True, "registration_error"), (NEW_ID, False, None)]
    # The same amendment again changes nothing, and writes no history
    assert (await amend(client, office, changes))["errors"] == []
    async with hub[1].services.db.sessions() as session:
        entries = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.operation == "person.correct_identity")
        )
    assert entries == 1


async def test_later_matching_uses_the_corrected_values(hub, office):  # noqa: F811
    client, _ = hub
    (first,) = (await submit(client, office, birth(**{"child.personalIdNumber": None})))["results"]
    await case_when(client, office, first["caseReference"], "CARD_ISSUED")
    assert (await amend(client, office, {"fullName": "Nguyễn Minh Khôi", "dateOfBirth": "2026-09-30"}))["errors"] == []
    # Given the same child registered again in another book, under the corrected name and date, same mother
    again = birth(bookNumber="02/2026", **{"child.personalIdNumber": None, "child.fullName": "Nguyễn Minh Khôi"})
    again["child"]["dateOfBirth"] = "2026-09-30"
    (second,) = (await submit(client, office, again))["results"]
    assert second["accepted"] and second["state"] == "RECEIVED", second
    # Then it is linked to the same person, not a new one
    async with hub[1].services.db.sessions() as session:
        people = (await session.scalars(select(ChildCardCase.person_id))).all()
    assert len(people) == 2 and len(set(people)) == 1


async def test_an_id_number_held_by_another_person_is_refused(hub, office, clock):  # noqa: F811
    client, state = hub
    (first,) = (await submit(client, office, birth()))["results"]
    await case_when(client, office, first["caseReference"], "CARD_ISSUED")
    await make_person(state.services.db, clock, commune="20242", province="48", personal_id_number=NEW_ID)
    refused = await amend(client, office, {"personalIdNumber": NEW_ID, "gender": "FEMALE"})
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("ID_NUMBER_HELD_BY_ANOTHER", "personalIdNumber")]
    assert (await child(hub)).personal_id_number == CHILD_ID


async def test_an_office_without_an_address_of_its_own_must_give_one(hub, office, clock, signer):  # noqa: F811
    client, state = hub
    _, province = await make_client(
        state.services.db, signer, clock, "so-tu-phap-48", ClientKind.CIVIL_REGISTRY, "province:48"
    )
    (result,) = (await submit(client, office, birth()))["results"]
    await case_when(client, office, result["caseReference"], "CARD_ISSUED")
    await move_child(hub, "20209")
    answer = (await graphql_data(client, REQUEST, {"id": CHILD_ID}, token=province))["requestChildCard"]
    assert [e["code"] for e in answer["errors"]] == ["DELIVERY_ADDRESS_REQUIRED"]
    assert answer["cardNumber"] is None and await count(hub, ChildCard) == 1
    posted = {"id": CHILD_ID, "address": "8 Hà Huy Tập, Thanh Khê"}
    answer = (await graphql_data(client, REQUEST, posted, token=province))["requestChildCard"]
    assert (answer["errors"], answer["deliveryAddress"]) == ([], "8 Hà Huy Tập, Thanh Khê")


async def test_a_card_is_asked_for_by_bhxh_code_or_by_a_number_since_replaced(hub, office, clock, signer):  # noqa: F811
    """From 1/8/2025 the ID number stands in for the BHXH code, and either names the child; so does the number
    established in error, after an amendment replaced it."""
    client, state = hub
    (result,) = (await submit(client, office, birth()))["results"]
    await case_when(client, office, result["caseReference"], "CARD_ISSUED")
    await move_child(hub, "20209")
    # The gender re-determined: a new number, the old one cancelled (NĐ 70/2024 Art 11(7))
    assert (await amend(client, office, {"personalIdNumber": NEW_ID, "gender": "FEMALE"}))["errors"] == []
    await case_when(client, office, result["caseReference"], "CARD_CHANGED")
    _, province = await make_client(
        state.services.db, signer, clock, "so-tu-phap-48", ClientKind.CIVIL_REGISTRY, "province:48"
    )
    code = (await child(hub)).bhxh_code
    assert code is not None
    for named in (code, NEW_ID, CHILD_ID):
        posted = {"id": named, "address": "8 Hà Huy Tập, Thanh Khê"}
        answer = (await graphql_data(client, REQUEST, posted, token=province))["requestChildCard"]
        assert (answer["errors"], answer["caseReference"]) == ([], result["caseReference"]), named
        # and the officers' case list finds the child by any of them
        listed = await graphql_data(client, LIST, {"filter": {"personalIdNumber": named}, "first": 5}, token=province)
        assert [e["node"]["reference"] for e in listed["childCardCases"]["edges"]] == [result["caseReference"]], named
    nobody = await graphql_data(
        client, LIST, {"filter": {"personalIdNumber": "4899999999"}, "first": 5}, token=province
    )
    assert nobody["childCardCases"]["edges"] == []


async def test_the_report_refuses_an_empty_period(hub, office):  # noqa: F811
    client, _ = hub
    body = (
        await post_graphql(client, REPORT, {"from": "2026-11-30", "to": "2026-11-01"}, token=office["supervisor-48"])
    ).json()
    (error,) = body["errors"]
    assert body["data"] is None
    assert error["extensions"]["code"] == "REPORT_DATES_REVERSED"
    assert "2026-11-30" in error["message"] and "2026-11-30" in error["extensions"]["messageVi"]
    assert error["extensions"]["messageVi"].startswith("Ngày bắt đầu")
    one_day = {"from": "2026-11-01", "to": "2026-11-01"}
    assert (await graphql_data(client, REPORT, one_day, token=office["supervisor-48"]))["childCardReport"]


REPORT_LABELS = """query($from: Date!, $to: Date!) { childCardReport(firstDay: $from, lastDay: $to) {
  rows { level levelLabel levelLabelVi code name nameEn } xlsxBase64 } }"""


async def test_every_report_label_is_in_both_languages(hub, office):  # noqa: F811
    client, _ = hub
    await submit(client, office, birth())  # Hải Châu: no BHXH unit serves it in this test
    days = {"from": "2026-11-01", "to": "2026-11-30"}
    report = (await graphql_data(client, REPORT_LABELS, days, token=office["supervisor-48"]))["childCardReport"]
    assert [
        (r["level"], r["levelLabel"], r["levelLabelVi"], r["code"], r["name"], r["nameEn"]) for r in report["rows"]
    ] == [
        ("province", "Province", "Tỉnh", "48", "Thành phố Đà Nẵng", "Thành phố Đà Nẵng"),
        (
            "unit",
            "BHXH unit",
            "Đơn vị BHXH",
            "",
            "(Không có đơn vị BHXH phụ trách xã)",
            "(no BHXH unit serves the commune)",
        ),
    ]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(base64.b64decode(report["xlsxBase64"]))).worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert "Birth registrations" in str(values[0][0]) and "Overdue" in str(values[1][0])
    assert values[5][2] == "(Không có đơn vị BHXH phụ trách xã) / (no BHXH unit serves the commune)"
    assert values[-1][0] == "Tỉnh: Province; Đơn vị BHXH: BHXH unit"


async def test_an_amendment_finds_its_record_whatever_invisible_characters_its_key_carries(hub, office):  # noqa: F811
    client, _ = hub
    (first,) = (await submit(client, office, birth()))["results"]
    await case_when(client, office, first["caseReference"], "CARD_ISSUED")
    key = {**KEY, "record": "1\u200b5", "book": " 01/2026"}  # a zero-width space, a stray space: cleaned as at intake
    answer = await graphql_data(
        client, AMEND, {**key, "changes": {"fullName": "Nguyễn Minh Châu"}}, token=office["ubnd-hai-chau"]
    )
    assert answer["amendBirthRegistration"]["errors"] == []
    assert (await child(hub)).full_name == "Nguyễn Minh Châu"
