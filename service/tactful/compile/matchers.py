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
    return opts


def _is_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


class Matcher:
    """Built once per ruleset; `scan` is thread-safe (no state is written after construction)."""

    __slots__ = ("_ac", "_bounded", "_regexes", "_set", "_term_sets", "_terms", "regex_count")

    def __init__(self, terms: Sequence[str], term_sets: Sequence[tuple[int, ...]], regexes: Sequence[str]) -> None:
        self._terms = tuple(terms)
        self._term_sets = tuple(term_sets)
        # Latin words match whole words only: "u" must not fire inside "you".
        # None (the common CJK case) skips the boundary test entirely on the hot path.
        self._bounded = tuple((_is_word(t[0]), _is_word(t[-1])) if _is_word(t[0]) or _is_word(t[-1]) else None for t in terms)
        self._ac = ahocorasick_rs.AhoCorasick(list(terms)) if terms else None
        self._regexes = tuple(re2.compile(p, quiet_options()) for p in regexes)
        self.regex_count = len(regexes)
        self._set = None
        if regexes:
            rset = re2.Set.SearchSet(quiet_options())
            for p in regexes:
                rset.Add(p)
            rset.Compile()
            self._set = rset

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
        out = []
        for m in self._regexes[rid].finditer(text):
            # google-re2 keeps every group's decoded span in `_spans`; reading it once is ~5x
            # cheaper than m.start(g)/m.end(g) per group through the Python wrapper.
            spans = getattr(m, "_spans", None) or [m.span(g) for g in range(m.re.groups + 1)]
            start, end = spans[0]
            if end == start:
                continue
            groups = tuple(None if s[0] < 0 else (s[0], s[1]) for s in spans[1:])
            out.append(Match(start, end, groups, text[start:end]))
        return out
