"""The QA score of a conversation: 100 minus the weighted violations, floored at 0.

Weights by severity: error 10, warning 5, info 1. An agent's score is the mean of the scores of
their conversations, so one long conversation does not outweigh many short ones.
"""

from __future__ import annotations

from collections.abc import Iterable

WEIGHTS: dict[str, int] = {"error": 10, "warning": 5, "info": 1}
PERFECT = 100


def score(severities: Iterable[str]) -> int:
    """The conversation's score from its violations' severities.

    >>> score(["error", "warning", "info"])
    84
    >>> score(["error"] * 11)
    0
    """
    return max(0, PERFECT - sum(WEIGHTS.get(s, 0) for s in severities))
