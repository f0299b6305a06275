"""The development kit's commands, added to `hub` through the `hub.commands` entry points (pyproject.toml):
`hub simulate SYSTEM` runs an external system's simulator, `hub demo` the flows end to end."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from hub.entry.cli import load_settings


@click.command()
@click.argument("system", type=click.Choice(["population", "civil-registry", "civil-status", "contributions"]))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8100, show_default=True, type=int)
@click.option("--failure-rate", default=0.0, show_default=True, type=float, help="Share of calls answered 503.")
@click.option("--latency-ms", default=0, show_default=True, type=int)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "--people", default=0, show_default=True, type=int, help="Population, contributions: load a synthetic population."
)
@click.option("--token", default=None, help="Require this bearer token on the API calls.")
@click.option(
    "--identity-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Population and civil-status: keep the signing identities here, to sign with the same ones after a restart.",
)
@click.option(
    "--hub-certificate",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Require the signature of this certificate's holder (the hub's, PEM or DER) on the API calls.",
)
def simulate(
    system: str,
    host: str,
    port: int,
    failure_rate: float,
    latency_ms: int,
    seed: int,
    people: int,
    token: str | None,
    identity_dir: Path | None,
    hub_certificate: Path | None,
) -> None:
    """Run the simulator of an external system (for the demo, tests and benchmarks), until SIGTERM.

    The population database answers the newborn check and the signed identity and relationship checks; the
    civil-status software serves signed birth and death extracts; the civil registry receives case outcomes; BHXH's
    contribution system answers who paid what for whom (with --people, the synthetic population's histories).
    """
    from connectors.simulators.civil_registry import create_civil_registry_simulator
    from connectors.simulators.civil_status import create_civil_status_simulator
    from connectors.simulators.contributions import ContributionRegister, create_contributions_simulator
    from connectors.simulators.population_evidence import KinshipRegister, create_population_evidence_simulator
    from connectors.simulators.serve import serve
    from signing.errors import TrustStoreError
    from signing.trust import load_certificates

    guard: dict[str, Any] = {"failure_rate": failure_rate, "latency_ms": latency_ms, "seed": seed, "token": token}
    if hub_certificate is not None:
        try:
            guard["hub_certificate"] = load_certificates(hub_certificate.read_bytes())[0]
        except TrustStoreError as exc:
            raise click.BadParameter(str(exc), param_hint="--hub-certificate") from None
    if system == "civil-registry":
        app = create_civil_registry_simulator(**guard)
    elif system == "civil-status":
        app = create_civil_status_simulator(identity_dir=identity_dir, **guard)
    elif system == "contributions":
        records = ContributionRegister()
        if people:
            from devkit.synthetic import PopulationGenerator

            loaded = records.add_families(PopulationGenerator(seed).families(people))
            click.echo(f"loaded the contributions of {loaded} synthetic people", err=True)
        app = create_contributions_simulator(register=records, **guard)
    else:
        register = KinshipRegister()
        if people:
            from devkit.synthetic import PopulationGenerator

            loaded = register.add_families(PopulationGenerator(seed).families(people))
            click.echo(f"loaded {loaded} synthetic people", err=True)
        app = create_population_evidence_simulator(register=register, identity_dir=identity_dir, **guard)
    serve(app, host, port)


@click.command()
def demo() -> None:
    """Seed demo data and run the hub's flows end to end on the configured (default: embedded) backend."""
    from devkit.demo import run_demo

    settings = load_settings()
    asyncio.run(run_demo(settings, echo=click.echo))
