"""The catalogs part of `hub demo`: import Đà Nẵng's (synthetic) facility list from a file, then tour the catalogs."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from devkit.demo.tour import Echo, Tour
from devkit.synthetic import generate_facilities
from hub.catalogs.facility_import import column_map, import_facilities
from hub.infra.clock import SystemClock
from hub.infra.db import Database
from hub.infra.spreadsheets import read_rows

PROVINCE = "48"  # Thành phố Đà Nẵng
LEVEL_NUMBERS = {"central": "1", "province": "2", "district": "3", "commune": "4"}
HEADER = ["MA_CSKCB", "TEN_CSKCB", "MA_TINH", "MA_XA", "TUYEN", "KCB_BD_TRE_EM", "HD_TU_NGAY", "HD_DEN_NGAY"]
# Two rows as they sometimes arrive: a code with a digit missing, and a level that does not exist.
BAD_ROWS = [
    ["4899", "Phòng khám thiếu mã", "48", "", "4", "1", "", ""],
    ["48998", "Phòng khám tuyến lạ", "48", "20242", "9", "1", "01/01/2026", ""],
]
OPERATOR, REGISTRY = "demo-operator", "demo-ubnd-phuong-hai-chau"


async def seed_catalogs(db: Database, clock: SystemClock, echo: Echo) -> None:
    """Write the province's facilities to a CSV file as a BHXH office would, and import it like `hub catalog
    import-facilities` does."""
    facilities = [f for f in generate_facilities(seed=2026) if f.province_code == PROVINCE]
    rows = [
        [
            f.code,
            f.name,
            f.province_code,
            f.commune_code or "",
            LEVEL_NUMBERS[f.level.value],
            "1" if f.accepts_child_primary_care else "0",
            _date(f.contract_from),
            _date(f.contract_to),
        ]
        for f in facilities
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "danh-muc-cskcb-da-nang.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(HEADER)
            writer.writerows(rows + BAD_ROWS)
        header, data = read_rows(path)
        async with db.transaction() as session:
            report = await import_facilities(session, data, column_map(header), now=clock.now(), actor=None)
    echo(
        f"facility list {path.name}: {report.created} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.rejected)} rejected"
    )
    for rejected in report.rejected:
        for error in rejected.errors:
            echo(f"   row {rejected.row} ({rejected.code}): {error.code} — {error.message_vi}")


def _date(day: object) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


async def catalog_tour(tour: Tour) -> None:
    await tour.call(
        "a legacy commune, looked up without diacritics, and what it became on 1/7/2025",
        REGISTRY,
        """{ adminUnits(name: "phuong thac gian", era: LEGACY) { code name districtCode validTo }
             currentUnitsOf(legacyCode: "20218") { default unit { code name } } }""",
    )
    await tour.call(
        "one code, two communes: the record's date decides",
        REGISTRY,
        """{ in2024: communeOn(code: "20242", date: "2024-05-01") { name }
             in2026: communeOn(code: "20242", date: "2026-05-01") { name } }""",
    )
    await tour.call(
        "an old address, abbreviated, read into today's units",
        REGISTRY,
        """{ convertLegacyAddress(address: "12 Lê Duẩn, P. Thạc Gián, Q. Thanh Khê, TP. Đà Nẵng") {
             currentAddress legacyCommune { name } legacyDistrict { name } } }""",
    )
    await tour.call(
        "facilities that take children in Đà Nẵng, first page (cursor pagination)",
        REGISTRY,
        """{ facilities(provinceCode: "48", acceptsChildren: true, first: 3) {
             edges { node { code name level } } pageInfo { hasNextPage endCursor } } }""",
    )
    asked = await tour.call(
        "a registry office cannot find a clinic families choose, and asks for it to be added",
        REGISTRY,
        """mutation { requestFacility(input: {code: "48990", name: "Phòng khám Đa khoa Quốc tế Hải Châu",
             provinceCode: "48", communeCode: "20242", note: "Nhiều gia đình đăng ký KCB ban đầu tại đây"}) {
             request { id state } errors { code messageVi } } }""",
    )
    request = (asked or {}).get("requestFacility", {}).get("request")
    if request:
        await tour.call(
            "the operator approves it: the clinic is on the list",
            OPERATOR,
            """mutation($id: ID!) { approveFacilityRequest(id: $id, input: {level: DISTRICT,
                 acceptsChildPrimaryCare: true, contractFrom: "2026-01-01"}) {
                 request { state decidedBy } facility { code name } errors { code } } }""",
            {"id": request["id"]},
        )
    save = """mutation($input: BhxhUnitInput!) { saveBhxhUnit(input: $input) {
        unit { code name canTakeWork problems { code messageVi } } errors { code } } }"""
    await tour.call(
        "a BHXH unit registered without its location is kept, but cannot take work — and says why",
        OPERATOR,
        save,
        {"input": {"code": "4801", "name": "BHXH khu vực Hải Châu"}},
    )
    await tour.call(
        "once its province and commune are declared, it can",
        OPERATOR,
        save,
        {"input": {"code": "4801", "name": "BHXH khu vực Hải Châu", "provinceCode": "48", "communeCode": "20242"}},
    )
    await tour.call(
        "it serves Hải Châu and Thanh Khê",
        OPERATOR,
        """mutation { setBhxhUnitCommunes(code: "4801", communeCodes: ["20242", "20209"]) {
             unit { communeCodes canTakeWork } errors { code } } }""",
    )
    await tour.call(
        "the seed's ID number 001219011644 checked against a girl born in 2020",
        REGISTRY,
        """{ personalIdCheck(number: "001219011644", dateOfBirth: "2020-05-01", gender: FEMALE) {
             valid provinceName gender birthYear issues { code messageVi } } }""",
    )
