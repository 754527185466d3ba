"""Conditions bounded by a clause or sentence, quotations, and openers (address words, emoticons).

Linear in the reply: boundaries and quotations come once per scan from segments.py; each node
sorts the start offsets of its right-hand side once and answers per match with a bisect.
"""

from __future__ import annotations

from dataclasses import dataclass

from tactful.conditions.nodes import Node, both_hold
from tactful.conditions.scan import Match, Outcome, Scan
from tactful.conditions.segments import Openers, any_start_in, bounds, count_starts_in, first_words, quotations, reply_start


def _starts(found: list[Match]) -> list[int]:
    return sorted(m.start for m in found)


@dataclass(frozen=True, slots=True)
class SegmentNear(Node):
    """Left's matches with a right match in the same clause/sentence (after it, if ordered)."""

    left: Node
    right: Node
    segment: str
    ordered: bool

    def eval(self, scan: Scan) -> Outcome:
        both = both_hold(scan, self.left, self.right)
        if both is None:
            return (False, [])
        lefts, rights = both
        seg = bounds(scan, self.segment)
        starts = _starts(rights)
        spans = {(r.start, r.end) for r in rights}
        kept = []
        for m in lefts:
            lo, hi = seg.extent(m.start, m.end)
            if self.ordered:
                hit = any_start_in(starts, m.end, hi)
            else:
                # the left match itself, when it is also a right match, does not count
                hit = count_starts_in(starts, lo, hi) > (1 if (m.start, m.end) in spans else 0)
            if hit:
                kept.append(m)
        return (bool(kept), kept)

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        left = self.left.triggers()
        return left if left is not None else self.right.triggers()


@dataclass(frozen=True, slots=True)
class Without(Node):
    """Left's matches whose clause/sentence holds no right match: a refusal with no reason or
    alternative in the same sentence."""

    left: Node
    right: Node
    segment: str

    def eval(self, scan: Scan) -> Outcome:
        ok, lefts = self.left.eval(scan)
        if not ok:
            return (False, [])
        ok, rights = self.right.eval(scan)
        if not ok or not rights:
            return (True, lefts)
        seg = bounds(scan, self.segment)
        starts = _starts(rights)
        kept = [m for m in lefts if not any_start_in(starts, *seg.extent(m.start, m.end))]
        return (bool(kept), kept)

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        return self.left.triggers()


@dataclass(frozen=True, slots=True)
class SegmentStarts(Node):
    """`clause starts with X` / `sentence starts with X`: X's matches at the first word of their
    clause/sentence, past punctuation and, when the pack declares them, address words and
    emoticon codes (亲,这个不行). A match of the address word itself still counts."""

    inner: Node
    segment: str
    openers: Openers | None

    def eval(self, scan: Scan) -> Outcome:
        ok, found = self.inner.eval(scan)
        if not ok:
            return (False, [])
        seg = bounds(scan, self.segment)
        text = scan.text
        los = [seg.extent(m.start, m.end)[0] for m in found]
        first = first_words(text, los)
        opened: dict[int, int] = {}  # per clause start: many matches may share one clause
        kept = []
        for m, lo in zip(found, los, strict=True):
            if m.start == first[lo]:
                kept.append(m)
            elif self.openers is not None:
                at = opened.get(lo)
                if at is None:
                    at = opened[lo] = self.openers.skip(text, lo)
                if m.start == at:
                    kept.append(m)
        return (bool(kept), kept)

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        return self.inner.triggers()


@dataclass(frozen=True, slots=True)
class OpenedStart(Node):
    """`starts with X` in a pack with openers: X at the reply's first word, or at its first word
    after the address words and emoticon codes that open it."""

    inner: Node
    openers: Openers

    def eval(self, scan: Scan) -> Outcome:
        ok, found = self.inner.eval(scan)
        if not ok:
            return (False, [])
        plain, opened = reply_start(scan, self.openers)
        kept = [m for m in found if m.start <= plain or m.start == opened]
        return (bool(kept), kept)

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        return self.inner.triggers()


@dataclass(frozen=True, slots=True)
class OpenedRegex(Node):
    """A `^`-anchored regex in a pack with openers: also tried from the first index after the
    openers, so 亲,这个不行 matches /^这个不行/ with the span 这个不行. `opener_atoms` are the
    atoms (address terms, emoticon regex) whose presence makes that second try possible."""

    rid: int
    openers: Openers
    opener_atoms: frozenset[tuple[str, int]]

    def eval(self, scan: Scan) -> Outcome:
        found = scan.regex(self.rid)
        if found:
            return (True, found)
        _, opened = reply_start(scan, self.openers)
        if opened == 0 or opened >= len(scan.text):
            return (False, [])
        found = scan.regex_from(self.rid, opened)
        return (bool(found), found)

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        return frozenset({("r", self.rid), *self.opener_atoms})


@dataclass(frozen=True, slots=True)
class Quoted(Node):
    """The quotations of the reply; as `unless quoted` it drops the matches inside one."""

    def eval(self, scan: Scan) -> Outcome:
        spans = quotations(scan)
        return (bool(spans), [Match(lo, hi) for lo, hi in spans])

    def triggers(self) -> frozenset[tuple[str, int]] | None:
        return None
