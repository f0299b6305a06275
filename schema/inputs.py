"""Input objects built from a plan made once per type, for inputs that come by the thousand (a batch of birth
registrations).

Strawberry builds an input object by resolving each field's type and GraphQL name again for every value: for a
batch of 1,000 registrations that was a fifth of the web process's time. `planned_input` gives a type the
`from_input` hook Strawberry offers integrations that build their own values (`StrawberryObjectDefinition.from_input`):
the fields' names and types are resolved on first use, and each value is then copied field by field. Scalars and
enums are taken as graphql-core parsed them, as Strawberry takes them; nested planned inputs are built by their
own plan; anything else (a list, a `Maybe`, a global id, a lazy type) is handed back to Strawberry's conversion.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from strawberry.relay import GlobalID
from strawberry.scalars import is_scalar
from strawberry.schema.config import StrawberryConfig
from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    StrawberryType,
    get_object_definition,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition

T = TypeVar("T")
Convert = Callable[[Any, InputContext], Any]
_Plan = list[tuple[str, str, Convert | None]]  # GraphQL name, Python name, conversion (None: taken as it is)


def planned_input(cls: type[T]) -> type[T]:
    """Decorate a `@strawberry.input` class (below it) to be built from a plan; its nested inputs should be too."""
    definition = get_object_definition(cls, strict=True)
    if not definition.is_input:
        raise TypeError(f"{cls.__name__} is not a strawberry input")
    definition.from_input = _Builder(definition)
    return cls


class _Builder:
    def __init__(self, definition: StrawberryObjectDefinition) -> None:
        self.definition = definition
        self.config: StrawberryConfig | None = None
        self.plan: _Plan = []
        # As Strawberry does: a field without a default is null when the client left it out.
        self.implicit = {
            f.python_name: None
            for f in definition.fields
            if f.default_value is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }

    def __call__(self, cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
        if context.config is not self.config:  # one schema's names in a process, but a test may build another
            self.plan, self.config = self._make_plan(context), context.config
        kwargs = dict(self.implicit)
        for graphql_name, python_name, convert in self.plan:
            if graphql_name in value:
                item = value[graphql_name]
                kwargs[python_name] = item if convert is None else convert(item, context)
        return cls(**kwargs)

    def _make_plan(self, context: InputContext) -> _Plan:
        plan: _Plan = []
        for f in self.definition.fields:
            name = context.config.name_converter.from_field(f)
            plan.append((name, f.python_name, _conversion(f.resolve_type(), name, context.scalar_registry)))
        return plan


def _conversion(type_: StrawberryType | type, name: str, scalars: Mapping[object, Any]) -> Convert | None:
    """How a value of `type_` (field `name`) becomes its Python value; None when it already is."""
    if isinstance(type_, StrawberryOptional) and not isinstance(type_, StrawberryMaybe):
        return _conversion(type_.of_type, name, scalars)
    if type_ is not GlobalID and (
        isinstance(type_, StrawberryEnumDefinition) or has_enum_definition(type_) or is_scalar(type_, scalars)
    ):
        return None
    if has_object_definition(type_) and (build := get_object_definition(type_, strict=True).from_input):
        nested = type_
        return lambda value, context: None if value is None else build(nested, value, _within(context, name))
    # A list, a Maybe, a global id (built from its string), a lazy type: as Strawberry converts them, a null
    # included (a Maybe makes it Some(None)).
    return lambda value, context: context.convert(value, type_, name)


def _within(context: InputContext, name: str) -> InputContext:
    """The context of the input in field `name`: built directly, as `dataclasses.replace` took half as long as
    building the input itself (four nested inputs in each birth registration)."""
    return InputContext(context.info, context.config, context.scalar_registry, (*context.path, name))
