"""Window questions about a set of spans ("is there a span starting within N after x?") answered by
bisecting sorted arrays, so a condition costs O((matches + spans) log) rather than matches × spans.

On long repetitive replies the all-pairs versions of these questions made a check quadratic in the
reply's length (a 64 KiB reply of "是的,但是" took seconds). Below SMALL pairs, a direct loop is
cheaper than building the index: both paths answer the same questions (tests compare them).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from itertools import accumulate
from typing import Protocol

SMALL = 64
"""Pairs (queries × spans) below which the callers loop directly; a constant, so still linear."""


class Span(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


class SpanIndex:
    """Immutable index over spans [start, end): starts sorted (with their ends and a running
    maximum of those ends), and ends sorted on their own."""

    __slots__ = ("_ends", "_ends_by_start", "_max_end", "_starts")

    def __init__(self, spans: Iterable[Span]) -> None:
        pairs = sorted((s.start, s.end) for s in spans)
        self._starts = [a for a, _ in pairs]
        self._ends_by_start = [b for _, b in pairs]
        self._max_end = list(accumulate(self._ends_by_start, max))
        self._ends = sorted(self._ends_by_start)

    def __len__(self) -> int:
        return len(self._starts)

    def first_start_from(self, pos: int) -> int | None:
        """The smallest start >= pos (None if there is none)."""
        i = bisect_left(self._starts, pos)
        return self._starts[i] if i < len(self._starts) else None

    def last_end_upto(self, pos: int) -> int | None:
        """The largest end <= pos (None if there is none)."""
        i = bisect_right(self._ends, pos)
        return self._ends[i - 1] if i else None

    def start_in(self, lo: int, hi: int) -> bool:
        """Does some span start in [lo, hi]?"""
        first = self.first_start_from(lo)
        return first is not None and first <= hi

    def end_in(self, lo: int, hi: int) -> bool:
        """Does some span end in [lo, hi]?"""
        last = self.last_end_upto(hi)
        return last is not None and last >= lo

    def overlaps(self, start: int, end: int) -> bool:
        """Does some span s overlap [start, end), i.e. s.start < end and start < s.end?"""
        i = bisect_left(self._starts, end)
        return i > 0 and self._max_end[i - 1] > start

    def overlaps_other(self, start: int, end: int) -> bool:
        """Does some span overlap [start, end) (as in `overlaps`) without being exactly [start, end)?"""
        starts = self._starts
        i = bisect_left(starts, start)
        if i > 0 and self._max_end[i - 1] > start:
            return True  # begins before start and reaches into the span
        j = bisect_right(starts, start, i)
        if j < len(starts) and starts[j] < end:
            return True  # begins strictly inside the span
        if j > i and start < end:  # begins exactly at start: overlaps if it ends after start, differs if its end does
            ends = self._ends_by_start
            k = bisect_right(ends, start, i, j)
            return k < j and (ends[k] != end or ends[j - 1] != end)
        return False
