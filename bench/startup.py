"""Benchmark of process start: from launching `hub serve` to its first `/healthz` answer, on an embedded database.

    python -m bench.startup [--runs N] [--quick] [--python PY] [--source DIR]

`--source DIR` measures another checkout (say, an earlier commit's `git worktree`) with the same interpreter, to
compare. Progress goes to the terminal; the last line is one JSON object for scripts:
{"runs": 10, "median_s": 1.61, "min_s": 1.55, "max_s": 1.73, "import_s": 0.91}
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.processes import Harness, free_port, log

ROOT = Path(__file__).resolve().parents[1]
QUICK_RUNS = 3
POLL_S = 0.01
TIMEOUT_S = 60


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_RUNS} runs")
    parser.add_argument("--python", default=sys.executable, help="the interpreter that runs the hub")
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout whose hub is started")
    args = parser.parse_args(argv)
    runs = QUICK_RUNS if args.quick else args.runs
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as scratch:
        env = environment(args.source, Path(scratch))
        subprocess.run([args.python, "-m", "hub", "migrate"], env=env, check=True, capture_output=True)
        imports = [import_seconds(args.python, env) for _ in range(runs)]
        starts = [start_seconds(args.python, env, run) for run in range(runs)]
    figures = {
        "runs": runs,
        "median_s": round(statistics.median(starts), 3),
        "min_s": round(min(starts), 3),
        "max_s": round(max(starts), 3),
        "import_s": round(statistics.median(imports), 3),
    }
    print(json.dumps(figures))
    return 0


def environment(source: Path, scratch: Path) -> dict[str, str]:
    """The hub of `source`, on a SQLite database in `scratch`, with the in-process broker."""
    return {
        **os.environ,
        "PYTHONPATH": str(source),
        "PYTHONSAFEPATH": "1",  # the hub of PYTHONPATH, not of the working directory
        "HUB_ENV": "dev",
        "HUB_DATABASE_URL": f"sqlite+aiosqlite:///{scratch / 'hub.db'}",
        "HUB_BROKER_URL": "",
        "HUB_LOG_LEVEL": "WARNING",
    }


def import_seconds(python: str, env: dict[str, str]) -> float:
    """How long `hub --help` takes: the command line's imports, with nothing started."""
    started = time.perf_counter()
    subprocess.run([python, "-m", "hub", "--help"], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def start_seconds(python: str, env: dict[str, str], run: int) -> float:
    """From launching `hub serve` to its first 200 on /healthz."""
    harness = Harness(Path(env["HUB_DATABASE_URL"].split("///", 1)[1]).parent)
    port = free_port()
    try:
        started = time.perf_counter()
        process = harness.start("serve", [python, "-m", "hub", "serve", "--port", str(port)], env)
        with httpx.Client(timeout=1.0) as client:
            while not healthy(client, port):
                if not process.alive():
                    raise process.exited()
                if time.perf_counter() - started > TIMEOUT_S:
                    raise RuntimeError(f"hub serve not ready within {TIMEOUT_S} s:\n{process.log_tail()}")
                time.sleep(POLL_S)
        seconds = time.perf_counter() - started
    finally:
        harness.stop_all()
    log(f"run {run + 1}: {seconds:.3f} s to the first /healthz")
    return seconds


def healthy(client: httpx.Client, port: int) -> bool:
    try:
        return client.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
    except httpx.HTTPError:
        return False


if __name__ == "__main__":
    sys.exit(main())
