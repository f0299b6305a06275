"""The domain packages of `hub/` and the modules each declares by name: `models` (its tables) and `jobs` (its
jobs and listeners). Found by looking, so that a new domain needs no entry in a hand-kept list."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from types import ModuleType

import hub

# Packages of hub/ that are not domains: infrastructure, entry points and the migration scripts.
NOT_DOMAINS = frozenset({"infra", "entry", "migrations"})


def domains() -> list[str]:
    """The names of the domain packages, sorted."""
    return sorted(m.name for m in pkgutil.iter_modules(hub.__path__) if m.ispkg and m.name not in NOT_DOMAINS)


def import_from_every_domain(module: str) -> list[ModuleType]:
    """Import `hub.<domain>.<module>` of every domain that has one (importing fills the registries)."""
    found = []
    for domain in domains():
        name = f"hub.{domain}.{module}"
        if importlib.util.find_spec(name) is not None:
            found.append(importlib.import_module(name))
    return found
