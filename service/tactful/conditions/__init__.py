"""Compiled condition nodes: what a rule's `when`/`unless` lower to, evaluated against one scan."""

from tactful.conditions.conversation import ComesBefore, Repeated, ReplyAfter, SaidEarlier
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
    "ComesBefore",
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
    "Repeated",
    "ReplyAfter",
    "SaidEarlier",
    "Scan",
    "ScopeFilter",
    "Valid",
]
