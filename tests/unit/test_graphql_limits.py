"""The document limits (depth, aliases, cost) and the production posture, as validation rules and error shaping."""

from __future__ import annotations

import time
from typing import Any, cast

import pytest
from graphql import (
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    get_introspection_query,
    parse,
    specified_rules,
    validate,
)

from hub.infra.settings import GraphQLLimits
from schema import build_schema as build_hub_schema
from schema.errors import PublicErrors
from schema.limits import (
    DEFAULT_PAGE_MAXIMUM,
    INTROSPECTION_LIST_SIZE,
    MAX_OPERATIONS,
    PAGE_ARGUMENTS,
    PAGE_MAXIMA,
    UNPAGED_LIST_SIZE,
    IntrospectionDisabled,
    document_limits_rule,
    operation_totals,
    validation_rules,
)

SDL = """
type Query { items(first: Int = 10): ItemConnection, item: Item, things: [Item], tags: [String] }
type ItemConnection { edges: [ItemEdge], total: Int }
type ItemEdge { node: Item }
type Item { name: String, parent: Item, children: [Item] }
"""
SCHEMA = build_schema(SDL)


def errors(document: str, schema: GraphQLSchema = SCHEMA, **limits: Any) -> list[str]:
    rule = document_limits_rule(GraphQLLimits(**limits))
    return [e.message for e in validate(schema, parse(document), [*specified_rules, rule])]


def limit_errors(document: str, **limits: Any) -> list[str]:
    rule = document_limits_rule(GraphQLLimits(**limits))
    found = validate(SCHEMA, parse(document), [rule])
    assert all(e.extensions == {"code": "QUERY_TOO_COMPLEX"} for e in found)
    return [e.message for e in found]


def totals(document: str, schema: GraphQLSchema = SCHEMA) -> tuple[int, int, int]:
    ((_, found),) = operation_totals(schema, parse(document))
    return found.depth, found.aliases, found.cost


def nested_fragments(levels: int, spreads: int) -> str:
    """`levels` fragments, each spreading the next `spreads` times: spreads**levels fields once expanded."""
    chain = [f"fragment F{i} on Item {{ {' '.join([f'...F{i + 1}'] * spreads)} }}" for i in range(levels)]
    return "\n".join(["{ item { ...F0 } }", *chain, f"fragment F{levels} on Item {{ name }}"])


def test_depth_counts_fields_above_the_deepest_field_through_fragments_as_inline():
    inline = "{ item { parent { parent { name } } } }"
    spread = "{ item { ...P } } fragment P on Item { parent { parent { name } } }"
    assert totals(inline)[0] == totals(spread)[0] == 3
    # At the limit it passes; one over, it is refused with the figures
    assert limit_errors(spread, max_depth=3) == []
    assert limit_errors(spread, max_depth=2) == ["Query depth 3 exceeds the limit of 2."]


def test_aliases_are_counted_each_time_their_fragment_is_spread():
    fragment = "fragment A on Item { a: name b: name c: name }"
    document = "{ item { ...A ...A ...A ...A } x: item { ...A ...A ...A } } " + fragment
    assert totals(document)[1] == 7 * 3 + 1
    assert limit_errors(document, max_aliases=22) == []
    assert limit_errors(document, max_aliases=21) == ["Query has 22 aliases, more than the limit of 21."]


def test_cost_multiplies_by_the_page_asked_or_the_default_or_the_maximum_for_a_variable():
    page = "{{ items{} {{ total edges {{ node {{ name }} }} }} }}"
    per_item = 4  # total, edges, node, name; the edges are the page, counted at `items`
    assert totals(page.format("(first: 5)"))[2] == 1 + 5 * per_item
    assert totals(page.format(""))[2] == 1 + 10 * per_item
    assert totals(page.format("(first: 100000)"))[2] == 1 + DEFAULT_PAGE_MAXIMUM * per_item
    variable = "query($n: Int) " + page.format("(first: $n)")
    assert totals(variable)[2] == 1 + DEFAULT_PAGE_MAXIMUM * per_item
    # A list without a page argument counts as UNPAGED_LIST_SIZE items; a list of scalars is one field
    assert (
        totals("{ things { name children { name } } tags }")[2] == 1 + UNPAGED_LIST_SIZE * (2 + UNPAGED_LIST_SIZE) + 1
    )


def test_cost_through_nested_fragments_is_exact_and_refused_at_the_boundary():
    document = nested_fragments(8, 8)
    assert totals(document) == (1, 0, 1 + 8**8)
    assert limit_errors(document, max_cost=1 + 8**8) == []
    assert limit_errors(document, max_cost=8**8) == [
        f"Query cost {1 + 8**8:,} exceeds the limit of {8**8:,} "
        "(fields selected, each multiplied by the list sizes asked above it)."
    ]


@pytest.mark.parametrize(("levels", "spreads"), [(8, 8), (10, 10), (40, 2)])
def test_nested_fragments_validate_in_linear_time(levels, spreads):
    document = parse(nested_fragments(levels, spreads))
    rule = document_limits_rule(GraphQLLimits())
    start = time.perf_counter()
    found = validate(SCHEMA, document, [*specified_rules, rule])
    assert time.perf_counter() - start < 0.5
    assert [e.message.split(" exceeds")[0] for e in found] == [f"Query cost {1 + spreads**levels:,}"]


def test_fragment_cycles_end_and_are_reported_by_graphql_core():
    document = """
      { item { ...A } }
      fragment A on Item { name parent { ...B } }
      fragment B on Item { a: name ...A ...C }
      fragment C on Item { ...C children { name } }
    """
    found = errors(document)
    assert sum("Cannot spread fragment" in m for m in found) == 2
    assert not any("exceeds" in m or "more than" in m for m in found)
    # Each spread that closes a cycle adds nothing; the rest is counted once per spread
    assert totals(document) == (3, 1, 1 + 1 + 1 + 1 + 1 + UNPAGED_LIST_SIZE)


def test_a_long_chain_of_fragments_needs_no_recursion():
    chain = [f"fragment F{i} on Item {{ ...F{i + 1} }}" for i in range(3000)]
    document = "\n".join(["{ item { ...F0 } }", *chain, "fragment F3000 on Item { parent { name } }"])
    assert totals(document) == (2, 0, 3)


def test_unknown_fields_types_and_fragments_are_left_to_the_other_rules():
    document = "{ item { nope { name } ...Missing ... on Nowhere { name } } } fragment X on Nowhere { name }"
    assert totals(document) == (2, 0, 4)
    assert limit_errors(document) == []


def test_every_paged_field_of_the_hub_has_a_page_maximum():
    schema = build_hub_schema()._schema
    paged = {
        f"{type_.name}.{name}"
        for type_ in schema.type_map.values()
        if not type_.name.startswith("__")
        for name, field in getattr(type_, "fields", {}).items()
        if any(argument in getattr(field, "args", {}) for argument in PAGE_ARGUMENTS)
    }
    assert paged == set(PAGE_MAXIMA), "add the field's page maximum to schema/limits.py PAGE_MAXIMA"
    # A page asked beyond the maximum counts as the maximum the service returns
    document = "{ documents(first: 100000) { totalCount edges { node { id } } } }"
    assert totals(document, schema)[2] == 1 + PAGE_MAXIMA["Query.documents"] * 4


def test_the_standard_introspection_query_passes_the_hub_limits_and_nesting_it_does_not():
    schema = build_hub_schema()._schema
    assert errors(get_introspection_query(descriptions=True, one_of=True), schema) == []
    # Each level of fields fans out by INTROSPECTION_LIST_SIZE (graphql-core's own rule stops this at 3 levels)
    level = '{ __type(name: "Query") { fields { type { name ofType { name } } } } }'
    nested = '{ __type(name: "Query") { fields { type { fields { type { fields { type { name } } } } } } } }'
    assert totals(level, schema)[2] == 1 + 1 + INTROSPECTION_LIST_SIZE * (1 + 1 + 1 + 1)
    innermost = 1 + INTROSPECTION_LIST_SIZE * (1 + 1)  # fields { type { name } }
    middle = 1 + INTROSPECTION_LIST_SIZE * (1 + innermost)
    assert totals(nested, schema)[2] == 1 + 1 + INTROSPECTION_LIST_SIZE * (1 + middle)


def test_introspection_disabled_refuses_schema_and_type_but_not_typename():
    document = '{ __typename item { __typename } __schema { types { name } } __type(name: "Item") { name } }'
    found = validate(SCHEMA, parse(document), [IntrospectionDisabled])
    assert [(e.message.split(";")[0], e.extensions) for e in found] == [
        ("Introspection is disabled", {"code": "INTROSPECTION_DISABLED"})
    ] * 2
    assert validate(SCHEMA, parse("{ __typename item { __typename } }"), [IntrospectionDisabled]) == []


def coercion_error(cause: Exception) -> GraphQLError:
    """A variable's value refused as graphql-core reports it: at the variable's definition, the cause inside."""
    operation = cast(OperationDefinitionNode, parse("query($when: Date!) { __typename }").definitions[0])
    (definition,) = operation.variable_definitions or ()
    inner = GraphQLError(f"Expected value of type 'Date!', but encountered error '{cause}'", original_error=cause)
    return GraphQLError(f"Variable '$when' has invalid value: {inner.message}", definition, original_error=inner)


def test_a_value_a_scalar_refuses_is_bad_input_but_a_scalar_that_crashes_is_a_bug(caplog):
    refused = PublicErrors()._process_errors([coercion_error(ValueError("no such day"))])[0]
    assert refused.extensions == {
        "code": "BAD_USER_INPUT",
        "variable": "when",
        "variablePath": ["when"],
        "reason": "Expected value of type 'Date!', but encountered error 'no such day'",
    }
    assert caplog.records == []
    crashed = PublicErrors()._process_errors([coercion_error(AttributeError("'NoneType' has no attribute 'day'"))])[0]
    assert (crashed.message, crashed.extensions) == ("Internal error.", {"code": "INTERNAL"})
    assert [r.levelname for r in caplog.records] == ["ERROR"]


def test_production_errors_suggest_no_names():
    typo = GraphQLError("Cannot query field 'vewer' on type 'Query'. Did you mean 'viewer' or 'views'?")
    unknown = GraphQLError(
        "Expected value of type 'X' not to include unknown field 'nam'. Did you mean 'name'? Found: {}"
    )
    assert [e.message for e in PublicErrors(suggestions=False)._process_errors([typo, unknown])] == [
        "Cannot query field 'vewer' on type 'Query'.",
        "Expected value of type 'X' not to include unknown field 'nam'. Found: {}",
    ]
    assert PublicErrors()._process_errors([typo]) == [typo]


def test_a_document_of_many_operations_is_refused_before_the_other_rules_run():
    rules = validation_rules(GraphQLLimits(), introspection=True)
    ten = " ".join(f"query Q{i} {{ item {{ name }} }}" for i in range(MAX_OPERATIONS))
    assert validate(SCHEMA, parse(ten), rules) == []
    (refused,) = validate(SCHEMA, parse(ten + " query Extra { item { name } } query Unused($x: Int) { item }"), rules)
    assert refused.message == f"The document holds {MAX_OPERATIONS + 2} operations, more than the limit of 10."
    assert refused.extensions == {"code": "QUERY_TOO_COMPLEX"}


def test_merging_a_field_repeated_hundreds_of_times_is_abandoned_quickly():
    rules = validation_rules(GraphQLLimits(), introspection=True)
    document = parse("{ " + "item { name } " * 1200 + "}")
    # Abandoned, not timed here: how long it takes is measured by bench/graphql_validation.py
    (aborted,) = validate(SCHEMA, document, rules)
    assert aborted.message == "Validation aborted."
    assert PublicErrors()._process_errors([aborted])[0].extensions == {"code": "QUERY_TOO_COMPLEX"}
    # A field repeated a few times, as fragments do, is merged as before
    assert validate(SCHEMA, parse("{ " + "item { name } " * 20 + "}"), rules) == []


def test_costs_beyond_any_float_are_reported_by_their_order_of_magnitude():
    chain = [f"fragment F{i} on Item {{ ...F{i + 1} ...F{i + 1} ...F{i + 1} }}" for i in range(700)]
    document = "\n".join(["{ item { ...F0 } }", *chain, "fragment F700 on Item { name }"])
    assert limit_errors(document) == [
        "Query cost over 10^333 exceeds the limit of 50,000 "
        "(fields selected, each multiplied by the list sizes asked above it)."
    ]
