"""The resident memory of the hub's processes while a benchmark runs: sampled from a thread of the benchmark, each
process on its own, and reported by role (web, worker): the highest any one process reached, and what it kept."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import threading
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psutil

from bench.processes import log

RSS_EVERY_S = 0.02
PAGE = os.sysconf("SC_PAGE_SIZE")
FIND_EVERY_S = 5.0  # how often processes started below the roles' are looked for: a scan of every process, 2-3 ms
SETTLE_S = 2.0  # after the load, before the RSS each process kept is read
GOAL_BYTES = 300_000_000  # issue 22: web and worker resident memory stays under 300 MB in steady traffic
MIB = 1024 * 1024


@dataclass(frozen=True)
class RoleMemory:
    """The processes of one role: how many were sampled, and the most any one of them held when sampling started,
    the highest RSS any one of them reached, and the most any one of them held at the end."""

    processes: int
    start: int
    peak: int
    settled: int


@dataclass(frozen=True)
class Memory:
    roles: dict[str, RoleMemory]
    samples: int

    def report(self) -> list[str]:
        lines = [
            f"  resident memory, the highest of any one process ({self.samples:,} samples; goal under "
            f"{GOAL_BYTES / 1e6:.0f} MB = {GOAL_BYTES / MIB:.0f} MiB):"
        ]
        for role, memory in self.roles.items():
            over = "  OVER THE GOAL" if memory.peak >= GOAL_BYTES else ""
            lines.append(
                f"    {role:<7} {memory.processes} process{'es' if memory.processes != 1 else ''}: "
                f"{memory.start / MIB:6.1f} MiB at the start, peak {memory.peak / MIB:6.1f} MiB, "
                f"{memory.settled / MIB:6.1f} MiB kept {SETTLE_S:g} s after{over}"
            )
        return lines

    def figures(self) -> dict[str, Any]:
        """`web_peak_rss_mb`, `web_settled_rss_mb`, `worker_peak_rss_mb`, ... (MiB) of the roles sampled."""
        figures: dict[str, Any] = {}
        for role, memory in self.roles.items():
            figures[f"{role}_peak_rss_mb"] = round(memory.peak / MIB, 1)
            figures[f"{role}_settled_rss_mb"] = round(memory.settled / MIB, 1)
        return figures


class RssSampler(threading.Thread):
    """The resident set of the processes of each role, every `interval` seconds from `start` to `stop`: each
    process's highest and its last. A role is named by the processes the benchmark started; every process below
    them (uvicorn's workers below its supervisor) is found as it appears and counted on its own.

    Each process's /proc/PID/statm is kept open and read again at each sample: 4 µs a reading, where psutil's open,
    read and close took 60-90 µs between samples (its caches gone cold). Four processes every 20 ms cost the
    benchmark 9 ms of CPU a second (14 ms through psutil), about half of it the thread waking up. A descriptor also
    never reads another process that took a dead one's id."""

    def __init__(self, roles: Mapping[str, Sequence[int]], interval: float = RSS_EVERY_S) -> None:
        super().__init__(daemon=True)
        self.roles = {role: tuple(pids) for role, pids in roles.items() if pids}
        self.interval = interval
        self.samples = 0
        self.peaks: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self.baseline: dict[int, int] = {}  # the first reading, when started
        self._roles: dict[int, str] = {}  # every process sampled, by id: its role
        self._statm: dict[int, int] = {}  # by process id: its statm's descriptor, until stopped
        self._done = threading.Event()

    def start(self) -> None:
        self._find()
        self._sample()
        self.baseline = dict(self.last)
        super().start()

    def run(self) -> None:
        next_find = time.monotonic() + FIND_EVERY_S
        while not self._done.wait(self.interval):
            if time.monotonic() >= next_find:
                self._find()
                next_find = time.monotonic() + FIND_EVERY_S
            self._sample()

    def stop(self) -> Memory:
        """Stop sampling, with a last reading of each process: taken SETTLE_S after the load (the peak may come
        with the last answers), it is what the process keeps."""
        self._done.set()
        if self.ident is not None:
            self.join(5)
        self._sample()
        for fd in self._statm.values():
            os.close(fd)
        self._statm.clear()
        return self.memory()

    def memory(self) -> Memory:
        roles = {}
        for role in self.roles:
            pids = [pid for pid, of in self._roles.items() if of == role and pid in self.peaks]
            roles[role] = RoleMemory(
                processes=len(pids),
                start=max((self.baseline.get(pid, 0) for pid in pids), default=0),
                peak=max((self.peaks[pid] for pid in pids), default=0),
                settled=max((self.last[pid] for pid in pids), default=0),
            )
        return Memory(roles, self.samples)

    def _find(self) -> None:
        below = _children()
        for role, pids in self.roles.items():
            found = list(pids)
            for pid in found:  # grows as it goes: the whole tree below each
                found += below.get(pid, ())
                if pid not in self._roles:
                    with contextlib.suppress(OSError):
                        self._statm[pid] = os.open(f"/proc/{pid}/statm", os.O_RDONLY)
                        self._roles[pid] = role

    def _sample(self) -> None:
        for pid, fd in self._statm.items():
            try:
                rss = int(os.pread(fd, 128, 0).split()[1]) * PAGE  # size, resident, shared, ... in pages
            except (OSError, IndexError, ValueError):
                self.last[pid] = 0  # gone: it holds nothing now, and its peak stays
                continue
            self.last[pid] = rss
            self.peaks[pid] = max(self.peaks.get(pid, 0), rss)
        self.samples += 1


@contextlib.asynccontextmanager
async def sampling(roles: Mapping[str, Sequence[int]], *, start: bool = True) -> AsyncIterator[RssSampler]:
    """Sample the processes of `roles` while the block runs (started now, or by the block when `start` is false) and
    SETTLE_S after it, then report their memory on stderr; `memory()` of the sampler holds the figures."""
    sampler = RssSampler(roles)
    if start:
        sampler.start()
    try:
        yield sampler
        await asyncio.sleep(SETTLE_S)
    finally:
        memory = sampler.stop()
    for line in memory.report():
        log(line)


def _children() -> dict[int, list[int]]:
    """The children of every live process, by parent, from one scan of them all."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    for process in psutil.process_iter(["ppid"]):
        children[process.info["ppid"]].append(process.pid)
    return children
