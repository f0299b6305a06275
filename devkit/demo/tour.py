"""Driving the running service over HTTP for the demo, printing each call and its answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

Echo = Callable[[str], None]


class Tour:
    def __init__(self, http: httpx.AsyncClient, tokens: dict[str, str], echo: Echo) -> None:
        self.http = http
        self.tokens = tokens
        self.echo = echo

    async def call(self, title: str, client: str | None, query: str, variables: dict[str, Any] | None = None) -> Any:
        """Run one GraphQL operation as `client` (None: no token), print it, and return the answer's data."""
        headers = {"Authorization": f"Bearer {self.tokens[client]}"} if client else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        self.echo(f"\n-- {title}\n   as {client or 'nobody'}: HTTP {response.status_code}")
        body = response.json()
        self.echo("   " + json.dumps(body, ensure_ascii=False))
        return body.get("data")

    async def health(self) -> None:
        ready = await self.http.get("/readyz")
        self.echo(f"\n-- /readyz: HTTP {ready.status_code} {ready.text}")
        lines = [
            line for line in (await self.http.get("/metrics")).text.splitlines() if line.startswith("hub_http_req")
        ]
        self.echo("-- /metrics (excerpt):\n   " + "\n   ".join(lines[:6]))
