"""The `hub` command: serve, worker, migrate, client, officer, cert, catalog, claims, report, audit, jobs,
export-schema; and the commands of installed plugins (the development kit's demo and simulate)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
from collections.abc import Awaitable, Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.sequencer import sequence_pending
from hub.audit.service import Backlog, ChainReport, backlog, verify_chain
from hub.catalogs.adminunits import admin_catalog
from hub.clients import officers, service
from hub.clients.permissions import ClientKind, Jurisdiction, Role
from hub.clients.tokens import TokenSigner
from hub.documents.gateway import add_account
from hub.entry import migrate as migrations
from hub.infra import heap
from hub.infra.clock import SystemClock
from hub.infra.db import Database
from hub.infra.errors import BusinessError
from hub.infra.logs import configure_logging
from hub.infra.settings import BrokerKind, Settings, SettingsError
from hub.infra.spreadsheets import Cell, RejectedRow, UnreadableFile, read_rows
from hub.jobs.failed import FailedPage, NotFailed, failed_jobs, retry_job
from hub.jobs.models import OutboxJob
from hub.jobs.outbox import job_counts
from hub.signatures.certificates import import_certificates, list_certificates, retire_certificate

T = TypeVar("T")


def load_settings() -> Settings:
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None
    configure_logging(settings.log_level)
    return settings


def with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    async def run() -> T:
        db = Database(settings.database_url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def in_transaction(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction on a migrated database; a business error becomes a clean CLI error."""
    require_migrated(settings)

    async def run(db: Database) -> T:
        async with db.transaction() as session:
            return await work(session)

    try:
        return with_database(settings, run)
    except BusinessError as exc:
        raise click.ClickException(str(exc)) from None


def require_migrated(settings: Settings) -> None:
    try:
        with_database(settings, migrations.require_current)
    except migrations.NotMigrated as exc:
        raise click.ClickException(str(exc)) from None


class HubCommands(click.Group):
    """The hub's commands, and those other installed packages add (entry points of group `hub.commands`): the
    development kit's `demo` and `simulate`. Production code never imports the development kit; the command line
    finds it when it is installed, on first use."""

    _plugins_loaded = False

    def _load_plugins(self) -> None:
        if not self._plugins_loaded:
            self._plugins_loaded = True
            for entry in entry_points(group="hub.commands"):
                self.add_command(entry.load(), entry.name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load_plugins()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugins()
        return super().list_commands(ctx)


@click.group(cls=HubCommands)
def main() -> None:
    """The BHXH benefits data-sharing hub. Configuration comes from HUB_* environment variables (see README)."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Web processes (Redis broker only).")
def serve(host: str, port: int, workers: int) -> None:
    """Run the web service (with the worker inside it when the broker is in-process)."""
    import uvicorn

    settings = load_settings()
    if workers > 1 and settings.broker_kind is BrokerKind.IN_PROCESS:
        raise click.ClickException(
            "several web processes need a shared broker: set HUB_BROKER_URL=redis://... and run `hub worker`"
        )
    require_migrated(settings)
    from hub.entry.asgi import SERVER_HTTP, SERVER_LOOP

    uvicorn.run(
        "hub.entry.asgi:create",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        loop=SERVER_LOOP,
        http=SERVER_HTTP,
    )


@main.command()
@click.option("--threads", type=int, default=None, help="Worker threads (default HUB_WORKER_THREADS).")
@click.option("--import", "imports", multiple=True, help="Extra module declaring jobs (repeatable).")
@click.option("--metrics-port", type=int, default=None, help="Serve this worker's /metrics on this port.")
def worker(threads: int | None, imports: tuple[str, ...], metrics_port: int | None) -> None:
    """Run jobs from Redis, and the outbox relay and sweeper, until SIGTERM."""
    from hub.entry.worker import WorkerService
    from hub.infra.metrics import Metrics

    settings = load_settings()
    if settings.broker_kind is not BrokerKind.REDIS:
        raise click.ClickException(
            "`hub worker` needs HUB_BROKER_URL=redis://...; with the in-process broker the worker runs inside "
            "`hub serve`"
        )
    require_migrated(settings)
    metrics = Metrics()
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, registry=metrics.registry)
    service = WorkerService(settings, SystemClock(), metrics=metrics, extra_job_modules=imports, threads=threads)
    heap.settle(admin_catalog)
    service.run_forever()


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema to this version."""
    settings = load_settings()

    async def run(db: Database) -> migrations.MigrationStatus:
        await migrations.upgrade(db)
        return await migrations.status(db)

    state = with_database(settings, run)
    click.echo(f"database migrated: {', '.join(sorted(state.current))} ({settings.database_backend.value})")


@main.command("export-schema")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def export_schema(output: Path | None) -> None:
    """Print the GraphQL schema (SDL), or write it to --output."""
    from schema import build_schema

    sdl = build_schema().as_str() + "\n"
    if output is None:
        click.echo(sdl, nl=False)
    else:
        output.write_text(sdl, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


@main.group()
def client() -> None:
    """Register clients and manage their tokens."""


@client.command("create")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice([k.value for k in ClientKind]))
@click.option("--jurisdiction", required=True, help="national, province:NN, commune:NNNNN or facility:XXXXX")
@click.option("--role", "roles", multiple=True, help="Grant only these roles (default: the kind's roles).")
@click.option("--ttl-days", type=int, default=None, help="Token lifetime (default HUB_TOKEN_TTL_DAYS).")
def client_create(name: str, kind: str, jurisdiction: str, roles: tuple[str, ...], ttl_days: int | None) -> None:
    """Register client NAME and print its bearer token (shown once)."""
    settings = load_settings()
    try:
        parsed = Jurisdiction.parse(jurisdiction)
        granted = frozenset(Role(r) for r in roles) if roles else None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    ttl = dt.timedelta(days=ttl_days or settings.token_ttl_days)

    signer = TokenSigner(settings.token_secret)
    issued = in_transaction(
        settings,
        lambda session: service.create_client(
            session,
            signer,
            now=SystemClock().now(),
            actor=None,
            name=name,
            kind=ClientKind(kind),
            jurisdiction=parsed,
            roles=granted,
            ttl=ttl,
        ),
    )
    click.echo(
        f"client {issued.client.name} ({issued.client.kind}, {parsed}) roles {', '.join(issued.client.roles)}; "
        f"token expires {issued.expires_at:%Y-%m-%d %H:%M} UTC",
        err=True,
    )
    click.echo(issued.token)


@client.command("token")
@click.argument("name")
@click.option("--ttl-days", type=int, default=None)
def client_token(name: str, ttl_days: int | None) -> None:
    """Issue a new token for client NAME; its earlier tokens stop working."""
    settings = load_settings()
    ttl = dt.timedelta(days=ttl_days or settings.token_ttl_days)
    signer = TokenSigner(settings.token_secret)
    issued = in_transaction(
        settings,
        lambda session: service.reissue_token(session, signer, now=SystemClock().now(), actor=None, name=name, ttl=ttl),
    )
    click.echo(issued.token)


@client.command("revoke")
@click.argument("name")
def client_revoke(name: str) -> None:
    """Revoke client NAME: all its tokens stop working."""
    in_transaction(
        load_settings(), lambda session: service.revoke_client(session, now=SystemClock().now(), actor=None, name=name)
    )
    click.echo(f"client {name} revoked")


@client.command("gateway-account")
@click.argument("name")
@click.option("--username", required=True, help="The username the hospital's software sends to api/token/take.")
@click.password_option(
    "--password", envvar="HUB_GATEWAY_PASSWORD", help="What the software sends as password (prompted if not given)."
)
def client_gateway_account(name: str, username: str, password: str) -> None:
    """Let hospital client NAME log in on the gateway-compatible endpoints (only an argon2 hash is kept)."""
    in_transaction(
        load_settings(),
        lambda session: add_account(
            session, now=SystemClock().now(), actor=None, client_name=name, username=username, password=password
        ),
    )
    click.echo(f"gateway account {username} added for {name}")


@main.group()
def officer() -> None:
    """People who sign in to the console, each bound to a client's roles and jurisdiction."""


@officer.command("create")
@click.argument("username")
@click.option("--client", "client_name", required=True, help="The client whose roles and jurisdiction they act with.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def officer_create(username: str, client_name: str, password_stdin: bool) -> None:
    """Add officer USERNAME (the password is asked for, or read with --password-stdin; only its argon2 hash is kept)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    in_transaction(
        load_settings(),
        lambda session: officers.create_officer(
            session, now=SystemClock().now(), username=username, client_name=client_name, password=password
        ),
    )
    click.echo(f"officer {username.strip().lower()} added, acting as client {client_name}")


@officer.command("list")
def officer_list() -> None:
    """Every officer: username, client, jurisdiction, whether locked, last sign-in."""
    for person, bound in in_transaction(load_settings(), officers.list_officers):
        state = "locked" if person.locked_at else "active"
        last = person.last_sign_in_at.isoformat(timespec="seconds") if person.last_sign_in_at else "-"
        click.echo(f"{person.username}\t{bound.name}\t{bound.jurisdiction}\t{state}\t{last}")


@officer.command("unlock")
@click.argument("username")
def officer_unlock(username: str) -> None:
    """Unlock USERNAME after too many wrong passwords."""
    in_transaction(
        load_settings(), lambda session: officers.unlock_officer(session, now=SystemClock().now(), username=username)
    )
    click.echo(f"officer {username.strip().lower()} unlocked")


@main.group()
def cert() -> None:
    """The certificates the hub trusts for facilities, registry offices and the population database."""


@cert.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--party", required=True, help="facility:XXXXX, civil-registry:CODE or population-database")
def cert_import(path: Path, party: str) -> None:
    """Trust the certificates in PATH (PEM, one or more, or DER) for PARTY."""
    rows = in_transaction(
        load_settings(),
        lambda session: import_certificates(
            session, now=SystemClock().now(), actor=None, party=party, data=path.read_bytes()
        ),
    )
    for row in rows:
        click.echo(
            f"{row.party}  {row.fingerprint}  {row.subject}  valid {row.not_before:%Y-%m-%d} → {row.not_after:%Y-%m-%d}"
        )


@cert.command("list")
@click.option("--party", default=None)
@click.option("--all", "include_retired", is_flag=True, help="Include retired certificates.")
def cert_list(party: str | None, include_retired: bool) -> None:
    """List trusted certificates."""
    rows = in_transaction(
        load_settings(),
        lambda session: list_certificates(session, None, party=party, include_retired=include_retired),
    )
    for row in rows:
        retired = f"  retired {row.retired_at:%Y-%m-%d}: {row.retired_reason}" if row.retired_at else ""
        click.echo(
            f"{row.party}  {row.fingerprint}  valid {row.not_before:%Y-%m-%d} → {row.not_after:%Y-%m-%d}{retired}"
        )


@cert.command("retire")
@click.argument("fingerprint")
@click.option("--reason", required=True)
def cert_retire(fingerprint: str, reason: str) -> None:
    """Stop trusting the certificate with FINGERPRINT (SHA-256, hex) for new signatures."""
    row = in_transaction(
        load_settings(),
        lambda session: retire_certificate(
            session, now=SystemClock().now(), actor=None, fingerprint=fingerprint, reason=reason
        ),
    )
    click.echo(f"{row.party}  {row.fingerprint} retired")


@main.group()
def catalog() -> None:
    """National catalogs: administrative units, health-care facilities."""


@catalog.command("units")
def catalog_units() -> None:
    """Show what the installed administrative-unit data holds."""
    from hub.catalogs.adminunits import Era, UnitLevel, admin_catalog

    units = admin_catalog()
    for era in Era:
        counts = ", ".join(f"{len(units.units(level, era))} {level.value}s" for level in UnitLevel)
        click.echo(f"{era.value:8} {counts}")


@catalog.command("import-facilities")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Write rejected rows to this CSV.")
def catalog_import_facilities(path: Path, report: Path | None) -> None:
    """Import a facility list (CSV or XLSX): store the good rows, report each rejected row and why."""
    from hub.catalogs.facility_import import column_map, import_facilities

    settings = load_settings()
    columns, data = read_list(path, column_map)
    with click.progressbar(length=len(data), label=f"importing {path.name}", file=sys.stderr) as bar:
        result = in_transaction(
            settings,
            lambda session: import_facilities(
                session, iter(data), columns, now=SystemClock().now(), actor=None, progress=bar.update
            ),
        )
    click.echo(
        f"{result.created} added, {result.updated} updated, {result.unchanged} unchanged, "
        f"{len(result.rejected)} rejected"
    )
    report_rejections(result.rejected, report)


def read_list(path: Path, column_map: Callable[[list[str]], dict[str, int]]) -> tuple[dict[str, int], list[list[Cell]]]:
    """An imported list's columns (found by `column_map` in its header) and its data rows; a ClickException saying
    why when the file cannot be read or lacks a required column."""
    try:
        header, rows = read_rows(path)
        return column_map(header), list(rows)
    except UnreadableFile as exc:
        raise click.ClickException(str(exc)) from None


def report_rejections(rejected: list[RejectedRow], report: Path | None) -> None:
    """List each rejected row's reasons, write them to `report` when asked, and exit 2 if there were any."""
    for row in rejected:
        for error in row.errors:
            click.echo(f"  row {row.row} ({row.code or '?'}): {error.code} {error.message}", err=True)
    if report is not None:
        write_rejections(report, rejected)
        click.echo(f"rejected rows written to {report}", err=True)
    if rejected:
        sys.exit(2)


def write_rejections(path: Path, rejected: list[RejectedRow]) -> None:
    import csv

    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["row", "code", "error", "field", "message", "message_vi"])
        for row in rejected:
            for error in row.errors:
                writer.writerow([row.row, row.code, error.code, error.field or "", error.message, error.message_vi])


@main.group()
def claims() -> None:
    """Benefit claims and the insured people's contributions they are computed from."""


@claims.command("import-contributions")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Write rejected rows to this CSV.")
def claims_import_contributions(path: Path, report: Path | None) -> None:
    """Import contributions (CSV or XLSX, one row per contribution period of one person; see README): store the
    good rows, a thousand people per transaction, and report each rejected row and why."""
    from hub.contributions.file_import import column_map, import_contributions

    settings = load_settings()
    columns, data = read_list(path, column_map)
    require_migrated(settings)
    with click.progressbar(length=len(data), label=f"importing {path.name}", file=sys.stderr) as bar:
        result = with_database(
            settings,
            lambda db: import_contributions(
                db, data, columns, now=SystemClock().now(), actor=None, progress=bar.update
            ),
        )
    click.echo(
        f"{result.rows_stored} rows stored: {result.people_created} people added, {result.people_found} found; "
        f"{result.months_added} months added, {result.months_replaced} replaced, {result.months_unchanged} "
        f"unchanged; {result.employers_added} employers added, {result.employers_updated} updated; "
        f"{len(result.rejected)} rows rejected"
    )
    report_rejections(result.rejected, report)


@main.command("report")
@click.option("--from", "first_day", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--to", "last_day", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day, included.")
@click.option("--province", default=None, help="Only this province (2-digit code).")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The .xlsx to write.")
def report(first_day: dt.datetime, last_day: dt.datetime, province: str | None, output: Path) -> None:
    """The child-card timeliness and backlog report (Phụ lục 1) as an Excel workbook."""
    from hub.childcards.report import report_workbook, timeliness_report

    settings = load_settings()
    require_migrated(settings)

    async def run(db: Database) -> bytes:
        async with db.sessions() as session:
            found = await timeliness_report(
                session,
                now=SystemClock().now(),
                actor=None,
                first_day=first_day.date(),
                last_day=last_day.date(),
                province_code=province,
            )
        return report_workbook(found)

    output.write_bytes(with_database(settings, run))
    click.echo(f"wrote {output}")


@main.group()
def audit() -> None:
    """The audit log."""


@audit.command("verify")
@click.option(
    "--no-sequence",
    is_flag=True,
    help="Only check what is already chained; do not sequence the entries waiting for the sequencer first.",
)
@click.option(
    "--checkpoint",
    metavar="SEQ:HASH",
    help="A head an earlier check printed, kept outside the database: it must still be on the chain.",
)
def audit_verify(no_sequence: bool, checkpoint: str | None) -> None:
    """Sequence the entries waiting for the sequencer, then check the whole hash chain; exit 1 and name the first
    broken link if it does not hold. Prints the head to keep as a checkpoint."""
    expected: tuple[int, str] | None = None
    if checkpoint:
        seq, _, digest = checkpoint.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise click.BadParameter("SEQ:HASH, as `hub audit verify` prints the head", param_hint="--checkpoint")
        expected = (int(seq), digest.lower())
    settings = load_settings()
    require_migrated(settings)
    now = SystemClock().now()

    async def run(db: Database) -> tuple[Backlog, int, ChainReport]:
        async with db.sessions() as session:
            waiting = await backlog(session)
        sequenced = 0 if no_sequence else await sequence_pending(db)
        async with db.sessions() as session:
            return waiting, sequenced, await verify_chain(session, checkpoint=expected)

    waiting, sequenced, report = with_database(settings, run)
    click.echo(
        f"waiting for the sequencer: {waiting.entries} entries, the oldest for {waiting.age_seconds(now):.1f}s"
        + ("" if no_sequence else f"; sequenced now: {sequenced}")
    )
    if report.pending.entries:
        click.echo(f"not checked, still waiting for the sequencer: {report.pending.entries} entries")
    if report.ok:
        click.echo(f"audit chain intact: {report.entries_checked} entries verified")
        click.echo(f"head (keep it elsewhere; --checkpoint): {report.entries_checked}:{report.head_hash}")
        return
    click.echo(
        f"audit chain BROKEN at entry {report.broken_at_seq}: {report.reason} "
        f"({report.entries_checked} entries before it verified)",
        err=True,
    )
    sys.exit(1)


@main.group()
def jobs() -> None:
    """Background jobs: how many in each state, those that failed for good, and retrying one."""


@jobs.command("list")
@click.option("--failed", is_flag=True, help="List the jobs that failed for good, newest first, with their error.")
@click.option("--limit", default=50, show_default=True, type=int, help="At most this many failed jobs.")
def jobs_list(failed: bool, limit: int) -> None:
    """Without --failed: how many jobs of each kind are in each state."""
    settings = load_settings()
    require_migrated(settings)
    if not failed:
        for kind, state, count in with_database(settings, job_counts):
            click.echo(f"{kind}\t{state}\t{count}")
        return

    async def run(db: Database) -> FailedPage:
        async with db.sessions() as session:
            return await failed_jobs(session, actor=None, first=limit)

    page = with_database(settings, run)
    for job in page.jobs:
        error = (job.last_error or "").strip().splitlines()
        finished = job.finished_at.isoformat(timespec="seconds") if job.finished_at else "-"
        click.echo(f"{job.id}\t{job.kind}\t{job.attempts} attempt(s)\t{finished}\t{error[0][:160] if error else ''}")
    if page.has_next:
        click.echo(f"(more than {limit}: use --limit)", err=True)
    if not page.jobs:
        click.echo("no failed jobs", err=True)


@jobs.command("retry")
@click.argument("job_id", type=int)
def jobs_retry(job_id: int) -> None:
    """Put failed job JOB_ID back to pending with its attempts reset (recorded in the audit log)."""

    async def run(session: AsyncSession) -> OutboxJob:
        try:
            return await retry_job(session, job_id, now=SystemClock().now(), actor=None)
        except NotFailed as exc:
            raise click.ClickException(str(exc)) from None

    job = in_transaction(load_settings(), run)
    click.echo(f"job {job.id} ({job.kind}) is pending again; the relay sends it on its next pass")
