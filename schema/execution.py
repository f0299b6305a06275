"""GraphQL execution with a short path for objects whose selected fields are all plain values.

graphql-core executes every field the same way: a path entry, a resolve info of a dozen parts, the resolver through
Strawberry's wrapper, then the completion of the value by its type. For a leaf read off an attribute, that is about
4 µs of Python per field, most of it for nothing. A hospital's receipt lists each document it stored (20 for an
envelope of 10 dossiers, 4 fields each): 0.3 ms of the intake's CPU went there, the cost of signing the receipt.

`PlainFieldsExecution.execute_fields` answers such an object itself, by calling each field's own resolver and
completing its value by its type's own coercion, as graphql-core would. It does so only when graphql-core's answer
could not differ:
- every field selected is a leaf (a scalar or an enum) without arguments, resolved by Strawberry's default resolver
  (an attribute of the object: no resolver, permission, extension or error handler of the hub's own);
- no middleware is installed;
- nothing goes wrong: a null where the type forbids one, a value its type cannot coerce, or an exception, sends the
  whole object down graphql-core's path, which runs the same side-effect-free reads again and reports the error where
  the specification wants it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLObjectType,
    get_nullable_type,
    is_leaf_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_Reading = tuple[Callable[..., Any], Callable[[Any], Any], bool]
"""How a plain field is answered: its resolver, its type's coercion, whether it may be null."""
_Plain = tuple[str, Callable[..., Any], Callable[[Any], Any], bool]
"""A field answered on the short path: its response name, then its _Reading."""


class PlainFieldsExecution(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with objects of plain fields completed in one loop (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each grouped field set is made once per request and per selection (graphql-core memoizes them): its plan
        # is made once too, and the set is kept beside it so that its id stays its own while the request runs.
        self._plans: dict[int, tuple[GroupedFieldSet, list[_Plain] | None]] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        plan = self._plan(parent_type, grouped_field_set)
        if plan is not None:
            results: dict[str, Any] = {}
            try:
                for response_name, resolve, coerce, nullable in plan:
                    value = resolve(source_value, None)
                    if value is None:
                        if not nullable:
                            break
                        results[response_name] = None
                        continue
                    coerced = coerce(value)
                    if coerced is None or coerced is Undefined:
                        break
                    results[response_name] = coerced
                else:
                    return results
            except Exception:  # graphql-core's path below reports it where it belongs
                pass
        return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)

    @property
    def _middleware(self) -> bool:
        """Whether a middleware wraps resolvers (Strawberry always installs a manager, empty when no extension of
        the schema resolves)."""
        manager = self.middleware_manager
        return manager is not None and bool(manager.middlewares)

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> list[_Plain] | None:
        """How to answer `grouped_field_set` of `parent_type` on the short path; None when it cannot be."""
        known = self._plans.get(id(grouped_field_set))
        if known is not None and known[0] is grouped_field_set:
            return known[1]
        plan: list[_Plain] | None = None
        if not self._middleware:
            readings = {
                response_name: _reading(self.schema.get_field(parent_type, details[0].node.name.value), details)
                for response_name, details in grouped_field_set.items()
            }
            if all(readings.values()):
                plan = [(response_name, *reading) for response_name, reading in readings.items() if reading]
        self._plans[id(grouped_field_set)] = (grouped_field_set, plan)
        return plan


def _reading(field: GraphQLField | None, details: FieldDetailsList) -> _Reading | None:
    """How `field`, selected as `details`, is answered on the short path, when it is a plain value."""
    resolve = None if field is None else field.resolve
    if field is None or resolve is None or field.args or details[0].node.arguments:
        return None
    named = get_nullable_type(field.type)
    if not getattr(resolve, "_is_default", False) or not is_leaf_type(named):
        return None
    return resolve, named.coerce_output_value, not is_non_null_type(field.type)
