"""The processors' side of claims on both backends: a claim goes to the BHXH office of the employer's contributions
(the home province only without an employer), and the work queue shows that office's waiting work, by due date,
searchable by name, ID number, BHXH code and reference, each claim worked by the processor who took it."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from alembic import command
from sqlalchemy import Connection, select, text, update

from hub.claims.models import Claim
from hub.claims.rules import Month
from hub.claims.rules.inputs import ContributionKind
from hub.clients.permissions import ClientKind
from hub.contributions.models import Employer
from hub.contributions.records import ContributionPeriod, ContributionRecord, ContributionSource
from hub.contributions.service import store_contributions
from hub.entry import migrate
from hub.infra.clock import vietnam_date
from hub.persons.id_numbers import compose_personal_id
from hub.persons.models import Gender
from tests.helpers import graphql_data, make_client
from tests.integration.documents_kit import documents_world, stop, worker_for
from tests.integration.test_claims import CLAIMS, CONFIRM, DECIDE, EMPLOYER, FILE, PAY, claims_when

COMMUTER_ID = compose_personal_id("01", Gender.FEMALE, 1990, 4321)  # lives in Hà Nội, works for a Đà Nẵng employer
VOLUNTARY_ID = compose_personal_id("01", Gender.FEMALE, 1990, 4322)  # lives in Hà Nội, insured voluntarily
WORKER_ID, WORKER_CODE = compose_personal_id("48", Gender.FEMALE, 1990, 4323), "4800004323"  # Đà Nẵng
LAN_ID = compose_personal_id("48", Gender.FEMALE, 1990, 4324)
DONG_ID = compose_personal_id("48", Gender.FEMALE, 1990, 4325)


def person(
    full_name: str, personal_id: str, province: str, commune: str, *, employer: bool, bhxh_code: str | None = None
) -> ContributionRecord:
    kind = ContributionKind.COMPULSORY if employer else ContributionKind.VOLUNTARY
    period = ContributionPeriod(
        Month(2023, 1), Month(2025, 12), 9_000_000, kind=kind, employer=EMPLOYER if employer else None
    )
    return ContributionRecord(
        full_name,
        Gender.FEMALE,
        dt.date(1990, 1, 1),
        province,
        commune,
        periods=(period,),
        personal_id_number=personal_id,
        bhxh_code=bhxh_code,
    )


@pytest.fixture
async def offices(hub, settings, signer, clock, backend):
    _, state = hub
    tokens, _ = await documents_world(hub, signer, clock, backend)
    async with state.services.db.transaction() as session:
        report = await store_contributions(
            session,
            [
                person("Phạm Thu Hà", COMMUTER_ID, "01", "00004", employer=True),
                person("Đỗ Thị Vân", VOLUNTARY_ID, "01", "00004", employer=False),
                person("Đặng Thị Đào", WORKER_ID, "48", "20194", employer=True, bhxh_code=WORKER_CODE),
                person("Nguyễn Thị Lan", LAN_ID, "48", "20194", employer=True),
                person("Trần Văn Đông", DONG_ID, "48", "20194", employer=True),
            ],
            now=clock.now(),
            actor=None,
            source=ContributionSource.IMPORT,
        )
    assert not report.rejected
    for name in ("processor-48b",):
        _, tokens[name] = await make_client(
            state.services.db, signer, clock, name, ClientKind.CLAIM_PROCESSOR, "province:48"
        )
    worker = worker_for(settings, clock, backend)
    yield tokens
    await stop(worker)


def sick_leave(personal_id: str, start: str = "2025-03-03", end: str = "2025-03-07") -> dict[str, object]:
    return {"kind": "SICKNESS", "personalId": personal_id, "leave": {"start": start, "end": end}}


async def file(client, token: str, filing: dict[str, object]) -> dict:
    return (await graphql_data(client, FILE, {"input": filing}, token=token))["fileClaim"]


async def test_a_claim_goes_to_the_office_of_the_employers_contributions(hub, offices):
    client, _ = hub
    tokens = offices
    # Given someone living in Hà Nội whose employer pays its contributions in Đà Nẵng
    # When her leave is filed, it is Đà Nẵng's to settle, not her home province's
    refused = await file(client, tokens["processor-01"], sick_leave(COMMUTER_ID))
    assert refused["errors"] == [{"code": "NOT_PERMITTED"}]
    filed = await file(client, tokens["processor-48"], sick_leave(COMMUTER_ID))
    assert filed["errors"] == []
    await claims_when(client, tokens["processor-48"], 1)
    home = await graphql_data(client, CLAIMS, {}, token=tokens["processor-01"])
    assert home["claims"]["totalCount"] == 0
    # Someone insured without an employer files with her home province
    assert (await file(client, tokens["processor-48"], sick_leave(VOLUNTARY_ID)))["errors"] == [
        {"code": "NOT_PERMITTED"}
    ]
    assert (await file(client, tokens["processor-01"], sick_leave(VOLUNTARY_ID)))["errors"] == []
    (voluntary,) = await claims_when(client, tokens["processor-01"], 1)
    assert voluntary["personName"] == "Đỗ Thị Vân"


QUEUE = """query($filter: ClaimFilterInput, $first: Int! = 50, $after: String) {
  claims(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { reference state personName dueOn assignedTo } } } }"""
TAKE = """mutation($reference: String!) {
  takeClaim(reference: $reference) { claim { assignedTo } errors { code message } } }"""
RELEASE = """mutation($reference: String!) {
  releaseClaim(reference: $reference) { claim { assignedTo } errors { code } } }"""


async def queue(client, token: str, **filter: object) -> list[dict]:
    data = await graphql_data(client, QUEUE, {"filter": filter or None}, token=token)
    return [edge["node"] for edge in data["claims"]["edges"]]


async def names(client, token: str, **filter: object) -> list[str]:
    return [claim["personName"] for claim in await queue(client, token, **filter)]


async def four_claims_due_apart(hub, tokens, clock) -> dict[str, str]:
    """Four computed claims of Đà Nẵng, due yesterday, today, on Sunday and next month; one more paid. Returns
    each person's claim reference."""
    client, state = hub
    processor = tokens["processor-48"]
    for personal_id in (WORKER_ID, LAN_ID, DONG_ID, COMMUTER_ID):
        assert (await file(client, processor, sick_leave(personal_id)))["errors"] == []
    assert (await file(client, processor, sick_leave(LAN_ID, "2025-04-07", "2025-04-08")))["errors"] == []
    claims = await claims_when(client, processor, 5, states=["COMPUTED"])
    today = vietnam_date(clock.now())
    sunday = today + dt.timedelta(days=6 - today.weekday())
    due = {
        "Đặng Thị Đào": today - dt.timedelta(days=1),
        "Nguyễn Thị Lan": today,
        "Trần Văn Đông": sunday,
        "Phạm Thu Hà": today + dt.timedelta(days=40),
    }
    references = {}
    async with state.services.db.transaction() as session:
        for claim in claims:
            day = due[claim["personName"]]
            if claim["personName"] == "Nguyễn Thị Lan" and claim["details"]["start"] == "2025-04-07":
                day = today - dt.timedelta(days=30)  # the claim paid below: out of the queue however late
                paid = claim["reference"]
            else:
                references[claim["personName"]] = claim["reference"]
            await session.execute(update(Claim).where(Claim.reference == claim["reference"]).values(due_on=day))
    approved = await graphql_data(client, DECIDE, {"reference": paid, "decision": "APPROVE"}, token=processor)
    assert approved["decideClaim"]["errors"] == []
    assert (await graphql_data(client, PAY, {"reference": paid}, token=processor))["payClaim"]["errors"] == []
    return references


async def test_the_queue_shows_the_work_waiting_by_due_date(hub, offices, clock):
    client, _ = hub
    processor = offices["processor-48"]
    await four_claims_due_apart(hub, offices, clock)
    # By default: the work waiting, the first due first; the paid claim is not there
    assert await names(client, processor) == ["Đặng Thị Đào", "Nguyễn Thị Lan", "Trần Văn Đông", "Phạm Thu Hà"]
    assert await names(client, processor, due="OVERDUE") == ["Đặng Thị Đào"]
    assert await names(client, processor, due="TODAY") == ["Nguyễn Thị Lan"]
    week = await names(client, processor, due="THIS_WEEK")
    assert week[0] == "Nguyễn Thị Lan" and week[-1] == "Trần Văn Đông"
    # Pages follow the same order
    first = await graphql_data(client, QUEUE, {"first": 3}, token=processor)
    cursor = first["claims"]["pageInfo"]["endCursor"]
    rest = await graphql_data(client, QUEUE, {"first": 3, "after": cursor}, token=processor)
    assert [e["node"]["personName"] for e in rest["claims"]["edges"]] == ["Phạm Thu Hà"]


async def test_the_queue_finds_a_claim_by_name_id_number_bhxh_code_and_reference(hub, offices, clock):
    client, _ = hub
    processor = offices["processor-48"]
    references = await four_claims_due_apart(hub, offices, clock)
    for typed in ("Đặng Thị Đào", "dang thi dao", "DANG", "đặng thị", "Dang  Thi-Dao", WORKER_ID, WORKER_CODE):
        assert await names(client, processor, search=typed) == ["Đặng Thị Đào"], typed
    assert await names(client, processor, search=references["Trần Văn Đông"]) == ["Trần Văn Đông"]
    # Among the work waiting, unless states are given: Lan's paid claim too
    assert [c["state"] for c in await queue(client, processor, search="nguyễn thị lan")] == ["COMPUTED"]
    found = await queue(client, processor, search="nguyen thi lan", states=["COMPUTED", "PAID"])
    assert sorted(c["state"] for c in found) == ["COMPUTED", "PAID"]
    assert await names(client, processor, search="  ") == []
    assert await names(client, processor, search="thi dao") == []  # from the start of the name
    # Another province's processor finds nothing of Đà Nẵng's
    assert await names(client, offices["processor-01"], search=WORKER_ID) == []


async def test_one_processor_works_a_claim_at_a_time(hub, offices, clock):
    client, _ = hub
    mine, theirs = offices["processor-48"], offices["processor-48b"]
    references = await four_claims_due_apart(hub, offices, clock)
    reference = references["Nguyễn Thị Lan"]
    # Both take the same claim at once: one of them has it, the other is told who
    answers = await asyncio.gather(
        graphql_data(client, TAKE, {"reference": reference}, token=mine),
        graphql_data(client, TAKE, {"reference": reference}, token=theirs),
    )
    taken = [a["takeClaim"] for a in answers]
    assert sorted(bool(t["errors"]) for t in taken) == [False, True]
    winner, loser = (mine, theirs) if not taken[0]["errors"] else (theirs, mine)
    (refused,) = [t for t in taken if t["errors"]]
    assert refused["errors"][0]["code"] == "ASSIGNED_TO_ANOTHER"
    holder = "processor-48" if winner == mine else "processor-48b"
    assert holder in refused["errors"][0]["message"]
    # Taking it again is harmless; the other can neither decide nor release it
    assert (await graphql_data(client, TAKE, {"reference": reference}, token=winner))["takeClaim"]["errors"] == []
    decided = await graphql_data(client, DECIDE, {"reference": reference, "decision": "APPROVE"}, token=loser)
    assert decided["decideClaim"]["errors"] == [{"code": "ASSIGNED_TO_ANOTHER"}]
    released = await graphql_data(client, RELEASE, {"reference": reference}, token=loser)
    assert released["releaseClaim"]["errors"] == [{"code": "NOT_ASSIGNED_TO_YOU"}]
    # Mine and unassigned
    assert await names(client, winner, mine=True) == ["Nguyễn Thị Lan"]
    assert await names(client, loser, mine=True) == []
    assert "Nguyễn Thị Lan" not in await names(client, loser, unassigned=True)
    assert len(await names(client, loser, unassigned=True)) == 3
    # Released, anyone may take and decide it
    released = await graphql_data(client, RELEASE, {"reference": reference}, token=winner)
    assert released["releaseClaim"] == {"claim": {"assignedTo": None}, "errors": []}
    assert (await graphql_data(client, TAKE, {"reference": reference}, token=loser))["takeClaim"]["errors"] == []
    decided = await graphql_data(client, DECIDE, {"reference": reference, "decision": "APPROVE"}, token=loser)
    assert decided["decideClaim"]["errors"] == []


DECLARE = """mutation($reference: String!, $icd10: String!) {
  declareLongTermDisease(reference: $reference, icd10: $icd10) { claim { reference } errors { code } } }"""


async def test_a_claim_taken_by_another_is_neither_paid_confirmed_nor_declared_by_me(hub, offices):
    """Every decision on a claim, not only approving it, is the taker's: paying, confirming a changed amount and
    declaring a long-term disease are refused to another processor (ASSIGNED_TO_ANOTHER), and nothing changes."""
    client, _ = hub
    mine, theirs = offices["processor-48"], offices["processor-48b"]
    filed = await file(client, mine, sick_leave(LAN_ID))
    reference = filed["claim"]["reference"]
    await claims_when(client, mine, 1, states=["COMPUTED"])
    approved = await graphql_data(client, DECIDE, {"reference": reference, "decision": "APPROVE"}, token=mine)
    assert approved["decideClaim"]["errors"] == []
    assert (await graphql_data(client, TAKE, {"reference": reference}, token=mine))["takeClaim"]["errors"] == []
    # Another processor of the same office tries each decision on it
    paid = await graphql_data(client, PAY, {"reference": reference}, token=theirs)
    assert paid["payClaim"]["errors"] == [{"code": "ASSIGNED_TO_ANOTHER"}]
    confirmed = await graphql_data(client, CONFIRM, {"reference": reference}, token=theirs)
    assert confirmed["confirmClaimAdjustment"]["errors"] == [{"code": "ASSIGNED_TO_ANOTHER"}]
    declared = await graphql_data(client, DECLARE, {"reference": reference, "icd10": "C34.1"}, token=theirs)
    assert declared["declareLongTermDisease"]["errors"] == [{"code": "ASSIGNED_TO_ANOTHER"}]
    assert [c["state"] for c in await queue(client, mine, states=["APPROVED"])] == ["APPROVED"]
    # The one who took it pays it
    paid = await graphql_data(client, PAY, {"reference": reference}, token=mine)
    assert paid["payClaim"] == {"claim": {"state": "PAID"}, "errors": []}


async def test_the_migration_folds_names_and_routes_claims_to_the_employers_office(db):
    """Migration 0011 gives the claims stored before it their name key and the province of their employer."""
    now = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)
    async with db.transaction() as session:
        report = await store_contributions(
            session,
            [person("Phạm Thu Hà", COMMUTER_ID, "01", "00004", employer=True)],
            now=now,
            actor=None,
            source=ContributionSource.IMPORT,
        )
        person_id = report.stored[0].person_id
        employer_id = await session.scalar(select(Employer.id).where(Employer.code == EMPLOYER.code))

    def downgrade(connection: Connection) -> None:
        config = migrate.alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")

    async with db.engine.begin() as connection:
        await connection.run_sync(downgrade)
        await connection.execute(
            text(
                "INSERT INTO claims (id, reference, kind, person_id, employer_id, province_code, event_key, "
                "event_date, details, origin, state, computed_version, needs_confirmation, created_at, updated_at) "
                "VALUES (:id, 'HS261201A', 'sickness', :person, :employer, '01', 'sickness:2025-03-03', "
                "'2025-03-03', '{}', 'manual', 'computed', 0, false, :now, :now)"
            ),
            {
                "id": _uuid(db, uuid.uuid4()),
                "person": _uuid(db, person_id),
                "employer": _uuid(db, employer_id),
                "now": now,
            },
        )
    await migrate.upgrade(db)
    async with db.sessions() as session:
        claim = await session.scalar(select(Claim).where(Claim.reference == "HS261201A"))
    assert claim is not None and (claim.province_code, claim.name_key) == ("48", "pham thu ha")


def _uuid(db, value: uuid.UUID) -> object:
    """A UUID as the backend stores it in a raw statement (SQLite: 32 hex digits)."""
    return value.hex if db.engine.dialect.name == "sqlite" else value
