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
import time
import uuid

_MS_BITS = 48
_VERSION = 0x7
_VARIANT = 0b10


def new_id() -> uuid.UUID:
    """A new UUID version 7: 48 bits of Unix time in milliseconds, the version, 12 random bits, the variant and 62
    random bits."""
    milliseconds = time.time_ns() // 1_000_000 & ((1 << _MS_BITS) - 1)
    random = int.from_bytes(os.urandom(10), "big")  # 80 bits, of which 74 are used
    rand_a, rand_b = random >> 68, random & ((1 << 62) - 1)
    return uuid.UUID(int=milliseconds << 80 | _VERSION << 76 | rand_a << 64 | _VARIANT << 62 | rand_b)
