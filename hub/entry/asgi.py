"""The ASGI entry point for production servers: `uvicorn --factory hub.entry.asgi:create`."""

from __future__ import annotations

import os
from typing import Final

from starlette.applications import Starlette

from hub.catalogs.adminunits import admin_catalog
from hub.entry.app import create_app
from hub.infra import heap
from hub.infra.logs import configure_logging
from hub.infra.settings import Settings

SERVER_LOOP: Final = "uvloop"
SERVER_HTTP: Final = "httptools"
"""uvicorn's event loop and HTTP parser for the hub's web processes (`hub serve`; give a plain `uvicorn` the same
`--loop uvloop --http httptools`): libuv and the C parser (llhttp), not asyncio's own loop and h11 in Python."""


def create() -> Starlette:
    settings = Settings.from_env(os.environ)
    configure_logging(settings.log_level)
    app = create_app(settings)
    heap.settle(admin_catalog)
    return app
