"""The foundation part of `hub demo`: clients of every kind, two children, and a tour of permissions and audit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from devkit.demo.tour import Echo, Tour
from hub.audit.purpose import Purpose
from hub.clients import service as clients
from hub.clients.models import Client, Officer
from hub.clients.officers import create_officer
from hub.clients.permissions import ClientKind, Jurisdiction
from hub.clients.tokens import TokenSigner
from hub.infra.clock import SystemClock
from hub.infra.db import Database
from hub.persons.models import Gender, Person
from hub.persons.service import NewPerson, create_person

DEMO_CLIENTS = [
    ("demo-operator", ClientKind.OPERATOR, "national"),
    ("demo-ubnd-phuong-hai-chau", ClientKind.CIVIL_REGISTRY, "commune:20242"),
    ("demo-ubnd-phuong-thanh-khe", ClientKind.CIVIL_REGISTRY, "commune:20209"),
    ("demo-bv-da-nang", ClientKind.HOSPITAL, "facility:48001"),
    ("demo-giam-sat-da-nang", ClientKind.SUPERVISOR, "province:48"),
    ("demo-xu-ly-che-do-da-nang", ClientKind.CLAIM_PROCESSOR, "province:48"),
    ("demo-cong-dich-vu-cong", ClientKind.PORTAL, "national"),
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
# People who sign in to the console, each bound to a demo client (the passwords are the demo's, printed at its end).
DEMO_OFFICERS = [
    ("xuly.danang", "demo-xu-ly-che-do-da-nang", "xuly-danang-2026", "claims processor, Đà Nẵng"),
    ("giamsat.danang", "demo-giam-sat-da-nang", "giamsat-danang-2026", "supervisor, Đà Nẵng"),
    ("hotich.haichau", "demo-ubnd-phuong-hai-chau", "hotich-haichau-2026", "registry office, Hải Châu"),
    ("vanhanh", "demo-operator", "vanhanh-quocgia-2026", "operator, national"),
]
PERSON = "query($id: ID!) { person(id: $id, purpose: CARD_ISSUANCE) { fullName dateOfBirth communeCode address } }"
MOVE = """mutation($input: ChangePersonAddressInput!) {
  changePersonAddress(input: $input) { person { communeCode address } errors { code message messageVi } } }"""
TRAIL = "query($id: ID!) { auditTrail(personId: $id, first: 5) { seq operation clientName purpose } }"


async def seed_clients(db: Database, token_secret: str, clock: SystemClock, echo: Echo) -> dict[str, str]:
    signer = TokenSigner(token_secret)
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


async def seed_officers(db: Database, clock: SystemClock, echo: Echo) -> None:
    async with db.transaction() as session:
        existing = set((await session.scalars(select(Officer.username))).all())
        for username, client_name, password, _ in DEMO_OFFICERS:
            if username not in existing:
                await create_officer(
                    session, now=clock.now(), username=username, client_name=client_name, password=password
                )
            echo(f"officer {username:29} acting as {client_name}")


def console_sign_ins(echo: Echo) -> None:
    """The demo's last words: where the console is, and who can sign in to it."""
    echo("\n== the officers' console: run `hub serve`, open http://127.0.0.1:8000/console/ and sign in as")
    for username, _, password, who in DEMO_OFFICERS:
        echo(f"   {username:16} password {password:22} ({who})")
    echo("   GraphiQL, for integrators: http://127.0.0.1:8000/graphql (paste a client's token in its bar)")


async def seed_people(db: Database, clock: SystemClock, echo: Echo) -> dict[str, str]:
    people = {}
    async with db.transaction() as session:
        for new in DEMO_PEOPLE:
            person = await session.scalar(select(Person).where(Person.personal_id_number == new.personal_id_number))
            if person is None:
                person = await create_person(session, now=clock.now(), actor=None, purpose=Purpose.SYSTEM, new=new)
            people[new.commune_code] = str(person.id)
            echo(f"person {person.full_name:30} commune {person.commune_code}")
    return people


async def foundation_tour(tour: Tour, people: dict[str, str]) -> None:
    hai_chau, thanh_khe = "demo-ubnd-phuong-hai-chau", "demo-ubnd-phuong-thanh-khe"
    await tour.call("no token: nothing but an authentication error", None, "{ viewer { name } }")
    await tour.call("who am I", hai_chau, "{ viewer { name kind roles jurisdiction { level code } } }")
    await tour.call(
        "a registry office reads a child of its commune (audited)", hai_chau, PERSON, {"id": people["20242"]}
    )
    await tour.call(
        "... and a child of another commune: refused, revealing nothing", hai_chau, PERSON, {"id": people["20209"]}
    )
    await tour.call("a hospital cannot list clients", "demo-bv-da-nang", "{ clients { name } }")
    move = {"personId": people["20209"], "provinceCode": "48", "communeCode": "20209", "address": "47 Hà Huy Tập"}
    await tour.call("the child's own registry office corrects the address (audited)", thanh_khe, MOVE, {"input": move})
    await tour.call(
        "an empty address is a business error, in Vietnamese and English",
        thanh_khe,
        MOVE,
        {"input": {**move, "address": " "}},
    )
    await tour.call(
        "the province supervisor reads who processed the child's data",
        "demo-giam-sat-da-nang",
        TRAIL,
        {"id": people["20209"]},
    )
