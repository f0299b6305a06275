"""The GraphQL answer's JSON: orjson's bytes, the same text as the json module's for what GraphQL answers, and the
json module's for what orjson refuses."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.entry.app import AuthenticatedGraphQL

TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12)  # any text but lone surrogates
# What a GraphQL answer holds: objects, lists, text, 32-bit integers, booleans and nulls (floats aside: orjson writes
# 1e-05 as 0.00001, the same number).
LEAVES = st.none() | st.booleans() | st.integers(min_value=-(2**31), max_value=2**31 - 1) | TEXT
ANSWERS = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4))


def encoded(data: Any) -> bytes:
    return AuthenticatedGraphQL.encode_json(None, data)  # type: ignore[arg-type]  # it uses nothing of the view


def json_module(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


@settings(max_examples=500)
@given(ANSWERS)
def test_an_answer_is_written_as_the_json_module_writes_it(data: Any) -> None:
    assert encoded({"data": data}) == json_module({"data": data})


def test_vietnamese_letters_are_written_as_they_are_and_a_large_integer_still_is() -> None:
    answer = {"data": {"name": "Bệnh viện Đa khoa tỉnh Bến Tre", "count": 3}}
    assert encoded(answer) == '{"data":{"name":"Bệnh viện Đa khoa tỉnh Bến Tre","count":3}}'.encode()
    large = {"data": {"n": 2**70}}  # past orjson's 64 bits: the json module writes it
    assert encoded(large) == b'{"data":{"n":1180591620717411303424}}'
