"""Catalogs through the API on both backends: units, facilities (search, changes, requests), BHXH units."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from hub.catalogs.bhxh_units import unit_for_commune
from hub.catalogs.facilities import check_primary_care_facility
from hub.clients.permissions import ClientKind
from hub.infra.errors import BusinessErrors
from tests.helpers import graphql_data, graphql_error_codes, make_client

FACILITY = "code name provinceCode level acceptsChildPrimaryCare retiredAt"
ADD = f"""mutation($input: FacilityInput!) {{
  addFacility(input: $input) {{ facility {{ {FACILITY} }} errors {{ field code message messageVi }} }} }}"""
SEARCH = """query($search: String, $province: String, $first: Int!, $after: String, $children: Boolean) {
  facilities(search: $search, provinceCode: $province, first: $first, after: $after, acceptsChildren: $children) {
    edges { cursor node { code name } } pageInfo { hasNextPage endCursor } } }"""


def facility(code: str, name: str, province: str = "48", **extra):
    return {
        "code": code,
        "name": name,
        "provinceCode": province,
        "level": "DISTRICT",
        "acceptsChildPrimaryCare": True,
        **extra,
    }


@pytest.fixture
async def people(hub, signer, clock):
    _, state = hub
    tokens = {}
    for name, kind, where in [
        ("operator", ClientKind.OPERATOR, "national"),
        ("operator-48", ClientKind.OPERATOR, "province:48"),
        ("operator-01", ClientKind.OPERATOR, "province:01"),
        ("ubnd-hai-chau", ClientKind.CIVIL_REGISTRY, "commune:20242"),
        ("bv", ClientKind.HOSPITAL, "facility:48001"),
    ]:
        tokens[name] = (await make_client(state.services.db, signer, clock, name, kind, where))[1]
    return tokens


async def test_units_by_code_name_children_and_conversion(hub, people):
    client, _ = hub
    token = people["bv"]  # reference data: every client may read it
    query = """{
      legacy: adminUnits(name: "phuong thac gian", era: LEGACY) { code name districtCode validTo }
      now: communeOn(code: "20242", date: "2026-01-10") { name validFrom }
      then: communeOn(code: "20242", date: "2024-01-10") { name }
      gone: communeOn(code: "20218", date: "2026-01-10") { name }
      successor: currentUnitsOf(legacyCode: "20218") { default unit { code name } }
      binhDuong: currentUnitsOf(legacyCode: "74", level: PROVINCE) { default unit { code name } }
      thanhKhe: currentUnitsOf(legacyCode: "491", level: DISTRICT) { unit { code } }
      danang: provinceChildren(provinceCode: "48") { code }
      provinces { code }
      converted: convertLegacyAddress(address: "5 Hùng Vương, P. Thạc Gián, Q. Thanh Khê, TP. Đà Nẵng") {
        currentAddress legacyCommune { code } }
      danangBefore: adminUnit(code: "48", level: PROVINCE, era: LEGACY) { idNumberPrefix }
    }"""
    data = await graphql_data(client, query, token=token)
    assert data["legacy"] == [
        {"code": "20218", "name": "Phường Thạc Gián", "districtCode": "491", "validTo": "2025-06-30"}
    ]
    assert data["now"] == {"name": "Phường Hải Châu", "validFrom": "2025-07-01"}
    assert data["then"] == {"name": "Phường Phước Ninh"}
    assert data["gone"] is None
    assert data["successor"] == [{"default": True, "unit": {"code": "20209", "name": "Phường Thanh Khê"}}]
    assert data["binhDuong"] == [{"default": True, "unit": {"code": "79", "name": "Thành phố Hồ Chí Minh"}}]
    assert [u["unit"]["code"] for u in data["thanhKhe"]] == ["20209", "20305"]  # Thanh Khê, An Khê
    assert len(data["danang"]) == 94 and len(data["provinces"]) == 34
    assert data["converted"] == {
        "currentAddress": "5 Hùng Vương, Phường Thanh Khê, Thành phố Đà Nẵng",
        "legacyCommune": {"code": "20218"},
    }
    assert data["danangBefore"] == {"idNumberPrefix": "048"}


async def test_facilities_are_added_searched_page_by_page_and_retired(hub, people):
    client, state = hub
    operator = people["operator-48"]
    names = ["Bệnh viện Đà Nẵng", "Trạm Y tế phường Hải Châu", "Bệnh viện Quảng Nam", "Trung tâm Y tế Sơn Trà"]
    for i, name in enumerate(names, start=1):
        code = f"4800{i}" if "Quảng Nam" not in name else "49001"  # a former Quảng Nam code, now in Đà Nẵng
        added = (await graphql_data(client, ADD, {"input": facility(code, name)}, token=operator))["addFacility"]
        assert added["errors"] == [] and added["facility"]["code"] == code
    # Search without diacritics, page by page with cursors
    page = (await graphql_data(client, SEARCH, {"search": "benh vien", "first": 1}, token=people["bv"]))["facilities"]
    assert [e["node"]["code"] for e in page["edges"]] == ["48001"] and page["pageInfo"]["hasNextPage"]
    after = page["pageInfo"]["endCursor"]
    page = (
        await graphql_data(client, SEARCH, {"search": "benh vien", "first": 1, "after": after}, token=people["bv"])
    )["facilities"]
    assert [e["node"]["code"] for e in page["edges"]] == ["49001"] and not page["pageInfo"]["hasNextPage"]
    # Retire one: it leaves the search, stays readable, and can no longer be a child's primary-care facility
    retire = 'mutation { retireFacility(code: "48002", reason: "Sáp nhập") { facility { retiredAt } errors { code } } }'
    assert (await graphql_data(client, retire, token=operator))["retireFacility"]["errors"] == []
    page = (await graphql_data(client, SEARCH, {"province": "48", "first": 10}, token=operator))["facilities"]
    assert "48002" not in [e["node"]["code"] for e in page["edges"]]
    async with state.services.db.sessions() as session:
        errors = await check_primary_care_facility(session, "48002", on=dt.date(2027, 1, 1))
        assert [e.code for e in errors] == ["FACILITY_RETIRED"]
        assert await check_primary_care_facility(session, "48001", on=dt.date(2027, 1, 1)) == []
        assert [e.code for e in await check_primary_care_facility(session, "99999", on=dt.date(2027, 1, 1))] == [
            "UNKNOWN_FACILITY"
        ]


async def test_wildcards_in_a_search_are_plain_characters(hub, people):
    client, _ = hub
    for code, name in (("48001", "Trạm Y tế Hải Châu"), ("48002", "Trạm Y tế Thanh Khê")):
        added = await graphql_data(client, ADD, {"input": facility(code, name)}, token=people["operator-48"])
        assert added["addFacility"]["errors"] == []

    async def found(search: str) -> list[str]:
        page = await graphql_data(client, SEARCH, {"search": search, "first": 10}, token=people["bv"])
        return [e["node"]["code"] for e in page["facilities"]["edges"]]

    assert await found("4800") == ["48001", "48002"]
    for search in ("%", "4800_", "_8001", "%1", "\\", "4800\\"):
        assert await found(search) == [], search


async def test_bad_facility_gets_every_reason(hub, people):
    client, _ = hub
    bad = facility("01002", " ", "48", communeCode="00004", contractFrom="2026-01-01", contractTo="2025-01-01")
    data = (await graphql_data(client, ADD, {"input": bad}, token=people["operator"]))["addFacility"]
    assert data["facility"] is None
    assert [(e["code"], e["field"]) for e in data["errors"]] == [
        ("NAME_REQUIRED", "name"),
        ("FACILITY_CODE_PROVINCE_MISMATCH", "code"),
        ("COMMUNE_NOT_IN_PROVINCE", "communeCode"),
        ("CONTRACT_ENDS_BEFORE_START", "contractTo"),
    ]
    assert all(e["messageVi"] for e in data["errors"])


async def test_operators_change_only_their_province_and_others_not_at_all(hub, people):
    client, _ = hub
    hanoi_facility = {"input": facility("01001", "Bệnh viện Bạch Mai", "01", level="CENTRAL")}
    assert await graphql_error_codes(client, ADD, hanoi_facility, token=people["operator-48"]) == ["FORBIDDEN"]
    assert await graphql_error_codes(client, ADD, hanoi_facility, token=people["ubnd-hai-chau"]) == ["FORBIDDEN"]
    done = (await graphql_data(client, ADD, hanoi_facility, token=people["operator-01"]))["addFacility"]
    assert done["errors"] == []


async def test_a_registry_office_asks_for_a_missing_facility_and_an_operator_decides(hub, people):
    client, _ = hub
    ask = """mutation($input: FacilityRequestInput!) { requestFacility(input: $input) {
      request { id state requestedBy } errors { code } } }"""
    wanted = {
        "code": "48099",
        "name": "Phòng khám Đa khoa Hải Châu",
        "provinceCode": "48",
        "communeCode": "20242",
        "note": "Nhiều gia đình chọn nơi này",
    }
    filed = (await graphql_data(client, ask, {"input": wanted}, token=people["ubnd-hai-chau"]))["requestFacility"]
    assert filed["request"]["state"] == "PENDING" and filed["request"]["requestedBy"] == "ubnd-hai-chau"
    again = (await graphql_data(client, ask, {"input": wanted}, token=people["ubnd-hai-chau"]))["requestFacility"]
    assert again["request"]["id"] == filed["request"]["id"]  # asking twice files one request
    # The Hà Nội operator does not see it; Đà Nẵng's does
    listing = "{ facilityRequests(state: PENDING) { id code } }"
    assert (await graphql_data(client, listing, token=people["operator-01"]))["facilityRequests"] == []
    assert [
        r["code"] for r in (await graphql_data(client, listing, token=people["operator-48"]))["facilityRequests"]
    ] == ["48099"]
    approve = """mutation($id: ID!) { approveFacilityRequest(id: $id, input: {level: DISTRICT,
      acceptsChildPrimaryCare: true}) { request { state decidedBy } facility { code name } errors { code } } }"""
    done = await graphql_data(client, approve, {"id": filed["request"]["id"]}, token=people["operator-48"])
    assert done["approveFacilityRequest"] == {
        "request": {"state": "APPROVED", "decidedBy": "operator-48"},
        "facility": {"code": "48099", "name": "Phòng khám Đa khoa Hải Châu"},
        "errors": [],
    }
    twice = await graphql_data(client, approve, {"id": filed["request"]["id"]}, token=people["operator-48"])
    assert [e["code"] for e in twice["approveFacilityRequest"]["errors"]] == ["REQUEST_NOT_PENDING"]
    # Asking for a facility that now exists is refused with the reason
    exists = (await graphql_data(client, ask, {"input": wanted}, token=people["ubnd-hai-chau"]))["requestFacility"]
    assert [e["code"] for e in exists["errors"]] == ["FACILITY_EXISTS"]
    # A hospital cannot file requests
    assert await graphql_error_codes(client, ask, {"input": wanted}, token=people["bv"]) == ["FORBIDDEN"]


async def test_rejection_needs_a_reason_and_the_requester_sees_it(hub, people):
    client, _ = hub
    ask = 'mutation { requestFacility(input: {code: "48098", name: "PK X", provinceCode: "48"}) { request { id } } }'
    request_id = (await graphql_data(client, ask, token=people["ubnd-hai-chau"]))["requestFacility"]["request"]["id"]
    reject = "mutation($id: ID!, $r: String!) { rejectFacilityRequest(id: $id, reason: $r) { errors { code } } }"
    no_reason = await graphql_data(client, reject, {"id": request_id, "r": " "}, token=people["operator"])
    assert [e["code"] for e in no_reason["rejectFacilityRequest"]["errors"]] == ["REASON_REQUIRED"]
    await graphql_data(client, reject, {"id": request_id, "r": "Chưa ký hợp đồng KCB BHYT"}, token=people["operator"])
    mine = "{ facilityRequests { state decisionReason } }"
    assert (await graphql_data(client, mine, token=people["ubnd-hai-chau"]))["facilityRequests"] == [
        {"state": "REJECTED", "decisionReason": "Chưa ký hợp đồng KCB BHYT"}
    ]


SAVE_UNIT = """mutation($input: BhxhUnitInput!) { saveBhxhUnit(input: $input) {
  unit { code canTakeWork problems { code message messageVi } } errors { code field } } }"""
SET_COMMUNES = """mutation($code: String!, $communes: [String!]!) {
  setBhxhUnitCommunes(code: $code, communeCodes: $communes) { unit { communeCodes } errors { code message } } }"""


async def test_a_unit_without_location_cannot_take_work_and_the_operator_sees_why(hub, people):
    client, state = hub
    unit = {"code": "4801", "name": "BHXH khu vực Hải Châu"}
    saved = (await graphql_data(client, SAVE_UNIT, {"input": unit}, token=people["operator"]))["saveBhxhUnit"]["unit"]
    assert saved["canTakeWork"] is False
    assert [p["code"] for p in saved["problems"]] == ["UNIT_LOCATION_MISSING"]
    assert "province and commune" in saved["problems"][0]["message"]
    # No work can be given to it, not even communes to serve
    assign = {"code": "4801", "communes": ["20242"]}
    refused = (await graphql_data(client, SET_COMMUNES, assign, token=people["operator"]))["setBhxhUnitCommunes"]
    assert [e["code"] for e in refused["errors"]] == ["UNIT_LOCATION_MISSING"]
    # Declared by Đà Nẵng's operator: it takes work
    located = {**unit, "provinceCode": "48", "communeCode": "20242"}
    saved = (await graphql_data(client, SAVE_UNIT, {"input": located}, token=people["operator-48"]))["saveBhxhUnit"]
    assert saved["unit"]["canTakeWork"] is True
    bad = {"code": "4801", "communes": ["20242", "99999", "00004"]}
    refused = (await graphql_data(client, SET_COMMUNES, bad, token=people["operator-48"]))["setBhxhUnitCommunes"]
    assert [e["code"] for e in refused["errors"]] == ["COMMUNE_NOT_IN_PROVINCE", "UNKNOWN_COMMUNE"]
    good = {"code": "4801", "communes": ["20242", "20209"]}
    done = (await graphql_data(client, SET_COMMUNES, good, token=people["operator-48"]))["setBhxhUnitCommunes"]
    assert done == {"unit": {"communeCodes": ["20209", "20242"]}, "errors": []}
    fewer = {"code": "4801", "communes": ["20242"]}
    done = (await graphql_data(client, SET_COMMUNES, fewer, token=people["operator-48"]))["setBhxhUnitCommunes"]
    assert done["unit"] == {"communeCodes": ["20242"]}
    async with state.services.db.sessions() as session:
        assert (await unit_for_commune(session, "20242")).code == "4801"
        with pytest.raises(BusinessErrors) as nobody:
            await unit_for_commune(session, "20209")
        assert [e.code for e in nobody.value.errors] == ["NO_UNIT_FOR_COMMUNE"]
    # Hà Nội's operator cannot touch Đà Nẵng's unit
    assert await graphql_error_codes(client, SET_COMMUNES, good, token=people["operator-01"]) == ["FORBIDDEN"]


async def test_a_commune_is_served_by_one_unit_even_when_two_claim_it_at_once(hub, people):
    client, _ = hub
    operator = people["operator-48"]
    for code, commune in (("4801", "20242"), ("4802", "20263")):
        unit = {"code": code, "name": f"BHXH {code}", "provinceCode": "48", "communeCode": commune}
        await graphql_data(client, SAVE_UNIT, {"input": unit}, token=operator)
    claims = [{"code": code, "communes": ["20209"]} for code in ("4801", "4802")]
    answers = await asyncio.gather(*(graphql_data(client, SET_COMMUNES, claim, token=operator) for claim in claims))
    outcomes = sorted(
        (a["setBhxhUnitCommunes"]["unit"] is not None, [e["code"] for e in a["setBhxhUnitCommunes"]["errors"]])
        for a in answers
    )
    assert outcomes == [(False, ["COMMUNE_SERVED_BY_OTHER_UNIT"]), (True, [])]


async def test_approve_and_reject_at_once_decide_a_request_once(hub, people):
    client, _ = hub
    ask = 'mutation { requestFacility(input: {code: "48097", name: "PK Y", provinceCode: "48"}) { request { id } } }'
    request_id = (await graphql_data(client, ask, token=people["ubnd-hai-chau"]))["requestFacility"]["request"]["id"]
    approve = """mutation($id: ID!) { approveFacilityRequest(id: $id, input: {level: COMMUNE,
      acceptsChildPrimaryCare: true}) { request { state } errors { code } } }"""
    reject = (
        'mutation($id: ID!) { rejectFacilityRequest(id: $id, reason: "Trùng") { request { state } errors { code } } }'
    )
    answers = await asyncio.gather(
        graphql_data(client, approve, {"id": request_id}, token=people["operator-48"]),
        graphql_data(client, reject, {"id": request_id}, token=people["operator"]),
        graphql_data(client, approve, {"id": request_id}, token=people["operator"]),
    )
    payloads = [next(iter(a.values())) for a in answers]
    winners = [p for p in payloads if not p["errors"]]
    assert len(winners) == 1
    assert all([e["code"] for e in p["errors"]] == ["REQUEST_NOT_PENDING"] for p in payloads if p["errors"])
    listing = await graphql_data(client, "{ facilityRequests { state } }", token=people["operator"])
    assert listing["facilityRequests"] == [winners[0]["request"]]
