"""What the fuzz test sends and how it judges the answers: operations generated from the schema by
hypothesis-graphql, with values the hub knows planted among random ones, arguments moved into variables, now and then
a malformed request body; and the signs of a bug in an answer (5xx, INTERNAL, Python or SQL details)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import graphql
import httpx
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, nodes

JSONValue = Any

_DATES = st.dates(dt.date(2019, 1, 1), dt.date(2027, 12, 31)).map(dt.date.isoformat)
_DATETIMES = st.datetimes(dt.datetime(2019, 1, 1), dt.datetime(2027, 12, 31), timezones=st.just(dt.UTC)).map(
    dt.datetime.isoformat
)
_BAD_DATES = st.sampled_from(["2025-02-30", "2025-13-01", "0000-00-00", "2025-1-1", "20250101", "", "31/12/2025"])
_BAD_DATETIMES = st.sampled_from(["2025-02-30T00:00:00", "2025-01-01T25:00:00Z", "yesterday", "", "2025-01-01 +99"])
# Well-formed dates near the hub's clock, for operations meant to reach the services.
_SENSIBLE_SCALARS = {"Date": _DATES.map(nodes.String), "DateTime": _DATETIMES.map(nodes.String)}
# Any dates, impossible ones, other strings and numbers, for operations meant to be refused.
_ANY_SCALARS = {
    "Date": st.one_of(
        _DATES.map(nodes.String),
        st.dates().map(dt.date.isoformat).map(nodes.String),
        _BAD_DATES.map(nodes.String),
        st.text(max_size=12).map(nodes.String),
        st.integers().map(nodes.Int),
    ),
    "DateTime": st.one_of(
        _DATETIMES.map(nodes.String),
        _BAD_DATETIMES.map(nodes.String),
        st.text(max_size=24).map(nodes.String),
        st.integers().map(nodes.Int),
    ),
}


@dataclasses.dataclass(frozen=True)
class Request:
    """One HTTP request to /graphql: the operation, its variables, who sends it, and the body as sent."""

    client: str
    query: str
    variables: dict[str, JSONValue]
    body: bytes

    def describe(self) -> str:
        if self.body != self.json_body():
            return f"as {self.client}, the body {self.body[:300]!r}\n"
        variables = json.dumps(self.variables, ensure_ascii=False)
        return f"as {self.client}:\n{self.query}\nvariables: {variables}\n"

    def json_body(self) -> bytes:
        return json.dumps({"query": self.query, "variables": self.variables}).encode()


def requests(
    schema: graphql.GraphQLSchema, clients: Sequence[str], known: Mapping[str, Sequence[str]]
) -> st.SearchStrategy[Request]:
    """Requests from every client in `clients`, each one root field most of the time (so that one refusal does not
    hide the rest), with `known` values (by argument or input-field name) planted three times in four.

    Three in four operations are valid with well-formed dates, their arguments inline or in variables; the rest
    carry one schema violation (hypothesis-graphql's negative mode), any dates, variables bent out of shape, and
    one in three of those a malformed body."""
    roots = [root for root in (schema.query_type, schema.mutation_type) if root is not None]
    fields = sorted(name for root in roots for name in root.fields)
    # Negative mode needs an argument to get wrong.
    with_arguments = sorted(name for root in roots for name, field in root.fields.items() if field.args)
    operations: dict[tuple[Mode, str | None], st.SearchStrategy[graphql.DocumentNode]] = {}

    def operation(mode: Mode, field: str | None) -> st.SearchStrategy[graphql.DocumentNode]:
        if (mode, field) not in operations:
            scalars = _SENSIBLE_SCALARS if mode is Mode.POSITIVE else _ANY_SCALARS
            chosen = None if field is None else [field]
            operations[mode, field] = from_schema(
                schema, fields=chosen, custom_scalars=scalars, print_ast=_as_document, mode=mode
            )
        return operations[mode, field]

    @st.composite
    def build(draw: st.DrawFn) -> Request:
        valid = draw(st.sampled_from([True, True, True, False]))
        mode = Mode.POSITIVE if valid else Mode.NEGATIVE
        # One root field, or (one time in eight, valid operations only) any number of them.
        several = valid and draw(st.integers(0, 7)) == 0
        field = None if several else draw(st.sampled_from(fields if valid else with_arguments))
        document = _plant(draw, draw(operation(mode, field)), known)
        document, variables = _into_variables(draw, schema, document, bend=not valid)
        query = graphql.print_ast(document)
        client = draw(st.sampled_from(clients))
        envelope = _json if valid or draw(st.integers(0, 2)) else draw(st.sampled_from(_MALFORMED))
        return Request(client, query, variables, envelope(draw, query, variables))

    return build()


def _as_document(document: graphql.DocumentNode) -> graphql.DocumentNode:
    return document


class _Planter(graphql.Visitor):
    """Replaces, three times in four, the values of arguments and input fields the hub has real values for."""

    def __init__(self, draw: st.DrawFn, known: Mapping[str, Sequence[str]]) -> None:
        super().__init__()
        self.draw = draw
        self.known = known

    def enter_argument(self, node: graphql.ArgumentNode, *_: object) -> graphql.ArgumentNode | None:
        value = self._value(node.name.value, node.value)
        return None if value is None else graphql.ArgumentNode(name=node.name, value=value)

    def enter_object_field(self, node: graphql.ObjectFieldNode, *_: object) -> graphql.ObjectFieldNode | None:
        value = self._value(node.name.value, node.value)
        return None if value is None else graphql.ObjectFieldNode(name=node.name, value=value)

    def _value(self, name: str, current: graphql.ValueNode) -> graphql.ValueNode | None:
        choices = self.known.get(name)
        if not choices or isinstance(current, graphql.ObjectValueNode) or not self.draw(st.integers(0, 3)):
            return None
        pick = st.sampled_from(choices).map(nodes.String)
        if isinstance(current, graphql.ListValueNode):
            return nodes.List(self.draw(st.lists(pick, max_size=3)))
        return self.draw(pick)


def _plant(draw: st.DrawFn, document: graphql.DocumentNode, known: Mapping[str, Sequence[str]]) -> graphql.DocumentNode:
    planted: graphql.DocumentNode = graphql.visit(document, _Planter(draw, known))
    return planted


def _into_variables(
    draw: st.DrawFn, schema: graphql.GraphQLSchema, document: graphql.DocumentNode, *, bend: bool
) -> tuple[graphql.DocumentNode, dict[str, JSONValue]]:
    """Move some arguments of the root fields into variables of the argument's type, their values as JSON, if `bend`
    sometimes bent (an unknown key, a value of another type): variables are coerced on another path than inline
    values."""
    (operation,) = document.definitions
    assert isinstance(operation, graphql.OperationDefinitionNode)
    root = schema.get_root_type(operation.operation)
    assert root is not None
    definitions: list[graphql.VariableDefinitionNode] = []
    variables: dict[str, JSONValue] = {}
    selections = []
    for selection in operation.selection_set.selections:
        assert isinstance(selection, graphql.FieldNode)
        field = root.fields[selection.name.value]
        arguments = []
        for argument in selection.arguments or ():
            declared = field.args.get(argument.name.value)
            if declared is None or not draw(st.booleans()):
                arguments.append(argument)
                continue
            name = f"v{len(definitions)}"
            definitions.append(
                graphql.VariableDefinitionNode(
                    variable=graphql.VariableNode(name=graphql.NameNode(value=name)),
                    type=graphql.parse_type(str(declared.type)),
                )
            )
            value = graphql.value_from_ast_untyped(argument.value)
            variables[name] = draw(_bent(value)) if bend else value
            arguments.append(
                graphql.ArgumentNode(name=argument.name, value=graphql.VariableNode(name=graphql.NameNode(value=name)))
            )
        selections.append(
            graphql.FieldNode(
                alias=selection.alias,
                name=selection.name,
                arguments=tuple(arguments),
                directives=selection.directives,
                selection_set=selection.selection_set,
            )
        )
    operation = graphql.OperationDefinitionNode(
        operation=operation.operation,
        variable_definitions=tuple(definitions),
        selection_set=graphql.SelectionSetNode(selections=tuple(selections)),
    )
    return graphql.DocumentNode(definitions=(operation,)), variables


_JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10))


def _bent(value: JSONValue) -> st.SearchStrategy[JSONValue]:
    """The value as it is (most often), or with an unknown key added, a key dropped, or another JSON value."""
    variants = [st.just(value), st.just(value), st.just(value), _JSON_LEAVES, st.lists(_JSON_LEAVES, max_size=2)]
    if isinstance(value, dict):
        variants.append(st.just({**value, "unknownField": 1}))
        variants.extend(st.just({k: v for k, v in value.items() if k != key}) for key in value)
    return st.one_of(variants)


def _json(draw: st.DrawFn, query: str, variables: dict[str, JSONValue]) -> bytes:
    return json.dumps({"query": query, "variables": variables}).encode()


def _json_value(draw: st.DrawFn, query: str, variables: dict[str, JSONValue]) -> bytes:
    """A body that is JSON but not a request object: null, a number, a string, a list."""
    return json.dumps(draw(st.one_of(_JSON_LEAVES, st.just([{"query": query}])))).encode()


def _odd_members(draw: st.DrawFn, query: str, variables: dict[str, JSONValue]) -> bytes:
    """A request object with members of the wrong type."""
    member = draw(st.sampled_from(["query", "variables", "operationName", "extensions"]))
    body: dict[str, JSONValue] = {"query": query, "variables": variables}
    body[member] = draw(st.one_of(_JSON_LEAVES, st.lists(_JSON_LEAVES, max_size=2)))
    return json.dumps(body).encode()


def _not_json(draw: st.DrawFn, query: str, variables: dict[str, JSONValue]) -> bytes:
    return draw(st.sampled_from([b"", b"{", query.encode(), b"\xff\xfe"]))


_MALFORMED: list[Callable[[st.DrawFn, str, dict[str, JSONValue]], bytes]] = [_json_value, _odd_members, _not_json]

# Signs that an answer shows the code or the database behind it.
LEAKS = {
    name: re.compile(pattern)
    for name, pattern in {
        "traceback": r"Traceback \(most recent call last\)|File \"|line \d+, in ",
        "python exception": r"\b(?:Value|Key|Type|Attribute|Index|Lookup|Name|Runtime|Assertion|Overflow|Recursion|"
        r"ZeroDivision|UnicodeDecode|UnicodeEncode|NotImplemented|Integrity|Data|Programming|Operational|DBAPI|"
        r"Statement|Database|Interface|Validation)Error\b|\b(?:InvalidOperation|NoResultFound|MultipleResultsFound|"
        r"StopIteration|PendingRollbackError|MissingGreenlet)\b|<class '|object at 0x",
        "database": r"(?i)sqlalchemy|asyncpg|sqlite3?\b|psycopg|aiosqlite",
        "sql": r"(?i)\bSELECT\b.*\bFROM\b|\bINSERT INTO\b|\bUPDATE\b.*\bSET\b|\bDELETE FROM\b|violates .*constraint"
        r"|\bUNIQUE constraint\b|\bNOT NULL constraint\b",
    }.items()
}


def problems(response: httpx.Response) -> list[tuple[str, str]]:
    """What in an answer shows a bug, as (kind, detail): a 5xx status, an INTERNAL error, a message with a Python or
    SQL detail."""
    found = []
    if response.status_code >= 500:
        found.append((f"HTTP {response.status_code}", response.text[:300]))
    try:
        body = response.json()
    except ValueError:
        messages = [response.text]
    else:
        errors = body.get("errors") if isinstance(body, dict) else None
        for error in errors if isinstance(errors, list) else []:
            if isinstance(error, dict) and (error.get("extensions") or {}).get("code") == "INTERNAL":
                path = error.get("path")
                found.append((f"INTERNAL at {path[0] if path else 'no path'}", str(error)))
        messages = _messages(body)
    for message in messages:
        for name, pattern in LEAKS.items():
            if pattern.search(message):
                found.append((f"{name} in a message", message[:300]))
    return found


def _messages(value: JSONValue) -> list[str]:
    """Every `message` and `messageVi` in an answer, top-level errors and payload errors alike."""
    if isinstance(value, list):
        return [m for item in value for m in _messages(item)]
    if not isinstance(value, dict):
        return []
    own = [v for k, v in value.items() if k in ("message", "messageVi") and isinstance(v, str)]
    return own + [m for v in value.values() for m in _messages(v)]
