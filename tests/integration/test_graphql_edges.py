"""GraphQL at the edges, over HTTP on both backends: documents that cost too much, production posture, and
variables the schema cannot take."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

import httpx
import pytest

from hub.clients.permissions import ClientKind
from hub.entry.app import create_app
from hub.infra.settings import Environment, Settings
from tests.helpers import graphql_data, make_client, post_graphql

T = TypeVar("T")

REGISTER = """mutation($records: [BirthRegistrationInput!]!) {
  submitBirthRegistrations(records: $records) { results { accepted } }
}"""
RECORD: dict[str, Any] = {
    "registryOfficeCode": "UBND-20242",
    "bookNumber": "01/2026",
    "recordNumber": "15",
    "registeredOn": "2026-11-01",
    "child": {"fullName": "Nguyễn Văn Bình", "gender": "MALE", "dateOfBirth": "2026-10-20"},
    "registrant": {"fullName": "Nguyễn Văn An"},
    "facilityCode": "48001",
    "delivery": "AT_OFFICE",
}
# Each: the record as sent, where in `$records` it goes wrong, and what the reason says.
UNUSABLE_RECORDS: list[tuple[dict[str, Any], list[str | int], str]] = [
    ({**RECORD, "registeredOn": "2025-02-30"}, [0, "registeredOn"], "day is out of range for month"),
    ({**RECORD, "child": {**RECORD["child"], "gender": "M"}}, [0, "child", "gender"], "'M' does not exist"),
    ({**RECORD, "bookNumber": 15}, [0, "bookNumber"], "String cannot represent a non string value: 15"),
    ({k: v for k, v in RECORD.items() if k != "facilityCode"}, [0], "to include required field 'facilityCode'"),
    ({**RECORD, "registrarNote": "x"}, [0], "not to include unknown field 'registrarNote'"),
]


def nested_fragments(levels: int, spreads: int) -> str:
    """The attack document: `levels` fragments, each spreading the next `spreads` times (8×8: 640 bytes)."""
    chain = [f"fragment F{i} on Query {{ {' '.join([f'...F{i + 1}'] * spreads)} }}" for i in range(levels)]
    return "\n".join(["query { ...F0 }", *chain, f"fragment F{levels} on Query {{ viewer {{ name }} }}"])


@pytest.fixture
async def operator(hub, signer, clock) -> str:
    _, state = hub
    return (await make_client(state.services.db, signer, clock, "operator", ClientKind.OPERATOR, "national"))[1]


async def in_a_thread(work: Callable[[], T], timeout: float) -> T:
    """`work()` on a daemon thread, given up after `timeout`: validation is CPU work on the event loop, which
    asyncio.wait_for cannot interrupt, so a document that stalls the old code fails this test instead of hanging it."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: Exception | None) -> None:
        if future.done():  # given up on
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(cast(T, result))

    def run() -> None:
        result, error = None, None
        try:
            result = work()
        except Exception as exc:  # handed to the waiting test
            error = exc
        with contextlib.suppress(RuntimeError):  # the test has given up and its loop is closed
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, daemon=True).start()
    return await asyncio.wait_for(future, timeout)


def post_on_own_app(settings: Settings, clock: Any, query: str, token: str) -> dict[str, Any]:
    """One request to an app of its own, in this thread's own event loop."""

    async def post() -> dict[str, Any]:
        app = create_app(settings, clock=clock, embedded_worker=False)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
        ):
            return dict((await post_graphql(client, query, token=token)).json())

    return asyncio.run(post())


@pytest.mark.parametrize(("levels", "spreads"), [(8, 8), (10, 10)])
async def test_nested_fragment_spreads_are_refused_at_once(settings, clock, operator, levels, spreads):
    # Given a small document that expands to spreads**levels times `viewer { name }`
    document = nested_fragments(levels, spreads)
    # When it is posted, Then it is refused as too complex (in milliseconds; the old limiters took 5 s and > 10 min)
    body = await in_a_thread(lambda: post_on_own_app(settings, clock, document, operator), 20)
    assert body.get("data") is None
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX"}
    assert error["message"].startswith(f"Query cost {2 * spreads**levels:,} exceeds the limit of 50,000")


async def test_a_query_asking_for_too_many_items_is_refused_and_a_page_of_them_is_not(hub, signer, clock):
    client, state = hub
    db = state.services.db
    hospital = (await make_client(db, signer, clock, "bv-da-nang", ClientKind.HOSPITAL, "facility:48001"))[1]
    fields = "id issuer docType number version state issuedOn receivedAt personId transactionId"
    report = "result reasonCode signer certificateSubject certificateSerial certificateNotBefore certificateNotAfter "
    report += "certificateFingerprint signatureAlgorithm digestAlgorithm digestValue checkedAt"
    page = "documents(first: {}) {{ edges {{ node {{ {} verification {{ {} }} }} }} }}"
    # Ten pages of 200 documents with their signature reports: 10 × (1 + 200 × (edges + node + 10 + 1 + 12))
    costly = "{ " + " ".join(f"p{i}: " + page.format(200, fields, report) for i in range(10)) + " }"
    body = (await post_graphql(client, costly, token=hospital)).json()
    assert body.get("data") is None
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX"}
    assert error["message"].startswith("Query cost 50,010 exceeds the limit of 50,000")
    # One page of 50 of them goes through
    one_page = "{ " + page.format(50, fields, report) + " }"
    assert (await graphql_data(client, one_page, token=hospital))["documents"] == {"edges": []}


async def test_production_refuses_introspection_and_suggests_nothing(settings, clock, hub, operator):
    client, _ = hub
    introspect = "{ __schema { queryType { name } } }"
    typo = "{ vewer { name } }"
    # Under test, both are on
    assert (await graphql_data(client, introspect, token=operator))["__schema"] == {"queryType": {"name": "Query"}}
    body = (await post_graphql(client, typo, token=operator)).json()
    assert body["errors"][0]["message"] == "Cannot query field 'vewer' on type 'Query'. Did you mean 'viewer'?"
    # Under prod, introspection is refused, __typename still answers, and nothing is suggested
    prod = create_app(dataclasses.replace(settings, env=Environment.PROD), clock=clock, embedded_worker=False)
    async with (
        prod.router.lifespan_context(prod),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=prod), base_url="http://hub") as other,
    ):
        for query in (introspect, '{ __type(name: "Query") { name } }'):
            body = (await post_graphql(other, query, token=operator)).json()
            assert body.get("data") is None
            assert [e["extensions"]["code"] for e in body["errors"]] == ["INTROSPECTION_DISABLED"]
        assert (await graphql_data(other, "{ __typename }", token=operator)) == {"__typename": "Query"}
        body = (await post_graphql(other, typo, token=operator)).json()
        assert [e["message"] for e in body["errors"]] == ["Cannot query field 'vewer' on type 'Query'."]
        near_miss = {"records": [{**RECORD, "child": {**RECORD["child"], "gender": "MAL"}}]}
        (error,) = (await post_graphql(other, REGISTER, near_miss, token=operator)).json()["errors"]
        assert error["extensions"]["reason"] == "Value 'MAL' does not exist in 'Gender' enum."
        assert error["message"].endswith(": Value 'MAL' does not exist in 'Gender' enum.")
    # The test app, in the same process, still suggests
    (error,) = (await post_graphql(client, REGISTER, near_miss, token=operator)).json()["errors"]
    assert error["extensions"]["reason"].endswith("Did you mean the enum value 'MALE'?")


async def test_variables_the_schema_cannot_take_are_the_clients_mistake(hub, operator, caplog):
    client, _ = hub
    caplog.set_level(logging.WARNING)
    for record, where, reason in UNUSABLE_RECORDS:
        body = (await post_graphql(client, REGISTER, {"records": [record]}, token=operator)).json()
        assert body.get("data") is None
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert error["extensions"]["variable"] == "records"
        assert error["extensions"]["variablePath"] == ["records", *where]
        assert reason in error["extensions"]["reason"]
        assert error["message"].startswith("Variable '$records' has invalid value")
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_text_holding_a_nul_character_is_refused_alike_on_both_backends(hub, operator, caplog):
    client, _ = hub
    caplog.set_level(logging.WARNING)
    revoke = "mutation($name: String!) { revokeClient(name: $name) { errors { code } } }"
    # PostgreSQL's text cannot hold U+0000 (its driver refused the statement: INTERNAL); SQLite stored it
    for variables, where in (
        ({"name": "a\x00"}, "$name"),
        # A record's texts are answered per record by the intake (test_childcards_edge); its dates are not texts.
        ({"records": [{**RECORD, "registeredOn": "2026-11-01\x00"}]}, "$records[0].registeredOn"),
    ):
        query = revoke if "name" in variables else REGISTER
        response = await post_graphql(client, query, variables, token=operator)
        (error,) = response.json()["errors"]
        assert response.status_code == 400 and error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["message"] == f"The variable {where} contains the NUL character (U+0000), which no text may hold."
    literal = await post_graphql(client, 'query { claim(reference: "a\\u0000") { claim { state } } }', token=operator)
    (error,) = literal.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "U+0000" in error["message"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
