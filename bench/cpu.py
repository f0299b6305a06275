"""Where the CPU went: the seconds used by the hub's processes, PostgreSQL's, Redis's and the machine's, read with
psutil, and the meter that takes the difference over a measured step."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import psutil

# A PostgreSQL session's title is "postgres: CLUSTER: USER DATABASE HOST(PORT) STATE"; a background process's not.
_SESSION_TITLE = re.compile(r": \S+ (\S+) (\S+\(\d+\)|\[local\])")
_GONE = (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess)


class _CpuTimes(Protocol):
    @property
    def user(self) -> float: ...
    @property
    def system(self) -> float: ...


def _seconds(times: _CpuTimes) -> float:
    return float(times.user + times.system)


def cpu_of(pid: int) -> float:
    """CPU seconds (user and system) a process has used so far; 0 if it is gone."""
    try:
        return _seconds(psutil.Process(pid).cpu_times())
    except _GONE:
        return 0.0


def cpu_of_tree(pids: Iterable[int]) -> float:
    """CPU seconds of these processes and of every process below them (uvicorn's workers below its supervisor)."""
    return sum(cpu_of(pid) for top in pids for pid in (top, *descendants(top)))


def descendants(pid: int) -> list[int]:
    """Every live process below `pid`."""
    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except _GONE:
        return []


def command_lines_below(pid: int) -> dict[int, str]:
    """The command line of every live process below `pid`, by process id."""
    found = {}
    for child_pid in descendants(pid):
        try:
            found[child_pid] = " ".join(psutil.Process(child_pid).cmdline())
        except _GONE:
            continue
    return found


def cpu_by_command(names: Sequence[str]) -> dict[str, float]:
    """CPU seconds used so far by every live process whose command name is one of `names` (e.g. redis-server)."""
    totals = dict.fromkeys(names, 0.0)
    for process in psutil.process_iter(["name", "cpu_times"]):
        name, times = process.info["name"], process.info["cpu_times"]
        if name in totals and times is not None:
            totals[name] += _seconds(times)
    return totals


def postgres_cpu(database: str) -> float:
    """CPU seconds used so far by PostgreSQL for this benchmark: its background processes and the sessions on
    `database`, not those on other databases (another developer's tests sharing the server)."""
    total = 0.0
    for process in psutil.process_iter(["name", "cmdline", "cpu_times"]):
        if process.info["name"] != "postgres" or process.info["cpu_times"] is None:
            continue
        session = _SESSION_TITLE.search(" ".join(process.info["cmdline"] or ()))
        if session is None or session.group(1) == database:
            total += _seconds(process.info["cpu_times"])
    return total


def cpu_by_process() -> dict[tuple[int, str], float]:
    """CPU seconds used so far by every live process, by (pid, command name)."""
    return {
        (process.pid, process.info["name"]): _seconds(process.info["cpu_times"])
        for process in psutil.process_iter(["name", "cpu_times"])
        if process.info["cpu_times"] is not None
    }


def machine_seconds() -> tuple[float, float]:
    """The machine's busy and stolen CPU seconds so far, all cores together."""
    times = psutil.cpu_times()
    busy = times.user + times.nice + times.system + times.irq + times.softirq
    return busy, times.steal


def benchmark_cpu() -> float:
    """CPU seconds of this (the benchmark client's) process so far."""
    return sum(os.times()[:2])


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


def cpu_report(wall: float, used: dict[str, float]) -> list[str]:
    cores = os.cpu_count() or 1
    total = sum(used.values())
    lines = [f"  CPU over {wall:.1f} s on {cores} cores ({100 * total / (wall * cores):.0f} % busy):"]
    for name, seconds in sorted(used.items(), key=lambda item: -item[1]):
        lines.append(f"    {name:<22} {seconds:7.1f} s  {100 * seconds / (wall * cores):5.1f} % of the machine")
    return lines
