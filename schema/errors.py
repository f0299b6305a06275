"""How errors reach clients: hub errors keep their message and get a code; anything else is masked."""

from __future__ import annotations

import logging
from typing import Protocol, TypeVar

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

from hub.errors import BusinessError, BusinessErrors, HubError

log = logging.getLogger(__name__)


class PublicErrors(MaskErrors):
    """Top-level errors carry `extensions.code`; a bug's details are logged, never sent."""

    def __init__(self) -> None:
        super().__init__(error_message="Internal error.")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._public(error) for error in errors]

    def _public(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if original is None:  # a syntax or validation error: about the request, safe to show
            return error
        if isinstance(original, HubError):
            code = original.code
            message = str(original)
        else:
            log.error("internal error in %s", error.path, exc_info=original)
            code, message = "INTERNAL", self.error_message
        return GraphQLError(
            message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": code},
        )


class PayloadError(Protocol):
    def __init__(self, *, field: str | None, code: object, message: str, message_vi: str) -> None: ...


E = TypeVar("E", bound=PayloadError)


def payload_errors(error_type: type[E], exc: BusinessError | BusinessErrors) -> list[E]:
    """A business outcome as the typed `errors` list of a mutation payload."""
    errors = exc.errors if isinstance(exc, BusinessErrors) else [exc]
    return [error_type(field=e.field, code=e.reason, message=e.message, message_vi=e.message_vi) for e in errors]
