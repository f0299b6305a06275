"""The ASGI entry point for production servers: `uvicorn --factory hub.asgi:create`."""

from __future__ import annotations

import os

from starlette.applications import Starlette

from hub import heap
from hub.app import create_app
from hub.logs import configure_logging
from hub.settings import Settings


def create() -> Starlette:
    settings = Settings.from_env(os.environ)
    configure_logging(settings.log_level)
    app = create_app(settings)
    heap.settle()
    return app
