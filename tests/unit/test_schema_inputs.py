"""Inputs built from a plan give what Strawberry's own conversion gives, field for field."""

import dataclasses
import datetime as dt
import enum
from typing import Any

import pytest
import strawberry

from schema.inputs import planned_input


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


def _types(decorate: Any) -> Any:
    """A schema whose query echoes the `Root` inputs its resolver got, and `Root`; with or without `planned_input`."""

    @decorate
    @strawberry.input
    class Leaf:
        name: str
        born: dt.date | None = None

    @decorate
    @strawberry.input
    class Root:
        colour: Colour
        leaf: Leaf
        numbers: list[int]
        leaves: list[Leaf | None] | None = None
        optional_leaf: Leaf | None = None
        nullable_without_default: str | None
        with_default: str = "VN"
        snake_case_name: int = 0
        maybe_note: strawberry.Maybe[str | None] = None  # a null sent is Some(None), left out is None

    @strawberry.type
    class Query:
        @strawberry.field
        def echo(self, roots: list[Root]) -> str:
            return repr([_plain(root) for root in roots])

    return strawberry.Schema(query=Query), Root


def _plain(value: Any) -> Any:
    """An input as nested tuples of its fields, whatever its class."""
    if dataclasses.is_dataclass(value):
        return (
            type(value).__name__,
            tuple((f.name, _plain(getattr(value, f.name))) for f in dataclasses.fields(value)),
        )
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


QUERY = """query($roots: [Root!]!) { echo(roots: $roots) }"""
ROOTS: list[dict[str, Any]] = [
    {
        "colour": "RED",
        "leaf": {"name": "a", "born": "2025-01-02"},
        "numbers": [1, 2],
        "leaves": [{"name": "b"}, None],
        "optionalLeaf": None,
        "snakeCaseName": 7,
        "maybeNote": None,
    },
    {"colour": "BLUE", "leaf": {"name": "c", "born": None}, "numbers": [], "nullableWithoutDefault": "x"},
]


def _echo(schema: strawberry.Schema, roots: list[dict[str, Any]]) -> str:
    result = schema.execute_sync(QUERY, variable_values={"roots": roots})
    assert result.errors is None, result.errors
    assert result.data is not None
    return str(result.data["echo"])


def test_a_planned_input_is_what_strawberry_builds() -> None:
    (planned, _), (plain, _) = _types(planned_input), _types(lambda cls: cls)
    assert _echo(planned, ROOTS) == _echo(plain, ROOTS)
    built = _echo(planned, ROOTS)
    assert "datetime.date(2025, 1, 2)" in built and "<Colour.BLUE: 'blue'>" in built
    assert "('with_default', 'VN')" in built and "('nullable_without_default', None)" in built


def test_the_plan_builds_every_value() -> None:
    schema, root = _types(planned_input)
    definition = root.__strawberry_definition__
    build, calls = definition.from_input, []

    def counted(*args: Any) -> Any:
        calls.append(args[1])
        return build(*args)

    definition.from_input = counted
    assert _echo(schema, [ROOTS[0]] * 3).count("('name', 'a')") == 3
    assert [call["snakeCaseName"] for call in calls] == [7, 7, 7]  # as graphql-core parsed them


def test_only_inputs_are_planned() -> None:
    @strawberry.type
    class Output:
        name: str

    with pytest.raises(TypeError, match="not a strawberry input"):
        planned_input(Output)
