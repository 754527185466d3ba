"""Inline suppressions: `tactful: disable-next-line RULE_ID[, RULE_ID] -- reason` in a comment line.

The marker silences the named rules on the reply that follows it. The reason is mandatory, so a
reviewer sees why a script is allowed to break a norm; a marker without one (or naming no rule)
does not suppress anything and is itself reported as rule `tactful-suppression`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from tactful.lint.source import iter_lines

SUPPRESSION_RULE = "tactful-suppression"

# Comment syntaxes a marker may live in, by file kind. CSV and JSON have no comments: use a baseline.
_OPENERS = {
    "txt": r"(?:#|//)",
    "md": r"<!--",
    "yaml": r"#",
}
_BODY = r"\s*tactful:\s*disable-next-line\b(?P<rest>.*?)"
_PATTERNS = {kind: re.compile(rf"^[ \t]*{opener}{_BODY}(?:-->)?[ \t]*$") for kind, opener in _OPENERS.items()}
_RULE_ID = re.compile(r"^[A-Za-z_][\w.-]*$")


@dataclass(frozen=True, slots=True)
class Marker:
    offset: int  # file character where the comment line starts
    length: int
    rules: tuple[str, ...]
    reason: str
    problem: str | None  # why the marker is invalid; None when it suppresses


def is_marker_line(kind: str, line: str) -> bool:
    pattern = _PATTERNS.get(kind)
    return bool(pattern and pattern.match(line))


def parse_marker(kind: str, line: str, offset: int) -> Marker | None:
    pattern = _PATTERNS.get(kind)
    m = pattern.match(line) if pattern else None
    if not m:
        return None
    rest = m.group("rest")
    ids_part, sep, reason = rest.partition("--")
    ids = tuple(x.strip() for x in ids_part.replace(",", " ").split() if x.strip())
    reason = reason.strip()
    problem = None
    if not ids:
        problem = "suppression names no rule: write `tactful: disable-next-line RULE_ID -- reason`"
    elif bad := [x for x in ids if not _RULE_ID.match(x)]:
        problem = f"suppression names an invalid rule id {bad[0]!r}"
    elif not sep or not reason:
        problem = f"suppression of {', '.join(ids)} has no reason: add `-- why this reply may break the rule`"
    indent = len(line) - len(line.lstrip())
    return Marker(offset + indent, len(line.strip()), ids, reason, problem)


def find_markers(kind: str, text: str) -> list[Marker]:
    """Every marker comment line in a file, in order."""
    if kind not in _PATTERNS or "tactful:" not in text:
        return []
    found: list[Marker] = []
    for offset, line, _ in iter_lines(text):
        if "tactful:" in line and (marker := parse_marker(kind, line, offset)):
            found.append(marker)
    return found


def assign(markers: list[Marker], reply_starts: list[int]) -> dict[int, list[Marker]]:
    """Which reply (by index) each valid marker covers: the first reply starting after the marker."""
    covered: dict[int, list[Marker]] = {}
    for marker in markers:
        i = bisect_right(reply_starts, marker.offset)
        if marker.problem is None and i < len(reply_starts):
            covered.setdefault(i, []).append(marker)
    return covered
