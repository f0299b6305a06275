"""The benchmarks' memory sampler (bench.memory) on real processes: a parent that forks two children, each holding
a buffer of its own, as a supervisor holds its workers."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator

import psutil
import pytest

from bench.memory import MIB, RssSampler

HELD_MIB = 48
# Each child fills a buffer (its pages resident) and says so; the parent waits for both, then for its end.
CHILD = f"import sys, time; held = bytearray({HELD_MIB} * 1024 * 1024); print('ready', flush=True); time.sleep(60)"
PARENT = f"""
import subprocess, sys, time
children = [subprocess.Popen([sys.executable, "-c", {CHILD!r}], stdout=subprocess.PIPE) for _ in range(2)]
for child in children:
    child.stdout.readline()
print("ready", flush=True)
time.sleep(60)
"""


@pytest.fixture
def parent() -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None and process.stdout.readline() == b"ready\n"
        yield process
    finally:
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process(process.pid).children():
                child.kill()
        process.kill()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def test_each_process_below_a_role_is_sampled_on_its_own(parent: subprocess.Popen[bytes]) -> None:
    # Given a parent holding little and its two children holding HELD_MIB each
    sampler = RssSampler({"worker": [parent.pid], "web": []}, interval=0.01)

    # When sampled for a while
    sampler.start()
    time.sleep(0.2)
    memory = sampler.stop()

    # Then the three are counted, each on its own: the highest is one child's, not the sum of the processes
    assert list(memory.roles) == ["worker"]  # a role without processes is not reported
    worker = memory.roles["worker"]
    assert worker.processes == 3
    assert HELD_MIB * MIB <= worker.peak < 2 * HELD_MIB * MIB
    assert HELD_MIB * MIB <= worker.start <= worker.peak
    assert HELD_MIB * MIB <= worker.settled <= worker.peak
    assert memory.samples >= 5
    figures = memory.figures()
    assert set(figures) == {"worker_peak_rss_mb", "worker_settled_rss_mb"}
    assert figures["worker_peak_rss_mb"] == round(worker.peak / MIB, 1)
    assert any("worker" in line and "3 processes" in line for line in memory.report())


def test_a_process_gone_keeps_its_peak_and_holds_nothing(parent: subprocess.Popen[bytes]) -> None:
    sampler = RssSampler({"worker": [parent.pid]}, interval=0.01)
    sampler.start()
    time.sleep(0.1)

    # When the children end while sampled (the parent does not reap them: zombies hold no memory)
    for child in psutil.Process(parent.pid).children():
        child.kill()
    time.sleep(0.2)
    memory = sampler.stop()

    # Then their peak counts, and what is held at the end is the parent's alone
    worker = memory.roles["worker"]
    assert worker.peak >= HELD_MIB * MIB
    assert worker.settled < HELD_MIB * MIB
