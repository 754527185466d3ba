"""Choosing non-conflicting edits (higher severity, then earlier, then longer) and applying them."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from tactful.model import Edit, Violation


class _Accepted:
    """Accepted edits kept sorted by start, so each conflict test is a bisect, not a scan:
    a 64 KiB reply with thousands of violations must not turn rewriting quadratic."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.edits: list[Edit] = []
        self.seen: set[Edit] = set()

    def conflicts(self, e: Edit) -> bool:
        if e in self.seen:
            return True
        i = bisect_left(self.starts, e.start)
        # Accepted spans are disjoint, so only the left neighbours (one start) can reach into e,
        # and only edits starting before e ends can lie inside it.
        j = i - 1
        while j >= 0 and self.starts[j] == self.starts[i - 1]:  # an insertion may share a span's start
            if _conflict(self.edits[j], e):
                return True
            j -= 1
        while i < len(self.edits) and self.starts[i] <= e.end:
            if _conflict(self.edits[i], e):
                return True
            i += 1
        return False

    def add(self, e: Edit) -> None:
        i = bisect_right(self.starts, e.start)
        self.starts.insert(i, e.start)
        self.edits.insert(i, e)
        self.seen.add(e)


def _conflict(a: Edit, b: Edit) -> bool:
    if a.start == a.end and b.start == b.end:
        return False  # two insertions at one point both apply, in priority order
    if a.start == a.end:
        return b.start < a.start < b.end
    if b.start == b.end:
        return a.start < b.start < a.end
    return a.start < b.end and b.start < a.end


def choose_edits(violations: Iterable[Violation]) -> list[Edit]:
    """The first suggestion of each violation, taken whole or not at all, in priority order."""
    ranked = sorted(
        (v for v in violations if v.suggestions and v.suggestions[0].edits),
        key=lambda v: (-v.severity, v.start, -(v.end - v.start)),
    )
    accepted: list[Edit] = []
    index = _Accepted()
    for v in ranked:
        edits = v.suggestions[0].edits
        if any(index.conflicts(e) for e in edits):
            continue
        for e in edits:
            index.add(e)
        accepted.extend(edits)
    return accepted


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits; insertions at one point keep their order in `edits`.

    >>> apply_edits("是的,但是", [Edit(3, 5, "同时")])
    '是的,同时'
    """
    order = sorted(range(len(edits)), key=lambda i: (edits[i].start, edits[i].end != edits[i].start, i))
    out: list[str] = []
    pos = 0
    for i in order:
        e = edits[i]
        if e.start < pos:
            continue
        out.append(text[pos : e.start])
        out.append(e.replacement)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)
