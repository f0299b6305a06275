"""Fuzzing the embedded hub: operations generated from the live schema, sent over HTTP as clients of every kind
against seeded data, must never give a 5xx, an INTERNAL error, or a message showing a Python or SQL detail.

Bounded for CI (HUB_FUZZ_EXAMPLES requests per backend, default below); `HUB_FUZZ_EXAMPLES=5000` runs it longer.
A failure prints the seed: `pytest tests/integration/test_fuzz.py --hypothesis-seed=N` sends the same requests."""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from typing import Any

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from sqlalchemy import select

from devkit.qd4750_samples import SICK_LEAVE
from hub.catalogs.models import FacilityRequest
from hub.childcards.models import ChildCard, ChildCardCase
from hub.claims.models import Claim
from hub.clients.permissions import ClientKind
from hub.documents.models import Document
from hub.persons.models import Person
from hub.signatures.models import TrustedCertificateRow
from schema import build_schema
from tests.helpers import graphql_data, make_client, make_person
from tests.integration.documents_kit import OTHER_FACILITY, signed_envelope
from tests.integration.fuzz_kit import Request, problems, requests
from tests.integration.test_childcards import CHILD_ID, birth
from tests.integration.test_childcards import SUBMIT as REGISTER
from tests.integration.test_claims import EMPLOYEE_ID, EMPLOYER, MOTHER_ID, claims_when, office  # noqa: F401  (fixture)
from tests.integration.test_documents import submit

CI_SEED = 20261206
DEFAULT_EXAMPLES = 2000
REQUEST_TIMEOUT_SECONDS = 30.0
# One client of each kind, each with its kind's default roles: the fuzzed operations are sent as one of them.
CLIENTS = (
    "operator",  # national
    "ubnd-hai-chau",  # civil registry of commune 20242
    "bv-48001",  # hospital
    "processor-48",  # claim processor of province 48
    "supervisor-48",
    "portal",  # national
    "dn-hoa-khanh",  # employer
    "le-van-tam",  # citizen, an insured employee of dn-hoa-khanh
)
ASK_FACILITY = """mutation($input: FacilityRequestInput!) { requestFacility(input: $input) { request { id } } }"""


@pytest.fixture
async def world(hub, office, signer, clock):  # noqa: F811
    """Clients of every kind around Đà Nẵng (48), and what they act on: facilities with trusted certificates, the
    hospital corpus (documents and the claims it opens), a child's registration and card, people, a facility request.
    Gives the tokens of one client of each kind, and the real values worth planting in generated arguments, by
    argument name."""
    client, state = hub
    db = state.services.db
    tokens = dict(office)  # hospitals, a national operator, claim processors, the portal
    for name, kind, where in [
        ("ubnd-hai-chau", ClientKind.CIVIL_REGISTRY, "commune:20242"),
        ("supervisor-48", ClientKind.SUPERVISOR, "province:48"),
        ("dn-hoa-khanh", ClientKind.EMPLOYER, f"employer:{EMPLOYER.code}"),
        ("le-van-tam", ClientKind.CITIZEN, f"person:{EMPLOYEE_ID}"),
    ]:
        tokens[name] = (await make_client(db, signer, clock, name, kind, where))[1]
    await submit(client, tokens["bv-48001"], signed_envelope())
    await graphql_data(client, REGISTER, {"records": [birth()]}, token=tokens["ubnd-hai-chau"])
    wanted = {"code": "48097", "name": "Phòng khám Hòa Khánh", "provinceCode": "48", "communeCode": "20242"}
    await graphql_data(client, ASK_FACILITY, {"input": wanted}, token=tokens["ubnd-hai-chau"])
    await make_person(db, clock, commune="20209", province="48", name="Trần Thị Bình")
    await claims_when(client, tokens["processor-48"], 2, states=["COMPUTED"])
    async with db.sessions() as session:

        async def values(column: Any) -> list[str]:
            return [str(value) for value in (await session.scalars(select(column))).all()]

        person_ids = await values(Person.id)
        ids = [*person_ids, *await values(Document.id), *await values(FacilityRequest.id)]
        references = [*await values(Claim.reference), *await values(ChildCardCase.reference)]
        card_numbers = await values(ChildCard.card_number)
        fingerprints = await values(TrustedCertificateRow.fingerprint)
    personal_ids = [EMPLOYEE_ID, MOTHER_ID, CHILD_ID, "048194000123"]
    communes, facilities, provinces = ["20242", "20209"], ["48001", OTHER_FACILITY, "48097"], ["48", "01"]
    known = {
        **dict.fromkeys(["personalId", "personalIdNumber", "firstPersonalId", "secondPersonalId"], personal_ids),
        **dict.fromkeys(["personId", "usedBy"], person_ids),
        "id": ids,
        "reference": references,
        "cardNumber": card_numbers,
        "fingerprint": fingerprints,
        **dict.fromkeys(["registryOfficeCode", "office", "communeCode", "communeCodes"], communes),
        "facilityCode": facilities,
        "code": [*facilities, *communes, *provinces],
        "provinceCode": provinces,
        "bookNumber": ["01/2026"],
        "book": ["01/2026"],
        **{name: ["15", *personal_ids] for name in ("recordNumber", "number")},
        "party": [f"facility:{facilities[0]}", "population-database", "civil-registry:20242"],
        "bhxhCode": [SICK_LEAVE.ma_bhxh],
        "certificate": [f"facility:48001/{SICK_LEAVE.so_seri}"],
    }
    return {name: tokens[name] for name in CLIENTS}, known


# The app's own threads (the worker, the broker's retries) use the `random` module while Hypothesis draws in its thread.
@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
async def test_generated_operations_never_crash_or_leak(hub, world, request):
    """Given the seeded hub, when generated operations arrive from every kind of client, then none of them gets a
    5xx, an INTERNAL error or a message naming Python or SQL internals."""
    client, _ = hub
    tokens, known = world
    examples = int(os.environ.get("HUB_FUZZ_EXAMPLES", DEFAULT_EXAMPLES))
    forced = request.config.getoption("hypothesis_seed", None)
    # Under CI one fixed seed, so that a submission's run is the run its author saw pass; elsewhere a new one each
    # time, so that developers' runs keep exploring. HUB_FUZZ_SEED (a number, or "random") chooses either way.
    chosen = os.environ.get("HUB_FUZZ_SEED") or (str(CI_SEED) if os.environ.get("CI") else "random")
    run_seed = int(forced) if forced is not None else (random.getrandbits(32) if chosen == "random" else int(chosen))
    schema = graphql.build_schema(build_schema().as_str())
    loop = asyncio.get_running_loop()
    found: dict[str, tuple[Request, str]] = {}
    counts: Counter[str] = Counter()
    answers: Counter[str] = Counter()
    stalled: list[Request] = []

    async def send(sent: Request) -> httpx.Response:
        headers = {"Authorization": f"Bearer {tokens[sent.client]}", "Content-Type": "application/json"}
        return await client.post("/graphql", content=sent.body, headers=headers)

    @seed(run_seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(requests(schema, sorted(tokens), known))
    def fuzz(sent: Request) -> None:
        if stalled:
            return  # one request went unanswered: the rest would queue behind it
        future = asyncio.run_coroutine_threadsafe(send(sent), loop)
        try:
            response = future.result(REQUEST_TIMEOUT_SECONDS)
        except TimeoutError:
            future.cancel()
            stalled.append(sent)
            failures = [(f"no answer in {REQUEST_TIMEOUT_SECONDS:.0f} s", "the run stopped there")]
        except Exception as exc:  # ASGITransport re-raises what the app raised; a server would answer 500
            failures = [(f"HTTP 500 ({type(exc).__name__} raised)", str(exc)[:300])]
        else:
            failures = problems(response)
            answers[outcome(response)] += 1
        for kind, detail in failures:
            counts[kind] += 1
            # The shortest request showing each kind of failure.
            if kind not in found or len(sent.describe()) < len(found[kind][0].describe()):
                found[kind] = (sent, detail)

    started = time.monotonic()
    # Hypothesis runs in a thread, so that the app and its client keep this test's event loop.
    await asyncio.to_thread(fuzz)
    elapsed = time.monotonic() - started
    print(f"fuzz: {examples} requests in {elapsed:.0f} s, seed {run_seed}, answers {answers.most_common()}")
    report = "\n".join(
        f"--- {kind} ({counts[kind]} times): {detail}\n{sent.describe()}"
        for kind, (sent, detail) in sorted(found.items())
    )
    assert not found, (
        f"{len(found)} kinds of failure; reproduce with "
        f"pytest tests/integration/test_fuzz.py --hypothesis-seed={run_seed}\n{report}"
    )


def outcome(response: httpx.Response) -> str:
    """An answer in a word, for the run's summary: its status, its top-level error codes, or `data`."""
    try:
        body = response.json()
    except ValueError:
        return str(response.status_code)
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:
        return f"{response.status_code} data"
    codes = sorted({str((e.get("extensions") or {}).get("code", "-")) for e in errors if isinstance(e, dict)})
    return f"{response.status_code} {' '.join(codes)}"
