"""Fixtures for tests that go through the web application."""

from __future__ import annotations

import httpx
import pytest

from hub.clients.tokens import TokenSigner
from hub.entry.app import create_app


@pytest.fixture
async def hub(settings, clock):
    """The application, started (migrations checked, embedded worker on SQLite), and an HTTP client for it."""
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            yield client, app.state.hub


@pytest.fixture
def signer(settings):
    return TokenSigner(settings.token_secret)
