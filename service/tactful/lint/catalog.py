"""The rules a lint run can report, for SARIF's tool.driver.rules and the JSON report."""

from __future__ import annotations

from tactful.compile.ruleset import Library
from tactful.lint.suppress import SUPPRESSION_RULE
from tactful.model import RuleInfo, Severity

SUPPRESSION = RuleInfo(
    SUPPRESSION_RULE,
    "suppression",
    Severity.ERROR,
    "An inline suppression must name a rule and give a reason",
    "`tactful: disable-next-line RULE_ID -- reason`: the reason tells reviewers why the script may break the norm.",
    "tactful lint",
    "tactful",
)


def catalog(library: Library, ruleset: str | None = None) -> list[RuleInfo]:
    """Every rule of the selected ruleset (or of all rulesets), each id once, sorted by id."""
    names = [ruleset] if ruleset else library.names
    seen: dict[str, RuleInfo] = {}
    for name in names:
        for r in library.get(name).rules:
            seen.setdefault(r.id, r.info())
    seen.setdefault(SUPPRESSION.id, SUPPRESSION)
    return sorted(seen.values(), key=lambda r: r.id)
