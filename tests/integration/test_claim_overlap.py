"""One event, one claim, on both backends: a hospital's certificate, an employer's or processor's filing and the
citizen's own filing of one leave meet in one claim, however the certificate is written; a filing whose days overlap
another claim's is refused naming it; a rejected claim blocks nothing; and filings arriving at once still meet in
one claim (issue 19, item 1)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping

from devkit.qd4750_samples import SICK_LEAVE, visit_of
from hub.clients.permissions import ClientKind
from hub.documents.qd4750 import table_file
from tests.helpers import graphql_data, make_client, wait_until
from tests.integration.documents_kit import replaced, signed_envelope
from tests.integration.test_claims import (
    CLAIM,
    CLAIMS,
    DECIDE,
    EMPLOYEE_ID,
    EMPLOYER,
    MOTHER_ID,
    SICK_VISIT,
    claims_when,
    office,  # noqa: F401  (fixture)
)
from tests.integration.test_documents import submit

FULL_CERTIFICATE = f"facility:48001/{SICK_LEAVE.so_seri}"
LEAVE = {"start": "2025-03-03", "end": "2025-03-07"}  # the certificate's days
FILE = """mutation($input: FileClaimInput!) { fileClaim(input: $input) {
  claim { reference state details } errors { code message messageVi } } }"""
FILE_LIST = """mutation($inputs: [FileClaimInput!]!) { fileClaims(inputs: $inputs) {
  results { index claim { reference } errors { code message } } errors { code } } }"""


def sickness(leave: dict[str, str] = LEAVE, **more: object) -> dict[str, object]:
    return {"kind": "SICKNESS", "personalId": EMPLOYEE_ID, "leave": leave, **more}


def sick_leave_envelope() -> bytes:
    return signed_envelope([[table_file(SICK_VISIT), table_file(SICK_LEAVE)]])


async def file(client, token: str, filing: Mapping[str, object]) -> dict:
    return (await graphql_data(client, FILE, {"input": filing}, token=token))["fileClaim"]


EVERY_STATE = ["EVIDENCE_PENDING", "COMPUTED", "APPROVED", "REJECTED", "RETURNED", "PAID"]


async def all_claims(client, token: str) -> list[dict]:
    """Every claim the processor's queue holds, in any state (its default shows only the work waiting)."""
    data = await graphql_data(client, CLAIMS, {"filter": {"states": EVERY_STATE}}, token=token)
    return [edge["node"] for edge in data["claims"]["edges"]]


async def when_certificate_taken(client, token: str) -> dict:
    """The one claim, once the certificate's document reached it (a worker's job on PostgreSQL) and it was computed
    again."""
    found: list[dict] = []

    async def ready() -> bool:
        listed = await all_claims(client, token)
        if len(listed) != 1:
            return False
        detail = await graphql_data(client, CLAIM, {"reference": listed[0]["reference"]}, token=token)
        if not any("documents" in event["details"] for event in detail["claim"]["history"]):
            return False
        # Read again once the certificate reached the claim: a list read before the merge holds the old details
        # (the claim computed from the filing alone), however soon the merge came after it.
        found[:] = await all_claims(client, token)
        return len(found) == 1 and found[0]["state"] == "COMPUTED"

    await wait_until(ready)
    return found[0]


async def citizen_token(hub, signer, clock, personal_id: str = EMPLOYEE_ID) -> str:
    _, state = hub
    _, token = await make_client(
        state.services.db, signer, clock, f"citizen-{personal_id}", ClientKind.CITIZEN, f"person:{personal_id}"
    )
    return token


async def employer_token(hub, signer, clock) -> str:
    _, state = hub
    _, token = await make_client(
        state.services.db, signer, clock, "employer", ClientKind.EMPLOYER, f"employer:{EMPLOYER.code}"
    )
    return token


async def test_certificate_then_filings_of_the_same_leave_meet_in_its_claim(hub, office, signer, clock):  # noqa: F811
    client, _ = hub
    tokens = office
    # Given the hospital's certificate opened a sickness claim
    await submit(client, tokens["bv-48001"], sick_leave_envelope())
    (opened,) = await claims_when(client, tokens["processor-48"], 1, states=["COMPUTED"])
    reference = opened["reference"]
    # When the employer files the same leave without the certificate, a processor with its number alone, and the
    # citizen with the number written loosely
    by_employer = await file(client, await employer_token(hub, signer, clock), sickness())
    by_number = await file(client, tokens["processor-48"], sickness(certificate=SICK_LEAVE.so_seri))
    loosely = f" {SICK_LEAVE.so_seri.lower()} "
    by_citizen = await file(client, await citizen_token(hub, signer, clock), sickness(certificate=loosely))
    # Then each is merged into the certificate's claim: one claim, still naming the certificate in full
    for outcome in (by_employer, by_number, by_citizen):
        assert outcome["errors"] == [] and outcome["claim"]["reference"] == reference
    (claim,) = await claims_when(client, tokens["processor-48"], 1, states=["COMPUTED"])
    assert claim["details"]["certificate"] == FULL_CERTIFICATE
    assert len(await all_claims(client, tokens["processor-48"])) == 1


async def test_a_filing_before_the_certificate_takes_it_in(hub, office):  # noqa: F811
    client, _ = hub
    tokens = office
    # Given the employer's filing came first, without the certificate
    filed = await file(client, tokens["processor-48"], sickness())
    reference = filed["claim"]["reference"]
    # When the hospital's certificate for the same days arrives
    await submit(client, tokens["bv-48001"], sick_leave_envelope())
    # Then it is merged into that claim, which now names the certificate
    claim = await when_certificate_taken(client, tokens["processor-48"])
    assert claim["reference"] == reference and claim["details"]["certificate"] == FULL_CERTIFICATE
    assert len(await all_claims(client, tokens["processor-48"])) == 1


async def test_overlapping_days_are_refused_naming_the_claim(hub, office, signer, clock):  # noqa: F811
    client, _ = hub
    tokens = office
    await submit(client, tokens["bv-48001"], sick_leave_envelope())
    (opened,) = await claims_when(client, tokens["processor-48"], 1, states=["COMPUTED"])
    reference = opened["reference"]
    # A sickness leave sharing two days, by hand or by the citizen: refused, naming the claim and the days
    for token in (tokens["processor-48"], await citizen_token(hub, signer, clock)):
        refused = await file(client, token, sickness({"start": "2025-03-06", "end": "2025-03-12"}))
        (error,) = refused["errors"]
        assert refused["claim"] is None and error["code"] == "CLAIM_OVERLAPS"
        assert reference in error["message"] and reference in error["messageVi"]
        assert "2025-03-06 to 2025-03-07" in error["message"]
    # Caring for a sick child on the same days as one's own sick leave: refused, the rule marked unconfirmed
    child_care = {"kind": "CHILD_CARE", "personalId": EMPLOYEE_ID, "leave": LEAVE, "childBorn": "2022-05-01"}
    (error,) = (await file(client, tokens["processor-48"], child_care))["errors"]
    assert error["code"] == "CLAIM_OVERLAPS" and "[to confirm overlap-pairs" in error["message"]
    assert "[cần xác nhận overlap-pairs" in error["messageVi"]
    # In the employer's list, the overlapping line is refused and the others are filed
    later = sickness({"start": "2025-03-20", "end": "2025-03-21"})
    lines = [sickness({"start": "2025-03-01", "end": "2025-03-03"}), later]
    employer = await employer_token(hub, signer, clock)
    results = (await graphql_data(client, FILE_LIST, {"inputs": lines}, token=employer))["fileClaims"]
    first, second = results["results"]
    assert [e["code"] for e in first["errors"]] == ["CLAIM_OVERLAPS"] and reference in first["errors"][0]["message"]
    assert second["errors"] == [] and second["claim"]["reference"] != reference
    assert len(await all_claims(client, tokens["processor-48"])) == 2


async def test_a_second_certificate_for_days_already_claimed_opens_nothing(hub, office):  # noqa: F811
    client, _ = hub
    tokens = office
    await submit(client, tokens["bv-48001"], sick_leave_envelope())
    (opened,) = await claims_when(client, tokens["processor-48"], 1, states=["COMPUTED"])
    # When another certificate, from another visit, covers 5 to 10 March
    other = replaced(
        SICK_LEAVE,
        ma_lk="48001.2025.000399",
        so_seri="48001-2025-0009999",
        so_ngay_nghi=6,
        tu_ngay=dt.date(2025, 3, 5),
        den_ngay=dt.date(2025, 3, 10),
        ngay_ct=dt.date(2025, 3, 5),
    )
    visit = visit_of(other.ma_lk, SICK_VISIT.ho_ten, EMPLOYEE_ID, 1)
    await submit(client, tokens["bv-48001"], signed_envelope([[table_file(visit), table_file(other)]]))
    # Then no second claim opens; the first claim's history names the certificate it refused
    found: list[dict] = []

    async def noted() -> bool:
        detail = await graphql_data(client, CLAIM, {"reference": opened["reference"]}, token=tokens["processor-48"])
        found[:] = [e for e in detail["claim"]["history"] if e["details"].get("what") == "overlap_refused"]
        return bool(found)

    await wait_until(noted)
    assert "2025-03-05 to 2025-03-07" in found[0]["details"]["reason"] and found[0]["details"]["documents"]
    assert len(await all_claims(client, tokens["processor-48"])) == 1


async def test_sickness_during_maternity_leave_is_refused(hub, office):  # noqa: F811
    client, _ = hub
    tokens = office
    # Given the twins' birth certificates (2 March 2025) opened the mother's maternity claim: seven months' leave
    await submit(client, tokens["bv-48001"], signed_envelope())
    claims = await claims_when(client, tokens["processor-48"], 2, states=["COMPUTED"])
    maternity = next(c for c in claims if c["kind"] == "MATERNITY")
    # When a sick leave of hers in May is filed: refused (Art 42(2)), naming the maternity claim
    filing = {"kind": "SICKNESS", "personalId": MOTHER_ID, "leave": {"start": "2025-05-05", "end": "2025-05-09"}}
    (error,) = (await file(client, tokens["processor-48"], filing))["errors"]
    assert error["code"] == "CLAIM_OVERLAPS" and maternity["reference"] in error["message"]
    assert "42(2)" in error["message"]
    # After her leave (7 months from 2 March) a sick leave opens a claim
    after = {"kind": "SICKNESS", "personalId": MOTHER_ID, "leave": {"start": "2025-10-06", "end": "2025-10-10"}}
    assert (await file(client, tokens["processor-48"], after))["errors"] == []


async def test_a_rejected_claim_blocks_nothing(hub, office):  # noqa: F811
    client, _ = hub
    tokens = office
    await submit(client, tokens["bv-48001"], sick_leave_envelope())
    (opened,) = await claims_when(client, tokens["processor-48"], 1, states=["COMPUTED"])
    variables = {"reference": opened["reference"], "decision": "REJECT", "reason": "certificate in doubt"}
    await graphql_data(client, DECIDE, variables, token=tokens["processor-48"])
    # The same leave filed again, even under the same certificate, opens a new claim; later filings meet that one
    again = await file(client, tokens["processor-48"], sickness(certificate=FULL_CERTIFICATE))
    assert again["errors"] == [] and again["claim"]["reference"] != opened["reference"]
    once_more = await file(client, tokens["processor-48"], sickness())
    assert once_more["claim"]["reference"] == again["claim"]["reference"]
    assert len(await all_claims(client, tokens["processor-48"])) == 2


async def test_filings_of_one_leave_at_once_open_one_claim(hub, office, signer, clock):  # noqa: F811
    client, _ = hub
    tokens = office
    citizen, employer = await citizen_token(hub, signer, clock), await employer_token(hub, signer, clock)
    # Given the certificate, and the same leave filed five times by three channels, all at the same moment
    filings = [
        (employer, sickness()),
        (tokens["processor-48"], sickness(certificate=SICK_LEAVE.so_seri)),
        (citizen, sickness(certificate=FULL_CERTIFICATE)),
        (employer, sickness(certificate=SICK_LEAVE.so_seri)),
        (tokens["processor-48"], sickness()),
    ]
    outcomes = await asyncio.gather(
        submit(client, tokens["bv-48001"], sick_leave_envelope()),
        *(file(client, token, filing) for token, filing in filings),
    )
    # Then every filing names the one claim there is
    references = {outcome["claim"]["reference"] for outcome in outcomes[1:]}
    assert len(references) == 1
    claim = await when_certificate_taken(client, tokens["processor-48"])
    assert claim["reference"] in references and claim["details"]["certificate"] == FULL_CERTIFICATE
    assert len(await all_claims(client, tokens["processor-48"])) == 1
    # And again for two more leaves filed by hand only, six at once each (one race is easily won by chance: without
    # the per-person lock a single round opened two claims in 2 runs of 3 on PostgreSQL)
    for leave in ({"start": "2025-04-07", "end": "2025-04-11"}, {"start": "2025-05-05", "end": "2025-05-09"}):
        at_once = [(token, sickness(leave)) for token in (employer, citizen, tokens["processor-48"])] * 2
        outcomes = await asyncio.gather(*(file(client, token, filing) for token, filing in at_once))
        assert all(outcome["errors"] == [] for outcome in outcomes), outcomes
        assert len({outcome["claim"]["reference"] for outcome in outcomes}) == 1
    assert len(await all_claims(client, tokens["processor-48"])) == 3
