"""The rest of a mother's maternity leave, opened by itself for the father (Luật BHXH 41/2024 Art 53, 2014 law Art 34)
when the civil-status death extract of the mother arrives, before or after her birth certificate (XML9) and
maternity claim, or a medical assessment council's minutes (XML12) finding she cannot care for the twins; computed on
the father's own contributions once hers is, while hers is computed again to end where his begins: the leave is paid
once. Both backends."""

from __future__ import annotations

import datetime as dt

from connectors.simulators.civil_status import DeathRegistration
from devkit.qd4750_samples import MOTHER, TWIN_A, TWIN_B
from hub.documents.qd4750 import table_file
from tests.helpers import graphql_data, wait_until
from tests.integration.documents_kit import signed_envelope
from tests.integration.test_assessment_councils import minutes_envelope
from tests.integration.test_claim_evidence import (  # noqa: F401  (the fixtures: the family, the simulators)
    MOTHER_ID,
    _child,
    computations_done,
    connected_parents,
    family,
    mother_record,
)
from tests.integration.test_claims import CLAIM, DECIDE, claims_when
from tests.integration.test_documents import submit
from tests.integration.test_evidence import systems  # noqa: F401

DIED = dt.date(2025, 5, 15)
DEATH = DeathRegistration(
    "20194", "01/2025", "7", dt.date(2025, 5, 16), "Nguyễn Thị Lan", MOTHER_ID, DIED, "Bệnh viện Đà Nẵng"
)
FETCH_DEATH = "mutation($id: String!) { fetchDeathExtract(personalId: $id) { document { docType } errors { code } } }"
# The hand computation of both tests (2014 law: the twins were born on 2/3/2025)
FATHERS_AMOUNT = 40_800_000


async def _death_fetched(client, systems, processor: str) -> None:  # noqa: F811
    _, civil, _, _ = systems
    civil.add_deaths([DEATH])
    fetched = await graphql_data(client, FETCH_DEATH, {"id": MOTHER_ID}, token=processor)
    assert fetched["fetchDeathExtract"]["document"]["docType"] == "death_extract"


async def _mothers_amount(client, processor: str, amount: int) -> None:
    """Her maternity claim, computed again, comes to `amount`."""

    async def recomputed() -> bool:
        [claim] = await claims_when(client, processor, 1, kinds=["MATERNITY"], states=["COMPUTED"])
        return bool(claim["amountVnd"] == amount)

    await wait_until(recomputed)


async def _fathers_claim(client, processor: str) -> dict:
    [claim] = await claims_when(client, processor, 1, kinds=["REMAINING_MATERNITY"], states=["COMPUTED"])
    assert claim["personName"] == "Trần Văn Hùng" and claim["eligible"]
    assert claim["details"]["on"] == DIED.isoformat() and claim["details"]["event"] == "mother_died"
    return claim


async def test_the_mothers_death_after_her_claim_opens_the_fathers_claim_for_the_rest(family, systems):  # noqa: F811
    """Twins born by caesarean on 2/3/2025: the mother's leave is 7 months, 2/3/2025–1/10/2025 (9,000,000 × 7 +
    2 × 2,340,000 × 2 = 72,360,000). She died on 15/5/2025: the father takes 16/5/2025–1/10/2025 = 4 whole months
    (16/5–15/9) and 16 days (16/9–1/10). He paid 3/2024–2/2025 (12 ≥ 6 of the 12 months before the birth); his
    average of 11/2024–4/2025 is 9,000,000: 9,000,000 × 4 + 9,000,000 ÷ 30 × 16 = 36,000,000 + 4,800,000 =
    40,800,000. Hers is computed again: 2/3–15/5/2025 = 2 months and 14 days: 9,000,000 × 2 + 9,000,000 ÷ 30 × 14 =
    22,200,000, + 9,360,000 = 31,560,000; 22,200,000 + 40,800,000 = 63,000,000 = 9,000,000 × 7: paid once. His
    claim rejected, hers is 72,360,000 again."""
    client, tokens, db = family
    processor = tokens["processor-48"]
    await submit(client, tokens["bv-48001"], signed_envelope([[table_file(MOTHER), table_file(TWIN_A, TWIN_B)]]))
    [maternity] = await claims_when(client, processor, 1, kinds=["MATERNITY"], states=["COMPUTED"])
    assert maternity["amountVnd"] == 72_360_000
    await claims_when(client, processor, 1, kinds=["PATERNITY"])  # the birth extract named the father
    await _death_fetched(client, systems, processor)
    claim = await _fathers_claim(client, processor)
    assert claim["amountVnd"] == FATHERS_AMOUNT and claim["computation"]["leaveMonths"] == 4
    texts = " ".join(line["textEn"] for line in claim["computation"]["explanation"])
    assert "[to confirm remaining-leave-eligibility" in texts and "[to confirm caregiver-remaining-leave" in texts
    found = await graphql_data(client, CLAIM, {"reference": claim["reference"]}, token=processor)
    assert {d["docType"] for d in found["claim"]["evidence"]} == {"death_extract"}
    await _mothers_amount(client, processor, 31_560_000)
    # Once his claim is computed again after hers (and nothing else is on its way), a processor rejects it: nobody
    # takes the rest, and hers is paid whole again
    await wait_until(lambda: computations_done(db))
    claim = await _fathers_claim(client, processor)
    decision = {"reference": claim["reference"], "decision": "REJECT", "reason": "không phải người nuôi dưỡng"}
    decided = await graphql_data(client, DECIDE, decision, token=processor)
    assert decided["decideClaim"]["claim"]["state"] == "REJECTED", decided
    await _mothers_amount(client, processor, 72_360_000)


async def test_the_death_known_before_the_birth_certificate_opens_the_claim_once_it_comes(
    systems,  # noqa: F811
    settings,
    clock,
    signer,
    backend,
):
    """The death extract first, the child known to the hub but its father not yet: nothing opens. The birth
    certificate then opens her maternity claim; its birth extract names the father, and his claim opens and is
    computed as in the other order: 40,800,000, hers 31,560,000."""
    async with connected_parents(systems, settings, clock, signer, backend) as (client, tokens, db):
        await _child(db, clock)
        processor = tokens["processor-48"]
        await _death_fetched(client, systems, processor)
        assert await claims_when(client, processor, 0, kinds=["REMAINING_MATERNITY"]) == []
        await submit(client, tokens["bv-48001"], signed_envelope([[table_file(MOTHER), table_file(TWIN_A, TWIN_B)]]))
        claim = await _fathers_claim(client, processor)
        assert claim["amountVnd"] == FATHERS_AMOUNT
        await _mothers_amount(client, processor, 31_560_000)


async def test_a_councils_finding_opens_the_fathers_claim_for_the_rest_of_her_leave(
    systems,  # noqa: F811
    settings,
    clock,
    signer,
    backend,
):
    """The council met on 20/3/2025 and found the mother cannot care for the twins born on 2/3/2025 (XML12
    `DUOC_XACDINH`). Her leave ran 2/3/2025–1/10/2025; the father takes 21/3/2025–1/10/2025 = 6 whole months
    (21/3–20/9) and 11 days (21/9–1/10). His average of 9/2024–2/2025 is 9,000,000: 9,000,000 × 6 + 9,000,000 ÷ 30 ×
    11 = 54,000,000 + 3,300,000 = 57,300,000. Hers ends on 20/3/2025: 19 days, 9,000,000 ÷ 30 × 19 = 5,700,000, +
    9,360,000 = 15,060,000 (5,700,000 + 57,300,000 = 63,000,000 = 9,000,000 × 7)."""
    async with connected_parents(systems, settings, clock, signer, backend, council=True) as (client, tokens, db):
        await _child(db, clock)
        processor = tokens["processor-48"]
        await submit(client, tokens["bv-48001"], signed_envelope([[table_file(MOTHER), table_file(TWIN_A, TWIN_B)]]))
        await claims_when(client, processor, 1, kinds=["PATERNITY"])  # the birth extract named the father
        assert (await submit(client, tokens["gdyk-48"], minutes_envelope()))["receipt"]
        [claim] = await claims_when(client, processor, 1, kinds=["REMAINING_MATERNITY"], states=["COMPUTED"])
        assert claim["personName"] == "Trần Văn Hùng" and claim["details"]["event"] == "mother_cannot_care"
        assert claim["eligible"] and claim["amountVnd"] == 57_300_000 and claim["computation"]["leaveMonths"] == 6
        texts = " ".join(line["textVi"] for line in claim["computation"]["explanation"])
        assert "Hội đồng giám định y khoa" in texts
        await _mothers_amount(client, processor, 15_060_000)
