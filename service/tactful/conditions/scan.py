"""One reply's scan: normalized text, literal hits per term set, lazily run regexes, context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tactful.model import Context
from tactful.text import NormalizedText

CLAUSE_BREAKS = frozenset(",.!?;:\n。!?;,、…")
_EDGE_SKIP = frozenset(" \t\r\n,.!?;:~-—·、。!?;:…\"'“”‘’()()[]【】「」『』")


@dataclass(slots=True)
class Match:
    """A span in the *normalized* text, with regex groups (normalized spans) and the literal term."""

    start: int
    end: int
    groups: tuple[tuple[int, int] | None, ...] = ()
    term: str = ""
    turn: int | None = None  # conversation conditions: the earlier turn that triggered the match
    delay: float | None = None  # `reply after`: how long the customer waited, in seconds


class Scan:
    """Everything the condition nodes read. Built once per reply by the engine; never shared."""

    __slots__ = (
        "_customer",
        "_make_customer",
        "_make_scan",
        "_memo",
        "_regex_cache",
        "_run_regex",
        "_turns",
        "context",
        "ntext",
        "regex_ok",
        "terms",
    )

    def __init__(
        self,
        ntext: NormalizedText,
        terms: dict[int, list[Match]],
        regex_ok: frozenset[int],
        context: Context,
        run_regex: Callable[[int, str], list[Match]],
        make_customer: Callable[[], Scan] | None = None,
        make_scan: Callable[[str], Scan] | None = None,
    ) -> None:
        self.ntext = ntext
        self.terms = terms
        self.regex_ok = regex_ok
        self.context = context
        self._regex_cache: dict[int, list[Match]] = {}
        self._run_regex = run_regex
        self._customer: Scan | None = None
        self._make_customer = make_customer
        self._memo: dict[str, object] | None = None
        self._make_scan = make_scan
        self._turns: dict[int, Scan] | None = None

    def memo_dict(self) -> dict[str, object]:
        """Per-reply facts computed on first use (clause bounds, quotations; see segments.py)."""
        if self._memo is None:
            self._memo = {}
        return self._memo

    @property
    def text(self) -> str:
        return self.ntext.text

    def regex(self, rid: int) -> list[Match]:
        """All matches of regex `rid`; only run when the RE2 set prefilter said it can match."""
        if rid not in self.regex_ok:
            return []
        found = self._regex_cache.get(rid)
        if found is None:
            found = self._regex_cache[rid] = self._run_regex(rid, self.ntext.text)
        return found

    def regex_from(self, rid: int, start: int) -> list[Match]:
        """Matches of regex `rid` on the text from `start` on (so `^` anchors there), in whole-text
        offsets. Bypasses the prefilter, which saw the whole text; not cached."""
        found = self._run_regex(rid, self.ntext.text[start:])
        return [
            Match(m.start + start, m.end + start, tuple(None if g is None else (g[0] + start, g[1] + start) for g in m.groups), m.term)
            for m in found
        ]

    def customer(self) -> Scan | None:
        if self._customer is None and self._make_customer is not None:
            self._customer = self._make_customer()
        return self._customer

    def turn(self, index: int) -> Scan | None:
        """The scan of the conversation's turn `index` (scanned once, when a condition first asks)."""
        if self._make_scan is None:
            return None
        if self._turns is None:
            self._turns = {}
        found = self._turns.get(index)
        if found is None:
            found = self._turns[index] = self._make_scan(self.context.conversation[index].text)
        return found

    def content_bounds(self) -> tuple[int, int]:
        """First and last+1 index of the reply that are not whitespace or punctuation."""
        text = self.ntext.text
        lo, hi = 0, len(text)
        while lo < hi and text[lo] in _EDGE_SKIP:
            lo += 1
        while hi > lo and text[hi - 1] in _EDGE_SKIP:
            hi -= 1
        return lo, hi


@dataclass(frozen=True, slots=True)
class ScopeCueC:
    set_id: int
    after: bool
    within: int
    clause: bool


@dataclass(frozen=True, slots=True)
class ScopeFilter:
    """A locale's negation/hedge scope: does a cue stand within N characters before/after a match?"""

    name: str
    cues: tuple[ScopeCueC, ...]
    cue_sets: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cue_sets", frozenset(c.set_id for c in self.cues))

    def present(self, scan: Scan) -> bool:
        """Does any cue of this scope occur in the reply at all? (Most replies have none.)"""
        return not self.cue_sets.isdisjoint(scan.terms)

    def covers(self, scan: Scan, m: Match) -> bool:
        text = scan.ntext.text
        for cue in self.cues:
            for hit in scan.terms.get(cue.set_id, ()):
                if cue.after:
                    gap_lo, gap_hi = m.end, hit.start
                else:
                    gap_lo, gap_hi = hit.end, m.start
                if not 0 <= gap_hi - gap_lo <= cue.within:
                    continue
                if cue.clause and any(c in CLAUSE_BREAKS for c in text[gap_lo:gap_hi]):
                    continue
                return True
        return False

    def cue_for(self, scan: Scan, m: Match) -> tuple[ScopeCueC, Match] | None:
        """The cue and its hit that put `m` inside this scope, or None: `covers` with the why.

        Kept apart from `covers` (same rules) so the check path pays nothing for explanations.
        """
        text = scan.ntext.text
        for cue in self.cues:
            for hit in scan.terms.get(cue.set_id, ()):
                gap_lo, gap_hi = (m.end, hit.start) if cue.after else (hit.end, m.start)
                if not 0 <= gap_hi - gap_lo <= cue.within:
                    continue
                if cue.clause and any(c in CLAUSE_BREAKS for c in text[gap_lo:gap_hi]):
                    continue
                return cue, hit
        return None


Outcome = tuple[bool, list[Match]]
AnyDict = dict[str, Any]
