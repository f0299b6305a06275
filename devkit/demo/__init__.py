"""`hub demo`: seed demo data, then drive the running service over HTTP and show what it does, step by step."""

from __future__ import annotations

import dataclasses
from contextlib import ExitStack

import httpx

from connectors.simulators.civil_registry import create_civil_registry_simulator
from connectors.simulators.population import PopulationRegister, create_population_simulator
from connectors.simulators.serve import running
from devkit.demo.benefits import benefits_tour, seed_benefits
from devkit.demo.catalogs import catalog_tour, seed_catalogs
from devkit.demo.childcards import childcard_tour, seed_childcards
from devkit.demo.foundation import console_sign_ins, foundation_tour, seed_clients, seed_officers, seed_people
from devkit.demo.tour import Echo, Tour
from hub.audit.sequencer import sequence_pending
from hub.audit.service import verify_chain
from hub.entry import migrate
from hub.entry.app import create_app
from hub.infra.clock import SystemClock
from hub.infra.db import Database
from hub.infra.settings import Settings


async def run_demo(settings: Settings, *, echo: Echo) -> None:
    clock = SystemClock()
    register = PopulationRegister()
    db = Database(settings.database_url)
    try:
        echo(f"== hub demo on {settings.database_backend.value} with the {settings.broker_kind.value} broker")
        await migrate.upgrade(db)
        echo("migrated the database to the latest revision")
        tokens = await seed_clients(db, settings.token_secret, clock, echo)
        await seed_officers(db, clock, echo)
        people = await seed_people(db, clock, echo)
        await seed_catalogs(db, clock, echo)
        await seed_childcards(db, clock, register, echo)
        hospital_identity = await seed_benefits(db, clock, echo)
    finally:
        await db.dispose()

    with ExitStack() as outside:
        # The population database and the registry's software: simulated over loopback unless configured.
        connectors = settings.connectors
        if not connectors.population_url:
            population = outside.enter_context(running(create_population_simulator(register=register)))
            connectors = dataclasses.replace(connectors, population_url=population)
        if not connectors.civil_registry_url:
            registry = outside.enter_context(running(create_civil_registry_simulator()))
            connectors = dataclasses.replace(connectors, civil_registry_url=registry)
        app = create_app(dataclasses.replace(settings, connectors=connectors), clock=clock)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as http,
        ):
            tour = Tour(http, tokens, echo)
            echo("\n== foundation: authentication, jurisdiction, audit")
            await foundation_tour(tour, people)
            echo("\n== catalogs: units old and new, facilities, BHXH units, ID numbers")
            await catalog_tour(tour)
            echo("\n== child cards: birth registrations to cards, and back to the registry")
            await childcard_tour(tour, connectors.civil_registry_url, clock)
            echo("\n== signed documents and benefits: evidence opens claims, computed under the law of the day")
            await benefits_tour(tour, hospital_identity)
            await tour.health()

    db = Database(settings.database_url)
    try:
        await sequence_pending(db)  # the entries the demo wrote are chained first, as `hub audit verify` does
        async with db.sessions() as session:
            report = await verify_chain(session)
    finally:
        await db.dispose()
    if not report.ok:
        raise RuntimeError(f"audit chain broken at entry {report.broken_at_seq}: {report.reason}")
    echo(f"\n== audit chain intact: {report.entries_checked} entries verified (hub audit verify)")
    console_sign_ins(echo)
