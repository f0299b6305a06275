"""`hub demo`: seed demo clients and people, then drive the running service over HTTP and show what it does."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import select

from hub import migrate
from hub.app import create_app
from hub.audit.purpose import Purpose
from hub.audit.service import verify_chain
from hub.clients import service as clients
from hub.clients.models import Client
from hub.clients.permissions import ClientKind, Jurisdiction
from hub.clients.tokens import TokenSigner
from hub.clock import SystemClock
from hub.db import Database
from hub.persons.models import Gender, Person
from hub.persons.service import NewPerson, create_person
from hub.settings import Settings

Echo = Callable[[str], None]

DEMO_CLIENTS = [
    ("demo-operator", ClientKind.OPERATOR, "national"),
    ("demo-ubnd-phuong-hai-chau", ClientKind.CIVIL_REGISTRY, "commune:20242"),
    ("demo-ubnd-phuong-thanh-khe", ClientKind.CIVIL_REGISTRY, "commune:20209"),
    ("demo-bv-da-nang", ClientKind.HOSPITAL, "facility:48001"),
    ("demo-giam-sat-da-nang", ClientKind.SUPERVISOR, "province:48"),
]
DEMO_PEOPLE = [
    NewPerson(
        "Nguyễn Minh Khang",
        Gender.MALE,
        dt.date(2019, 4, 12),
        "48",
        "20242",
        "12 Bạch Đằng, Hải Châu",
        personal_id_number="048219004512",
    ),
    NewPerson(
        "Trần Thị Ngọc Hân",
        Gender.FEMALE,
        dt.date(2021, 9, 3),
        "48",
        "20209",
        "45 Hà Huy Tập, Thanh Khê",
        personal_id_number="048321007788",
    ),
]
PERSON = "query($id: ID!) { person(id: $id, purpose: CARD_ISSUANCE) { fullName dateOfBirth communeCode address } }"
MOVE = """mutation($input: ChangePersonAddressInput!) {
  changePersonAddress(input: $input) { person { communeCode address } errors { code message messageVi } } }"""
TRAIL = "query($id: ID!) { auditTrail(personId: $id, first: 5) { seq operation clientName purpose } }"


async def run_demo(settings: Settings, *, echo: Echo) -> None:
    clock = SystemClock()
    db = Database(settings.database_url)
    try:
        echo(f"== hub demo on {settings.database_backend.value} with the {settings.broker_kind.value} broker")
        await migrate.upgrade(db)
        echo("migrated the database to the latest revision")
        tokens = await _seed_clients(db, settings, clock, echo)
        people = await _seed_people(db, clock, echo)
    finally:
        await db.dispose()

    app = create_app(settings, clock=clock)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as http,
    ):
        await _tour(http, tokens, people, echo)
    db = Database(settings.database_url)
    try:
        async with db.sessions() as session:
            report = await verify_chain(session)
    finally:
        await db.dispose()
    if not report.ok:
        raise RuntimeError(f"audit chain broken at entry {report.broken_at_seq}: {report.reason}")
    echo(f"\n== audit chain intact: {report.entries_checked} entries verified (hub audit verify)")


async def _seed_clients(db: Database, settings: Settings, clock: SystemClock, echo: Echo) -> dict[str, str]:
    signer = TokenSigner(settings.token_secret)
    ttl = dt.timedelta(days=1)
    tokens = {}
    async with db.transaction() as session:
        existing = set((await session.scalars(select(Client.name))).all())
        for name, kind, where in DEMO_CLIENTS:
            if name in existing:
                issued = await clients.reissue_token(session, signer, now=clock.now(), actor=None, name=name, ttl=ttl)
            else:
                issued = await clients.create_client(
                    session,
                    signer,
                    now=clock.now(),
                    actor=None,
                    name=name,
                    kind=kind,
                    jurisdiction=Jurisdiction.parse(where),
                    ttl=ttl,
                )
            tokens[name] = issued.token
            echo(f"client {name:30} {kind.value:15} {where}")
    return tokens


async def _seed_people(db: Database, clock: SystemClock, echo: Echo) -> dict[str, str]:
    people = {}
    async with db.transaction() as session:
        for new in DEMO_PEOPLE:
            person = await session.scalar(select(Person).where(Person.personal_id_number == new.personal_id_number))
            if person is None:
                person = await create_person(session, now=clock.now(), actor=None, purpose=Purpose.SYSTEM, new=new)
            people[new.commune_code] = str(person.id)
            echo(f"person {person.full_name:30} commune {person.commune_code}")
    return people


async def _tour(http: httpx.AsyncClient, tokens: dict[str, str], people: dict[str, str], echo: Echo) -> None:
    async def call(title: str, client: str | None, query: str, variables: dict[str, Any] | None = None) -> None:
        headers = {"Authorization": f"Bearer {tokens[client]}"} if client else {}
        response = await http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        echo(f"\n-- {title}\n   as {client or 'nobody'}: HTTP {response.status_code}")
        echo("   " + json.dumps(response.json(), ensure_ascii=False))

    hai_chau, thanh_khe = "demo-ubnd-phuong-hai-chau", "demo-ubnd-phuong-thanh-khe"
    await call("no token: nothing but an authentication error", None, "{ viewer { name } }")
    await call("who am I", hai_chau, "{ viewer { name kind roles jurisdiction { level code } } }")
    await call("a registry office reads a child of its commune (audited)", hai_chau, PERSON, {"id": people["20242"]})
    await call(
        "... and a child of another commune: refused, revealing nothing",
        hai_chau,
        PERSON,
        {"id": people["20209"]},
    )
    await call("a hospital cannot list clients", "demo-bv-da-nang", "{ clients { name } }")
    move = {
        "personId": people["20209"],
        "provinceCode": "48",
        "communeCode": "20209",
        "address": "47 Hà Huy Tập, Thanh Khê",
    }
    await call("the child's own registry office corrects the address (audited)", thanh_khe, MOVE, {"input": move})
    await call(
        "an empty address is a business error, in Vietnamese and English",
        thanh_khe,
        MOVE,
        {"input": {**move, "address": " "}},
    )
    await call(
        "the province supervisor reads who processed the child's data",
        "demo-giam-sat-da-nang",
        TRAIL,
        {"id": people["20209"]},
    )
    ready = await http.get("/readyz")
    echo(f"\n-- /readyz: HTTP {ready.status_code} {ready.text}")
    metrics = [line for line in (await http.get("/metrics")).text.splitlines() if line.startswith("hub_http_req")]
    echo("-- /metrics (excerpt):\n   " + "\n   ".join(metrics[:6]))
