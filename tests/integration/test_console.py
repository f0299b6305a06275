"""The console's sign-in, sessions, CSRF and lock, through the web application (pages: tests/browser)."""

from __future__ import annotations

import dataclasses
import re

import httpx
import pytest
from sqlalchemy import func, select

import hub.catalogs.jobs  # noqa: F401  (the facility import's job, declared)
from connectors.connections import Connectors
from hub.audit.models import AuditEntry
from hub.clients.models import OfficerSession
from hub.clients.officers import MAX_FAILURES, create_officer
from hub.clients.permissions import ClientKind
from hub.entry.app import create_app
from hub.infra.metrics import Metrics
from hub.infra.settings import ConnectorSettings, ConsoleSettings, Environment
from hub.jobs.executor import Outcome, execute
from hub.jobs.models import OutboxJob
from tests.helpers import graphql_data, make_client

PASSWORD = "mật-khẩu-đủ-dài-1"


@pytest.fixture
async def console(settings, clock, signer):
    """The application (plain-HTTP cookies), and an officer bound to a province's claim processor."""
    plain = dataclasses.replace(settings, console=ConsoleSettings(secure_cookies=False))
    app = create_app(plain, clock=clock, embedded_worker=False)
    async with app.router.lifespan_context(app):
        db = app.state.hub.services.db
        await make_client(db, signer, clock, "processor-48", ClientKind.CLAIM_PROCESSOR, "province:48")
        async with db.transaction() as session:
            await create_officer(
                session, now=clock.now(), username="lan.nguyen", client_name="processor-48", password=PASSWORD
            )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            yield client, db


def form_token(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    page = await client.get("/console/sign-in")
    return await client.post(
        "/console/sign-in", data={"username": username, "password": password, "csrf": form_token(page.text)}
    )


async def operations(db) -> list[tuple[str, str | None]]:
    async with db.sessions() as session:
        rows = await session.execute(select(AuditEntry.operation, AuditEntry.client_name).order_by(AuditEntry.id))
        return [(op, name) for op, name in rows if op.startswith("officer.")]


async def test_an_officer_signs_in_works_and_signs_out(console):
    client, db = console
    assert (await client.get("/console/claims")).headers["location"].startswith("/console/sign-in")

    answer = await sign_in(client, "lan.nguyen", PASSWORD)

    assert answer.status_code == 303 and answer.headers["location"] == "/console/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("samesite", "SameSite")
    worklist = await client.get("/console/claims")
    assert worklist.status_code == 200 and "lan.nguyen" in worklist.text
    assert "Content-Security-Policy" in worklist.headers
    # A form sent without the session's token is refused, changing nothing
    refused = await client.post("/console/sign-out", data={"csrf": "forged"})
    assert refused.status_code == 403
    assert (await client.get("/console/claims")).status_code == 200
    signed_out = await client.post("/console/sign-out", data={"csrf": form_token(worklist.text)})
    assert signed_out.status_code == 303
    client.cookies.clear()
    assert (await operations(db)) == [
        ("officer.create", None),
        ("officer.sign_in", "lan.nguyen (processor-48)"),
        ("officer.sign_out", "lan.nguyen (processor-48)"),
    ]


async def test_a_stolen_cookie_stops_working_at_sign_out(console):
    client, _ = console
    await sign_in(client, "lan.nguyen", PASSWORD)
    stolen = dict(client.cookies)
    page = await client.get("/console/claims")
    await client.post("/console/sign-out", data={"csrf": form_token(page.text)})
    client.cookies.clear()
    client.cookies.update(stolen)
    assert (await client.get("/console/claims")).status_code == 303


async def test_sessions_signed_out_of_are_purged_at_the_next_sign_in(console):
    client, db = console
    for _ in range(3):
        await sign_in(client, "lan.nguyen", PASSWORD)
        page = await client.get("/console/claims")
        await client.post("/console/sign-out", data={"csrf": form_token(page.text)})
    await sign_in(client, "lan.nguyen", PASSWORD)
    async with db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OfficerSession)) == 1
    assert (await client.get("/console/claims")).status_code == 200


async def test_an_account_locks_after_repeated_failures(console):
    client, db = console
    for _ in range(MAX_FAILURES):
        assert (await sign_in(client, "lan.nguyen", "wrong password")).status_code == 401
    # Even the right password no longer opens it, until an operator unlocks it
    assert (await sign_in(client, "lan.nguyen", PASSWORD)).status_code == 401
    refusals = [op for op, _ in await operations(db) if op == "officer.sign_in_refused"]
    assert len(refusals) == MAX_FAILURES + 1


async def test_the_sign_in_form_needs_its_own_token(console):
    client, _ = console
    await client.get("/console/sign-in")
    answer = await client.post("/console/sign-in", data={"username": "lan.nguyen", "password": PASSWORD, "csrf": "x"})
    assert answer.status_code == 403 and "hub_console=" not in answer.headers.get("set-cookie", "")


async def test_json_answers_keep_vietnamese_letters(console, signer, clock):
    client, db = console
    _, token = await make_client(db, signer, clock, "Phòng Đà Nẵng", ClientKind.OPERATOR, "province:48")
    answer = await client.post(
        "/graphql", json={"query": "{ viewer { name } }"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert "Phòng Đà Nẵng".encode() in answer.content and b"\\u" not in answer.content


PAGES = (
    "/console/",
    "/console/claims",
    "/console/claims?q=nguyen&due=week&state=COMPUTED&kind=SICKNESS&confirm=1",
    "/console/claims/HS0000000000000000",
    "/console/cases",
    "/console/cases?name=an&state=CARD_ISSUED&from=2026-01-01&to=2026-12-31",
    "/console/cases/TE0000000000",
    "/console/reviews",
    "/console/facility-requests",
    "/console/facility-requests?state=PENDING",
    "/console/supervisor?first=2026-11-01&last=2026-11-30",
    "/console/supervisor/child-cards.xlsx?first=2026-11-01&last=2026-11-30",
    "/console/operator/jobs",
    "/console/operator/clients",
    "/console/operator/certificates?party=facility:48001&all=1",
)
# What each kind of officer is answered (200) on its own pages; everything else is a refusal (404), never an error.
OWN_PAGES = {
    # A processor reads cases (person:read) and the claims backlog of the supervisor's page, as the API lets it
    ClientKind.CLAIM_PROCESSOR: {"/console/", *PAGES[1:3], *PAGES[4:6], PAGES[10]},
    ClientKind.SUPERVISOR: {"/console/", *PAGES[1:3], *PAGES[4:6], PAGES[7], *PAGES[10:12]},
    ClientKind.CIVIL_REGISTRY: {"/console/", *PAGES[4:6], *PAGES[8:10]},
    ClientKind.OPERATOR: {"/console/", *PAGES[8:10], *PAGES[12:15]},
}
JURISDICTIONS = {
    ClientKind.CLAIM_PROCESSOR: "province:48",
    ClientKind.SUPERVISOR: "province:48",
    ClientKind.CIVIL_REGISTRY: "commune:20242",
    ClientKind.OPERATOR: "national",
}


@pytest.mark.parametrize("kind", list(OWN_PAGES), ids=lambda kind: kind.value)
async def test_every_page_answers_each_kind_of_officer(console, signer, clock, kind):
    client, db = console
    await make_client(db, signer, clock, f"{kind.value}-x", kind, JURISDICTIONS[kind])
    async with db.transaction() as session:
        await create_officer(session, now=clock.now(), username="xy", client_name=f"{kind.value}-x", password=PASSWORD)
    await sign_in(client, "xy", PASSWORD)
    answered = {}
    for path in PAGES:
        answer = await client.get(path)
        assert answer.status_code in (200, 404), (path, answer.status_code, answer.text[:300])
        answered[path] = answer.status_code
    assert {path for path, status in answered.items() if status == 200} == OWN_PAGES[kind]
    if kind is ClientKind.OPERATOR:  # the officers query lists them, with the client they act as
        assert "<td>xy</td><td>operator-x</td>" in (await client.get("/console/operator/clients")).text
    english = await client.get("/console/language/en?next=/console/")
    assert english.headers["location"] == "/console/"
    assert "Sign out" in (await client.get("/console/")).text


async def test_an_operator_decides_a_facility_request_on_its_page(console, signer, clock):
    client, db = console
    _, office = await make_client(db, signer, clock, "ubnd-20242", ClientKind.CIVIL_REGISTRY, "commune:20242")
    await make_client(db, signer, clock, "operator-48", ClientKind.OPERATOR, "province:48")
    async with db.transaction() as session:
        await create_officer(session, now=clock.now(), username="vanhanh", client_name="operator-48", password=PASSWORD)
    asked = await graphql_data(
        client,
        "mutation($i: FacilityRequestInput!) { requestFacility(input: $i) { request { id } errors { code } } }",
        {"i": {"code": "48990", "name": "Trạm y tế Hòa Cường", "provinceCode": "48", "note": "mở tháng 11"}},
        token=office,
    )
    ident = asked["requestFacility"]["request"]["id"]
    await sign_in(client, "vanhanh", PASSWORD)
    page = await client.get("/console/facility-requests?state=PENDING")
    assert "Trạm y tế Hòa Cường" in page.text

    refused = await client.post(
        f"/console/facility-requests/{ident}", data={"decision": "reject", "reason": "", "csrf": form_token(page.text)}
    )
    assert "error=" in refused.headers["location"]  # a reason is required, as the API says
    done = await client.post(
        f"/console/facility-requests/{ident}",
        data={"decision": "reject", "reason": "Trùng với cơ sở 48001", "csrf": form_token(page.text)},
    )
    assert done.headers["location"].endswith("done=1")
    listed = await client.get("/console/facility-requests?state=REJECTED")
    assert "Trùng với cơ sở 48001" in listed.text


async def test_an_operator_imports_a_facility_list_and_reads_the_rejected_rows(console, signer, clock):
    client, db = console
    await make_client(db, signer, clock, "operator-48", ClientKind.OPERATOR, "province:48")
    async with db.transaction() as session:
        await create_officer(session, now=clock.now(), username="vanhanh", client_name="operator-48", password=PASSWORD)
    await sign_in(client, "vanhanh", PASSWORD)
    page = await client.get("/console/operator/facilities")
    assert page.status_code == 200
    listing = (
        "MA_CSKCB,TEN_CSKCB,MA_TINH,TUYEN,KCB_BD_TRE_EM\n"
        "48777,Phòng khám Sơn Trà,48,2,1\n"
        "01777,Phòng khám Hà Nội,01,2,1\n"  # another province: not this operator's
        "48778,,48,9,1\n"
    )
    answer = await client.post(
        "/console/operator/facilities",
        data={"csrf": form_token(page.text)},
        files={"file": ("co-so.csv", listing.encode("utf-8"), "text/csv")},
    )
    # The list is kept and its job queued: the import's page shows the progress, and asks for it again
    assert answer.status_code == 303
    progress_page = answer.headers["location"]
    assert progress_page.startswith("/console/operator/facilities/imports/")
    waiting = await client.get(progress_page)
    assert waiting.status_code == 200 and 'data-state="PENDING"' in waiting.text
    assert "<progress" in waiting.text and 'hx-trigger="every 1s"' in waiting.text
    # Another province's operator is told there is no such import
    await make_client(db, signer, clock, "operator-01", ClientKind.OPERATOR, "province:01")
    async with db.transaction() as session:
        await create_officer(
            session, now=clock.now(), username="vanhanh01", client_name="operator-01", password=PASSWORD
        )
    other = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with other:
        await sign_in(other, "vanhanh01", PASSWORD)
        assert (await other.get(progress_page)).status_code == 404

    async with db.sessions() as session:
        job_id = await session.scalar(select(OutboxJob.id).where(OutboxJob.kind == "catalogs.import_facilities"))
    outcome = await execute(
        db, clock, int(job_id or 0), max_attempts=3, metrics=Metrics(), connectors=Connectors(ConnectorSettings())
    )
    assert outcome is Outcome.DONE
    done = await client.get(progress_page)
    assert 'data-state="DONE"' in done.text and "hx-trigger" not in done.text
    assert re.search(r'<progress id="import-bar" max="3" value="3">', done.text)
    assert re.search(r'data-testid="created">1<', done.text)
    assert re.search(r'data-testid="rejected">2<', done.text)
    assert "01777" in done.text and "48778" in done.text and "OUTSIDE_JURISDICTION" in done.text

    # A file that is not a facility list is answered on the upload page at once
    unreadable = await client.post(
        "/console/operator/facilities",
        data={"csrf": form_token(page.text)},
        files={"file": ("co-so.csv", b"A,B\n1,2\n", "text/csv")},
    )
    assert unreadable.status_code == 400 and "MA_CSKCB" in unreadable.text


async def test_a_provincial_operator_creates_and_unlocks_officers_of_its_province(console, signer, clock):
    client, db = console
    await make_client(db, signer, clock, "operator-48", ClientKind.OPERATOR, "province:48")
    await make_client(db, signer, clock, "xu-ly-01", ClientKind.CLAIM_PROCESSOR, "province:01")
    async with db.transaction() as session:
        await create_officer(session, now=clock.now(), username="vanhanh", client_name="operator-48", password=PASSWORD)
    await sign_in(client, "vanhanh", PASSWORD)
    page = await client.get("/console/operator/clients")
    token = form_token(page.text)
    short = await client.post(
        "/console/operator/officers",
        data={"username": "minh.tran", "client": "processor-48", "password": "ngắn", "csrf": token},
    )
    assert "error=" in short.headers["location"]  # the service's own rule: 10 characters or more
    made = await client.post(
        "/console/operator/officers",
        data={"username": "minh.tran", "client": "processor-48", "password": PASSWORD, "csrf": token},
    )
    assert made.headers["location"].endswith("done=1")
    # Hà Nội's processor client is not this operator's: refused as the API refuses it
    other = await client.post(
        "/console/operator/officers",
        data={"username": "lot.vao", "client": "xu-ly-01", "password": PASSWORD, "csrf": token},
    )
    assert other.status_code == 403
    # minh.tran locks the account with wrong passwords; the operator unlocks it
    for _ in range(MAX_FAILURES):
        await sign_in(client, "minh.tran", "sai-mật-khẩu")
    unlocked = await client.post("/console/operator/officers/unlock", data={"username": "minh.tran", "csrf": token})
    assert unlocked.headers["location"].endswith("done=1")
    async with db.sessions() as session:
        operations = (await session.scalars(select(AuditEntry.operation))).all()
    assert "officer.create" in operations and "officer.unlock" in operations


async def test_htmx_requests_carry_the_form_token_in_a_header(console):
    client, _ = console
    await sign_in(client, "lan.nguyen", PASSWORD)
    page = await client.get("/console/claims")
    assert f'hx-headers=\'{{"X-CSRF-Token": "{form_token(page.text)}"}}\'' in page.text
    # A filter refreshes the results alone, in place
    results = await client.get("/console/claims?state=COMPUTED", headers={"HX-Request": "true", "HX-Target": "results"})
    assert 'id="results"' in results.text and "<form" not in results.text.split('id="results"')[1]
    assert (await client.post("/console/sign-out", headers={"X-CSRF-Token": "forged"})).status_code == 403
    signed_out = await client.post("/console/sign-out", headers={"X-CSRF-Token": form_token(page.text)})
    assert signed_out.status_code == 303


async def test_graphiql_loads_nothing_from_outside_the_machine(settings, clock):
    dev = dataclasses.replace(settings, env=Environment.DEV)
    app = create_app(dev, clock=clock, embedded_worker=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
    ):
        page = (await client.get("/graphql", headers={"accept": "text/html"})).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert "https://" not in page and "http://" not in page
        assert {"/console/static/vendor/graphiql.min.js", "/console/static/vendor/react.production.min.js"} <= set(
            assets
        )
        for asset in assets:
            if asset.startswith("/console/static/"):
                assert (await client.get(asset)).status_code == 200, asset
        assert 'id="token"' in page and "<label" in page  # the field for a client's token
