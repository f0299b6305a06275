"""The layers of the code, read from its import graph (grimp): what may import what, no cycles, the development kit
kept out of production, and each domain's jobs in its `jobs` module. CONTRIBUTING.md describes the layout."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from functools import cache

import grimp
import pytest

import hub
from hub.entry.discovery import NOT_DOMAINS, domains, import_from_every_domain
from hub.jobs.registry import registered_jobs

PACKAGES = ("hub", "schema", "connectors", "signing", "devkit", "bench")
# The domain packages of hub/, each with its fixed vocabulary (models, errors, service(s), queries, jobs).
DOMAINS = (
    "audit",
    "catalogs",
    "childcards",
    "claims",
    "clients",
    "contributions",
    "documents",
    "jobs",
    "persons",
    "signatures",
)
DEVELOPMENT = ("devkit", "connectors.simulators", "bench")


@cache
def graph() -> grimp.ImportGraph:
    # Imports under TYPE_CHECKING and inside functions count: a cycle dodged either way is still a cycle.
    return grimp.build_graph(*PACKAGES, exclude_type_checking_imports=False)


def modules_of(*packages: str) -> set[str]:
    found: set[str] = set()
    for package in packages:
        found |= {package} | graph().find_descendants(package)
    return found


def imports_between(importers: Iterable[str], imported: Iterable[str]) -> list[str]:
    """`importer -> imported` for each direct import from the first set of modules into the second."""
    wanted = set(imported)
    return sorted(
        f"{importer} -> {target}"
        for importer in importers
        for target in graph().find_modules_directly_imported_by(importer)
        if target in wanted
    )


def production() -> set[str]:
    return modules_of("hub", "schema", "connectors", "signing") - modules_of("connectors.simulators")


def test_every_package_of_hub_is_infrastructure_an_entry_point_or_a_domain():
    packages = {m.name for m in pkgutil.iter_modules(hub.__path__) if m.ispkg}
    assert packages - NOT_DOMAINS == set(DOMAINS) and {"infra", "entry"} <= packages
    assert domains() == list(DOMAINS)
    assert [m.name for m in pkgutil.iter_modules(hub.__path__) if not m.ispkg] == ["__main__"]


def test_infrastructure_imports_nothing_of_the_hub_above_it():
    infra = modules_of("hub.infra")
    assert imports_between(infra, modules_of(*PACKAGES) - infra) == []


def test_domains_never_import_the_api_the_entry_points_or_the_development_kit():
    above = modules_of("schema", "hub.entry", *DEVELOPMENT)
    assert imports_between(modules_of(*(f"hub.{d}" for d in DOMAINS)), above) == []


def test_the_api_never_imports_the_entry_points():
    assert imports_between(modules_of("schema"), modules_of("hub.entry", *DEVELOPMENT)) == []


def test_clients_of_other_systems_never_import_the_api_or_the_entry_points():
    clients = modules_of("connectors") - modules_of("connectors.simulators")
    assert imports_between(clients, modules_of("schema", "hub.entry", *DEVELOPMENT)) == []


def test_signing_is_a_library_of_its_own():
    signing = modules_of("signing")
    assert imports_between(signing, modules_of(*PACKAGES) - signing) == []


def test_production_never_imports_the_development_kit_or_the_simulators():
    assert imports_between(production(), modules_of(*DEVELOPMENT)) == []


def test_no_import_cycles():
    cycles = [sorted(c) for c in _strongly_connected(modules_of(*PACKAGES)) if len(c) > 1]
    assert cycles == []


def test_every_job_and_listener_is_declared_in_its_domains_jobs_module():
    modules = {m.__name__ for m in import_from_every_domain("jobs")}
    handlers = [spec.handler or spec.calling for spec in registered_jobs() if not spec.name.startswith("tests.")]
    uses = importlib.import_module("hub.documents.uses")
    listeners = [*uses._arrival_listeners, *uses._listeners.values()]
    assert handlers and listeners
    declared_in = {f.__module__ for f in [*handlers, *listeners] if f is not None}
    assert {module for module in declared_in if not module.startswith("tests.")} == modules


def test_every_job_kind_has_its_handler():
    import_from_every_domain("jobs")
    declared = {
        value.name
        for module in (m for m in graph().modules if m.startswith("hub.") and not m.endswith("__main__"))
        for value in vars(_imported(module)).values()
        if type(value).__name__ == "JobKind"
    }
    assert declared and declared <= {spec.name for spec in registered_jobs()}


@pytest.mark.parametrize("domain", DOMAINS)
def test_a_domains_models_module_holds_its_tables(domain):
    """`models` means the same everywhere: the domain's tables, and only there (hub.entry.tables finds them)."""
    from hub.infra.db import Base

    tables = {m.class_.__module__ for m in Base.registry.mappers}
    assert {module for module in tables if module.startswith(f"hub.{domain}.")} <= {f"hub.{domain}.models"}


def _imported(module: str) -> object:
    try:
        return importlib.import_module(module)
    except ImportError:  # a module whose optional dependency is absent declares no job
        return object()


def _strongly_connected(nodes: set[str]) -> list[set[str]]:
    """Tarjan's strongly connected components of the import graph restricted to `nodes` (iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    counter = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(graph().find_modules_directly_imported_by(start) & nodes)))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    components.append(component)
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph().find_modules_directly_imported_by(child) & nodes))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return components
