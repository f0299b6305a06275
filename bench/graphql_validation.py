"""Benchmark of GraphQL validation on the worst documents that fit in the token limit: parse and validate with the
hub's full rule set (the hub's depth, alias, cost and operation limits, graphql-core's specified rules with the
bounded merge check, Strawberry's two, and in production the introspection refusal), as a web process does for
each new document.

    python -m bench.graphql_validation [--quick] [--runs N] [--max-tokens T] [--old] [--old-timeout S] [--only NAME ...]

Pure CPU in this one process: it needs no PostgreSQL, Redis or web process, and starts none. Each document is
parsed with the token limit (T, default GraphQLLimits().max_tokens: 2,500) and validated against the production
schema (the introspection query against the dev one), without the parse and validation caches (an attacker sends
a new document each time); the figure is the median of N runs (default 15; quick 5). The documents, each as large
as T tokens allow:

- `nested_8x8`, `nested_10x10`: fragments each spreading the next 8 (10) times, ending in `viewer { name }`: the
  issue's documents (they held a process 4-5 s, and more than 10 minutes, under Strawberry's limiters);
- `chain_3`: fragments each spreading the next 3 times, as deep as graphql-core allows (200); `chain_2`: twice per
  level, deeper than that; `dag`: fragments each spreading every later one;
- `aliases`: one aliased field after another; `aliases_in_fragments`: 20 aliases in a fragment spread 8^8 times;
- `inline_nesting`: inline fragments nested to the parser's limit;
- `repeated_fields`, `repeated_spreads`: one field, or one fragment, selected again and again;
- `operations`: small named operations, one after another;
- `list_literal`: an argument's list of enum values; `variables`: unused variable definitions;
- `large_lists`: 20 pages of 200 documents with every field and signature report, `first` a variable;
- `introspection`: graphql-core's introspection query with descriptions.

With `--old`, each document is also timed once, in a child process stopped after S seconds (default 60; quick 10),
with the rules of 47b62af (graphql-core's, and Strawberry's QueryDepthLimiter and MaxAliasesLimiter): `old_<name>_ms`,
or what stopped them ("over S s", or the RecursionError a request would have answered as an internal error).

Progress goes to stderr; the last line on stdout is one JSON object: {"worst_validation_ms": ...,
"worst_document": ..., "<name>_ms": ..., "<name>_parse_ms": ..., "<name>_tokens": ..., ...}; `<name>_ms` is parsing
and validation together, `<name>_parse_ms` parsing alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection

from graphql import ASTValidationRule, GraphQLError, get_introspection_query, parse, specified_rules
from graphql.language import Lexer, Source, TokenKind
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter
from strawberry.schema.schema import validate_document

from bench.processes import log
from hub.infra.settings import GraphQLLimits
from schema import build_schema
from schema.limits import validation_rules

GOAL_MS = 50.0
DOCUMENT_FIELDS = "id issuer docType number version state episode issuedOn receivedAt personId childId linkState"
REPORT_FIELDS = (
    "result reasonCode signer certificateSubject certificateSerial certificateNotBefore certificateNotAfter "
    "certificateFingerprint signatureAlgorithm digestAlgorithm digestValue checkedAt"
)


@dataclass(frozen=True)
class Document:
    name: str
    text: str
    introspection: bool = False  # validated against the dev schema (the prod one refuses it outright)


def chain(levels: int, spreads: int) -> str:
    """`levels` fragments, each spreading the next `spreads` times."""
    fragments = [f"fragment F{i} on Query {{ {' '.join([f'...F{i + 1}'] * spreads)} }}" for i in range(levels)]
    return "\n".join(["query { ...F0 }", *fragments, f"fragment F{levels} on Query {{ viewer {{ name }} }}"])


def dense_dag(size: int) -> str:
    """`size` fragments, each spreading every later one."""
    fragments = [
        f"fragment F{i} on Query {{ viewer {{ name }} {' '.join(f'...F{j}' for j in range(i + 1, size))} }}"
        for i in range(size)
    ]
    return "\n".join(["query { ...F0 }", *fragments])


def documents(tokens: int) -> list[Document]:
    """The documents, each as large as `tokens` allows (the attack documents of the issue at their own size)."""
    aliased = " ".join(f"a{i}: viewer {{ name }}" for i in range(20))
    nested_aliases = chain(8, 8).replace("viewer { name }", aliased)
    nesting = min(198, (tokens - 10) // 5)  # the parser refuses more
    inline = "query { " + "... on Query { " * nesting + "viewer { name }" + " }" * nesting + " }"
    page = f"edges {{ node {{ {DOCUMENT_FIELDS} verification {{ {REPORT_FIELDS} }} }} }} totalCount"
    pages = " ".join(f"p{i}: documents(first: $n) {{ {page} }}" for i in range(20))
    return [
        Document("nested_8x8", chain(8, 8)),
        Document("nested_10x10", chain(10, 10)),
        Document("chain_3", chain(min(190, (tokens - 20) // 13), 3)),  # graphql-core refuses nesting past 200
        Document("chain_2", chain((tokens - 20) // 11, 2)),
        Document("dag", dense_dag(int((tokens * 0.95) ** 0.5) - 5)),
        Document("aliases", "query { " + " ".join(f"a{i}: __typename" for i in range(tokens // 3 - 2)) + " }"),
        Document("aliases_in_fragments", nested_aliases),
        Document("inline_nesting", inline),
        Document("repeated_fields", "query { " + "viewer { name } " * (tokens // 4 - 1) + "}"),
        Document(
            "repeated_spreads", "query { " + "...A " * (tokens // 2 - 10) + "} fragment A on Query { viewer { name } }"
        ),
        Document("operations", " ".join(f"query Q{i} {{ viewer {{ name }} }}" for i in range(tokens // 8))),
        Document(
            "list_literal", "query { claims(filter: {kinds: [" + "SICKNESS " * (tokens - 20) + "]}) { totalCount } }"
        ),
        Document("variables", "query(" + " ".join(f"$v{i}: Int" for i in range(tokens // 4 - 2)) + ") { __typename }"),
        Document("large_lists", f"query($n: Int!) {{ {pages} }}"),
        Document("introspection", get_introspection_query(descriptions=True), introspection=True),
    ]


def token_count(text: str) -> int:
    lexer = Lexer(Source(text))
    count = 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


Rules = tuple[type[ASTValidationRule], ...]
Check = Callable[[str], list[GraphQLError]]


def parser(limits: GraphQLLimits) -> Check:
    """Parsing alone, with the token limit."""

    def check(text: str) -> list[GraphQLError]:
        try:
            parse(text, max_tokens=limits.max_tokens)
        except GraphQLError as error:
            return [error]
        return []

    return check


def validator(limits: GraphQLLimits, rules: Rules, introspection: bool) -> Check:
    """Parse with the token limit and validate with `rules` (and Strawberry's two), as a request does."""
    schema = build_schema(limits, introspection=introspection)._schema

    def check(text: str) -> list[GraphQLError]:
        try:
            document = parse(text, max_tokens=limits.max_tokens)
        except GraphQLError as error:
            return [error]
        return validate_document(schema, document, rules)

    return check


def old_rules(limits: GraphQLLimits) -> Rules:
    """The rules of 47b62af: graphql-core's, and Strawberry's depth and alias limiters."""
    return (
        *specified_rules,
        *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
    )


def median_ms(check: Check, text: str, runs: int) -> tuple[float, list[GraphQLError]]:
    times = []
    errors: list[GraphQLError] = []
    for _ in range(runs):
        start = time.perf_counter()
        errors = check(text)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), errors


def _old_child(limits: GraphQLLimits, document: Document, answer: Connection) -> None:
    check = validator(limits, old_rules(limits), document.introspection)
    start = time.perf_counter()
    try:
        check(document.text)
    except RecursionError:  # what a request got: an internal error
        answer.send(f"RecursionError after {(time.perf_counter() - start) * 1000:.0f} ms")
        return
    answer.send(round((time.perf_counter() - start) * 1000, 1))


def old_outcome(limits: GraphQLLimits, document: Document, timeout: float) -> float | str:
    """The old rules' time on `document` (ms), once, in a child process; or what stopped them."""
    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.Process(target=_old_child, args=(limits, document, send))
    child.start()
    try:
        found: float | str = receive.recv() if receive.poll(timeout) else f"over {timeout:.0f} s"
        return found
    finally:
        child.kill()
        child.join()


def main(argv: Sequence[str] | None = None) -> None:
    parser_ = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser_.add_argument("--quick", action="store_true", help="5 runs per document, 10 s for the old rules")
    parser_.add_argument("--runs", type=int, default=None, help="runs per document (median; default 15)")
    parser_.add_argument("--max-tokens", type=int, default=GraphQLLimits().max_tokens, help="the token limit")
    parser_.add_argument("--old", action="store_true", help="also time the rules of 47b62af, once per document")
    parser_.add_argument("--old-timeout", type=float, default=None, help="seconds per document for the old rules")
    parser_.add_argument("--only", nargs="*", default=None, help="document names")
    args = parser_.parse_args(argv)
    runs = args.runs or (5 if args.quick else 15)
    old_timeout = args.old_timeout or (10.0 if args.quick else 60.0)
    limits = dataclasses.replace(GraphQLLimits(), max_tokens=args.max_tokens)

    checks = {flag: validator(limits, validation_rules(limits, introspection=flag), flag) for flag in (False, True)}
    parse_only = parser(limits)
    figures: dict[str, object] = {"runs": runs, "max_tokens": limits.max_tokens, "quick": args.quick}
    worst_ms, worst = 0.0, ""
    for document in documents(limits.max_tokens):
        if args.only and document.name not in args.only:
            continue
        tokens = token_count(document.text)
        ms, errors = median_ms(checks[document.introspection], document.text, runs)
        parse_ms, _ = median_ms(parse_only, document.text, runs)
        figures[f"{document.name}_ms"] = round(ms, 2)
        figures[f"{document.name}_parse_ms"] = round(parse_ms, 2)
        figures[f"{document.name}_tokens"] = tokens
        if ms > worst_ms:
            worst_ms, worst = ms, document.name
        outcome = errors[0].message[:80] if errors else "valid"
        log(f"{document.name:21} {tokens:5,} tokens {ms:7.2f} ms (parsing {parse_ms:5.2f})  {outcome}")
        if args.old:
            old = old_outcome(limits, document, old_timeout)
            figures[f"old_{document.name}_ms"] = old
            log(f"{'':21} old rules: " + (f"{old:,.1f} ms" if isinstance(old, float) else old))
    figures["worst_validation_ms"] = round(worst_ms, 2)
    figures["worst_document"] = worst
    figures["goal_ms"] = GOAL_MS
    log(f"worst: {worst} in {worst_ms:.2f} ms (goal: under {GOAL_MS:.0f} ms)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
