"""Process management for the benchmarks: start the hub's processes like a deployment would, wait for them to be
ready, account for their CPU, and stop every one of them (SIGTERM, then SIGKILL) whatever happens.

Every process is started in its own session (so a Ctrl+C in the terminal reaches only the benchmark, which then
stops them in order) and with a parent-death signal (so that even a benchmark killed outright takes them along).
Start processes from the main thread while no other thread runs: that is what makes the parent-death hook safe.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

import httpx

from signing.devpki import generate_identity, write_identity
from signing.parties import HUB

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
STOP_TIMEOUT_S = 20.0
_PR_SET_PDEATHSIG = 1
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    """Progress for humans: stderr, so that stdout ends with the one JSON line."""
    print(message, file=sys.stderr, flush=True)


def require_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK_HOSTS:
        raise SystemExit(f"benchmarks talk to loopback addresses only; {url!r} names {host!r}")


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _die_with_parent() -> None:
    """Runs in the child between fork and exec: ask the kernel to SIGTERM it when the benchmark dies."""
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        ctypes.CDLL(libc_name, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def die_with_parent() -> None:
    """For a child the benchmark starts without `Harness.start` (a multiprocessing worker), first thing in it: ask
    the kernel to SIGTERM it when the benchmark dies."""
    _die_with_parent()


@dataclass
class Process:
    name: str
    argv: Sequence[str]
    log_path: Path
    popen: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Harness:
    """Owns the processes a benchmark starts; `stop_all` (also run on exit) ends each of them by its id."""

    workdir: Path
    processes: list[Process] = field(default_factory=list)

    def hub_signing_env(self) -> dict[str, str]:
        """HUB_SIGNING_KEY / HUB_SIGNING_CERT of a hub identity generated into the work directory (production
        settings require one: the hub signs its receipts)."""
        now = dt.datetime.now(dt.UTC)
        identity = generate_identity(HUB, not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=30))
        key, certificate = write_identity(identity, self.workdir / "hub-identity")
        return {"HUB_SIGNING_KEY": str(key), "HUB_SIGNING_CERT": str(certificate)}

    def start(self, name: str, argv: Sequence[str], env: Mapping[str, str], *, die_with_parent: bool = True) -> Process:
        """Start a process; `die_with_parent` (the default) needs no other thread running in this process."""
        log_path = self.workdir / f"{name}.log"
        with log_path.open("wb") as out:
            popen = subprocess.Popen(
                list(argv),
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent if die_with_parent else None,
            )
        process = Process(name, argv, log_path, popen)
        self.processes.append(process)
        return process

    def run(
        self, name: str, argv: Sequence[str], env: Mapping[str, str], *, timeout: float, ok: Sequence[int] = (0,)
    ) -> int:
        """Run a command to completion (bounded); raise with the end of its output if it fails."""
        process = self.start(name, argv, env)
        try:
            code = process.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop(process)
            raise RuntimeError(f"{name} did not finish within {timeout:.0f} s; see {process.log_path}") from None
        finally:
            with contextlib.suppress(ValueError):
                self.processes.remove(process)
        if code not in ok:
            raise RuntimeError(f"{name} exited with {code}:\n{process.log_tail()}")
        return code

    def stop(self, process: Process, timeout: float = STOP_TIMEOUT_S) -> None:
        self.stop_many([process], timeout)

    def stop_many(self, processes: Sequence[Process], timeout: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM each, wait up to `timeout` for all, then SIGKILL what is left (and its process group)."""
        running = [p for p in processes if p.alive()]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.popen.wait(timeout=max(0.0, deadline - time.monotonic()))
        for process in running:
            if process.alive():
                log(f"  {process.name} (pid {process.pid}) did not stop within {timeout:.0f} s: killing it")
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.popen.wait(timeout=5)
        for process in processes:
            # Whatever it started in its own group (none expected) goes too; the group id is the leader's pid.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)

    def interrupt(self, process: Process, timeout: float = STOP_TIMEOUT_S) -> None:
        """SIGINT (for tools that write their results on Ctrl+C, like profilers), then stop it if it lingers."""
        if process.alive():
            with contextlib.suppress(ProcessLookupError):
                process.popen.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.popen.wait(timeout=timeout)
        self.stop(process)
        with contextlib.suppress(ValueError):
            self.processes.remove(process)

    def stop_all(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Stop everything this harness started, the last started first group by group."""
        remaining = list(self.processes)
        self.processes.clear()
        self.stop_many(remaining[::-1], timeout)

    def check_alive(self) -> None:
        for process in self.processes:
            if not process.alive():
                raise RuntimeError(f"{process.name} exited with {process.popen.returncode}:\n{process.log_tail()}")


def wait_http(url: str, *, timeout: float, process: Process | None = None, expect: int = 200) -> None:
    """Poll `url` until it answers `expect`, the process dies, or `timeout` passes."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process is not None and not process.alive():
                raise RuntimeError(f"{process.name} exited with {process.popen.returncode}:\n{process.log_tail()}")
            try:
                response = client.get(url)
                if response.status_code == expect:
                    return
                last = f"HTTP {response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            time.sleep(0.2)
    name = process.name if process else url
    raise RuntimeError(f"{name} not ready within {timeout:.0f} s ({last})")


@contextlib.contextmanager
def signals_raise_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP end the benchmark like Ctrl+C does, so that its clean-up runs."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


# -- CPU accounting ------------------------------------------------------------------------------------------


def _proc_stat(pid: int) -> tuple[str, float] | None:
    """(command name, CPU seconds used) of a process, from /proc; None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    # Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the name and state.
    return name, (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def cpu_by_command(names: Sequence[str]) -> dict[str, float]:
    """CPU seconds used so far by every live process whose command name is one of `names` (e.g. postgres)."""
    totals = dict.fromkeys(names, 0.0)
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _proc_stat(int(entry))) is not None and stat[0] in totals:
            totals[stat[0]] += stat[1]
    return totals


def cpu_of(pid: int) -> float:
    stat = _proc_stat(pid)
    return stat[1] if stat else 0.0


def postgres_cpu(database: str) -> float:
    """CPU seconds used so far by PostgreSQL for this benchmark: its background processes and the sessions on
    `database`, not those on other databases (another developer's tests sharing the server)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            raw = Path(f"/proc/{entry}/stat").read_text()
            if raw[raw.index("(") + 1 : raw.rindex(")")] != "postgres":
                continue
            title = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            # A session's title is "postgres: CLUSTER: USER DATABASE HOST(PORT) STATE"; a background process's not.
            session = re.search(r": \S+ (\S+) (\S+\(\d+\)|\[local\])", title)
            if session is None or session.group(1) == database:
                fields = raw[raw.rindex(")") + 2 :].split()
                total += (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    return total


@dataclass
class CpuMeter:
    """CPU seconds spent by named parts of the system between `start` and `stop`."""

    parts: Callable[[], dict[str, float]]
    before: dict[str, float] = field(default_factory=dict)
    started: float = 0.0

    def start(self) -> None:
        self.before = self.parts()
        self.started = time.perf_counter()

    def stop(self) -> tuple[float, dict[str, float]]:
        after = self.parts()
        wall = time.perf_counter() - self.started
        return wall, {name: max(0.0, after.get(name, 0.0) - self.before.get(name, 0.0)) for name in after}
