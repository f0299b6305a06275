"""The canonical JSON is the json module's exact text, whatever the value: the hashes already stored must match."""

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.infra.canonical import canonical_bytes, canonical_json

TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=20)  # any text but lone surrogates
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4))


def _json_module(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@settings(max_examples=1000)
@given(VALUES)
def test_the_canonical_text_is_the_json_modules(value):
    assert canonical_json(value) == _json_module(value)
    assert canonical_bytes(value) == _json_module(value).encode()


def test_escapes_exponents_and_key_order_as_the_json_module():
    value = {"b": '\x00\x1f\t\n"\\ Đà Nẵng \u2028', "a": [1e-08, 2.5, None, True], "á": {"z": 1, "A": 2}}
    assert canonical_json(value) == _json_module(value)
    assert canonical_json({"x": [1, {"y": "z"}]}) == '{"x":[1,{"y":"z"}]}'


class _Measure(float):
    pass


def test_a_float_of_a_subclass_or_deep_inside_text_is_written_as_the_json_module_writes_it():
    for value in ({"a": "x", "b": _Measure(1e-08)}, ["x", ("y", [1e-08])], {"a": {"b": ["c", 2.5]}}):
        assert canonical_json(value) == _json_module(value)
