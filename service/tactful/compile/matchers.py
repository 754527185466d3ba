"""One Aho-Corasick automaton for every literal term of a ruleset, and one RE2 set as a regex prefilter."""

from __future__ import annotations

from collections.abc import Sequence

import ahocorasick_rs
import re2

from tactful.conditions.scan import Match


def quiet_options() -> re2.Options:
    """RE2 options that report errors as exceptions only (no C++ log lines on stderr)."""
    opts = re2.Options()
    opts.log_errors = False
    # RE2's default 8 MiB budget is too small for the DFA of the packs' larger patterns (long
    # alternations with counted Unicode classes): RE2 then falls back to its NFA, 4x slower on
    # such a rule (133 -> 33 us a call). The budget is a cap; DFA states are built lazily, and the
    # process's resident memory after 10,000 checks did not change.
    opts.max_mem = 64 << 20
    return opts


# google-re2's Python layer wraps every match in a generator and a Match object and re-decodes
# offsets per match: ~5 us for one short match, most of a cheap check. Its compiled regexp
# (`_regexp`, the C++ RE2 object) answers the same question in ~1 us. Both are private to the
# package, so the public finditer stays as the fallback, and tests compare the two paths.
_UNANCHORED = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)


def _raw(compiled: object) -> object | None:
    raw = getattr(compiled, "_regexp", None)
    return raw if _UNANCHORED is not None and hasattr(raw, "Match") else None


def _is_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


class Matcher:
    """Built once per ruleset; `scan` is thread-safe (no state is written after construction)."""

    __slots__ = ("_ac", "_bounded", "_raw", "_regexes", "_set", "_term_sets", "_terms", "regex_count")

    def __init__(self, terms: Sequence[str], term_sets: Sequence[tuple[int, ...]], regexes: Sequence[str]) -> None:
        self._terms = tuple(terms)
        self._term_sets = tuple(term_sets)
        # Latin words match whole words only: "u" must not fire inside "you".
        # None (the common CJK case) skips the boundary test entirely on the hot path.
        self._bounded = tuple((_is_word(t[0]), _is_word(t[-1])) if _is_word(t[0]) or _is_word(t[-1]) else None for t in terms)
        self._ac = ahocorasick_rs.AhoCorasick(list(terms)) if terms else None
        self._regexes = tuple(re2.compile(p, quiet_options()) for p in regexes)
        self._raw = tuple(_raw(r) for r in self._regexes)
        self.regex_count = len(regexes)
        self._set = None
        if regexes:
            rset = re2.Set.SearchSet(quiet_options())
            for p in regexes:
                rset.Add(p)
            rset.Compile()
            self._set = rset

    @property
    def terms(self) -> tuple[str, ...]:
        """Every literal term of the ruleset, normalized (what the automaton looks for)."""
        return self._terms

    def scan_terms(self, text: str) -> dict[int, list[Match]]:
        """Literal hits grouped by term-set id, in text order."""
        out: dict[int, list[Match]] = {}
        if self._ac is None:
            return out
        n = len(text)
        bounded, terms, term_sets = self._bounded, self._terms, self._term_sets
        for idx, start, end in self._ac.find_matches_as_indexes(text, overlapping=True):
            edge = bounded[idx]
            if edge is not None:
                if edge[0] and start > 0 and _is_word(text[start - 1]):
                    continue
                if edge[1] and end < n and _is_word(text[end]):
                    continue
            m = Match(start, end, (), terms[idx])
            for sid in term_sets[idx]:
                bucket = out.get(sid)
                if bucket is None:
                    out[sid] = [m]
                else:
                    bucket.append(m)
        return out

    def regex_candidates(self, text: str) -> frozenset[int]:
        if self._set is None:
            return frozenset()
        return frozenset(self._set.Match(text) or ())

    def run_regex(self, rid: int, text: str) -> list[Match]:
        """Every non-empty match of regex `rid`, leftmost first, in code-point offsets."""
        raw = self._raw[rid]
        if raw is None:
            return self.run_regex_public(rid, text)
        data = text.encode("utf-8")
        to_char = _ByteToChar(data) if len(data) != len(text) else None
        out = []
        pos, end = 0, len(data)
        while pos <= end:
            spans = raw.Match(_UNANCHORED, data, pos, end)  # type: ignore[attr-defined]
            start, stop = spans[0]
            if start < 0:
                break
            if stop == start:  # an empty match: step over one character (UTF-8 lead byte) and go on
                pos = stop + 1
                while pos < end and (data[pos] & 0xC0) == 0x80:
                    pos += 1
                continue
            pos = stop
            if to_char is not None:
                spans = to_char.spans(spans)
                start, stop = spans[0]
            groups = tuple(None if s[0] < 0 else (s[0], s[1]) for s in spans[1:])
            out.append(Match(start, stop, groups, text[start:stop]))
        return out

    def run_regex_public(self, rid: int, text: str) -> list[Match]:
        """run_regex through google-re2's public API (the fallback, and the reference in tests)."""
        out = []
        for m in self._regexes[rid].finditer(text):
            spans = [m.span(g) for g in range(m.re.groups + 1)]
            start, end = spans[0]
            if end == start:
                continue
            groups = tuple(None if s[0] < 0 else (s[0], s[1]) for s in spans[1:])
            out.append(Match(start, end, groups, text[start:end]))
        return out


class _ByteToChar:
    """UTF-8 byte offsets -> code-point offsets for one text, for matches met left to right.

    Each offset is decoded from a cursor at the previous match's start, which keeps the total
    decoding linear in the text's length (times the number of groups).
    """

    __slots__ = ("_byte", "_char", "_data")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._byte = 0
        self._char = 0

    def spans(self, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        data, b, c = self._data, self._byte, self._char
        out = [(-1, -1) if lo < 0 else (c + len(data[b:lo].decode()), c + len(data[b:hi].decode())) for lo, hi in spans]
        self._byte, self._char = spans[0][0], out[0][0]
        return out
