"""Smoke test of the benchmarks: each runs as `python -m bench.NAME --quick`, made smaller still (a few hundred
records, one round), on its own database (hub_bench_smoke) and Redis database (13; bench.big_envelope on its
own, hub_bench_big and 8), and must end with exit code 0
and a last JSON line holding its figures. The figures of so small a run mean nothing; that the benchmark runs end to
end (deployment, load, measures, clean-up) is what is tested.

PostgreSQL and Redis are looked for at HUB_TEST_POSTGRES_URL / HUB_TEST_REDIS_URL (defaults: the local services);
when they are unreachable the benchmarks that need them are skipped, except under CI (`CI` set), where that is a
failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import pytest

from tests.conftest import POSTGRES_URL, REDIS_URL, require_services

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "hub_bench_smoke"
REDIS_DB = 13
TIMEOUT_S = 240.0


def postgres_server() -> str:
    """The test server as the benchmarks name it: postgresql://user@host:port, without a database."""
    parsed = urlparse(POSTGRES_URL.replace("+asyncpg", ""))
    return urlunparse(parsed._replace(path="", params="", query="", fragment=""))


def redis_database(db: int = REDIS_DB) -> str:
    return urlunparse(urlparse(REDIS_URL)._replace(path=f"/{db}"))


@dataclass(frozen=True)
class Bench:
    name: str
    args: Sequence[str]
    services: bool  # needs PostgreSQL and Redis
    check: Callable[[dict[str, Any]], None]


def positive(*keys: str) -> Callable[[dict[str, Any]], None]:
    def check(figures: dict[str, Any]) -> None:
        for key in keys:
            assert isinstance(figures[key], int | float) and figures[key] > 0, (key, figures[key])

    return check


# The resident memory of the web processes and the job workers (bench.memory): the highest, and what they kept.
WEB_MEMORY = ("web_peak_rss_mb", "web_settled_rss_mb")
WORKER_MEMORY = ("worker_peak_rss_mb", "worker_settled_rss_mb")


def childcards(figures: dict[str, Any]) -> None:
    positive("cards_per_s", "cards_issued", "records", "p50_ms", "p95_ms", "cpu_ms_per_registration")(figures)
    positive(*WEB_MEMORY, *WORKER_MEMORY)(figures)
    assert figures["cards_issued"] == figures["cards_expected"]
    assert figures["latency_missing"] == 0 and figures["rejected"] == 0
    assert figures["quick"] is True


def documents(figures: dict[str, Any]) -> None:
    positive("documents_per_s", "envelopes_per_s", "bare_verify_per_s", "hub_verify_per_s", "p95_ms")(figures)
    positive("envelopes", "web_cpu_ms_per_envelope", "postgres_cpu_ms_per_envelope", "pipeline_per_s")(figures)
    assert 0 < figures["ratio_to_bare"] < 10
    assert 0 < figures["ratio_to_pipeline"] < 10 and 0 < figures["cpu_ratio_to_pipeline"] < 10
    positive(*WEB_MEMORY)(figures)
    assert not set(WORKER_MEMORY) & set(figures)  # no job workers
    assert figures["quick"] is True


def claims(figures: dict[str, Any]) -> None:
    positive("claims_per_s", "claims_filed", "claims_eligible", "claims_stored", "queue_p50_ms", "queue_p99_ms")(
        figures
    )
    assert figures["queue_p50_ms"] <= figures["queue_p99_ms"]
    assert figures["cpu_ms_per_claim"]["web (hub serve)"] > 0
    positive(*WEB_MEMORY, *WORKER_MEMORY)(figures)
    assert figures["quick"] is True


def console(figures: dict[str, Any]) -> None:
    positive("pages_p50_ms", "pages_p99_ms", "worklist_p99_ms", "page_loads", "province_claims")(figures)
    assert figures["pages_p50_ms"] <= figures["pages_p99_ms"]
    assert figures["quick"] is True


def big_envelope(figures: dict[str, Any]) -> None:
    positive("envelope_mb", "envelopes_per_s", "mb_per_s", "peak_rss_mb")(figures)
    assert set(figures["levels"]) == {"1", "2"}
    assert figures["copies"]["held_at_storage_envelopes"] > 0
    positive("after_peak_rss_mb")(figures)
    assert all(level["after_peak_rss_mb"] > 0 for level in figures["levels"].values())
    assert list(figures)[-1] == "rss_envelopes_per_upload_in_flight"  # the ratio, last
    assert figures["quick"] is True


def audit(figures: dict[str, Any]) -> None:
    positive("tx_per_s", "mean_ms", "p99_ms")(figures["old"])
    positive("tx_per_s", "mean_ms", "p99_ms")(figures["new"])
    positive("sequencer_entries_per_s", "entries_verified", "tx_ratio_new_to_old")(figures)
    assert figures["new"]["lock_waiting_sessions"] >= 0 and figures["new"]["max_lag_s"] >= 0
    assert figures["quick"] is True


def portal(figures: dict[str, Any]) -> None:
    positive("req_per_s", "p50_ms", "p99_ms", "requests")(figures["hub"])
    positive("req_per_s", "p50_ms", "p99_ms", "requests")(figures["bare"])
    positive("ratio_hub_to_bare", "cpu_ratio_bare_to_hub", "audited_reads")(figures)
    assert figures["audited_reads"] >= figures["hub"]["requests"]
    assert figures["quick"] is True


def graphql_validation(figures: dict[str, Any]) -> None:
    positive("worst_validation_ms", "nested_8x8_ms", "nested_8x8_tokens")(figures)
    assert figures["worst_document"] == "nested_8x8"


def synthetic(figures: dict[str, Any]) -> None:
    positive("people", "people_per_s", "rss_mb", "families", "facilities")(figures)
    assert figures["people"] >= 5_000


SERVICES = ["--postgres", postgres_server(), "--database", DATABASE, "--redis", redis_database()]
# bench.big_envelope on its own database and Redis database, as it runs by default.
BIG_SERVICES = ["--postgres", postgres_server(), "--database", "hub_bench_big", "--redis", redis_database(8)]
BENCHES = [
    Bench(
        "childcards",
        ["--quick", "--records", "200", "--latency-seconds", "1", "--workers", "1", "--threads", "4", *SERVICES],
        True,
        childcards,
    ),
    Bench(
        "documents",
        [
            "--quick",
            *("--envelopes", "16", "--dossiers", "2", "--facilities", "2", "--senders", "2", "--rounds", "1"),
            *("--web-processes", "1", "--bare-processes", "1", "--bare-seconds", "0.2", *SERVICES),
        ],
        True,
        documents,
    ),
    Bench(
        "claims",
        [
            "--quick",
            *("--claims", "60", "--bulk", "2000", "--queue-rounds", "5", "--list", "20"),
            *("--web-processes", "1", "--workers", "1", "--threads", "2", *SERVICES),
        ],
        True,
        claims,
    ),
    Bench(
        "console",
        ["--quick", *("--claims", "60", "--bulk", "2000", "--rounds", "2", *SERVICES)],
        True,
        console,
    ),
    Bench(
        "big_envelope",
        [
            "--quick",
            *("--levels", "1,2", "--envelopes", "4", "--drug-rows", "100", "--service-rows", "100"),
            *("--facilities", "2", *BIG_SERVICES),
        ],
        True,
        big_envelope,
    ),
    Bench(
        "audit",
        ["--quick", "--transactions", "200", "--concurrency", "8", "--sequencer-entries", "1000", *SERVICES],
        True,
        audit,
    ),
    Bench(
        "portal",
        ["--quick", *("--claims", "40", "--bulk", "1000", "--rounds", "1", "--seconds", "2", *SERVICES)],
        True,
        portal,
    ),
    Bench("graphql_validation", ["--quick", "--runs", "1", "--only", "nested_8x8"], False, graphql_validation),
    Bench("synthetic", ["5000"], False, synthetic),
]


@pytest.mark.slow
@pytest.mark.parametrize("bench", BENCHES, ids=[b.name for b in BENCHES])
def test_quick_run(bench: Bench) -> None:
    if bench.services:
        require_services()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{bench.name}", *bench.args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    seconds = time.monotonic() - started
    assert result.returncode == 0, f"exit {result.returncode} after {seconds:.0f} s:\n{result.stderr[-4000:]}"
    lines = result.stdout.strip().splitlines()
    assert lines, f"no output:\n{result.stderr[-4000:]}"
    figures = json.loads(lines[-1])
    assert isinstance(figures, dict)
    bench.check(figures)
