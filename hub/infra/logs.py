"""Logging set-up shared by every entry point."""

from __future__ import annotations

import logging


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Dramatiq logs every retry with a traceback at WARNING; the hub logs its own account of the failure.
    logging.getLogger("dramatiq").setLevel(max(logging.getLevelName(level), logging.WARNING))
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
