from pathlib import Path

from hub.claims.rules import Rule

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_rule_table_lists_every_rule():
    """Issue 21: the README's rule table lists every rule an explanation line can cite."""
    rows = {line.split("|")[1].strip().strip("`") for line in README.read_text().splitlines() if line.startswith("| `")}
    assert {rule.value for rule in Rule} <= rows
