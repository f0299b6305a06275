"""What a long-running process keeps for its whole life is loaded at start and set aside from the garbage collector.

CPython's full collections walk every tracked object. In a web process holding the catalogs, each one paused a
request for 150–200 ms every few hundred requests (the claims work queue: p99 217 ms, 66 ms once set aside)."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import math
import time
from collections.abc import Callable
from typing import cast


def settle(*loads: Callable[[], object]) -> None:
    """Load what every request reads (`loads`: the catalogs, say), then freeze what is alive now: later collections
    skip it. Call it once per process, when it has started (not in tests, whose objects come and go)."""
    for load in loads:
        load()
    gc.collect()
    gc.freeze()


class MemoryRelease:
    """Gives the C heap's free pages back to the system after a large request, at most once per `interval_s`.

    glibc keeps what a process freed: a web process that read eight 15.9 MB envelopes at once stayed at 696 MB
    after them. Python's large buffers come from malloc, lxml's trees are many small blocks, and glibc's heap only
    shrinks from its top, so freed pages in the middle stay resident until `malloc_trim` returns them (MADV_DONTNEED
    on each free page of every arena). It walks the arenas: a few milliseconds on a heap of hundreds of MB, run in a
    thread (ctypes drops the GIL) so that the event loop goes on. Elsewhere than glibc it does nothing."""

    def __init__(self, interval_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self._trim = _malloc_trim()
        self._last = -math.inf
        self._running = False
        self.releases = 0

    @property
    def available(self) -> bool:
        return self._trim is not None

    async def release(self) -> None:
        """Trim the heap now, unless it was trimmed less than `interval_s` ago or a trim is under way."""
        now = time.monotonic()
        if self._trim is None or self._running or now - self._last < self.interval_s:
            return
        self._running, self._last = True, now
        try:
            await asyncio.to_thread(self._trim, 0)
            self.releases += 1
        finally:
            self._running = False


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    function = getattr(libc, "malloc_trim", None)
    if function is None:
        return None
    function.argtypes, function.restype = [ctypes.c_size_t], ctypes.c_int
    return cast(Callable[[int], int], function)
