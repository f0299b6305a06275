"""The supervisors' claims report: decided in the period and on time by BHXH's due date, the backlog now by age and
overdue, per province and BHXH unit, and its Excel workbook."""

from __future__ import annotations

import base64
import io

from openpyxl import load_workbook

from tests.helpers import graphql_data
from tests.integration.test_claims import (  # noqa: F401  (fixtures)
    DECIDE,
    EMPLOYEE_ID,
    FILE,
    claims_when,
    office,
)

REPORT = """query($f: Date!, $l: Date!) { claimsReport(firstDay: $f, lastDay: $l) {
  ageBuckets rows { level code decided onTime onTimeRate waiting overdue byAge } xlsxBase64 } }"""


async def test_claims_report_counts_decisions_on_time_and_the_backlog_by_age(hub, office, clock):  # noqa: F811
    client, _ = hub
    token = office["processor-48"]
    references = []
    for start, end in (("2025-04-07", "2025-04-11"), ("2025-05-05", "2025-05-09"), ("2025-06-02", "2025-06-06")):
        filing = {"kind": "SICKNESS", "personalId": EMPLOYEE_ID, "leave": {"start": start, "end": end}}
        answer = await graphql_data(client, FILE, {"input": filing}, token=token)
        references.append(answer["fileClaim"]["claim"]["reference"])
    await claims_when(client, token, 3, states=["COMPUTED"])
    # When: one is approved today, within its 7 working days
    await graphql_data(client, DECIDE, {"reference": references[0], "decision": "APPROVE"}, token=token)
    today = clock.now().date().isoformat()
    report = (await graphql_data(client, REPORT, {"f": today, "l": today}, token=token))["claimsReport"]
    # Then: the province's row and its BHXH unit's row both count it, and the two still waiting, just received
    assert report["ageBuckets"] == ["0-7", "8-14", "15-30", "31-"]
    province = next(r for r in report["rows"] if r["level"] == "province")
    assert province["code"] == "48"
    assert (province["decided"], province["onTime"], province["onTimeRate"]) == (1, 1, 1.0)
    assert (province["waiting"], province["overdue"], province["byAge"]) == (2, 0, [2, 0, 0, 0])
    units = [r for r in report["rows"] if r["level"] == "unit"]
    assert sum(r["waiting"] for r in units) == 2 and sum(r["decided"] for r in units) == 1
    workbook = load_workbook(io.BytesIO(base64.b64decode(report["xlsxBase64"])))
    cells = [cell for row in workbook.worksheets[0].iter_rows(values_only=True) for cell in row]
    assert "Tỷ lệ đúng hạn" in cells and "On-time rate" in cells and "48" in cells
    # A processor of another province sees none of it
    other = await graphql_data(client, REPORT, {"f": today, "l": today}, token=office["processor-01"])
    assert other["claimsReport"]["rows"] == []
