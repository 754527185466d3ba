"""Choosing non-conflicting edits (higher severity, then earlier, then longer) and applying them."""

from __future__ import annotations

from collections.abc import Iterable

from tactful.model import Edit, Violation


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
    for v in ranked:
        edits = v.suggestions[0].edits
        if any(_conflict(e, a) for e in edits for a in accepted):
            continue
        if any(e in accepted for e in edits):
            continue
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
