"""The signed-documents and benefits part of `hub demo`: a hospital sends signed dossiers; a mother of twins born by
caesarean (she and the father insured), a sick employee whose two certificates cross the yearly limit, a second child
born in August 2026 (7 months of leave), and a certificate amended after approval; each computation is printed with
its explanation."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
from typing import Any

from sqlalchemy import select

from devkit.demo.tour import Echo, Tour
from devkit.qd4750_samples import (
    FACILITY,
    MOTHER,
    SECOND_CHILD,
    SECOND_CHILD_VISIT,
    SICK_LEAVE,
    SUMMARY,
    TWIN_A,
    TWIN_B,
    visit_of,
)
from hub.catalogs.facilities import get_facility
from hub.claims.models import Claim
from hub.claims.rules import Month
from hub.contributions.records import ContributionPeriod, ContributionRecord, ContributionSource, EmployerInfo
from hub.contributions.service import store_contributions
from hub.documents.qd4750 import build_envelope, table_file
from hub.infra.clock import Clock
from hub.infra.db import Database
from hub.persons.models import Gender
from hub.signatures.certificates import import_certificates
from signing.devpki import certificates_pem, generate_identity
from signing.keys import SigningIdentity
from signing.parties import facility
from signing.sign import sign_enveloped

WAIT_SECONDS = 60.0
HOSPITAL, PROCESSOR, PORTAL = "demo-bv-da-nang", "demo-xu-ly-che-do-da-nang", "demo-cong-dich-vu-cong"
EMPLOYER = EmployerInfo("DN0012345", "Công ty TNHH Dệt may Hòa Khánh", "48")
MOTHER_ID, FATHER_ID, EMPLOYEE_ID = "048192001234", "048090002222", "048085000321"
SECOND_ID = SECOND_CHILD.so_cccd_nnd  # the mother of a second child born in August 2026
EMPLOYEE_VISIT = visit_of(SICK_LEAVE.ma_lk, "Lê Văn Tâm", EMPLOYEE_ID, 1)
# The employee's first certificate (pneumonia, January): with the second one, his days cross the yearly limit of 30.
FIRST_SICK_LEAVE = dataclasses.replace(
    SICK_LEAVE,
    ma_lk="48001.2025.000052",
    so_seri="48001-2025-0000520",
    so_ngay_nghi=30,
    tu_ngay=dt.date(2025, 1, 6),
    den_ngay=dt.date(2025, 2, 4),
    ngay_ct=dt.date(2025, 1, 6),
)
SECOND_SICK_LEAVE = dataclasses.replace(SICK_LEAVE, so_ngay_nghi=26, tu_ngay=dt.date(2025, 2, 10))
SUBMIT = """mutation($envelope: String!) { submitHospitalDossiers(envelope: $envelope) {
  receipt { transactionId documents { docType number version status } } errors { code field messageVi } } }"""
CLAIMS = """query { claims(filter: {states: [COMPUTED, APPROVED, PAID, EVIDENCE_PENDING]}) { edges { node {
  reference kind state personName amountVnd approvedAmountVnd needsConfirmation details
  computation { law amountVnd paidDays leaveMonths reasons { messageVi } explanation { textVi source } } } } } }"""
DECIDE = """mutation($reference: String!) { decideClaim(reference: $reference, decision: APPROVE) {
  claim { reference state approvedAmountVnd } errors { code messageVi } } }"""
PAY = """mutation($reference: String!) { payClaim(reference: $reference) { claim { state } errors { code } } }"""
FILE = (
    """mutation($input: FileClaimInput!) { fileClaim(input: $input) { claim { reference state } errors { code } } }"""
)
CLAIM = """query($reference: String!) { claim(reference: $reference) { claim { amountVnd approvedAmountVnd
  needsConfirmation } payments { kind amountVnd confirmedAt } history { state details } } }"""
CONFIRM = """mutation($reference: String!) { confirmClaimAdjustment(reference: $reference) {
  claim { approvedAmountVnd needsConfirmation } errors { code } } }"""
STATUS = """query($reference: String!) { caseStatus(reference: $reference) { reference kind state eventDate
  receivedAt decidedAt amountVnd overdue } }"""


LAST_MONTH = Month(2025, 12)


def _insured(name: str, gender: Gender, born: dt.date, last: Month = LAST_MONTH, **identity: str) -> ContributionRecord:
    period = ContributionPeriod(Month(2022, 1), last, 9_000_000, employer=EMPLOYER)
    return ContributionRecord(name, gender, born, "48", "20194", "Hải Châu, Đà Nẵng", periods=(period,), **identity)


async def seed_benefits(db: Database, clock: Clock, echo: Echo) -> SigningIdentity | None:
    """Facility 48001 with a (development) certificate the hub trusts, and four insured people's contributions;
    None when an earlier demo run on this database already went through the benefits (its claims are kept)."""
    now = clock.now()
    async with db.sessions() as session:
        if await session.scalar(select(Claim.id).limit(1)) is not None:
            echo("benefits: claims from an earlier demo run are kept; the tour below lists them")
            return None
    identity = generate_identity(
        facility(FACILITY), not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=365)
    )
    async with db.transaction() as session:
        if await get_facility(session, FACILITY) is None:
            raise RuntimeError(f"facility {FACILITY} is not in the demo catalog (seed the catalogs first)")
        await import_certificates(
            session, now=now, actor=None, party=facility(FACILITY), data=certificates_pem(identity)
        )
        report = await store_contributions(
            session,
            [
                _insured("Nguyễn Thị Lan", Gender.FEMALE, dt.date(1992, 3, 14), personal_id_number=MOTHER_ID),
                _insured("Trần Văn Hùng", Gender.MALE, dt.date(1990, 7, 21), personal_id_number=FATHER_ID),
                # The mother of a second child born on 10/8/2026, contributing until the month before.
                _insured(
                    "Phạm Thị Hoa", Gender.FEMALE, dt.date(1995, 5, 20), Month(2026, 7), personal_id_number=SECOND_ID
                ),
                _insured(
                    "Lê Văn Tâm",
                    Gender.MALE,
                    dt.date(1985, 6, 1),
                    personal_id_number=EMPLOYEE_ID,
                    bhxh_code=SICK_LEAVE.ma_bhxh,
                ),
            ],
            now=now,
            actor=None,
            source=ContributionSource.IMPORT,
        )
    echo(
        f"facility {FACILITY}: certificate trusted; contributions of 4 insured people "
        f"({report.months_added} months added, {report.months_unchanged} unchanged)"
    )
    return identity


def _envelope(identity: SigningIdentity, hoso: list[list[tuple[str, bytes]]], sent: dt.date) -> str:
    return sign_enveloped(build_envelope(FACILITY, sent, hoso), identity).decode()


async def benefits_tour(tour: Tour, identity: SigningIdentity | None) -> None:
    if identity is None:
        await tour.call("the claims of the earlier run", PROCESSOR, CLAIMS)
        return
    dossiers = [
        [table_file(MOTHER), table_file(TWIN_A, TWIN_B), table_file(SUMMARY)],
        [table_file(dataclasses.replace(EMPLOYEE_VISIT, ma_lk=FIRST_SICK_LEAVE.ma_lk)), table_file(FIRST_SICK_LEAVE)],
        [table_file(EMPLOYEE_VISIT), table_file(SECOND_SICK_LEAVE)],
    ]
    await tour.call(
        "the hospital sends a signed envelope: twins by caesarean, two sick-leave certificates",
        HOSPITAL,
        SUBMIT,
        {"envelope": _envelope(identity, dossiers, dt.date(2025, 3, 10))},
    )
    claims = await _computed(tour, 3)
    tour.echo("\n-- the claims that opened themselves, each computation with its explanation:")
    for claim in claims:
        _print(tour, claim)
    for claim in claims:
        if claim["state"] == "COMPUTED":  # a second demo run finds them decided already
            await tour.call(
                f"a processor approves {claim['kind']} {claim['reference']}", PROCESSOR, DECIDE, _ref(claim)
            )
    maternity = next(c for c in claims if c["kind"] == "MATERNITY")
    if maternity["state"] != "PAID":
        await tour.call("the maternity benefit is paid", PROCESSOR, PAY, _ref(maternity))
    father = {
        "kind": "PATERNITY",
        "personalId": FATHER_ID,
        "born": "2025-03-02",
        "children": 2,
        "caesarean": True,
        "periods": [{"start": "2025-03-03", "end": "2025-03-20"}],
    }
    await tour.call("the father's employer files his paternity leave", PROCESSOR, FILE, {"input": father})
    paternity = next(c for c in await _computed(tour, 4) if c["kind"] == "PATERNITY")
    _print(tour, paternity)
    # A second child born on 10/8/2026 (Luật Dân số 113/2025/QH15 Art 29(1)): the birth certificate says it is her
    # second birth and two children live, the newborn included: 7 months of leave instead of 6.
    await tour.call(
        "the hospital sends the birth certificate of a second child born on 10/8/2026",
        HOSPITAL,
        SUBMIT,
        {
            "envelope": _envelope(
                identity, [[table_file(SECOND_CHILD_VISIT), table_file(SECOND_CHILD)]], dt.date(2026, 8, 12)
            )
        },
    )
    # The population database, asked for her children, confirms one living child before the birth.
    second_child = next(
        c
        for c in await _wait(tour, lambda cs: any(_confirmed_second_child(c) for c in cs))
        if _confirmed_second_child(c)
    )
    _print(tour, second_child)
    # The hospital amends the second certificate after approval: the leave ends on 14 February, not 7 March.
    amended = dataclasses.replace(SECOND_SICK_LEAVE, den_ngay=dt.date(2025, 2, 14), so_ngay_nghi=5)
    answer = await tour.call(
        "the hospital amends the second certificate after its approval",
        HOSPITAL,
        SUBMIT,
        {"envelope": _envelope(identity, [[table_file(EMPLOYEE_VISIT), table_file(amended)]], dt.date(2025, 3, 12))},
    )
    statuses = {line["docType"]: line["status"] for line in answer["submitHospitalDossiers"]["receipt"]["documents"]}
    if statuses.get("XML11") != "NEW_VERSION":
        tour.echo("   (this amendment was received in an earlier demo run: nothing to recompute)")
        await tour.call("the national portal asks for the maternity case's status", PORTAL, STATUS, _ref(maternity))
        return
    second = next(
        c
        for c in claims
        if c["kind"] == "SICKNESS" and c["details"].get("certificate", "").endswith(SECOND_SICK_LEAVE.so_seri)
    )
    await _wait(tour, lambda cs: any(c["reference"] == second["reference"] and c["needsConfirmation"] for c in cs))
    await tour.call(
        "the recalculation lowers its pending payment (nothing was paid: nothing to recover), to be confirmed",
        PROCESSOR,
        CLAIM,
        _ref(second),
    )
    await tour.call("the processor confirms it", PROCESSOR, CONFIRM, _ref(second))
    await tour.call("the sickness benefit is paid at the new amount", PROCESSOR, PAY, _ref(second))
    await tour.call("the national portal asks for the maternity case's status", PORTAL, STATUS, _ref(maternity))


def _ref(claim: dict[str, Any]) -> dict[str, str]:
    return {"reference": claim["reference"]}


def _print(tour: Tour, claim: dict[str, Any]) -> None:
    computation = claim["computation"]
    tour.echo(
        f"\n   {claim['kind']} {claim['reference']} for {claim['personName']}: {computation['amountVnd']:,} đồng "
        f"(luật {computation['law']})"
    )
    for line in computation["explanation"]:
        tour.echo(f"     · {line['textVi']}  [{line['source']}]")
    for reason in computation["reasons"]:
        tour.echo(f"     ! {reason['messageVi']}")


REGISTER_LINE = "Cơ sở dữ liệu quốc gia về dân cư: mẹ"


def _confirmed_second_child(claim: dict[str, Any]) -> bool:
    details = claim["details"]
    return (
        claim["kind"] == "MATERNITY"
        and details.get("living_children_before") == 1
        and details.get("register_check") == "answered"
        and claim["computation"] is not None
        and any(
            "Cơ sở dữ liệu quốc gia về dân cư: mẹ" in line["textVi"] for line in claim["computation"]["explanation"]
        )
    )


async def _computed(tour: Tour, count: int) -> list[dict[str, Any]]:
    return await _wait(tour, lambda cs: sum(c["computation"] is not None for c in cs) >= count)


async def _wait(tour: Tour, done: Any) -> list[dict[str, Any]]:
    """Poll the work queue (quietly) until `done(claims)`; the workers compute in the background."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        headers = {"Authorization": f"Bearer {tour.tokens[PROCESSOR]}"}
        response = await tour.http.post("/graphql", json={"query": CLAIMS}, headers=headers)
        claims = [edge["node"] for edge in response.json()["data"]["claims"]["edges"]]
        if done(claims):
            return claims
        if time.monotonic() > deadline:
            raise RuntimeError("the claims were not computed in time")
        await asyncio.sleep(0.2)
