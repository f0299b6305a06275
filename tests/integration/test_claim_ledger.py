"""A claim's payments add up, on both backends (issue 19, item 2): what is owed is the computed amount; the payment,
top-ups and recoveries are ledger entries that add up to it. Each test is one finding that failed before the ledger:
a confirmed top-up paid again in full, a recovery of money never paid, recoveries beyond what was paid, and a portal
that showed `PAID, 0` after a recovery and nothing of it."""

from __future__ import annotations

import datetime as dt

from devkit.qd4750_samples import SICK_LEAVE
from hub.documents.qd4750 import table_file
from tests.helpers import graphql_data
from tests.integration.documents_kit import replaced, signed_envelope
from tests.integration.test_claims import (
    CLAIM,
    CONFIRM,
    DECIDE,
    PAY,
    SICK_VISIT,
    claims_when,
    office,  # noqa: F401  (fixture)
)
from tests.integration.test_documents import REVOKE, submit

PAY_ERRORS = """mutation($reference: String!) { payClaim(reference: $reference) { claim { state } errors { code } } }"""
STATUS = """query($reference: String!) { caseStatus(reference: $reference) {
  state amountVnd paidVnd recoveredVnd toPayVnd toRecoverVnd adjustments { kind amountVnd settledAt } } }"""
LONGER = replaced(SICK_LEAVE, den_ngay=dt.date(2025, 3, 11), so_ngay_nghi=7)  # 03-11/03/2025: 7 working days
SHORTER = replaced(SICK_LEAVE, den_ngay=dt.date(2025, 3, 5), so_ngay_nghi=3)


async def certified(client, tokens) -> dict:
    """The sick-leave certificate's claim, computed and approved (not paid)."""
    await submit(client, tokens["bv-48001"], signed_envelope([[table_file(SICK_VISIT), table_file(SICK_LEAVE)]]))
    (claim,) = await claims_when(client, tokens["processor-48"], 1, states=["COMPUTED"])
    decided = await graphql_data(
        client, DECIDE, {"reference": claim["reference"], "decision": "APPROVE"}, token=tokens["processor-48"]
    )
    assert decided["decideClaim"]["claim"]["state"] == "APPROVED"
    return claim


async def amended(client, tokens, certificate) -> dict:
    """The hospital amends the certificate; the claim once recomputed, waiting for a processor's confirmation."""
    await submit(client, tokens["bv-48001"], signed_envelope([[table_file(SICK_VISIT), table_file(certificate)]]))
    (changed,) = await claims_when(client, tokens["processor-48"], 1, needsConfirmation=True)
    return changed


async def ledger_of(client, token: str, reference: str) -> list[tuple[str, int, bool]]:
    detail = (await graphql_data(client, CLAIM, {"reference": reference}, token=token))["claim"]
    return [(p["kind"], p["amountVnd"], p["confirmedAt"] is not None) for p in detail["payments"]]


async def status(client, tokens, reference: str) -> dict:
    return (await graphql_data(client, STATUS, {"reference": reference}, token=tokens["portal"]))["caseStatus"]


async def test_a_longer_certificate_before_payment_raises_the_payment_not_a_top_up(hub, office):  # noqa: F811
    client, _ = hub
    tokens, processor = office, office["processor-48"]
    claim = await certified(client, tokens)
    reference, first = claim["reference"], claim["amountVnd"]
    assert await ledger_of(client, processor, reference) == [("PAYMENT", first, False)]
    longer = await amended(client, tokens, LONGER)
    owed = longer["amountVnd"]
    assert owed == first * 7 // 5
    # The pending payment is what is now owed; no top-up of money that was never paid
    assert await ledger_of(client, processor, reference) == [("PAYMENT", owed, False)]
    refused = await graphql_data(client, PAY_ERRORS, {"reference": reference}, token=processor)
    assert refused["payClaim"]["errors"] == [{"code": "CONFIRM_FIRST"}]
    await graphql_data(client, CONFIRM, {"reference": reference}, token=processor)
    paid = await graphql_data(client, PAY, {"reference": reference}, token=processor)
    assert paid["payClaim"]["claim"]["state"] == "PAID"
    assert await ledger_of(client, processor, reference) == [("PAYMENT", owed, True)]
    assert await status(client, tokens, reference) == {
        "state": "PAID",
        "amountVnd": owed,
        "paidVnd": owed,
        "recoveredVnd": 0,
        "toPayVnd": 0,
        "toRecoverVnd": 0,
        "adjustments": [],
    }


async def test_a_shorter_certificate_before_payment_lowers_the_payment_nothing_is_recovered(hub, office):  # noqa: F811
    client, _ = hub
    tokens, processor = office, office["processor-48"]
    claim = await certified(client, tokens)
    reference = claim["reference"]
    shorter = await amended(client, tokens, SHORTER)
    owed = shorter["amountVnd"]
    assert 0 < owed < claim["amountVnd"]
    assert await ledger_of(client, processor, reference) == [("PAYMENT", owed, False)]
    await graphql_data(client, CONFIRM, {"reference": reference}, token=processor)
    await graphql_data(client, PAY, {"reference": reference}, token=processor)
    assert await ledger_of(client, processor, reference) == [("PAYMENT", owed, True)]
    found = await status(client, tokens, reference)
    assert (found["paidVnd"], found["recoveredVnd"], found["adjustments"]) == (owed, 0, [])


async def test_a_revocation_recovers_what_was_paid_and_no_more_and_the_portal_shows_it(hub, office):  # noqa: F811
    client, _ = hub
    tokens, processor = office, office["processor-48"]
    claim = await certified(client, tokens)
    reference = claim["reference"]
    owed = (await amended(client, tokens, SHORTER))["amountVnd"]
    await graphql_data(client, CONFIRM, {"reference": reference}, token=processor)
    await graphql_data(client, PAY, {"reference": reference}, token=processor)
    evidence = """query($reference: String!) { claim(reference: $reference) { evidence { id docType state } } }"""
    found = await graphql_data(client, evidence, {"reference": reference}, token=processor)
    current = [d for d in found["claim"]["evidence"] if d["docType"] == "XML11" and d["state"] == "CURRENT"]
    (certificate,) = current
    revoked = await graphql_data(
        client, REVOKE, {"id": certificate["id"], "reason": "Cấp nhầm"}, token=tokens["bv-48001"]
    )
    assert revoked["revokeDocument"]["errors"] == []
    await claims_when(client, processor, 1, states=["PAID"], needsConfirmation=True)
    # What was paid is recovered, and no more
    assert await ledger_of(client, processor, reference) == [("PAYMENT", owed, True), ("RECOVERY", owed, False)]
    pending = await status(client, tokens, reference)
    assert pending["state"] == "PAID" and pending["paidVnd"] == owed and pending["toRecoverVnd"] == owed
    assert pending["adjustments"] == [{"kind": "RECOVERY", "amountVnd": owed, "settledAt": None}]
    await graphql_data(client, CONFIRM, {"reference": reference}, token=processor)
    # The portal: paid, then recovered in full (not a bare `PAID, 0`)
    done = await status(client, tokens, reference)
    assert (done["amountVnd"], done["paidVnd"], done["recoveredVnd"], done["toRecoverVnd"]) == (0, owed, owed, 0)
    (recovery,) = done["adjustments"]
    assert recovery["kind"] == "RECOVERY" and recovery["amountVnd"] == owed and recovery["settledAt"]


async def test_a_longer_certificate_after_payment_is_a_top_up_the_portal_shows_paid(hub, office):  # noqa: F811
    client, _ = hub
    tokens, processor = office, office["processor-48"]
    claim = await certified(client, tokens)
    reference, first = claim["reference"], claim["amountVnd"]
    await graphql_data(client, PAY, {"reference": reference}, token=processor)
    owed = (await amended(client, tokens, LONGER))["amountVnd"]
    assert await ledger_of(client, processor, reference) == [("PAYMENT", first, True), ("TOP_UP", owed - first, False)]
    pending = await status(client, tokens, reference)
    assert (pending["paidVnd"], pending["toPayVnd"]) == (first, owed - first)
    await graphql_data(client, CONFIRM, {"reference": reference}, token=processor)
    done = await status(client, tokens, reference)
    assert (done["amountVnd"], done["paidVnd"], done["toPayVnd"], done["recoveredVnd"]) == (owed, owed, 0, 0)
    (top_up,) = done["adjustments"]
    assert top_up["kind"] == "TOP_UP" and top_up["amountVnd"] == owed - first and top_up["settledAt"]

    # Amended again, shorter: what was paid beyond the new amount is recovered, in one pending order
    lower = (await amended(client, tokens, SHORTER))["amountVnd"]
    assert await ledger_of(client, processor, reference) == [
        ("PAYMENT", first, True),
        ("TOP_UP", owed - first, True),
        ("RECOVERY", owed - lower, False),
    ]
