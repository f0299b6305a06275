"""The `hub` command on the embedded default (SQLite, in-process broker)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.entry.cli import main
from hub.entry.migrate import head_revisions
from hub.infra.db import Database
from signing.devpki import certificates_pem, generate_identity
from signing.parties import POPULATION_DATABASE
from tests.integration.test_failed_jobs import given_failed

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
    monkeypatch.delenv("HUB_BROKER_URL", raising=False)
    monkeypatch.setenv("HUB_ENV", "dev")
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_commands_refuse_an_unmigrated_database(run):
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert "Run `hub migrate`" in result.output


def test_migrate_create_client_and_verify(run):
    (head,) = head_revisions()
    assert f"database migrated: {head} (sqlite)" in run("migrate").output
    created = run("client", "create", "ubnd-hai-chau", "--kind", "civil_registry", "--jurisdiction", "commune:20242")
    assert created.exit_code == 0
    assert created.stdout.strip().count(".") == 2  # a JWT on stdout, the summary on stderr
    assert "civil_registry, commune:20242" in created.stderr
    duplicate = run("client", "create", "ubnd-hai-chau", "--kind", "civil_registry", "--jurisdiction", "commune:20242")
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    bad = run("client", "create", "bv", "--kind", "hospital", "--jurisdiction", "province:48")
    assert bad.exit_code == 1 and "cannot have a province jurisdiction" in bad.output
    assert run("client", "token", "ubnd-hai-chau").exit_code == 0
    assert run("client", "revoke", "ubnd-hai-chau").exit_code == 0
    verified = run("audit", "verify")
    assert verified.exit_code == 0
    assert "waiting for the sequencer: 3 entries" in verified.output and "sequenced now: 3" in verified.output
    assert "audit chain intact: 3 entries verified" in verified.output
    head = verified.output.rsplit(" ", 1)[-1].strip()
    assert head.startswith("3:") and len(head) == 66
    # The head printed is a checkpoint a later check holds the chain to
    assert run("client", "create", "bv-48001", "--kind", "hospital", "--jurisdiction", "facility:48001").exit_code == 0
    later = run("audit", "verify", "--checkpoint", head)
    assert later.exit_code == 0 and "audit chain intact: 4 entries verified" in later.output
    rewritten = run("audit", "verify", "--checkpoint", "3:" + "0" * 64)
    assert rewritten.exit_code == 1 and "BROKEN at entry 3: its hash differs from the checkpoint" in rewritten.output
    beyond = run("audit", "verify", "--checkpoint", head.replace("3:", "9:"))
    assert beyond.exit_code == 1 and "the checkpoint's entry 9 is not on the chain" in beyond.output


def test_audit_verify_detects_tampering(run, tmp_path):
    run("migrate")
    for name in ("a", "b", "c"):
        run("client", "create", name, "--kind", "operator", "--jurisdiction", "national")
    with sqlite3.connect(tmp_path / "hub.db") as connection:
        connection.execute("DROP TRIGGER audit_log_no_update")
        connection.execute("UPDATE audit_log SET client_name = 'someone else' WHERE id = 2")
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert "audit chain BROKEN at entry 2" in result.output


def test_export_schema_matches_the_committed_file(run, tmp_path):
    out = tmp_path / "schema.graphql"
    assert run("export-schema", "--output", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8") == (ROOT / "schema.graphql").read_text(encoding="utf-8")


def test_bad_configuration_is_reported(run, monkeypatch):
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql://localhost/hub")
    result = run("migrate")
    assert result.exit_code == 1
    assert "configuration error: HUB_DATABASE_URL" in result.output and "postgresql+asyncpg://" in result.output


def test_officers_are_created_listed_and_unlocked(run):
    run("migrate")
    run("client", "create", "xu-ly-48", "--kind", "claim_processor", "--jurisdiction", "province:48")
    invoke = CliRunner().invoke
    created = invoke(
        main, ["officer", "create", "Lan.Nguyen", "--client", "xu-ly-48", "--password-stdin"], "mật khẩu dài\n"
    )
    assert created.exit_code == 0 and "officer lan.nguyen added, acting as client xu-ly-48" in created.output
    short = invoke(main, ["officer", "create", "minh", "--client", "xu-ly-48", "--password-stdin"], "ngắn\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    unknown = invoke(main, ["officer", "create", "minh", "--client", "nobody", "--password-stdin"], "mật khẩu dài\n")
    assert unknown.exit_code == 1 and "No client named 'nobody'" in unknown.output
    assert "lan.nguyen\txu-ly-48\tprovince:48\tactive\t-" in run("officer", "list").output
    assert run("officer", "unlock", "lan.nguyen").output.strip() == "officer lan.nguyen unlocked"
    assert run("officer", "unlock", "nobody").exit_code == 1


def test_worker_needs_redis(run):
    result = run("worker")
    assert result.exit_code == 1 and "needs HUB_BROKER_URL=redis://" in result.output


def test_demo_runs_end_to_end(run):
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert "as nobody: HTTP 401" in result.output
    assert '"code": "FORBIDDEN"' in result.output
    assert "audit chain intact" in result.output
    assert "http://127.0.0.1:8000/console/" in result.output and "xuly.danang" in result.output
    assert "143 added, 0 updated, 0 unchanged, 2 rejected" in result.output
    assert '"in2024": {"name": "Phường Phước Ninh"}, "in2026": {"name": "Phường Hải Châu"}' in result.output
    assert '"canTakeWork": false, "problems": [{"code": "UNIT_LOCATION_MISSING"' in result.output
    assert '"state": "CARD_CHANGED", "version": 2' in result.output
    assert "card_revoked" in result.output and "rejected reasons ['FACILITY_NOT_FOR_CHILDREN']" in result.output
    # The second child born in August 2026: 7 months of leave, citing the Population Law
    assert "Sinh con thứ hai từ 01/7/2026" in result.output and "Luật Dân số 113/2025/QH15" in result.output
    assert "Cơ sở dữ liệu quốc gia về dân cư: mẹ có 1 con còn sống trước lần sinh này" in result.output
    again = run("demo")  # a second run on the same database reuses what the first seeded
    assert again.exit_code == 0, again.output


def test_report_writes_a_workbook(run, tmp_path):
    from openpyxl import load_workbook

    run("migrate")
    out = tmp_path / "phu-luc-1.xlsx"
    result = run("report", "--from", "2026-11-01", "--to", "2026-11-30", "--output", str(out))
    assert result.exit_code == 0 and f"wrote {out}" in result.output
    sheet = load_workbook(out).worksheets[0]
    assert sheet["A1"].value.startswith("Báo cáo liên thông đăng ký khai sinh")
    assert [c.value for c in sheet[4]] == [
        "Level",
        "Code",
        "Name",
        "Received",
        "Cards issued",
        "Rejected",
        "Cancelled",
        "Waiting",
        "Overdue",
    ]


def test_certificates_and_gateway_accounts_from_the_command_line(run, tmp_path):
    run("migrate")
    now = dt.datetime.now(dt.UTC)
    identity = generate_identity(POPULATION_DATABASE, not_before=now, not_after=now + dt.timedelta(days=30))
    pem = tmp_path / "population.pem"
    pem.write_bytes(certificates_pem(identity))
    imported = run("cert", "import", str(pem), "--party", POPULATION_DATABASE)
    assert imported.exit_code == 0 and imported.output.startswith("population-database  ")
    fingerprint = imported.output.split()[1]
    assert fingerprint in run("cert", "list").output
    unknown = run("cert", "import", str(pem), "--party", "facility:99999")
    assert unknown.exit_code == 1 and "No health facility has the code '99999'" in unknown.output
    assert run("cert", "retire", fingerprint, "--reason", "key replaced").exit_code == 0
    assert fingerprint not in run("cert", "list").output
    assert "key replaced" in run("cert", "list", "--all").output
    run("client", "create", "bv-48001", "--kind", "hospital", "--jurisdiction", "facility:48001")
    added = run("client", "gateway-account", "bv-48001", "--username", "48001_BV", "--password", "e10adc3949ba59ab")
    assert added.exit_code == 0 and "gateway account 48001_BV added" in added.output
    with sqlite3.connect(tmp_path / "hub.db") as connection:
        (stored,) = connection.execute("SELECT password_hash FROM gateway_accounts").fetchone()
    assert stored.startswith("$argon2id$") and "e10adc3949ba59ab" not in stored


def test_jobs_failed_are_listed_and_retried(run, tmp_path, clock):
    run("migrate")

    async def failed_twice() -> list[int]:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
        try:
            return [await given_failed(db, clock), await given_failed(db, clock)]
        finally:
            await db.dispose()

    first, second = asyncio.run(failed_twice())
    listed = run("jobs", "list", "--failed")
    assert listed.exit_code == 0
    lines = [line.split("\t") for line in listed.stdout.splitlines()]
    assert [(int(line[0]), line[2], line[4]) for line in lines] == [
        (second, "10 attempt(s)", "PermanentJobError: refused"),
        (first, "10 attempt(s)", "PermanentJobError: refused"),
    ]
    page = run("jobs", "list", "--failed", "--limit", "1")
    assert len(page.stdout.splitlines()) == 1 and "(more than 1: use --limit)" in page.stderr
    retried = run("jobs", "retry", str(first))
    assert retried.exit_code == 0 and f"job {first} (" in retried.stdout and "pending again" in retried.stdout
    with sqlite3.connect(tmp_path / "hub.db") as connection:
        states = dict(connection.execute("SELECT id, state FROM outbox_jobs").fetchall())
    assert states == {first: "pending", second: "failed"}
    again = run("jobs", "retry", str(first))
    assert again.exit_code == 1 and f"job {first} is not a failed job" in again.output
    assert run("jobs", "retry", "999").exit_code == 1
    assert [int(line.split("\t")[0]) for line in run("jobs", "list", "--failed").stdout.splitlines()] == [second]
    counts = run("jobs", "list")  # without --failed: each kind's jobs by state
    assert counts.exit_code == 0 and "\tpending\t1" in counts.stdout and "\tfailed\t1" in counts.stdout
    with sqlite3.connect(tmp_path / "hub.db") as connection:
        retries = connection.execute("SELECT details FROM audit_log WHERE operation = 'jobs.retry'").fetchall()
    assert [json.loads(details)["job"] for (details,) in retries] == [first]  # the retry is audited
    assert "audit chain intact" in run("audit", "verify").output
