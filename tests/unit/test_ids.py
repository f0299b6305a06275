"""Row identifiers are UUIDs version 7: made in time order, so that inserts land at the right edge of an index."""

from __future__ import annotations

import time
import uuid

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
