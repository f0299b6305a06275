"""Browser tests: Playwright drives Debian's chromium (headless) against the hub served by uvicorn on a free port,
on PostgreSQL and Redis, with both jurisdictions of the authorisation matrix seeded."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from hub.clients.tokens import TokenSigner
from hub.entry.app import create_app
from hub.infra.settings import ConsoleSettings, Settings
from tests.integration.test_authorization_matrix import matrix  # noqa: F401  (both jurisdictions, seeded)
from tests.integration.test_evidence import systems  # noqa: F401  (the simulators the seed asks)

CHROMIUM = os.environ.get("HUB_TEST_CHROMIUM", "/usr/bin/chromium")
OUTPUT = Path(__file__).parent / "output"


@pytest.fixture
def backend() -> str:
    """The browser tests run on PostgreSQL and Redis only (a deployment's backends)."""
    return "postgresql"


@pytest.fixture
def signer(settings: Settings) -> TokenSigner:
    return TokenSigner(settings.token_secret)


@pytest.fixture
def chromium() -> str:
    if not shutil.which(CHROMIUM):
        message = f"{CHROMIUM} not found: apt-get install chromium (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Path:
    """Where a test's screenshots go: tests/browser/output/<test name>/ (git-ignored)."""
    folder = OUTPUT / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def served(matrix, settings, clock) -> Iterator[str]:  # noqa: F811
    """`hub serve` as a deployment runs it (uvicorn, a port of its own), over plain HTTP; the seeded worker runs
    the jobs the pages queue. Yields the base URL."""
    plain = dataclasses.replace(settings, console=ConsoleSettings(secure_cookies=False))
    app = create_app(plain, clock=clock, embedded_worker=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
