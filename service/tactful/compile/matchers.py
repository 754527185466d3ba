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
        self._bounded = tuple((_is_word(t[0]), _is_word(t[-1])) for t in terms)
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
        for idx, start, end in self._ac.find_matches_as_indexes(text, overlapping=True):
            left, right = self._bounded[idx]
            if left and start > 0 and _is_word(text[start - 1]):
                continue
            if right and end < n and _is_word(text[end]):
                continue
            m = Match(start, end, (), self._terms[idx])
            for sid in self._term_sets[idx]:
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
            if m.end() == m.start():
                continue
            groups = tuple(None if m.start(g) < 0 else (m.start(g), m.end(g)) for g in range(1, m.re.groups + 1))
            out.append(Match(m.start(), m.end(), groups, m.group()))
        return out
