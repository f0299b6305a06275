"""The web service over ASGI on both backends: authentication, permissions, audit of reads, health, limits."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import httpx
import pytest
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.clients.permissions import ClientKind, Role
from hub.entry.app import create_app
from hub.entry.migrate import NotMigrated
from hub.infra.settings import Environment, GraphQLLimits
from hub.persons.models import Person
from tests.helpers import graphql_data, graphql_error_codes, make_client, make_person, post_graphql

PERSON = """query($id: ID!, $purpose: Purpose!) { person(id: $id, purpose: $purpose) { fullName communeCode } }"""
MOVE = """mutation($input: ChangePersonAddressInput!) {
  changePersonAddress(input: $input) { person { communeCode address } errors { code field message messageVi } }
}"""
CREATE_CLIENT = """mutation($input: CreateClientInput!) {
  createClient(input: $input) { token client { name roles } errors { code message messageVi } }
}"""


@pytest.fixture
async def world(hub, signer, clock):
    """Two communes of Đà Nẵng (48), their registry offices, a hospital, an operator, a supervisor."""
    _, state = hub
    db = state.services.db
    tokens = {}
    for name, kind, where in [
        ("ubnd-hai-chau", ClientKind.CIVIL_REGISTRY, "commune:20242"),
        ("ubnd-thanh-khe", ClientKind.CIVIL_REGISTRY, "commune:20209"),
        ("bv-da-nang", ClientKind.HOSPITAL, "facility:48001"),
        ("operator", ClientKind.OPERATOR, "national"),
        ("supervisor-48", ClientKind.SUPERVISOR, "province:48"),
    ]:
        tokens[name] = (await make_client(db, signer, clock, name, kind, where))[1]
    people = {
        "hai_chau": await make_person(db, clock, commune="20242", province="48", name="Nguyễn Văn An"),
        "thanh_khe": await make_person(db, clock, commune="20209", province="48", name="Trần Thị Bình"),
    }
    return tokens, people


async def audit_entries(state, operation: str) -> list[AuditEntry]:
    async with state.services.db.sessions() as session:
        return list((await session.scalars(select(AuditEntry).where(AuditEntry.operation == operation))).all())


async def test_unauthenticated_request_gets_only_an_authentication_error(hub, world):
    client, _ = hub
    for token in (None, "not-a-token"):
        response = await post_graphql(client, "{ viewer { name } clients { name } }", token=token)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        body = response.json()
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


async def test_expired_revoked_and_superseded_tokens_are_refused(hub, world, clock, signer):
    client, state = hub
    tokens, _ = world
    token = tokens["ubnd-hai-chau"]
    assert (await graphql_data(client, "{ viewer { name kind } }", token=token))["viewer"] == {
        "name": "ubnd-hai-chau",
        "kind": "CIVIL_REGISTRY",
    }
    # A reissued token replaces the old one
    from hub.clients import service

    clock.advance(dt.timedelta(seconds=2))
    async with state.services.db.transaction() as session:
        reissued = await service.reissue_token(
            session, signer, now=clock.now(), actor=None, name="ubnd-hai-chau", ttl=dt.timedelta(days=1)
        )
    assert (await post_graphql(client, "{ viewer { name } }", token=token)).status_code == 401
    assert (await post_graphql(client, "{ viewer { name } }", token=reissued.token)).status_code == 200
    # An expired token is refused
    clock.advance(dt.timedelta(days=2))
    assert (await post_graphql(client, "{ viewer { name } }", token=reissued.token)).status_code == 401
    # A revoked client's token is refused at once
    revoke = 'mutation { revokeClient(name: "bv-da-nang") { client { revokedAt } errors { code } } }'
    assert (await graphql_data(client, revoke, token=tokens["operator"]))["revokeClient"]["errors"] == []
    assert (await post_graphql(client, "{ viewer { name } }", token=tokens["bv-da-nang"])).status_code == 401


async def test_a_commune_cannot_read_another_communes_person(hub, world):
    client, state = hub
    tokens, people = world
    own = {"id": str(people["hai_chau"].id), "purpose": "CARD_ISSUANCE"}
    other = {"id": str(people["thanh_khe"].id), "purpose": "CARD_ISSUANCE"}
    missing = {"id": str(uuid.uuid4()), "purpose": "CARD_ISSUANCE"}
    data = await graphql_data(client, PERSON, own, token=tokens["ubnd-hai-chau"])
    assert data["person"] == {"fullName": "Nguyễn Văn An", "communeCode": "20242"}
    # Another commune's person and a person who does not exist get the very same answer
    answers = []
    for variables in (other, missing):
        body = (await post_graphql(client, PERSON, variables, token=tokens["ubnd-hai-chau"])).json()
        answers.append([(e["message"], e["extensions"]) for e in body["errors"]])
        assert body["data"] is None
    assert answers[0] == answers[1] == [("Not permitted.", {"code": "FORBIDDEN"})]
    # The permitted read is audited with client, person and purpose; the refused ones are not
    reads = await audit_entries(state, "person.read")
    assert [(e.client_name, e.person_id, e.purpose) for e in reads] == [
        ("ubnd-hai-chau", people["hai_chau"].id, "card_issuance")
    ]


async def test_a_commune_cannot_change_another_communes_person(hub, world):
    client, state = hub
    tokens, people = world
    move_away = {
        "personId": str(people["thanh_khe"].id),
        "provinceCode": "48",
        "communeCode": "20242",
        "address": "Số 2 Hùng Vương",
    }
    assert await graphql_error_codes(client, MOVE, {"input": move_away}, token=tokens["ubnd-hai-chau"]) == ["FORBIDDEN"]
    async with state.services.db.sessions() as session:
        unchanged = await session.get(Person, people["thanh_khe"].id)
        assert unchanged is not None and unchanged.commune_code == "20209"
    # Its own registry office can correct it within its commune, and the change is audited
    fix = {**move_away, "communeCode": "20209", "address": "Số 9 Điện Biên Phủ"}
    data = await graphql_data(client, MOVE, {"input": fix}, token=tokens["ubnd-thanh-khe"])
    assert data["changePersonAddress"] == {
        "person": {"communeCode": "20209", "address": "Số 9 Điện Biên Phủ"},
        "errors": [],
    }
    assert [e.client_name for e in await audit_entries(state, "person.change_address")] == ["ubnd-thanh-khe"]
    # A bad value is a business error in the payload, in both languages
    bad = {**fix, "address": "  "}
    errors = await graphql_data(client, MOVE, {"input": bad}, token=tokens["ubnd-thanh-khe"])
    assert errors["changePersonAddress"]["errors"] == [
        {
            "code": "ADDRESS_REQUIRED",
            "field": "address",
            "message": "The address cannot be empty.",
            "messageVi": "Địa chỉ không được để trống.",
        }
    ]


async def test_a_hospital_cannot_read_people_clients_or_audit_nor_be_granted_claims(hub, world):
    client, _ = hub
    tokens, people = world
    hospital = tokens["bv-da-nang"]
    person = {"id": str(people["hai_chau"].id), "purpose": "CLAIM_SETTLEMENT"}
    assert await graphql_error_codes(client, PERSON, person, token=hospital) == ["FORBIDDEN"]
    assert await graphql_error_codes(client, "{ clients { name } }", token=hospital) == ["FORBIDDEN"]
    trail = "query($id: ID!) { auditTrail(personId: $id) { operation } }"
    assert await graphql_error_codes(client, trail, {"id": person["id"]}, token=hospital) == ["FORBIDDEN"]
    # Not even an operator can give a hospital the right to read claims
    grant = {
        "name": "bv-2",
        "kind": "HOSPITAL",
        "jurisdiction": {"level": "FACILITY", "code": "48002"},
        "roles": ["DOCUMENT_SUBMIT", "CLAIM_READ"],
    }
    data = await graphql_data(client, CREATE_CLIENT, {"input": grant}, token=tokens["operator"])
    assert data["createClient"]["token"] is None
    assert [e["code"] for e in data["createClient"]["errors"]] == ["GRANT_NOT_ALLOWED"]
    assert Role.CLAIM_READ.value in data["createClient"]["errors"][0]["message"]


async def test_operator_registers_a_client_whose_token_works(hub, world):
    client, _ = hub
    tokens, _ = world
    new = {
        "name": "ubnd-son-tra",
        "kind": "CIVIL_REGISTRY",
        "jurisdiction": {"level": "COMMUNE", "code": "20263"},
    }
    created = (await graphql_data(client, CREATE_CLIENT, {"input": new}, token=tokens["operator"]))["createClient"]
    assert created["errors"] == [] and created["client"]["name"] == "ubnd-son-tra"
    assert (await graphql_data(client, "{ viewer { name } }", token=created["token"]))["viewer"]["name"] == (
        "ubnd-son-tra"
    )
    again = (await graphql_data(client, CREATE_CLIENT, {"input": new}, token=tokens["operator"]))["createClient"]
    assert [e["code"] for e in again["errors"]] == ["NAME_TAKEN"]
    # A registry office cannot register clients
    assert await graphql_error_codes(client, CREATE_CLIENT, {"input": new}, token=created["token"]) == ["FORBIDDEN"]


async def test_supervisor_reads_the_audit_trail_of_their_province(hub, world):
    client, _ = hub
    tokens, people = world
    person_id = str(people["hai_chau"].id)
    await graphql_data(client, PERSON, {"id": person_id, "purpose": "CARD_ISSUANCE"}, token=tokens["ubnd-hai-chau"])
    trail = "query($id: ID!) { auditTrail(personId: $id) { operation clientName purpose } }"
    data = await graphql_data(client, trail, {"id": person_id}, token=tokens["supervisor-48"])
    assert data["auditTrail"] == [
        {"operation": "person.read", "clientName": "ubnd-hai-chau", "purpose": "card_issuance"},
        {"operation": "person.create", "clientName": None, "purpose": "system"},
    ]


async def test_internal_errors_are_masked(hub, world, monkeypatch):
    client, _ = hub
    tokens, people = world

    async def broken(*args, **kwargs):
        raise RuntimeError("connection string postgresql://secret")

    monkeypatch.setattr("schema.persons.service.read_person", broken)
    body = (
        await post_graphql(
            client,
            PERSON,
            {"id": str(people["hai_chau"].id), "purpose": "CARD_ISSUANCE"},
            token=tokens["ubnd-hai-chau"],
        )
    ).json()
    assert body["errors"][0]["message"] == "Internal error."
    assert body["errors"][0]["extensions"] == {"code": "INTERNAL"}
    assert "secret" not in str(body)


async def test_query_limits(settings, clock, signer, hub, world):
    client, _ = hub
    tokens, _ = world
    aliases = "{ " + " ".join(f"a{i}: viewer {{ name }}" for i in range(settings.graphql.max_aliases + 1)) + " }"
    body = (await post_graphql(client, aliases, token=tokens["operator"])).json()
    limit = settings.graphql.max_aliases
    assert body["errors"][0]["message"] == f"Query has {limit + 1} aliases, more than the limit of {limit}."
    assert body["errors"][0]["extensions"] == {"code": "QUERY_TOO_COMPLEX"}
    tight = dataclasses.replace(settings, graphql=GraphQLLimits(max_depth=1, max_tokens=30))
    app = create_app(tight, clock=clock, embedded_worker=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as other,
    ):
        deep = (await post_graphql(other, "{ viewer { jurisdiction { level } } }", token=tokens["operator"])).json()
        assert deep["errors"][0]["message"] == "Query depth 2 exceeds the limit of 1."
        long = "{ " + " ".join(["viewer { name }"] * 10) + " }"
        many = (await post_graphql(other, long, token=tokens["operator"])).json()
        assert "contains more than 30 tokens" in many["errors"][0]["message"]


async def test_health_readiness_and_metrics(hub, world):
    client, _ = hub
    tokens, _ = world
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "checks": {"database": "ok", "migrations": "ok", "broker": "ok"}}
    await graphql_data(client, "{ viewer { name } }", token=tokens["operator"])
    metrics = (await client.get("/metrics")).text
    assert 'hub_http_requests_total{method="POST",route="/graphql",status="200"} 1.0' in metrics
    assert 'hub_graphql_operations_total{result="ok",type="query"} 1.0' in metrics
    assert "hub_outbox_jobs" in metrics and "hub_job_run_seconds" in metrics


async def test_readiness_reports_an_unreachable_broker(settings, clock):
    broken = dataclasses.replace(settings, broker_url="redis://127.0.0.1:1/0")
    app = create_app(broken, clock=clock)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
    ):
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["broker"].startswith("unreachable")


async def test_graphiql_only_in_dev(settings, clock):
    for env, served in ((Environment.DEV, True), (Environment.TEST, False)):
        app = create_app(dataclasses.replace(settings, env=env), clock=clock, embedded_worker=False)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
        ):
            page = await client.get("/graphql", headers={"accept": "text/html"})
        assert ("graphiql" in page.text.lower() and page.status_code == 200) is served


async def test_refuses_to_start_on_an_unmigrated_database(tmp_path, clock):
    from tests.conftest import make_settings

    app = create_app(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"), clock=clock)
    with pytest.raises(NotMigrated, match="Run `hub migrate`"):
        async with app.router.lifespan_context(app):
            pass


async def test_personal_id_check_decodes_and_lists_every_disagreement(hub, world):
    client, _ = hub
    tokens, _ = world
    query = """query($n: String!, $d: Date, $g: Gender) { personalIdCheck(number: $n, dateOfBirth: $d, gender: $g) {
      valid provinceCode provinceName gender birthYear issues { code message messageVi } } }"""
    seed = {"n": "001219011644"}
    data = (await graphql_data(client, query, seed, token=tokens["ubnd-hai-chau"]))["personalIdCheck"]
    assert (data["valid"], data["provinceCode"], data["gender"], data["birthYear"]) == (True, "001", "MALE", 2019)
    assert "Hà Nội" in data["provinceName"]
    female = {**seed, "d": "2020-05-01", "g": "FEMALE"}
    data = (await graphql_data(client, query, female, token=tokens["ubnd-hai-chau"]))["personalIdCheck"]
    assert data["valid"] is False
    assert sorted(i["code"] for i in data["issues"]) == ["BIRTH_YEAR_MISMATCH", "GENDER_MISMATCH"]
    assert all(i["messageVi"] and i["message"] for i in data["issues"])


async def test_a_province_operator_manages_clients_of_its_province_only(hub, world, signer, clock):
    client, state = hub
    tokens, _ = world
    op48 = (await make_client(state.services.db, signer, clock, "operator-48", ClientKind.OPERATOR, "province:48"))[1]
    national = {"name": "rogue", "kind": "OPERATOR", "jurisdiction": {"level": "NATIONAL"}}
    assert await graphql_error_codes(client, CREATE_CLIENT, {"input": national}, token=op48) == ["FORBIDDEN"]
    hanoi = {"name": "ubnd-ba-dinh", "kind": "CIVIL_REGISTRY", "jurisdiction": {"level": "COMMUNE", "code": "00004"}}
    assert await graphql_error_codes(client, CREATE_CLIENT, {"input": hanoi}, token=op48) == ["FORBIDDEN"]
    own = {"name": "ubnd-son-tra", "kind": "CIVIL_REGISTRY", "jurisdiction": {"level": "COMMUNE", "code": "20263"}}
    assert (await graphql_data(client, CREATE_CLIENT, {"input": own}, token=op48))["createClient"]["errors"] == []
    nowhere = {"name": "x", "kind": "CIVIL_REGISTRY", "jurisdiction": {"level": "COMMUNE", "code": "99999"}}
    answer = (await graphql_data(client, CREATE_CLIENT, {"input": nowhere}, token=tokens["operator"]))["createClient"]
    assert [e["code"] for e in answer["errors"]] == ["UNKNOWN_JURISDICTION"]
    # It sees and revokes only clients of its province; the national operator is invisible to it
    names = {c["name"] for c in (await graphql_data(client, "{ clients { name } }", token=op48))["clients"]}
    assert names == {"ubnd-hai-chau", "ubnd-thanh-khe", "bv-da-nang", "supervisor-48", "operator-48", "ubnd-son-tra"}
    revoke = "mutation($n: String!) { revokeClient(name: $n) { client { name } errors { code } } }"
    refused = (await graphql_data(client, revoke, {"n": "operator"}, token=op48))["revokeClient"]
    assert [e["code"] for e in refused["errors"]] == ["UNKNOWN_CLIENT"]
    assert (await post_graphql(client, "{ viewer { name } }", token=tokens["operator"])).status_code == 200


async def test_a_registry_office_cannot_claim_a_purpose_it_does_not_have(hub, world):
    client, _ = hub
    tokens, people = world
    read = {"id": str(people["hai_chau"].id), "purpose": "SUPERVISION"}
    assert await graphql_error_codes(client, PERSON, read, token=tokens["ubnd-hai-chau"]) == ["FORBIDDEN"]
