"""Choosing non-conflicting edits (higher severity, then earlier, then longer) and applying them."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from tactful.model import Edit, Violation

_SENTENCE_ENDS = ("。", "！", "？", ".", "!", "?")
_FEW = 8  # violations with an edit, up to which testing all pairs beats building sorted indexes


class _Accepted:
    """Accepted edits kept sorted by start, so each conflict test is a bisect, not a scan:
    a 64 KiB reply with thousands of violations must not turn rewriting quadratic."""

    def __init__(self, edits: list[Edit] | None = None) -> None:
        self.edits: list[Edit] = sorted(edits or (), key=lambda e: e.start)  # stable: acceptance order within a point
        self.starts: list[int] = [e.start for e in self.edits]

    def conflicts(self, e: Edit) -> bool:
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
        # Edits of one severity arrive in start order, so this appends; only an edit that
        # arrives out of order (a suggestion with several edits) pays for shifting the list.
        if not self.starts or e.start >= self.starts[-1]:
            self.starts.append(e.start)
            self.edits.append(e)
            return
        i = bisect_right(self.starts, e.start)
        self.starts.insert(i, e.start)
        self.edits.insert(i, e)


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
    if len(ranked) == 1:  # the common case: nothing to conflict with
        return list(ranked[0].suggestions[0].edits)
    if len(ranked) <= _FEW:
        return _choose_few(ranked)
    accepted: list[Edit] = []
    seen: set[Edit] = set()
    # Ranked by severity first, then start: within one severity edits arrive in start order and
    # are appended to `tier`; the higher severities' edits are merged once into `settled` (one
    # linear merge per severity) instead of inserted one by one into the middle of a list.
    settled, tier = _Accepted(), _Accepted()
    severity = None
    for v in ranked:
        if v.severity != severity:
            settled, tier, severity = _Accepted(settled.edits + tier.edits), _Accepted(), v.severity
        edits = v.suggestions[0].edits
        if any(e in seen or settled.conflicts(e) or tier.conflicts(e) for e in edits):
            continue
        for e in edits:
            tier.add(e)
            seen.add(e)
        accepted.extend(edits)
    return accepted


def _choose_few(ranked: list[Violation]) -> list[Edit]:
    """choose_edits for a few violations (most violating replies have two or three): each edit
    tested against every accepted one. The same answer as the sorted indexes (their conflict test
    is this one, on the only neighbours that can conflict), without building them."""
    accepted: list[Edit] = []
    for v in ranked:
        edits = v.suggestions[0].edits
        ok = True
        for e in edits:
            for a in accepted:
                if a == e or _conflict(a, e):
                    ok = False
                    break
            if not ok:
                break
        if ok:
            accepted.extend(edits)
    return accepted


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits; insertions at one point keep their order in `edits`.

    >>> apply_edits("是的,但是", [Edit(3, 5, "同时")])
    '是的,同时'
    >>> apply_edits("请耐心等待", [Edit(5, 5, "。我来跟进。"), Edit(5, 5, "。我会告诉您。")])
    '请耐心等待。我来跟进。我会告诉您。'
    """
    if len(edits) == 1:  # the common case (one violation with a fix): no order to work out
        e = edits[0]
        return text[: e.start] + e.replacement + text[e.end :]
    order = sorted(range(len(edits)), key=lambda i: (edits[i].start, edits[i].end != edits[i].start, i))
    out: list[str] = []
    pos = 0
    inserted_at, last = -1, ""
    for i in order:
        e = edits[i]
        if e.start < pos:
            continue
        out.append(text[pos : e.start])
        replacement = e.replacement
        if e.start == e.end == inserted_at and last.endswith(_SENTENCE_ENDS):
            # Each appended sentence closes the reply's sentence first; after another appended
            # sentence that separator is already there ("…告诉您。" + "。我会…" would read "。。").
            replacement = replacement.removeprefix("。").removeprefix(".")
        out.append(replacement)
        if e.start == e.end:
            inserted_at, last = e.start, replacement
        pos = e.end
    out.append(text[pos:])
    return "".join(out)
