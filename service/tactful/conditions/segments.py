"""Clause and sentence boundaries, quotations and opening address words of one reply.

Each is computed at most once per scan, on first use, and kept in the scan's memo: conditions
that ask "same clause?" or "inside a quotation?" then answer with a bisect, never a rescan.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

import re2

from tactful.conditions.scan import CLAUSE_BREAKS, Scan

_ANCHOR_START = getattr(getattr(re2, "_Anchor", None), "ANCHOR_START", None)
_re2_ext = getattr(re2, "_re2", None)
_char_len = getattr(_re2_ext, "BytesToCharLen", None)  # (utf-8 bytes, start, end) -> characters in between
_byte_len = getattr(_re2_ext, "CharLenToBytes", None)  # (utf-8 bytes, start, n characters) -> their bytes

# `~` ends a sentence in chat ("好的~"); a sentence break is also a clause break.
SENTENCE_BREAKS = frozenset(".!?\n。!?…~")
_CLAUSE = CLAUSE_BREAKS | SENTENCE_BREAKS
# What may stand before a clause's first word: spaces, punctuation, brackets.
_LEAD_SKIP = frozenset(" \t\r\n,.!?;:~-—·、。!?;:…\"'“”‘’()()[]【】「」『』")


# Paired quotation marks; ASCII "…" and '…' are handled apart (the same mark opens and closes).
_PAIRS = {"“": "”", "「": "」", "『": "』", "《": "》"}
_FIND = {
    "sentence": re.compile("[" + re.escape("".join(sorted(SENTENCE_BREAKS))) + "]"),
    "clause": re.compile("[" + re.escape("".join(sorted(_CLAUSE))) + "]"),
}
_QUOTE_MARKS = re.compile("[\"'" + "".join(_PAIRS) + "]")


def _breaks(text: str, kind: str) -> list[int]:
    out = []
    last = len(text) - 1
    for m in _FIND[kind].finditer(text):
        i = m.start()
        # 3.5 and 1.2.0 are numbers, not two sentences.
        if text[i] == "." and 0 < i < last and text[i - 1].isdigit() and text[i + 1].isdigit():
            continue
        out.append(i)
    return out


@dataclass(frozen=True, slots=True)
class Bounds:
    """The break positions of one reply for one kind of segment; segments lie between breaks."""

    breaks: list[int]
    length: int

    def extent(self, start: int, end: int) -> tuple[int, int]:
        """[lo, hi) of the segment(s) a span [start, end) lies in (a span may cross a break)."""
        k = bisect_left(self.breaks, start)
        lo = self.breaks[k - 1] + 1 if k else 0
        j = bisect_left(self.breaks, max(end - 1, start))
        hi = self.breaks[j] if j < len(self.breaks) else self.length
        return lo, max(hi, end)


def bounds(scan: Scan, kind: str) -> Bounds:
    memo = scan.memo_dict()
    key = "seg:" + kind
    found = memo.get(key)
    if found is None:
        found = memo[key] = Bounds(_breaks(scan.text, kind), len(scan.text))
    return found  # type: ignore[return-value]


def any_start_in(starts: list[int], lo: int, hi: int) -> bool:
    """Does a sorted list of start offsets have one in [lo, hi)?"""
    k = bisect_left(starts, lo)
    return k < len(starts) and starts[k] < hi


def count_starts_in(starts: list[int], lo: int, hi: int) -> int:
    return bisect_left(starts, hi) - bisect_left(starts, lo)


# ---- quotations ------------------------------------------------------------------------------
def _is_letter(ch: str) -> bool:
    return ch.isalnum()


def _quotations(text: str) -> list[tuple[int, int]]:
    """Spans of the quotations of a reply, marks included, in text order.

    Paired marks (“…” 「…」 『…』 《…》) close at their partner; ASCII "…" pairs with the next ";
    an English '…' opens only after a non-letter and closes only before one, so the
    apostrophes of don't / customers' do not start a quotation. A quotation left open runs to
    the end of its clause."""
    spans: list[tuple[int, int]] = []
    first = _QUOTE_MARKS.search(text)
    if first is None:  # most replies quote nothing
        return spans
    n = len(text)
    closing = _Closers(text)
    i = first.start()
    while i < n:
        ch = text[i]
        close: str | None = _PAIRS.get(ch)
        if close is None and ch == '"':
            close = '"'
        elif close is None and ch == "'" and (i == 0 or not _is_letter(text[i - 1])) and i + 1 < n and _is_letter(text[i + 1]):
            close = "'"
        if close is None:
            i += 1
            continue
        j = closing.find(close, i + 1)
        if j >= n:  # unpaired: up to the end of the clause
            j = i + 1
            while j < n and text[j] not in _CLAUSE:
                j += 1
            spans.append((i, j))
            i = j
            continue
        spans.append((i, j + 1))
        i = j + 1
    return spans


class _Closers:
    """The next closing mark of each kind at or after a position. Queries come with increasing
    positions, so each kind's answer is kept and reused until passed: the text is searched once
    per kind, not once per opening mark (an unpaired “ in every clause made quotations quadratic)."""

    __slots__ = ("_next", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._next: dict[str, int] = {}

    def find(self, close: str, pos: int) -> int:
        """The first index >= pos holding `close` (an English ' only before a non-letter), or len(text)."""
        known = self._next.get(close)
        if known is not None and known >= pos:
            return known
        text, n = self._text, len(self._text)
        j = text.find(close, pos)
        while j >= 0 and close == "'" and j + 1 < n and _is_letter(text[j + 1]):
            j = text.find(close, j + 1)
        found = self._next[close] = j if j >= 0 else n
        return found


def quotations(scan: Scan) -> list[tuple[int, int]]:
    memo = scan.memo_dict()
    found = memo.get("quotes")
    if found is None:
        found = memo["quotes"] = _quotations(scan.text)
    return found  # type: ignore[return-value]


# ---- opening address words and emoticon codes ------------------------------------------------
def skip_lead(text: str, pos: int) -> int:
    """The first index at or after `pos` that is not leading space or punctuation."""
    n = len(text)
    while pos < n and text[pos] in _LEAD_SKIP:
        pos += 1
    return pos


def first_words(text: str, los: list[int]) -> dict[int, int]:
    """skip_lead(text, lo) for every lo, walking each stretch of leading punctuation once.

    Taken in increasing order, a result r also answers every lo' in [lo, r] (all of [lo', r) is
    leading punctuation), so a long run of it shared by many clause starts is not rewalked:
    ", , , , 但是" repeated 64 KiB long would otherwise cost matches x run length."""
    out: dict[int, int] = {}
    lo_prev = end_prev = -1
    for lo in sorted(set(los)):
        if lo_prev <= lo <= end_prev:
            out[lo] = end_prev
            continue
        out[lo] = end_prev = skip_lead(text, lo)
        lo_prev = lo
    return out


class Openers:
    """A pack's address words and emoticon codes, which may open a reply or a clause (亲,这个不行 /
    [微笑]好的) without being its content. Built once per ruleset from an RE2 pattern for one opener."""

    __slots__ = ("_raw", "_re", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._re = re2.compile(f"(?:(?:{pattern})[ \\t,,、~!!。.…]*)+")
        # google-re2's Python layer costs ~5 us a call (a generator, a Match object, offset maps):
        # most of a compliant reply's rule work when its rules ask where the reply starts. Its
        # compiled regexp answers the same anchored question; `skip_public` stays the fallback.
        raw = getattr(self._re, "_regexp", None)
        self._raw = raw if _ANCHOR_START is not None and _char_len is not None and hasattr(raw, "Match") else None

    def skip(self, text: str, pos: int) -> int:
        """The first content index at or after `pos`, past punctuation and any run of openers.
        Openers are tried before punctuation too: an emoticon code may begin with a bracket."""
        raw = self._raw
        if raw is None or _char_len is None or _byte_len is None:
            return self.skip_public(text, pos)
        # What re2's match(text, pos) does, without its wrapper: the whole text (so `^` means the
        # reply's start, as before), byte offsets kept in step with `pos` by a forward cursor.
        data = text.encode("utf-8")
        end = len(data)
        at = _byte_len(data, 0, pos)
        while True:
            stop = raw.Match(_ANCHOR_START, data, at, end)[0][1]
            if stop > at:  # a non-empty run of openers (a failed match reports -1)
                pos += _char_len(data, at, stop)
                at = stop
            nxt = skip_lead(text, pos)
            if nxt == pos:
                return pos
            at += _byte_len(data, at, nxt - pos)
            pos = nxt

    def skip_public(self, text: str, pos: int) -> int:
        """skip() through google-re2's public API (the fallback, and the reference in tests)."""
        while True:
            m = self._re.match(text, pos)
            if m is not None and m.end() > pos:
                pos = m.end()
            nxt = skip_lead(text, pos)
            if nxt == pos:
                return pos
            pos = nxt


def reply_start(scan: Scan, openers: Openers) -> tuple[int, int]:
    """(first content index, first index after any openers) of the whole reply, memoized."""
    memo = scan.memo_dict()
    found = memo.get("open")
    if found is None:
        found = memo["open"] = (skip_lead(scan.text, 0), openers.skip(scan.text, 0))
    return found  # type: ignore[return-value]
