"""How errors reach clients: hub errors keep their message and get a code; anything else is masked."""

from __future__ import annotations

import logging

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

from hub.errors import HubError

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
