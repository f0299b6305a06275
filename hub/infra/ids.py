"""Row identifiers: UUIDs whose first bits are the time they were made (version 7, RFC 9562 section 5.7).

A random (version 4) key lands anywhere in its primary-key index, so every insert touches a leaf page of its own:
as a table grows, its index stops fitting the cache, and after each checkpoint the first change to each of those
pages is written whole to the WAL. Keys made in time order land at the right edge of the index, where the pages
are hot, whatever the table's size; the same holds for every index on a column naming such a row (a person's
entries in the audit log, a case's registrations). The 74 random bits keep them unguessable and unique across
processes; the order within a millisecond is not meaningful, and nothing reads a time out of an id.

Not for what must reveal nothing of when it was made (tokens, case references): those stay random."""

from __future__ import annotations

import os
import threading
import time
import uuid

_MS_BITS = 48
_VERSION = 0x7
_VARIANT = 0b10
_RANDOM_BYTES = 10  # 80 bits, of which 74 are used
_POOL_BYTES = 4096  # the random bytes of 409 ids, asked of the system at once


class _Pool(threading.local):
    """Random bytes from the system's generator, taken in turn: one getrandom call per 409 ids, not one per id (a
    system call was 2% of the web process's CPU receiving documents, 22 ids per envelope). One pool per thread, so
    that no two threads take the same bytes; emptied in a forked child, which must not make its parent's ids."""

    def __init__(self) -> None:
        self.empty()

    def empty(self) -> None:
        self.data = b""
        self.at = 0

    def take(self) -> int:
        at = self.at
        if at + _RANDOM_BYTES > len(self.data):
            self.data, at = os.urandom(_POOL_BYTES), 0
        self.at = at + _RANDOM_BYTES
        return int.from_bytes(self.data[at : at + _RANDOM_BYTES], "big")


_pool = _Pool()
os.register_at_fork(after_in_child=_pool.empty)


def new_id() -> uuid.UUID:
    """A new UUID version 7: 48 bits of Unix time in milliseconds, the version, 12 random bits, the variant and 62
    random bits."""
    milliseconds = time.time_ns() // 1_000_000 & ((1 << _MS_BITS) - 1)
    random = _pool.take()
    rand_a, rand_b = random >> 68, random & ((1 << 62) - 1)
    return uuid.UUID(int=milliseconds << 80 | _VERSION << 76 | rand_a << 64 | _VARIANT << 62 | rand_b)
