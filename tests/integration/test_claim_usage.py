"""What a processor weighs a claim against, on the claim itself: the contribution months of the 12- and 24-month
windows with their salaries, the days already used this year per benefit (per child for child care), and the
payments ledger's totals (the same as caseStatus's)."""

from __future__ import annotations

from tests.helpers import graphql_data
from tests.integration.test_claims import (  # noqa: F401  (fixtures)
    DECIDE,
    EMPLOYEE_ID,
    FILE,
    PAY,
    claims_when,
    office,
)

USAGE = """query($reference: String!) { claim(reference: $reference) {
  claim { amountVnd paidVnd recoveredVnd toPayVnd toRecoverVnd adjustments { kind } }
  usage { months12 { month salaryVnd compulsory } months24 { month } daysUsedThisYear { kind child days } } } }"""


async def test_a_claim_shows_its_contribution_windows_days_used_and_ledger(hub, office):  # noqa: F811
    client, _ = hub
    token = office["processor-48"]

    async def care(child_born: str, start: str, end: str) -> str:
        filing: dict[str, object] = {"kind": "CHILD_CARE", "personalId": EMPLOYEE_ID, "childBorn": child_born}
        filing["leave"] = {"start": start, "end": end}
        answer = await graphql_data(client, FILE, {"input": filing}, token=token)
        return str(answer["fileClaim"]["claim"]["reference"])

    first = await care("2023-05-01", "2025-04-07", "2025-04-25")  # 14 working days
    await claims_when(client, token, 1, states=["COMPUTED"])
    later = await care("2023-05-01", "2025-05-05", "2025-05-16")
    other_child = await care("2024-01-10", "2025-05-05", "2025-05-16")
    await claims_when(client, token, 3, states=["COMPUTED"])

    detail = (await graphql_data(client, USAGE, {"reference": later}, token=token))["claim"]
    usage = detail["usage"]
    # Contributions from January 2023: the 12 and the 24 months before May 2025, each at 9,000,000 đồng
    assert [m["month"] for m in usage["months12"]] == [f"{y}-{m:02d}-01" for y, m in _months((2024, 5), 12)]
    assert len(usage["months24"]) == 24 and usage["months24"][0]["month"] == "2023-05-01"
    assert all(m["salaryVnd"] == 9_000_000 and m["compulsory"] for m in usage["months12"])
    # The days counted in 2025 by the person's other claims, per child: this claim's own are not among them
    used = sorted((d["kind"], d["days"]) for d in usage["daysUsedThisYear"])
    assert used == [("CHILD_CARE", 10.0), ("CHILD_CARE", 14.0)]  # the other child's claim, the first one
    assert len({d["child"] for d in usage["daysUsedThisYear"]}) == 2
    mine = (await graphql_data(client, USAGE, {"reference": other_child}, token=token))["claim"]["usage"]
    assert [d["days"] for d in mine["daysUsedThisYear"]] == [20.0]  # the first child: 14 + 6 (its limit)

    # The ledger on the claim: nothing ordered, then to pay once approved, then paid
    assert detail["claim"]["paidVnd"] == detail["claim"]["toPayVnd"] == 0
    await graphql_data(client, DECIDE, {"reference": first, "decision": "APPROVE"}, token=token)
    approved = (await graphql_data(client, USAGE, {"reference": first}, token=token))["claim"]["claim"]
    assert approved["toPayVnd"] == approved["amountVnd"] > 0 and approved["paidVnd"] == 0
    await graphql_data(client, PAY, {"reference": first}, token=token)
    paid = (await graphql_data(client, USAGE, {"reference": first}, token=token))["claim"]["claim"]
    assert (paid["paidVnd"], paid["toPayVnd"], paid["recoveredVnd"], paid["toRecoverVnd"]) == (
        approved["amountVnd"],
        0,
        0,
        0,
    )
    assert paid["adjustments"] == []


def _months(start: tuple[int, int], count: int) -> list[tuple[int, int]]:
    year, month = start
    out = []
    for _ in range(count):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
