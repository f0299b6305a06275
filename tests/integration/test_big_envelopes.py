"""Envelopes at the size limit: a valid one just under it is accepted through GraphQL and the gateway (its XML3 is
more than libxml2's 10 MB text-node limit in base64); over it, or a table over its own limit, each is refused with
the code that names the limit."""

from __future__ import annotations

import base64
import dataclasses
import functools
import random

import pytest

from devkit.qd4750_samples import SICK_LEAVE, visit_of
from devkit.workloads.big_envelopes import drug_table, service_table
from hub.documents.gateway import add_account
from hub.documents.qd4750 import table_file
from tests.integration.documents_kit import documents_world, rows_left, signed_envelope, stored_rows
from tests.integration.test_documents import submit
from tests.integration.test_gateway import REAL_PASSWORD, USERNAME, upload

LIMIT = 20 * 1024 * 1024  # HUB_MAX_ENVELOPE_BYTES's default
XML3_BASE64 = 10_650_000  # the XML3 of the envelope once refused as XML_MALFORMED
ENVELOPE = 19_900_000


@functools.cache
def big_envelope() -> bytes:
    """A signed 19.9 MB envelope: XML1, an XML2 of drugs filling it up, an XML3 of 10.65 MB in base64."""
    visit = visit_of(SICK_LEAVE.ma_lk, "Lê Văn Tâm", "048085000321", 1)
    rng = random.Random(22)
    services = service_table(rng, visit, ["BS001"], 100)
    services = service_table(rng, visit, ["BS001"], XML3_BASE64 * 3 // 4 * 101 // len(services))
    drugs = drug_table(rng, visit, ["BS001"], 100)
    room = (ENVELOPE - len(base64.b64encode(services))) * 3 // 4 - 40_000  # the XML1, the envelope, the signature
    drugs = drug_table(rng, visit, ["BS001"], room * 100 // len(drugs))
    data = signed_envelope([[table_file(visit), ("XML2", drugs), ("XML3", services)]])
    assert len(base64.b64encode(services)) >= XML3_BASE64 and ENVELOPE - 300_000 < len(data) < LIMIT, len(data)
    return data


@pytest.fixture
async def world(hub, signer, clock, backend):
    tokens, _ = await documents_world(hub, signer, clock, backend)
    _, state = hub
    async with state.services.db.transaction() as session:
        await add_account(
            session, now=clock.now(), actor=None, client_name="bv-48001", username=USERNAME, password=REAL_PASSWORD
        )
    return tokens


@pytest.mark.parametrize("channel", ["graphql", "gateway"])
async def test_a_valid_envelope_just_under_the_limit_is_accepted(hub, world, channel):
    client, state = hub
    data = big_envelope()
    if channel == "graphql":
        answer = await submit(client, world["bv-48001"], data, base64_encoded=True)
        assert answer["errors"] == [] and answer["receipt"], answer["errors"]
        lines = {(d["docType"], d["status"]) for d in answer["receipt"]["documents"]}
        assert lines == {("XML1", "NEW"), ("XML2", "KEPT"), ("XML3", "KEPT")}
    else:
        answer = await upload(client, data)
        assert answer["maKetQua"] == "200", str(answer)[:2000]
    assert (await stored_rows(state))[0] == 1


async def test_an_envelope_over_the_limit_is_refused_with_payload_too_large(hub, world):
    client, state = hub
    data = big_envelope() + b"\n" * (LIMIT + 1 - len(big_envelope()))  # blanks after the root: still the same XML
    answer = await submit(client, world["bv-48001"], data, base64_encoded=True)
    assert [e["code"] for e in answer["errors"]] == ["PAYLOAD_TOO_LARGE"] and answer["signedRefusal"]
    answer = await upload(client, data)
    assert answer["maKetQua"] == "413" and [e["ma"] for e in answer["loi"]] == ["PAYLOAD_TOO_LARGE"]
    assert await rows_left(state) == {}


async def test_a_table_over_its_own_limit_is_refused_with_table_too_large(hub, world):
    client, state = hub
    intake = state.services.intake
    object.__setattr__(state.services, "intake", dataclasses.replace(intake, max_table_bytes=5_000_000))
    try:
        answer = await submit(client, world["bv-48001"], big_envelope(), base64_encoded=True)
    finally:
        object.__setattr__(state.services, "intake", intake)
    assert [(e["code"], e["field"]) for e in answer["errors"]] == [
        ("TABLE_TOO_LARGE", "HOSO[1]/XML2"),
        ("TABLE_TOO_LARGE", "HOSO[1]/XML3"),
    ]
    assert "HUB_MAX_TABLE_BYTES" in answer["errors"][0]["message"] and "5,000,000" in answer["errors"][0]["message"]
    assert await rows_left(state) == {}
