"""The short path for objects of plain fields (schema.execution) answers exactly what graphql-core answers: the same
data, and the same errors at the same paths, whatever the values (nulls where the type forbids them, values a type
cannot coerce), and it steps aside for resolvers, arguments and middleware."""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
from typing import Any

import pytest
import strawberry
from hypothesis import given, settings
from hypothesis import strategies as st
from strawberry.extensions import SchemaExtension

from schema import build_schema
from schema.execution import PlainFieldsExecution


@strawberry.enum
class Status(enum.Enum):
    NEW = "new"
    KEPT = "kept"


@strawberry.type
class Line:
    kind: str
    number: str | None
    version: int
    share: float | None
    current: bool
    status: Status
    at: dt.datetime | None
    id: strawberry.ID

    @strawberry.field
    def label(self, prefix: str = "") -> str:
        return f"{prefix}{self.kind}/{self.number}"


@strawberry.type
class Receipt:
    transaction_id: str
    lines: list[Line]
    first: Line | None

    @strawberry.field
    def sparse(self) -> list[Line | None]:
        """Every other line a null."""
        return [None if index % 2 else line for index, line in enumerate(self.lines)]

    @strawberry.field
    def streamed(self) -> list[Line]:
        """The lines as an iterator, which may be read once."""
        return iter(self.lines)  # type: ignore[return-value]


LINES: list[Line] = []


@strawberry.type
class Query:
    @strawberry.field
    async def receipt(self) -> Receipt:
        return Receipt(transaction_id="T1", lines=LINES, first=LINES[0] if LINES else None)


class Shouting(SchemaExtension):
    """A middleware: every string a resolver returns, in capitals."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        value = _next(root, info, *args, **kwargs)
        return value.upper() if isinstance(value, str) else value


PLAIN = "{ receipt { transactionId lines { kind number version share current status at id } } }"
MIXED = (
    'query { receipt { transactionId lines { __typename kind n: number version label(prefix: "#") status } '
    "first { kind ...Parts } sparse { kind version } streamed { id status } } } "
    "fragment Parts on Line { version current share at }"
)

values: dict[str, st.SearchStrategy[Any]] = {
    "kind": st.one_of(st.text(max_size=5), st.none(), st.integers()),
    "number": st.one_of(st.text(max_size=5), st.none(), st.just(ValueError("an error read as a value"))),
    "version": st.one_of(st.integers(min_value=-(2**33), max_value=2**33), st.none(), st.just("7"), st.just(1.5)),
    "share": st.one_of(st.floats(allow_nan=True), st.none(), st.just("x")),
    "current": st.one_of(st.booleans(), st.none(), st.just(0)),
    "status": st.one_of(st.sampled_from(Status), st.none(), st.just("new"), st.just("NEW")),
    "at": st.one_of(st.datetimes(timezones=st.just(dt.UTC)), st.none(), st.just("yesterday")),
    "id": st.one_of(st.text(min_size=1, max_size=4), st.integers(), st.none()),
}
lines = st.lists(st.fixed_dictionaries(values).map(lambda fields: Line(**fields)), max_size=4)
AT = dt.datetime(2026, 12, 6, 8, 30, tzinfo=dt.UTC)


def line(number: str, **changes: Any) -> Line:
    """A line of plain values, with `changes`."""
    fields: dict[str, Any] = {
        "kind": "XML1",
        "number": number,
        "version": 1,
        "share": 0.5,
        "current": True,
        "status": Status.NEW,
        "at": AT,
        "id": strawberry.ID(number),
    }
    return Line(**(fields | changes))


def execute(schema: strawberry.Schema, query: str, items: list[Line]) -> tuple[Any, list[Any]]:
    LINES[:] = items
    result = asyncio.run(schema.execute(query))
    return result.data, [error.formatted for error in result.errors or ()]


def schemas(*extensions: type[SchemaExtension]) -> tuple[strawberry.Schema, strawberry.Schema]:
    """graphql-core's own execution, and the short path's."""
    return (
        strawberry.Schema(Query, extensions=list(extensions)),
        strawberry.Schema(Query, extensions=list(extensions), execution_context_class=PlainFieldsExecution),
    )


DEFAULT, SHORT = schemas()


@settings(max_examples=300, deadline=None)
@given(items=lines, query=st.sampled_from([PLAIN, MIXED]))
def test_the_short_path_answers_what_graphql_core_answers(items: list[Line], query: str) -> None:
    assert execute(SHORT, query, items) == execute(DEFAULT, query, items)


def test_a_plain_list_is_answered_on_the_short_path() -> None:
    taken: list[str] = []

    class Counting(PlainFieldsExecution):
        def execute_field(self, *args: Any, **kwargs: Any) -> Any:
            taken.append("field")
            return super().execute_field(*args, **kwargs)

        def complete_object_value(self, *args: Any, **kwargs: Any) -> Any:
            taken.append("object")
            return super().complete_object_value(*args, **kwargs)

    counting = strawberry.Schema(Query, execution_context_class=Counting)
    items = [line(str(n)) for n in range(20)]
    data, errors = execute(counting, PLAIN, items)
    assert errors == []
    assert data["receipt"]["lines"][3] == {
        "kind": "XML1",
        "number": "3",
        "version": 1,
        "share": 0.5,
        "current": True,
        "status": "NEW",
        "at": "2026-12-06T08:30:00+00:00",
        "id": "3",
    }
    assert (data, errors) == execute(DEFAULT, PLAIN, items)
    # receipt, transactionId and lines through graphql-core; the receipt completed as an object, the 20 lines of 8
    # fields as one list
    assert taken == ["field", "object", "field", "field"]
    # Nulls among the items, and an iterator, as graphql-core answers them
    mixed, errors = execute(SHORT, MIXED, items[:3])
    assert errors == [] and mixed["receipt"]["sparse"] == [
        {"kind": "XML1", "version": 1},
        None,
        {"kind": "XML1", "version": 1},
    ]
    assert [line["id"] for line in mixed["receipt"]["streamed"]] == ["0", "1", "2"]
    assert (mixed, errors) == execute(DEFAULT, MIXED, items[:3])


def test_a_null_where_the_type_forbids_one_is_reported_at_its_path() -> None:
    items = [line("1"), line("2", kind="XML7", version=None, at=None)]
    data, errors = execute(SHORT, PLAIN, items)
    assert data is None  # lines' items are non-null, as the receipt is: the null goes up to the root
    assert [error["path"] for error in errors] == [["receipt", "lines", 1, "version"]]
    assert (data, errors) == execute(DEFAULT, PLAIN, items)


@pytest.mark.parametrize("query", [PLAIN, MIXED])
def test_middleware_is_never_stepped_over(query: str) -> None:
    default, short = schemas(Shouting)
    items = [line("a1", kind="xml1", share=None, current=False)]
    data, errors = execute(short, query, items)
    assert errors == []
    assert data["receipt"]["lines"][0]["kind"] == "XML1"
    assert (data, errors) == execute(default, query, items)


def test_the_hub_schema_executes_with_the_short_path() -> None:
    schema = build_schema()
    assert schema.execution_context_class is PlainFieldsExecution


def test_the_strategies_cover_every_plain_field_of_the_type() -> None:
    fields = Line.__strawberry_definition__.fields  # type: ignore[attr-defined]
    assert {field.python_name for field in fields if field.base_resolver is None} == set(values)
