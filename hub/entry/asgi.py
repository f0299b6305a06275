"""The ASGI entry point for production servers: `uvicorn --factory hub.entry.asgi:create`."""

from __future__ import annotations

import os

from starlette.applications import Starlette

from hub.catalogs.adminunits import admin_catalog
from hub.entry.app import create_app
from hub.infra import heap
from hub.infra.logs import configure_logging
from hub.infra.settings import Settings


def create() -> Starlette:
    settings = Settings.from_env(os.environ)
    configure_logging(settings.log_level)
    app = create_app(settings)
    heap.settle(admin_catalog)
    return app
