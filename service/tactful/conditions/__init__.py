"""Compiled condition nodes: what a rule's `when`/`unless` lower to, evaluated against one scan."""

from tactful.conditions.nodes import (
    And,
    Contains,
    ContextTest,
    Count,
    CustomerTest,
    Edge,
    Near,
    Node,
    Not,
    Or,
    RegexMatch,
    Valid,
)
from tactful.conditions.scan import Match, Scan, ScopeFilter

__all__ = [
    "And",
    "Contains",
    "ContextTest",
    "Count",
    "CustomerTest",
    "Edge",
    "Match",
    "Near",
    "Node",
    "Not",
    "Or",
    "RegexMatch",
    "Scan",
    "ScopeFilter",
    "Valid",
]
