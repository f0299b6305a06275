"""The GraphQL schema, assembled from one module per domain."""

from __future__ import annotations

from collections.abc import Iterator

import strawberry
from graphql import ASTValidationRule
from graphql.error import GraphQLError
from strawberry.extensions import MaxTokensLimiter, ParserCache, SchemaExtension, ValidationCache
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from hub.infra.settings import GraphQLLimits
from schema.audit import AuditQuery
from schema.catalogs import CatalogMutation, CatalogQuery
from schema.childcards import ChildCardsMutation, ChildCardsQuery
from schema.claims import ClaimsMutation, ClaimsQuery
from schema.clients import ClientMutation, ClientQuery, OfficerMutation
from schema.context import Context
from schema.documents import DocumentsMutation, DocumentsQuery
from schema.errors import PublicErrors
from schema.execution import PlainFieldsExecution
from schema.jobs import JobsMutation, JobsQuery
from schema.limits import validation_rules
from schema.persons import PersonMutation, PersonQuery

CACHE_SIZE = 512


@strawberry.type
class Query(
    ClientQuery, PersonQuery, AuditQuery, CatalogQuery, ChildCardsQuery, DocumentsQuery, ClaimsQuery, JobsQuery
):
    pass


@strawberry.type
class Mutation(
    ClientMutation,
    PersonMutation,
    CatalogMutation,
    ChildCardsMutation,
    DocumentsMutation,
    ClaimsMutation,
    JobsMutation,
    OfficerMutation,
):
    pass


class OperationMetrics(SchemaExtension):
    """Counts operations by type and by whether they returned top-level errors."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        if not isinstance(context, Context):
            return
        kind = self.execution_context.operation_type
        result = self.execution_context.result
        failed = result is not None and bool(getattr(result, "errors", None))
        context.services.metrics.graphql_operations.labels(
            kind.value if isinstance(kind, OperationType) else "unknown", "error" if failed else "ok"
        ).inc()


class ValidationRules(SchemaExtension):
    """The schema's own validation rules in place of graphql-core's defaults (which Strawberry starts from)."""

    def __init__(self, rules: tuple[type[ASTValidationRule], ...]) -> None:
        self.rules = rules

    def on_operation(self) -> Iterator[None]:
        self.execution_context.validation_rules = self.rules
        yield


class HubSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Strawberry would log every error with a traceback, refusals and typos included. PublicErrors logs
        # the internal ones; the rest are the client's mistakes, counted in metrics.
        return None


def build_schema(limits: GraphQLLimits | None = None, *, introspection: bool = True) -> strawberry.Schema:
    """The hub's schema; without introspection it also refuses `__schema`/`__type` and suggests no names."""
    limits = limits or GraphQLLimits()
    rules = validation_rules(limits, introspection=introspection)
    return HubSchema(
        query=Query,
        mutation=Mutation,
        execution_context_class=PlainFieldsExecution,
        # Factories: a fresh extension per operation (the parse and validation caches are module-level LRUs).
        extensions=[
            lambda: ParserCache(maxsize=CACHE_SIZE),
            lambda: ValidationRules(rules),
            lambda: ValidationCache(maxsize=CACHE_SIZE),
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            OperationMetrics,
            # graphql-core can leave suggestions out (hide_suggestions), but Strawberry's validation and execution
            # do not ask it to: PublicErrors takes them out of a production schema's errors.
            lambda: PublicErrors(suggestions=introspection),
        ],
    )
