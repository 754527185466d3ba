"""Condition nodes. Each returns (holds, matches): matches are the spans a violation reports;
context tests hold or not without spans. No node scans the text: literal hits and regex
matches come from the shared matcher through the Scan."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

from tactful.conditions.scan import Match, Outcome, Scan
from tactful.conditions.spans import SMALL, SpanIndex

_CMP: dict[str, Callable[[int, int], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    ">": operator.gt,
    "<": operator.lt,
}


class Node:
    """The base of every condition node. A class, not a Protocol: compiled by mypyc, a call of
    `eval` on a Node is then a native virtual call with an unboxed result, where a Protocol's was
    a Python method call (argument parsing, a boxed tuple) for every node of every candidate rule."""

    __slots__ = ()

    def eval(self, scan: Scan) -> Outcome:
        raise NotImplementedError

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        """Atoms of which at least one must be present for the node to hold (None: always evaluate)."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Contains(Node):
    set_id: int

    def eval(self, scan: Scan) -> Outcome:
        hits = scan.terms.get(self.set_id)
        return (True, hits) if hits else (False, [])

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        return frozenset({("t", self.set_id)})


@dataclass(frozen=True, slots=True)
class RegexMatch(Node):
    rid: int

    def eval(self, scan: Scan) -> Outcome:
        found = scan.regex(self.rid)
        return (bool(found), found)

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        return frozenset({("r", self.rid)})


@dataclass(frozen=True, slots=True)
class Edge(Node):
    """`starts with X` / `ends with X`: X at the first/last non-punctuation character."""

    inner: Node
    at_end: bool

    def eval(self, scan: Scan) -> Outcome:
        ok, found = self.inner.eval(scan)
        if not ok:
            return (False, [])
        lo, hi = scan.content_bounds()
        kept = [m for m in found if (m.end >= hi if self.at_end else m.start <= lo)]
        return (bool(kept), kept)

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        return self.inner.triggers()


@dataclass(frozen=True, slots=True)
class Count(Node):
    inner: Node
    op: str
    n: int

    def eval(self, scan: Scan) -> Outcome:
        _, found = self.inner.eval(scan)
        ok = _CMP[self.op](len(found), self.n)
        if not ok or not found:
            return (ok, [])
        # One violation for the whole run ("!!!"), not one per occurrence.
        ordered = sorted(found, key=lambda m: m.start)
        return (True, [Match(ordered[0].start, max(m.end for m in ordered), (), "")])

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        holds_on_zero = _CMP[self.op](0, self.n)
        return None if holds_on_zero else self.inner.triggers()


def both_hold(scan: Scan, left: Node, right: Node) -> tuple[list[Match], list[Match]] | None:
    """Both sides' matches when both hold (the right side is not evaluated when the left fails),
    else None: the common start of the two-sided window conditions."""
    ok, lefts = left.eval(scan)
    if not ok:
        return None
    ok, rights = right.eval(scan)
    return (lefts, rights) if ok else None


@dataclass(frozen=True, slots=True)
class Near(Node):
    """Left's matches that have a right match within N characters (after it, if ordered)."""

    left: Node
    right: Node
    within: int
    ordered: bool

    def eval(self, scan: Scan) -> Outcome:
        both = both_hold(scan, self.left, self.right)
        if both is None:
            return (False, [])
        lefts, rights = both
        if len(lefts) * len(rights) <= SMALL:
            kept = [m for m in lefts if any(self._close(m, r) for r in rights)]
        else:
            kept = near_indexed(lefts, rights, self.within, self.ordered)
        return (bool(kept), kept)

    def _close(self, m: Match, r: Match) -> bool:
        if r.start >= m.end:
            return r.start - m.end <= self.within
        if self.ordered:
            return False
        if r.end <= m.start:
            return m.start - r.end <= self.within
        return r is not m and (r.start, r.end) != (m.start, m.end)

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        return self.left.triggers() or self.right.triggers()


def near_indexed(lefts: list[Match], rights: list[Match], within: int, ordered: bool) -> list[Match]:
    """Near's test (`_close`) asked of an index of the rights, O((lefts + rights) log): a right
    starting within N after m; or (unordered) one ending within N before m, or one overlapping m
    with a different span."""
    index = SpanIndex(rights)
    if ordered:
        return [m for m in lefts if index.start_in(m.end, m.end + within)]
    return [
        m
        for m in lefts
        if index.start_in(m.end, m.end + within) or index.end_in(m.start - within, m.start) or index.overlaps_other(m.start, m.end)
    ]


@dataclass(frozen=True, slots=True)
class ContextTest(Node):
    """turn/channel/locale/time tests; `field` names the Context attribute."""

    field: str
    values: tuple[str, ...] = ()
    start: int | None = None
    end: int | None = None

    def eval(self, scan: Scan) -> Outcome:
        ctx = scan.context
        if self.field == "time":
            if ctx.time is None:
                return (False, [])
            minute = ctx.time[0] * 60 + ctx.time[1]
            lo = self.start if self.start is not None else 0
            hi = self.end if self.end is not None else 24 * 60
            return (lo <= minute < hi, [])
        value = getattr(ctx, self.field)
        if value is None and self.field == "turn" and ctx.conversation:
            # A conversation tells the reply's place: first until the agent has spoken.
            value = "middle" if any(t.role == "agent" for t in ctx.conversation) else "first"
        if self.field == "locale" and value is not None:
            return (value in self.values or value.split("-")[0] in self.values, [])
        return (value in self.values, [])

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        return None


@dataclass(frozen=True, slots=True)
class CustomerTest(Node):
    """Evaluate a condition on the customer's preceding message (e.g. "the customer complains")."""

    inner: Node

    def eval(self, scan: Scan) -> Outcome:
        other = scan.customer()
        if other is None:
            return (False, [])
        ok, _ = self.inner.eval(other)
        return (ok, [])

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        return None


@dataclass(frozen=True, slots=True)
class And(Node):
    """All items hold; reports the matches of the first item that has any."""

    items: tuple[Node, ...]

    def eval(self, scan: Scan) -> Outcome:
        spans: list[Match] | None = None
        for item in self.items:
            ok, found = item.eval(scan)
            if not ok:
                return (False, [])
            if spans is None and found:
                spans = found
        return (True, spans or [])

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        for item in self.items:
            need = item.triggers()
            if need is not None:
                return need
        return None


@dataclass(frozen=True, slots=True)
class Or(Node):
    items: tuple[Node, ...]

    def eval(self, scan: Scan) -> Outcome:
        holds = False
        spans: list[Match] = []
        for item in self.items:
            ok, found = item.eval(scan)
            holds = holds or ok
            spans.extend(found)
        return (holds, spans)

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        needs: set[tuple[str, int]] = set()
        for item in self.items:
            need = item.triggers()
            if need is None:
                return None
            needs |= need
        return frozenset(needs)


@dataclass(frozen=True, slots=True)
class Not(Node):
    inner: Node

    def eval(self, scan: Scan) -> Outcome:
        ok, _ = self.inner.eval(scan)
        return (not ok, [])

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        return None


@dataclass(frozen=True, slots=True)
class Valid(Node):
    """Keeps the inner matches whose text passes a checksum (luhn, cn_id18, tw_id)."""

    inner: Node
    check: Callable[[str], bool]

    def eval(self, scan: Scan) -> Outcome:
        ok, found = self.inner.eval(scan)
        if not ok:
            return (False, [])
        text = scan.text
        kept = [m for m in found if self.check(text[m.start : m.end])]
        return (bool(kept), kept)

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        return self.inner.triggers()
