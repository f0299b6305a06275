"""Issue 21 on both backends: every refusal in writing (a letter signed by the hub, downloaded by the person, their
employer and the processors of the claim's province, refused to anyone else), and the refusals of convalescence
under Luật BHXH 41/2024 Art 46 and 60."""

from __future__ import annotations

import datetime as dt

from hub.claims.rules import VIETNAM_CALENDAR
from hub.clients.permissions import ClientKind
from hub.infra.clock import vietnam_date
from tests.helpers import graphql_data, make_client, post_graphql
from tests.integration import test_claims
from tests.integration.documents_kit import signed_by_hub
from tests.integration.test_claims import (
    CLAIM,
    DECIDE,
    EMPLOYEE_ID,
    FILE,
    MOTHER_ID,
    claims_when,
    own_readers,
)

office = test_claims.office  # the same world: an employer, Lê Văn Tâm and Nguyễn Thị Lan insured

LETTER = """query($reference: String!) { refusalLetter(reference: $reference) { reference fileName xml } }"""
REASONS = """query($reference: String!) { claim(reference: $reference) {
  claim { state computation { eligible reasons { code messageVi } explanation { source textVi textEn } } } } }"""


async def file(client, token: str, filing: dict[str, object]) -> dict:
    answer = await graphql_data(client, FILE, {"input": filing}, token=token)
    assert answer["fileClaim"]["errors"] == [], answer
    return answer["fileClaim"]["claim"]


def convalescence(person: str, cause: str, returned: str, start: str, days: int) -> dict[str, object]:
    return {
        "kind": "CONVALESCENCE",
        "personalId": person,
        "cause": cause,
        "returnedToWork": returned,
        "leave": {"start": start, "end": start},
        "days": days,
    }


async def computed(client, processor: str, reference: str) -> dict:
    found = [c for c in await claims_when(client, processor, 1, kinds=["CONVALESCENCE"], states=["COMPUTED"])]
    assert found[0]["reference"] == reference
    data = await graphql_data(client, REASONS, {"reference": reference}, token=processor)
    return data["claim"]["claim"]["computation"]


async def test_a_convalescence_after_an_early_return_from_maternity_leave_is_refused_in_writing(
    hub, office, signer, clock
):
    """Art 60: born 1/8/2025, 6 months' leave to 31/1/2026; back at work on 1/12/2025, before it ended: the
    convalescence asked from 2/2/2026 is refused. The processor rejects it; the mother, her employer and the
    province's processors download the signed letter with the reasons in Vietnamese; others may not."""
    client, state = hub
    tokens = office
    processor = tokens["processor-48"]
    employer, stranger, other_citizen = await own_readers(hub, signer, clock)  # the last: Lê Văn Tâm
    db = state.services.db
    _, mother = await make_client(db, signer, clock, "nguyen-thi-lan", ClientKind.CITIZEN, f"person:{MOTHER_ID}")
    await file(client, employer, {"kind": "MATERNITY", "personalId": MOTHER_ID, "born": "2025-08-01"})
    await claims_when(client, processor, 1, kinds=["MATERNITY"], states=["COMPUTED"])
    filed = await file(client, employer, convalescence(MOTHER_ID, "MATERNITY_OTHER", "2025-12-01", "2026-02-02", 5))
    computation = await computed(client, processor, filed["reference"])
    assert not computation["eligible"]
    assert [r["code"] for r in computation["reasons"]] == ["RETURNED_TO_WORK_EARLY"]
    assert any("Điều 60" in line["source"] for line in computation["explanation"])

    reference = filed["reference"]
    early = (await post_graphql(client, LETTER, {"reference": reference}, token=mother)).json()
    assert early["errors"][0]["extensions"]["code"] == "NOT_REFUSED"  # not rejected yet: no letter
    reason = "Đi làm trước khi hết thời gian nghỉ sinh con"
    decided = await graphql_data(
        client, DECIDE, {"reference": reference, "decision": "REJECT", "reason": reason}, token=processor
    )
    assert decided["decideClaim"]["claim"]["state"] == "REJECTED"

    for token in (mother, employer, processor):
        letter = (await graphql_data(client, LETTER, {"reference": reference}, token=token))["refusalLetter"]
        assert letter["fileName"] == f"tu-choi-{reference}.xml"
        root = signed_by_hub(state, letter["xml"].encode("utf-8"), at=clock.now() + dt.timedelta(seconds=1))
        assert root.findtext("MA_HO_SO") == reference
        assert root.findtext("NGUOI_LAO_DONG/SO_DINH_DANH") == MOTHER_ID
        assert root.findtext("DON_VI/MA_DON_VI") == "DN0012345"
        assert root.findtext("NGAY_SU_KIEN") == "2026-02-02"
        codes = [item.findtext("MA") for item in root.iter("LY_DO")]
        assert codes == ["QUYET_DINH", "RETURNED_TO_WORK_EARLY"]
        assert reason in [item.findtext("MO_TA") for item in root.iter("LY_DO")]
        basis = [item.text or "" for item in root.iter("CAN_CU")]
        assert any("Điều 60" in text for text in basis) and any("Điều 63" in text for text in basis)
        assert "khiếu nại" in (root.findtext("QUYEN_KHIEU_NAI") or "")
        pending = [item.text or "" for item in root.iterfind("CAN_XAC_NHAN/NOI_DUNG")]
        assert pending and all(text.startswith("[cần xác nhận ") for text in pending)

    for token in (stranger, other_citizen, tokens["processor-01"]):
        refused = (await post_graphql(client, LETTER, {"reference": reference}, token=token)).json()
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    nobody = (await post_graphql(client, LETTER, {"reference": "HS000000NOPE"}, token=mother)).json()
    assert nobody["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_convalescence_after_sickness_counts_its_30_days_from_the_end_of_the_sick_leave(hub, office):
    """Art 46: sick 29/9–7/11/2025 (Friday; 2 + 23 + 5 = 30 working days paid), back at work Monday 10/11. The 30
    days run 8/11–7/12/2025: a convalescence from 8/12 is refused (STARTS_TOO_LATE_AFTER_LEAVE), though 8/12 is the
    29th day back at work; one from 7/12 is paid 5 × 702,000 = 3,510,000 VND."""
    client, _ = hub
    tokens = office
    processor = tokens["processor-48"]
    sick: dict[str, object] = {"kind": "SICKNESS", "personalId": EMPLOYEE_ID}
    sick["leave"] = {"start": "2025-09-29", "end": "2025-11-07"}
    await file(client, processor, sick)
    (sickness,) = await claims_when(client, processor, 1, kinds=["SICKNESS"], states=["COMPUTED"])
    assert sickness["computation"]["paidDays"] == "30"
    late = await file(client, processor, convalescence(EMPLOYEE_ID, "SICKNESS_OTHER", "2025-11-10", "2025-12-08", 5))
    computation = await computed(client, processor, late["reference"])
    assert [r["code"] for r in computation["reasons"]] == ["STARTS_TOO_LATE_AFTER_LEAVE"]
    assert any(
        "[to confirm " in line["textEn"] and "[cần xác nhận " in line["textVi"] for line in computation["explanation"]
    )
    decided = await graphql_data(
        client, DECIDE, {"reference": late["reference"], "decision": "REJECT", "reason": "Quá 30 ngày"}, token=processor
    )
    assert decided["decideClaim"]["claim"]["state"] == "REJECTED"
    on_time = await file(client, processor, convalescence(EMPLOYEE_ID, "SICKNESS_OTHER", "2025-11-10", "2025-12-07", 5))
    computation = await computed(client, processor, on_time["reference"])
    assert computation["eligible"] and computation["reasons"] == []
    data = await graphql_data(client, CLAIM, {"reference": on_time["reference"]}, token=processor)
    assert data["claim"]["claim"]["amountVnd"] == 3_510_000


DUE = """query($filter: ClaimFilterInput) { claims(filter: $filter) { edges { node {
  reference state filedBy dueOn filing { bhxhWorkingDays legalBasis } } } } }"""


async def test_bhxh_has_5_working_days_for_maternity_the_mother_files_herself(hub, office, signer, clock):
    """Art 63: the mother files her maternity claim herself: due 5 working days after it is complete (computed);
    filed by her employer, 7 (Art 49, 63)."""
    client, state = hub
    tokens = office
    processor = tokens["processor-48"]
    employer, _, _ = await own_readers(hub, signer, clock)
    db = state.services.db
    _, mother = await make_client(db, signer, clock, "nguyen-thi-lan", ClientKind.CITIZEN, f"person:{MOTHER_ID}")
    await file(client, mother, {"kind": "MATERNITY", "personalId": MOTHER_ID, "born": "2025-08-01"})
    await file(client, employer, {"kind": "SICKNESS", "personalId": EMPLOYEE_ID, "leave": leave("2025-03-03")})
    await claims_when(client, processor, 2, states=["COMPUTED"])
    data = await graphql_data(client, DUE, {"filter": {"states": ["COMPUTED"]}}, token=processor)
    by_kind = {edge["node"]["filedBy"]: edge["node"] for edge in data["claims"]["edges"]}
    today = vietnam_date(clock.now())
    mine, theirs = by_kind["employee"], by_kind["employer"]
    assert mine["dueOn"] == VIETNAM_CALENDAR.add_working_days(today, 5).isoformat()
    assert mine["filing"]["bhxhWorkingDays"] == 5
    assert any("Điều 63" in text for text in mine["filing"]["legalBasis"])
    assert theirs["dueOn"] == VIETNAM_CALENDAR.add_working_days(today, 7).isoformat()
    assert any("Điều 49" in text for text in theirs["filing"]["legalBasis"])


def leave(start: str) -> dict[str, str]:
    return {"start": start, "end": start}
