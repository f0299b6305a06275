"""One module owns claim states (hub.claims.states), as hub.childcards.events does for cases: nothing else writes
`Claim.state` or inserts history rows, and the claim modules import each other without a cycle. One module owns
payment orders (hub.claims.ledger). Read from the source (ast) and the import graph (grimp)."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

from hub.claims.models import ClaimState
from hub.claims.states import change
from tests.unit.test_layout import graph

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("hub", "schema", "devkit", "bench", "connectors")
STATES = "hub/claims/states.py"
LEDGER = "hub/claims/ledger.py"
CLAIM_TABLES = {"Claim", "ClaimEvent", "CLAIM_EVENTS", "Claim.__table__", "ClaimEvent.__table__"}
HISTORY_TABLES = {"ClaimEvent", "CLAIM_EVENTS", "ClaimEvent.__table__"}


def python_files() -> list[Path]:
    return sorted(f for top in SOURCES for f in (ROOT / top).rglob("*.py") if "migrations" not in f.parts)


def claim_state_writes(tree: ast.AST) -> list[int]:
    """Lines that assign a `.state` attribute of something called claim (or a Claim built with a state), or that
    name the claim history's table or class to write it."""
    lines: list[int] = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = [
                t for target in node.targets for t in (target.elts if isinstance(target, ast.Tuple) else [target])
            ]
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == "state" and "claim" in ast.unparse(target).lower():
                lines.append(target.lineno)
        if isinstance(node, ast.Call):
            called = ast.unparse(node.func)
            if called.endswith("Claim") and any(k.arg == "state" for k in node.keywords):
                lines.append(node.lineno)
            if called.endswith("insert") and any(ast.unparse(a) in CLAIM_TABLES for a in node.args):
                lines.append(node.lineno)
            # An UPDATE of claims may set other columns (the assignee: hub.claims.assignment); one setting the state
            # is caught by its `.values(state=…)` below. The history is only ever inserted.
            if called.endswith("update") and any(ast.unparse(a) in HISTORY_TABLES for a in node.args):
                lines.append(node.lineno)
            if called.endswith(".values") and any(k.arg == "state" for k in node.keywords) and "Claim" in called:
                lines.append(node.lineno)
    return lines


def test_only_the_states_module_writes_claim_states_and_history():
    offenders = {
        f"{path.relative_to(ROOT)}:{line}"
        for path in python_files()
        if str(path.relative_to(ROOT)) != STATES
        for line in claim_state_writes(ast.parse(path.read_text(), str(path)))
    }
    assert offenders == set()


def test_only_the_ledger_makes_payment_orders():
    makers = {
        str(path.relative_to(ROOT))
        for path in python_files()
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("PaymentOrder")
    }
    assert makers == {LEDGER}


@pytest.mark.parametrize(
    "source",
    [
        "claim.state = 'paid'",
        "claim.state, claim.updated_at = ClaimState.PAID.value, now",
        "self.claim.state = x",
        "Claim(id=1, state='computed')",
        "await session.execute(insert(CLAIM_EVENTS), rows)",
        "await session.execute(update(Claim).where(Claim.id == i).values(state='paid'))",
    ],
)
def test_the_check_sees_each_way_of_writing_a_state(source):
    assert claim_state_writes(ast.parse(source))


def test_the_check_leaves_other_states_alone():
    assert not claim_state_writes(ast.parse("document.state = 'revoked'\ncase.state = s\nrow = claim.state"))
    # Taking a claim sets its assignee with an UPDATE of claims that leaves the state alone.
    assert not claim_state_writes(ast.parse("update(Claim).where(Claim.id == i).values(assigned_to=name)"))


def test_claim_service_computation_and_jobs_import_each_other_without_a_cycle():
    imports: grimp.ImportGraph = graph()
    assert imports.find_shortest_chain("hub.claims.service", "hub.claims.jobs") is None
    assert imports.find_shortest_chain("hub.claims.computing", "hub.claims.jobs") is None
    assert imports.find_shortest_chain("hub.claims.states", "hub.claims.service") is None
    assert imports.find_shortest_chain("hub.claims.ledger", "hub.claims.service") is None


def test_a_decided_claim_never_goes_back():
    from hub.claims.models import Claim
    from hub.claims.states import StateError

    paid = Claim(reference="HS1", state=ClaimState.PAID.value)
    with pytest.raises(StateError):
        change(paid, ClaimState.COMPUTED, None, None, "computed")  # type: ignore[arg-type]
    approved = Claim(reference="HS2", state=ClaimState.APPROVED.value)
    assert change(approved, ClaimState.PAID, None, None, "pay")["state"] == "paid"  # type: ignore[arg-type]
