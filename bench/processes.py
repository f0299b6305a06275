"""Process management for the benchmarks: start the hub's processes like a deployment would, wait for them to be
ready, and stop every one of them (SIGTERM, then SIGKILL) whatever happens.

Every process is started in its own session (so a Ctrl+C in the terminal reaches only the benchmark, which then
stops them in order) and with a parent-death signal (so that even a benchmark killed outright takes them along).
Start processes from the main thread while no other thread runs: that is what makes the parent-death hook safe.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

import httpx

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
STOP_TIMEOUT_S = 20.0
_PR_SET_PDEATHSIG = 1


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


def die_with_parent() -> None:
    """Ask the kernel to SIGTERM this process when the benchmark dies: run in a child between fork and exec (see
    `Harness.start`), or first thing in a child the benchmark starts otherwise (a multiprocessing worker)."""
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        ctypes.CDLL(libc_name, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


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

    def exited(self) -> RuntimeError:
        return RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{self.log_tail()}")


@dataclass
class Harness:
    """Owns the processes a benchmark starts; `stop_all` ends each of them by its id."""

    workdir: Path
    processes: list[Process] = field(default_factory=list)

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
                preexec_fn=_die_with_parent_hook if die_with_parent else None,
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
                raise process.exited()


def _die_with_parent_hook() -> None:
    die_with_parent()


def wait_http(url: str, *, timeout: float, process: Process | None = None, expect: int = 200) -> None:
    """Poll `url` until it answers `expect`, the process dies, or `timeout` passes."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process is not None and not process.alive():
                raise process.exited()
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
