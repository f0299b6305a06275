"""Row identifiers are UUIDs version 7: made in time order, so that inserts land at the right edge of an index."""

from __future__ import annotations

import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from hub.infra.ids import new_id


def test_an_id_is_a_uuid_version_7_of_the_rfc_variant():
    made = new_id()
    assert made.version == 7
    assert made.variant == uuid.RFC_4122


def test_its_first_48_bits_are_the_unix_time_in_milliseconds():
    before = time.time_ns() // 1_000_000
    made = new_id()
    after = time.time_ns() // 1_000_000
    assert before <= made.int >> 80 <= after


def test_ids_made_in_later_milliseconds_sort_later_as_uuids_and_as_text():
    first = new_id()
    time.sleep(0.002)
    second = new_id()
    assert first < second
    assert str(first) < str(second)
    assert first.hex < second.hex  # as SQLite stores them


def test_ids_made_in_the_same_millisecond_differ():
    made = {new_id() for _ in range(10_000)}
    assert len(made) == 10_000


def test_threads_and_a_forked_child_never_make_the_same_ids():
    """The random bits come from a pool of bytes per thread, emptied in a forked child: ids made at once by threads,
    and by a child right after the fork, are all different."""
    new_id()  # this thread's pool holds bytes that a child would otherwise take too
    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda _: [new_id() for _ in range(1_000)], range(8)))
    ids = [made_id for batch in made for made_id in batch]
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's side
        os.close(reader)
        os.write(writer, b"".join(new_id().bytes for _ in range(100)))
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        data = pipe.read()
    os.waitpid(child, 0)
    from_child = [uuid.UUID(bytes=data[i : i + 16]) for i in range(0, len(data), 16)]
    here = [new_id() for _ in range(100)]
    assert len(from_child) == 100
    assert len(set(ids) | set(from_child) | set(here)) == len(ids) + 200
    random_bits = {made_id.int & ((1 << 62) - 1) for made_id in from_child + here}
    assert len(random_bits) == 200
