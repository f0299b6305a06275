"""The console's only way to the data: the hub's GraphQL schema, executed in-process as the officer's principal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from strawberry.schema import BaseSchema

from hub.clients.permissions import Principal
from schema.context import Context, Services


@dataclass(frozen=True)
class ApiProblem:
    code: str
    message: str


class ApiRefused(Exception):
    """The operation answered errors instead of data: refused (FORBIDDEN, NOT_FOUND …) or malformed."""

    def __init__(self, problems: list[ApiProblem]) -> None:
        super().__init__("; ".join(f"{p.code}: {p.message}" for p in problems))
        self.problems = problems

    @property
    def codes(self) -> set[str]:
        return {problem.code for problem in self.problems}


class ConsoleApi:
    def __init__(self, services: Services, schema: BaseSchema) -> None:
        self.services = services
        self.schema = schema

    async def run(
        self, principal: Principal, document: str, variables: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The operation's data; ApiRefused if it answered any error (a page shows nothing half-answered)."""
        result = await self.schema.execute(
            document,
            variable_values=dict(variables or {}),
            context_value=Context(services=self.services, principal=principal),
        )
        if result.errors:
            raise ApiRefused(
                [ApiProblem(str((e.extensions or {}).get("code", "ERROR")), e.message) for e in result.errors]
            )
        assert result.data is not None
        return result.data
