import datetime as dt
import uuid
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from hub.audit.service import entry_hash

BASE: dict[str, Any] = {
    "prev_hash": "0" * 64,
    "seq": 1,
    "occurred_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    "client_id": uuid.UUID(int=1),
    "client_name": "ubnd-xa",
    "operation": "person.read",
    "person_id": uuid.UUID(int=2),
    "purpose": "card_issuance",
    "details": {"a": 1},
}


def test_hash_is_deterministic_and_zone_independent():
    same_instant = BASE | {"occurred_at": dt.datetime(2026, 1, 1, 7, tzinfo=dt.timezone(dt.timedelta(hours=7)))}
    assert entry_hash(**BASE) == entry_hash(**same_instant)


@given(
    field=st.sampled_from(sorted(BASE)),
    text=st.text(min_size=1, max_size=20),
)
def test_changing_any_field_changes_the_hash(field, text):
    value = BASE[field]
    if isinstance(value, str):
        changed = value + text
    elif isinstance(value, int):
        changed = value + len(text)
    elif isinstance(value, dt.datetime):
        changed = value + dt.timedelta(microseconds=len(text))
    elif isinstance(value, uuid.UUID):
        changed = uuid.UUID(int=value.int + len(text))
    else:
        changed = {**value, "extra": text}
    assert entry_hash(**BASE) != entry_hash(**(BASE | {field: changed}))


def test_the_hashes_of_entries_already_chained_do_not_change():
    # Computed before an entry's text was written ahead of the head's lock: stored chains must still verify.
    assert entry_hash(**BASE) == "c251bccb639bedf866cc3a5e4bbae021ff795719fbe9cedbd3a779b8ca9f9555"
    anonymous = BASE | {"seq": 123456789, "client_id": None, "person_id": None, "client_name": None}
    details = {"x": [1.5e-7, "Đà Nẵng"], "seq": 3}
    assert entry_hash(**anonymous | {"details": details}) == (
        "776736fc967e5656b643a05e1f6ec6123bb5e154b7c32815d55488ec9e633566"
    )
