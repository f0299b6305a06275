"""Test helpers: clients with tokens, GraphQL calls with and without HTTP, waiting for background work."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from hub.audit.purpose import Purpose
from hub.clients import service
from hub.clients.permissions import ClientKind, Jurisdiction, Principal
from hub.clients.tokens import TokenSigner
from hub.infra.clock import Clock
from hub.infra.db import Database
from hub.persons.models import Gender, Person
from hub.persons.service import NewPerson, create_person


async def make_client(
    db: Database, signer: TokenSigner, clock: Clock, name: str, kind: ClientKind, jurisdiction: str, **kw: Any
) -> tuple[Principal, str]:
    async with db.transaction() as session:
        issued = await service.create_client(
            session,
            signer,
            now=clock.now(),
            actor=None,
            name=name,
            kind=kind,
            jurisdiction=Jurisdiction.parse(jurisdiction),
            ttl=dt.timedelta(days=30),
            **kw,
        )
    return issued.client.principal(), issued.token


async def make_person(
    db: Database, clock: Clock, *, commune: str, province: str, name: str = "Nguyễn Văn An", **kw: Any
) -> Person:
    async with db.transaction() as session:
        return await create_person(
            session,
            now=clock.now(),
            actor=None,
            purpose=Purpose.SYSTEM,
            new=NewPerson(
                **{
                    "full_name": name,
                    "gender": Gender.MALE,
                    "date_of_birth": dt.date(2019, 3, 1),
                    "province_code": province,
                    "commune_code": commune,
                    "address": "Số 1 đường Lê Lợi",
                    **kw,
                }
            ),
        )


async def post_graphql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)


async def graphql_data(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, *, token: str
) -> dict[str, Any]:
    """The `data` of a successful operation; fails the test on any top-level error."""
    response = await post_graphql(client, query, variables, token=token)
    body = response.json()
    assert response.status_code == 200, body
    assert not body.get("errors"), body["errors"]
    return dict(body["data"])


async def graphql_error_codes(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, *, token: str
) -> list[str]:
    body = (await post_graphql(client, query, variables, token=token)).json()
    assert body.get("errors"), body
    return [e.get("extensions", {}).get("code", "") for e in body["errors"]]


async def wait_until(check: Callable[[], Awaitable[bool]], *, timeout: float = 20.0, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(every)
