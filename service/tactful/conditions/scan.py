"""One reply's scan: normalized text, literal hits per term set, lazily run regexes, context."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tactful.conditions.spans import SpanIndex
from tactful.model import Context
from tactful.text import NormalizedText

_FEW_HITS = 8  # up to this many cue hits, testing each is cheaper than bisecting (and still O(1) per match)
CLAUSE_BREAKS = frozenset(",.!?;:\n。!?;,、…")
_EDGE_SKIP = frozenset(" \t\r\n,.!?;:~-—·、。!?;:…\"'“”‘’()()[]【】「」『』")


Groups = tuple[tuple[int, int] | None, ...]


class Match:
    """A span in the *normalized* text, with regex groups (normalized spans) and the literal term.

    `groups` may be given as a callable that computes them: finding capture groups costs a regex
    engine several times what finding the match does, and most matches never have theirs read
    (only templates such as "{1}" read them), so the matcher defers that work to the first read.
    """

    __slots__ = ("_groups", "delay", "end", "start", "term", "turn")

    def __init__(
        self,
        start: int,
        end: int,
        groups: Groups | Callable[[], Groups] = (),
        term: str = "",
        turn: int | None = None,
        delay: float | None = None,
    ) -> None:
        self.start = start
        self.end = end
        self._groups = groups
        self.term = term
        self.turn = turn  # conversation conditions: the earlier turn that triggered the match
        self.delay = delay  # `reply after`: how long the customer waited, in seconds

    @property
    def groups(self) -> Groups:
        found = self._groups
        if not isinstance(found, tuple):
            found = self._groups = found()
        return found

    @groups.setter
    def groups(self, value: Groups) -> None:
        self._groups = value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Match):
            return NotImplemented
        return (self.start, self.end, self.term, self.groups) == (other.start, other.end, other.term, other.groups)

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value (as the dataclass it replaced)

    def __repr__(self) -> str:
        return f"Match(start={self.start}, end={self.end}, groups={self.groups!r}, term={self.term!r})"


class TermHits(Mapping[int, list[Match]]):
    """Term-set id -> that set's literal hits, in text order: a read-only mapping whose Match
    objects are made when a set is first read. Most hits of a reply belong to sets no rule
    evaluated for it ever reads, and making a Match for each was a large share of a check."""

    __slots__ = ("_made", "_raw", "_terms")

    def __init__(self, raw: dict[int, list[tuple[int, int, int]]], terms: Sequence[str]) -> None:
        self._raw = raw  # set id -> automaton hits (term index, start, end); only non-empty lists
        self._terms = terms
        self._made: dict[int, list[Match]] = {}

    def __getitem__(self, set_id: int) -> list[Match]:
        made = self._made.get(set_id)
        if made is None:
            terms = self._terms
            made = self._made[set_id] = [Match(start, end, (), terms[idx]) for idx, start, end in self._raw[set_id]]
        return made

    def get(self, set_id: int, default: Any = None) -> Any:  # the hot path: no KeyError raised for an absent set
        made = self._made.get(set_id)
        if made is not None:
            return made
        return self[set_id] if set_id in self._raw else default

    def __contains__(self, set_id: object) -> bool:
        return set_id in self._raw

    def __iter__(self) -> Iterator[int]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def keep(self, test: Callable[[int, int], bool]) -> TermHits:
        """The hits whose (start, end) pass `test`; sets left without hits are dropped."""
        raw = {sid: kept for sid, hits in self._raw.items() if (kept := [h for h in hits if test(h[1], h[2])])}
        return TermHits(raw, self._terms)


class Scan:
    """Everything the condition nodes read. Built once per reply by the engine; never shared."""

    __slots__ = (
        "_bounds",
        "_customer",
        "_data",
        "_indexes",
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
        terms: Mapping[int, list[Match]],
        regex_ok: frozenset[int],
        context: Context,
        run_regex: Callable[[int, str, bytes | None], list[Match]],
        make_customer: Callable[[], Scan] | None = None,
        make_scan: Callable[[str], Scan] | None = None,
        data: bytes | None = None,
    ) -> None:
        self.ntext = ntext
        self.terms = terms
        self.regex_ok = regex_ok
        self.context = context
        self._regex_cache: dict[int, list[Match]] = {}
        self._run_regex = run_regex
        self._data = data  # the text's UTF-8 (the RE2 set's input), shared by every regex the reply runs
        self._customer: Scan | None = None
        self._make_customer = make_customer
        self._indexes: dict[int, SpanIndex] = {}
        self._bounds: tuple[int, int] | None = None
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

    def utf8(self) -> bytes:
        """The text's UTF-8, encoded once per reply (the RE2 set's input; every RE2 call takes it)."""
        data = self._data
        if data is None:
            data = self._data = self.ntext.text.encode("utf-8")
        return data

    def regex(self, rid: int) -> list[Match]:
        """All matches of regex `rid`; only run when the RE2 set prefilter said it can match."""
        if rid not in self.regex_ok:
            return []
        found = self._regex_cache.get(rid)
        if found is None:
            data = self._data
            if data is None:
                data = self._data = self.ntext.text.encode("utf-8")
            found = self._regex_cache[rid] = self._run_regex(rid, self.ntext.text, data)
        return found

    def regex_from(self, rid: int, start: int) -> list[Match]:
        """Matches of regex `rid` on the text from `start` on (so `^` anchors there), in whole-text
        offsets. Bypasses the prefilter, which saw the whole text; not cached."""
        found = self._run_regex(rid, self.ntext.text[start:], None)
        return [
            Match(m.start + start, m.end + start, tuple(None if g is None else (g[0] + start, g[1] + start) for g in m.groups), m.term)
            for m in found
        ]

    def customer(self) -> Scan | None:
        if self._customer is None and self._make_customer is not None:
            self._customer = self._make_customer()
        return self._customer

    def term_index(self, set_id: int) -> SpanIndex:
        """A bisectable index of one term set's hits, built once per reply on first use."""
        idx = self._indexes.get(set_id)
        if idx is None:
            idx = self._indexes[set_id] = SpanIndex(self.terms.get(set_id, ()))
        return idx

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
        # Cached: every starts/ends-with rule asks, and a reply of punctuation would be walked each time.
        if self._bounds is not None:
            return self._bounds
        text = self.ntext.text
        lo, hi = 0, len(text)
        while lo < hi and text[lo] in _EDGE_SKIP:
            lo += 1
        while hi > lo and text[hi - 1] in _EDGE_SKIP:
            hi -= 1
        self._bounds = (lo, hi)
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
        """Does a cue stand within N characters after (before) m, with no clause break between
        if the cue asks for one?

        Only the nearest cue hit on that side needs testing: a farther hit has a longer gap that
        contains the nearer one's, so it fails whatever test the nearer one failed. With many hits
        the nearest is found by bisection (a long reply must not cost matches × hits)."""
        text = scan.ntext.text
        for cue in self.cues:
            hits = scan.terms.get(cue.set_id)
            if not hits:
                continue
            if len(hits) <= _FEW_HITS:
                for hit in hits:
                    gap_lo, gap_hi = (m.end, hit.start) if cue.after else (hit.end, m.start)
                    if 0 <= gap_hi - gap_lo <= cue.within and not (cue.clause and not CLAUSE_BREAKS.isdisjoint(text[gap_lo:gap_hi])):
                        return True
                continue
            index = scan.term_index(cue.set_id)
            near = index.first_start_from(m.end) if cue.after else index.last_end_upto(m.start)
            if near is None:
                continue
            gap_lo, gap_hi = (m.end, near) if cue.after else (near, m.start)
            if gap_hi - gap_lo <= cue.within and not (cue.clause and not CLAUSE_BREAKS.isdisjoint(text[gap_lo:gap_hi])):
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
