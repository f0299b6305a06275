"""Limits on what one GraphQL document may ask, checked at validation in time linear in the document.

Each definition (operation or fragment) is walked once into a `_Shape`: its own depth, aliases and cost, and the
fragments it spreads with where it spreads them. Fragments are then combined bottom-up, each once, so a document of
fragments that spread each other many times costs no more to check than to read; a spread that closes a cycle
adds nothing (graphql-core's NoFragmentCyclesRule reports it).
"""

from __future__ import annotations

import dataclasses
import math
import weakref
from collections.abc import Iterable, Mapping
from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValidationRule,
    get_named_type,
    get_nullable_type,
    is_introspection_type,
    is_list_type,
)
from graphql.language import SKIP, DocumentNode, VisitorAction
from graphql.type import SchemaMetaFieldDef, TypeMetaFieldDef
from graphql.utilities.coerce_input_value import coerce_default_value
from graphql.validation import OverlappingFieldsCanBeMergedRule, ValidationContext, specified_rules
from graphql.validation.validate import ValidationAbortedError

from hub.audit.tracker import MAX_PAGE as TRACKER_PAGE
from hub.audit.trail import MAX_PAGE as AUDIT_PAGE
from hub.catalogs.facilities import MAX_PAGE as FACILITY_PAGE
from hub.catalogs.facility_import import MAX_REJECTED_PAGE
from hub.childcards.queries import MAX_PAGE as CASE_PAGE
from hub.claims.queries import MAX_PAGE as CLAIM_PAGE
from hub.documents.queries import MAX_PAGE as DOCUMENT_PAGE
from hub.infra.settings import GraphQLLimits
from hub.jobs.failed import MAX_PAGE as FAILED_JOB_PAGE
from schema.catalogs.facilities import MAX_REQUESTS
from schema.childcards.intake import ANSWERED_PER_RECORD, is_registration
from schema.errors import BAD_USER_INPUT, TOO_COMPLEX

INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"

# Arguments that ask for a page of a list; when one is a variable (unknown at validation, and the validation cache
# keys on the document alone) the field's maximum counts.
PAGE_ARGUMENTS = ("first", "limit")
# The most items each paged field returns, whatever `first` asks (the services clamp to these).
PAGE_MAXIMA: Mapping[str, int] = {
    "Query.auditTrail": AUDIT_PAGE,
    "Query.childCardCases": CASE_PAGE,
    "Query.claims": CLAIM_PAGE,
    "Query.documents": DOCUMENT_PAGE,
    "Query.facilities": FACILITY_PAGE,
    "FacilityImport.rejected": MAX_REJECTED_PAGE,
    "Query.facilityRequests": MAX_REQUESTS,
    "Query.failedJobs": FAILED_JOB_PAGE,
    "Query.myDataAccess": TRACKER_PAGE,
}
# A paged field missing from PAGE_MAXIMA counts as the largest page any field gives.
DEFAULT_PAGE_MAXIMUM = max(PAGE_MAXIMA.values())
# A list without a page argument (a claim's history, a payload's errors) is bounded by the record it belongs to;
# it counts as this many items.
UNPAGED_LIST_SIZE = 10
# The schema's own description (types, fields, arguments) is in memory; its lists fan out about this much on
# average, so the standard introspection query passes (under 9,000) and nesting it does not.
INTROSPECTION_LIST_SIZE = 5


# Only one operation of a document runs; the others would only cost validation (620 small ones: 85 ms).
MAX_OPERATIONS = 10
# graphql-core's check that fields of one name can be merged compares them in pairs, within a budget of work it
# aborts past; its default (500,000) takes over a second to spend on 1,200 copies of one field. The hub's own
# documents spend under 20; a document repeating a field or a fragment hundreds of times is refused.
MERGE_BUDGET = 1_000


def too_complex(message: str, node: OperationDefinitionNode) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": TOO_COMPLEX})


class BoundedOverlappingFieldsRule(OverlappingFieldsCanBeMergedRule):
    """graphql-core's OverlappingFieldsCanBeMergedRule with MERGE_BUDGET for its work."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.rule_context.remaining_complexity_budget = MERGE_BUDGET


@dataclasses.dataclass(frozen=True)
class _Spread:
    name: str
    depth: int | None  # the depth it is spread at; None under an introspection field, whose depth does not count
    multiplier: int  # the list sizes above it


@dataclasses.dataclass
class _Shape:
    """What one definition asks by itself, and the fragments it spreads."""

    depth: int = 0
    aliases: int = 0
    cost: int = 0
    spreads: list[_Spread] = dataclasses.field(default_factory=list)

    def plus(self, spread: _Spread, fragment: _Totals) -> None:
        if spread.depth is not None:
            self.depth = max(self.depth, spread.depth + fragment.depth)
        self.aliases += fragment.aliases
        self.cost += spread.multiplier * fragment.cost


@dataclasses.dataclass(frozen=True)
class _Totals:
    """What a definition asks with every fragment it spreads, counted as many times as it is spread."""

    depth: int
    aliases: int
    cost: int


@dataclasses.dataclass(frozen=True)
class _Size:
    """How a field's items count: `maximum` items, or the literal page argument `argument` asks (up to maximum)."""

    maximum: int
    argument: str | None = None
    default: int | None = None

    def of(self, node: FieldNode) -> int:
        if self.argument is None:
            return self.maximum
        for argument in node.arguments or ():
            if argument.name.value == self.argument:
                asked = int(argument.value.value) if isinstance(argument.value, IntValueNode) else self.maximum
                return max(1, min(asked, self.maximum))
        return self.maximum if self.default is None else max(1, min(self.default, self.maximum))


ONE = _Size(1)


class _ListSizes:
    """How many items each field of one schema returns, worked out on first use."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.sizes: dict[tuple[str, str], _Size] = {}
        # Types that carry one page (a connection): their list is the page its field was asked for, counted there.
        self.page_types = {
            get_named_type(field.type).name
            for type_ in schema.type_map.values()
            if isinstance(type_, GraphQLObjectType) and not is_introspection_type(type_)
            for field in type_.fields.values()
            if _page_argument(field) is not None and not is_list_type(get_nullable_type(field.type))
        }

    def size(self, parent: GraphQLNamedType, name: str, field: GraphQLField) -> _Size:
        key = (parent.name, name)
        found = self.sizes.get(key)
        if found is None:
            found = self.sizes[key] = self._size(parent, name, field)
        return found

    def _size(self, parent: GraphQLNamedType, name: str, field: GraphQLField) -> _Size:
        argument = _page_argument(field)
        if argument is not None:
            default = coerce_default_value(field.args[argument])
            return _Size(
                PAGE_MAXIMA.get(f"{parent.name}.{name}", DEFAULT_PAGE_MAXIMUM),
                argument,
                default if isinstance(default, int) else None,
            )
        if not is_list_type(get_nullable_type(field.type)) or parent.name in self.page_types:
            return ONE
        return _Size(INTROSPECTION_LIST_SIZE if is_introspection_type(parent) else UNPAGED_LIST_SIZE)


def _page_argument(field: GraphQLField) -> str | None:
    return next((name for name in PAGE_ARGUMENTS if name in field.args), None)


_SIZES: weakref.WeakKeyDictionary[GraphQLSchema, _ListSizes] = weakref.WeakKeyDictionary()


def _list_sizes(schema: GraphQLSchema) -> _ListSizes:
    sizes = _SIZES.get(schema)
    if sizes is None:
        sizes = _SIZES[schema] = _ListSizes(schema)
    return sizes


class _Walker:
    """Walks one definition's selections (the parser bounds their nesting) into its `_Shape`."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.sizes = _list_sizes(schema)

    def shape(self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None) -> _Shape:
        shape = _Shape()
        self._walk(selection_set, parent, 0, 1, shape)
        return shape

    def _walk(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType | None,
        depth: int | None,
        times: int,
        shape: _Shape,
    ) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.alias is not None:
                    shape.aliases += 1
                shape.cost += times
                if selection.selection_set is None:
                    continue
                name = selection.name.value
                # Introspection fields do not count towards depth (the standard introspection query nests deeply).
                inner = None if depth is None or name.startswith("__") else depth + 1
                if inner is not None:
                    shape.depth = max(shape.depth, inner)
                field = self._field(parent, name)
                if field is None:  # an unknown field: FieldsOnCorrectTypeRule reports it
                    self._walk(selection.selection_set, None, inner, times, shape)
                    continue
                assert parent is not None
                size = self.sizes.size(parent, name, field).of(selection)
                self._walk(selection.selection_set, get_named_type(field.type), inner, times * size, shape)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner_type = self.schema.get_type(condition.name.value) if condition else parent
                self._walk(selection.selection_set, inner_type, depth, times, shape)
            elif isinstance(selection, FragmentSpreadNode):
                shape.spreads.append(_Spread(selection.name.value, depth, times))

    def _field(self, parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
        if name == "__schema" and parent is self.schema.query_type:
            return SchemaMetaFieldDef
        if name == "__type" and parent is self.schema.query_type:
            return TypeMetaFieldDef
        if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            field: GraphQLField | None = parent.fields.get(name)
            return field
        return None


def _fragment_totals(walker: _Walker, fragments: Mapping[str, FragmentDefinitionNode]) -> dict[str, _Totals]:
    """Every fragment's totals, each fragment walked once, in an order where a fragment follows those it spreads.

    The spreads are followed with a stack, not recursion: a chain of fragments is bounded by the token limit only."""
    shapes = {
        name: walker.shape(fragment.selection_set, walker.schema.get_type(fragment.type_condition.name.value))
        for name, fragment in fragments.items()
    }
    totals: dict[str, _Totals] = {}
    for root in shapes:
        if root in totals:
            continue
        path = [(root, iter(shapes[root].spreads))]
        on_path = {root}
        while path:
            name, spreads = path[-1]
            for spread in spreads:
                if spread.name in shapes and spread.name not in totals and spread.name not in on_path:
                    path.append((spread.name, iter(shapes[spread.name].spreads)))
                    on_path.add(spread.name)
                    break
            else:
                path.pop()
                on_path.remove(name)
                totals[name] = _combine(shapes[name], totals)
    return totals


def _combine(shape: _Shape, fragments: Mapping[str, _Totals]) -> _Totals:
    combined = dataclasses.replace(shape, spreads=[])
    for spread in shape.spreads:
        fragment = fragments.get(spread.name)  # missing: unknown, or the spread closes a cycle
        if fragment is not None:
            combined.plus(spread, fragment)
    return _Totals(combined.depth, combined.aliases, combined.cost)


def operation_totals(schema: GraphQLSchema, document: DocumentNode) -> list[tuple[OperationDefinitionNode, _Totals]]:
    """The depth, aliases and cost of each operation in `document`, its fragments expanded.

    A list, not a dict: an AST node hashes its whole subtree."""
    walker = _Walker(schema)
    definitions = document.definitions
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    totals = _fragment_totals(walker, fragments)
    return [
        (operation, _combine(walker.shape(operation.selection_set, schema.get_root_type(operation.operation)), totals))
        for operation in definitions
        if isinstance(operation, OperationDefinitionNode)
    ]


def document_limits_rule(limits: GraphQLLimits) -> type[ValidationRule]:
    """A validation rule refusing any operation deeper, with more aliases, or costlier than `limits` allow.

    Build it once per schema: the validation cache keys on the rule classes."""

    class DocumentLimits(ValidationRule):
        def enter_document(self, node: DocumentNode, *_args: Any) -> VisitorAction:
            operations = [d for d in node.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > MAX_OPERATIONS:
                message = f"The document holds {len(operations)} operations, more than the limit of {MAX_OPERATIONS}."
                raise ValidationAbortedError(message, operations[MAX_OPERATIONS], extensions={"code": TOO_COMPLEX})
            errors = [
                error
                for operation, found in operation_totals(self.context.schema, node)
                for error in _excesses(operation, found, limits)
            ]
            if not errors:
                return SKIP
            for error in errors[:-1]:
                self.report_error(error)
            # A refused document is not worth the other rules' time: end the validation with the last excess.
            last = errors[-1]
            raise ValidationAbortedError(last.message, last.nodes, extensions=last.extensions)

    return DocumentLimits


def _excesses(operation: OperationDefinitionNode, found: _Totals, limits: GraphQLLimits) -> Iterable[GraphQLError]:
    kind = operation.operation.value.capitalize()
    if found.depth > limits.max_depth:
        yield too_complex(f"{kind} depth {found.depth} exceeds the limit of {limits.max_depth}.", operation)
    if found.aliases > limits.max_aliases:
        yield too_complex(
            f"{kind} has {_figure(found.aliases)} aliases, more than the limit of {limits.max_aliases}.", operation
        )
    if found.cost > limits.max_cost:
        yield too_complex(
            f"{kind} cost {_figure(found.cost)} exceeds the limit of {limits.max_cost:,} "
            "(fields selected, each multiplied by the list sizes asked above it).",
            operation,
        )


def _figure(count: int) -> str:
    """A count for a message: exact up to a quadrillion, then its order of magnitude (fragments multiply fast; a float
    or a decimal string of the count could overflow)."""
    return f"{count:,}" if count < 10**15 else f"over 10^{int((count.bit_length() - 1) * math.log10(2))}"


class IntrospectionDisabled(ValidationRule):
    """Refuses `__schema` and `__type` (not `__typename`): the committed schema.graphql documents the API."""

    def enter_field(self, node: FieldNode, *_args: Any) -> VisitorAction:
        type_ = get_named_type(self.context.get_type())
        if type_ is None or not is_introspection_type(type_):
            return None
        self.report_error(
            GraphQLError(
                f"Introspection is disabled; cannot query field '{node.name.value}'. "
                "The published schema (schema.graphql) documents the API.",
                node,
                extensions={"code": INTROSPECTION_DISABLED},
            )
        )
        return SKIP  # one error for the whole introspection selection


NUL = "\x00"
NUL_MESSAGE = "contains the NUL character (U+0000), which no text may hold"


class TextWithoutNul(ValidationRule):
    """Refuses a string literal holding U+0000 (written `\\u0000`): PostgreSQL's text cannot hold it, and SQLite would
    keep it; refused here, it is refused the same way on both. Variables are checked as the request is read."""

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> VisitorAction:
        if NUL in node.value:
            self.report_error(GraphQLError(f"A string {NUL_MESSAGE}.", node, extensions={"code": BAD_USER_INPUT}))
        return None


def nul_in(value: object, path: str) -> str | None:
    """The path of the first text holding U+0000 within a JSON value (`$records[3].child.fullName`), or None.

    A birth registration's texts are left to the intake, which answers a NUL in one of them for that record alone
    (FIELD_CHARACTERS) rather than refusing the whole batch; the registration's other values are walked as any."""
    match value:
        case str():
            return path if NUL in value else None
        case dict() if is_registration(value):
            return _nul_outside(value, path, "", ANSWERED_PER_RECORD)
        case dict():
            return next((p for k, v in value.items() if (p := nul_in(k, path) or nul_in(v, f"{path}.{k}"))), None)
        case list():
            return next((p for i, v in enumerate(value) if (p := nul_in(v, f"{path}[{i}]"))), None)
    return None


def _nul_outside(value: object, path: str, name: str, answered: frozenset[str]) -> str | None:
    """As `nul_in`, leaving out the texts named (by their dotted path `name` within the value) in `answered`."""
    match value:
        case str() if name in answered:
            return None
        case dict():
            return next(
                (
                    p
                    for k, v in value.items()
                    if (p := nul_in(k, path) or _nul_outside(v, f"{path}.{k}", f"{name}.{k}" if name else k, answered))
                ),
                None,
            )
    return nul_in(value, path)


def validation_rules(limits: GraphQLLimits, *, introspection: bool) -> tuple[type[ASTValidationRule], ...]:
    """Every validation rule of one schema: the hub's limits first, then graphql-core's rules (the merge check within
    MERGE_BUDGET), and without introspection IntrospectionDisabled. Build them once per schema: the validation cache
    keys on the rule classes."""
    specified = (BoundedOverlappingFieldsRule if r is OverlappingFieldsCanBeMergedRule else r for r in specified_rules)
    optional = () if introspection else (IntrospectionDisabled,)
    return (document_limits_rule(limits), TextWithoutNul, *specified, *optional)
