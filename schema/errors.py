"""How errors reach clients: hub errors keep their message and get a code; anything else is masked."""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol, TypeVar

from graphql.error import GraphQLError
from graphql.language import VariableDefinitionNode
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import MaskErrors

from hub.infra.errors import BusinessError, BusinessErrors, HubError

log = logging.getLogger(__name__)

BAD_USER_INPUT = "BAD_USER_INPUT"
TOO_COMPLEX = "QUERY_TOO_COMPLEX"  # a document past a limit, or too much work for graphql-core to validate
# How graphql-core's coerce_variable_values words a value it cannot coerce: the variable, where in its value
# (print_path_list: `[0].child.gender`), and the reason.
_INVALID_VARIABLE = re.compile(r"Variable '\$\w+' has invalid value(?: at (?P<at>\S+?))?: (?P<reason>.*)", re.S)
_PATH_STEP = re.compile(r"\[(\d+)\]|\.(\w+)")
# graphql-core's did_you_mean(): " Did you mean 'a', 'b', or 'c'?"; the names in it hold no question mark.
_SUGGESTION = re.compile(r" Did you mean [^?]*\?")


class PublicErrors(MaskErrors):
    """Top-level errors carry `extensions.code`; a bug's details are logged, never sent.

    Without `suggestions` (production), no message proposes a field, type, argument or value name."""

    def __init__(self, *, suggestions: bool = True) -> None:
        super().__init__(error_message="Internal error.")
        self.suggestions = suggestions

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._public(error if self.suggestions else _without_suggestions(error)) for error in errors]

    def _public(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        variable = _variable_of(error)
        if variable is not None:
            return _bad_variable(error, variable)
        if isinstance(error, ValidationAbortedError) and not error.extensions:
            return GraphQLError(error.message, nodes=error.nodes, source=error.source, extensions={"code": TOO_COMPLEX})
        if original is None:  # a syntax or validation error: about the request, safe to show
            return error
        if isinstance(original, HubError):
            code = original.code
            message = str(original)
        else:
            log.error("internal error in %s", error.path, exc_info=original)
            code, message = "INTERNAL", self.error_message
        return _reworded(error, message, extensions={"code": code})


def _without_suggestions(error: GraphQLError) -> GraphQLError:
    message = _SUGGESTION.sub("", error.message)
    if message == error.message:
        return error
    # A copy: validation errors are cached and shared by every request of the same document.
    return _reworded(error, message, extensions=error.extensions, original_error=error.original_error)


def _reworded(
    error: GraphQLError,
    message: str,
    *,
    extensions: dict[str, Any] | None,
    original_error: Exception | None = None,
) -> GraphQLError:
    """`error` at the same place in the document and the result, with another message and extensions."""
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=original_error,
        extensions=extensions,
    )


def _variable_of(error: GraphQLError) -> str | None:
    """The variable whose value could not be coerced, as graphql-core reports it before execution; else None.

    graphql-core points such an error at the variable's definition and keeps what the scalar or enum raised as its
    original error: a GraphQLError, or a ValueError/TypeError (how a scalar's parse_value refuses a value). Any other
    exception from a scalar is a bug, and stays one."""
    cause = error.original_error
    if cause is None or error.path is not None or not error.nodes:
        return None
    if not isinstance(error.nodes[0], VariableDefinitionNode):
        return None
    while isinstance(cause, GraphQLError) and cause.original_error is not None:
        cause = cause.original_error
    if not isinstance(cause, (GraphQLError, ValueError, TypeError)):
        return None
    return error.nodes[0].variable.name.value


def _bad_variable(error: GraphQLError, variable: str) -> GraphQLError:
    """A variable's unusable value as the client's mistake: the code, the variable, where in it, and why."""
    extensions: dict[str, Any] = {"code": BAD_USER_INPUT, "variable": variable}
    found = _INVALID_VARIABLE.fullmatch(error.message)
    if found is not None:
        steps = _PATH_STEP.findall(found["at"] or "")
        extensions["variablePath"] = [variable, *(int(index) if index else key for index, key in steps)]
        extensions["reason"] = found["reason"]
    return GraphQLError(
        error.message, nodes=error.nodes, source=error.source, positions=error.positions, extensions=extensions
    )


class PayloadError(Protocol):
    def __init__(self, *, field: str | None, code: object, message: str, message_vi: str) -> None: ...


E = TypeVar("E", bound=PayloadError)


def payload_errors(error_type: type[E], exc: BusinessError | BusinessErrors) -> list[E]:
    """A business outcome as the typed `errors` list of a mutation payload."""
    errors = exc.errors if isinstance(exc, BusinessErrors) else [exc]
    return [error_type(field=e.field, code=e.reason, message=e.message, message_vi=e.message_vi) for e in errors]
