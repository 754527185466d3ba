"""One Aho-Corasick automaton for every literal term of a ruleset, and one RE2 set as a regex prefilter."""

from __future__ import annotations

from collections.abc import Sequence

import ahocorasick_rs
import re2

from tactful.conditions.scan import Match, TermHits


def quiet_options(never_capture: bool = False) -> re2.Options:
    """RE2 options that report errors as exceptions only (no C++ log lines on stderr)."""
    opts = re2.Options()
    opts.log_errors = False
    opts.never_capture = never_capture
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
_ANCHOR_BOTH = getattr(getattr(re2, "_Anchor", None), "ANCHOR_BOTH", None)
_ANCHOR_START = getattr(getattr(re2, "_Anchor", None), "ANCHOR_START", None)


def _raw(compiled: object) -> object | None:
    raw = getattr(compiled, "_regexp", None)
    return raw if _UNANCHORED is not None and _ANCHOR_BOTH is not None and hasattr(raw, "Match") else None


def _is_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


class Matcher:
    """Built once per ruleset; `scan` is thread-safe (no state is written after construction)."""

    __slots__ = (
        "_ac",
        "_bounded",
        "_grouped",
        "_plain",
        "_raw",
        "_regexes",
        "_set",
        "_set_raw",
        "_single",
        "_term_sets",
        "_terms",
        "regex_count",
    )

    def __init__(self, terms: Sequence[str], term_sets: Sequence[tuple[int, ...]], regexes: Sequence[str]) -> None:
        self._terms = tuple(terms)
        self._term_sets = tuple(term_sets)
        # Latin words match whole words only: "u" must not fire inside "you".
        # None (the common CJK case) skips the boundary test entirely on the hot path.
        self._bounded = tuple((_is_word(t[0]), _is_word(t[-1])) if _is_word(t[0]) or _is_word(t[-1]) else None for t in terms)
        # The set id of a term that needs no boundary test and belongs to one set (most terms).
        self._single = tuple(
            sets[0] if len(sets) == 1 and edge is None else None for sets, edge in zip(self._term_sets, self._bounded, strict=True)
        )
        self._ac = ahocorasick_rs.AhoCorasick(list(terms)) if terms else None
        self._regexes = tuple(re2.compile(p, quiet_options()) for p in regexes)
        self._raw = tuple(_raw(r) for r in self._regexes)
        # The same regexes without capture groups find the matches: with groups RE2 runs a
        # submatch engine over every match (4-20x the DFA's cost on the packs' large patterns);
        # the groups of a match are computed only if something reads them (lazy Match.groups).
        self._grouped = tuple(r.groups > 0 for r in self._regexes)
        self._plain = tuple(
            _raw(re2.compile(p, quiet_options(never_capture=True))) if grouped else raw
            for p, grouped, raw in zip(regexes, self._grouped, self._raw, strict=True)
        )
        self.regex_count = len(regexes)
        self._set = None
        self._set_raw: object | None = None
        if regexes:
            rset = re2.Set.SearchSet(quiet_options())
            for p in regexes:
                rset.Add(p)
            rset.Compile()
            self._set = rset
            inner = getattr(rset, "_set", None)
            self._set_raw = inner if hasattr(inner, "Match") else None

    @property
    def terms(self) -> tuple[str, ...]:
        """Every literal term of the ruleset, normalized (what the automaton looks for)."""
        return self._terms

    @property
    def patterns(self) -> tuple[str, ...]:
        """Every regex of the ruleset as compiled (the RE2 set holds the same patterns)."""
        return tuple(r.pattern for r in self._regexes)

    def scan_terms(self, text: str) -> TermHits:
        """Literal hits grouped by term-set id, in text order (Match objects made on first read)."""
        raw: dict[int, list[tuple[int, int, int]]] = {}
        if self._ac is None:
            return TermHits(raw, self._terms)
        n = len(text)
        bounded, term_sets, single = self._bounded, self._term_sets, self._single
        for hit in self._ac.find_matches_as_indexes(text, overlapping=True):
            sid = single[hit[0]]
            if sid is not None:  # the common case: an unbounded term of one set
                bucket = raw.get(sid)
                if bucket is None:
                    raw[sid] = [hit]
                else:
                    bucket.append(hit)
                continue
            idx, start, end = hit
            edge = bounded[idx]
            if edge is not None:
                if edge[0] and start > 0 and _is_word(text[start - 1]):
                    continue
                if edge[1] and end < n and _is_word(text[end]):
                    continue
            for sid in term_sets[idx]:
                bucket = raw.get(sid)
                if bucket is None:
                    raw[sid] = [hit]
                else:
                    bucket.append(hit)
        return TermHits(raw, self._terms)

    def regex_candidates(self, text: str, data: bytes | None = None) -> frozenset[int]:
        """The regexes the RE2 set says can match `text` (`data`: its UTF-8, if the caller has it)."""
        if self._set is None:
            return frozenset()
        if data is None:
            data = text.encode("utf-8")
        raw = self._set_raw
        # google-re2's Set.Match is a Python wrapper (one interpreted frame and an encode per
        # reply); its C++ set takes the bytes the scan encodes once for every regex it runs.
        return frozenset((raw.Match(data) if raw is not None else self._set.Match(data)) or ())  # type: ignore[attr-defined]

    def run_regex(self, rid: int, text: str, data: bytes | None = None) -> list[Match]:
        """Every non-empty match of regex `rid`, leftmost first, in code-point offsets. `data`:
        the text's UTF-8, when the caller already has it (a scan encodes its text once for
        all the regexes a reply runs, not once per regex)."""
        raw, find = self._raw[rid], self._plain[rid]
        if raw is None or find is None:
            return self.run_regex_public(rid, text)
        if data is None:
            data = text.encode("utf-8")
        ascii_only = len(data) == len(text)
        grouped = self._grouped[rid]
        out = []
        pos, end = 0, len(data)
        # Byte -> code-point offsets: a cursor that only moves forward (each stretch of the text
        # is decoded once), and no conversion at all for ASCII text.
        b_at = c_at = 0
        while pos <= end:
            start, stop = find.Match(_UNANCHORED, data, pos, end)[0]  # type: ignore[attr-defined]
            if start < 0:
                break
            if stop == start:  # an empty match: step over one character (UTF-8 lead byte) and go on
                pos = stop + 1
                while pos < end and (data[pos] & 0xC0) == 0x80:
                    pos += 1
                continue
            pos = stop
            if ascii_only:
                c_start, term = start, text[start:stop]
            else:
                c_start = c_at + len(data[b_at:start].decode())
                term = data[start:stop].decode()
                b_at, c_at = stop, c_start + len(term)
            groups = _Groups(raw, data, start, stop, c_start) if grouped else ()
            out.append(Match(c_start, c_start + len(term), groups, term))
            if stop == end:
                # Only an empty match is left at the end of the text, and those are dropped: one
                # RE2 call saved (a call costs ~2 us, mostly binding overhead) for every regex
                # whose last match ends the reply (sentence-final patterns, `$`).
                break
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


class Probe:
    """A regex tried anchored at chosen positions of a reply (a pack's `sign_off`, at each
    closing clause): does it match there? google-re2's `match(text, pos)` encodes the whole text
    and builds a Match per call (~5 us); the C++ object on the UTF-8 the scan already has, without
    capture groups, answers in ~1 us. The public call stays as the fallback."""

    __slots__ = ("_public", "_raw")

    def __init__(self, pattern: str) -> None:
        self._public = re2.compile(pattern, quiet_options())
        raw = _raw(re2.compile(pattern, quiet_options(never_capture=True)))
        self._raw = raw if _ANCHOR_START is not None else None

    def match_at(self, text: str, pos: int, data: bytes) -> bool:
        """Whether the regex matches `text` (UTF-8: `data`) starting at code point `pos`."""
        raw = self._raw
        if raw is None:
            return self._public.match(text, pos) is not None
        end = len(data)
        # the suffix's length, not the prefix's: the closing clauses tried are at the reply's end
        b_pos = end - len(text[pos:].encode("utf-8"))
        return bool(raw.Match(_ANCHOR_START, data, b_pos, end)[0][0] >= 0)  # type: ignore[attr-defined]

    @property
    def pattern(self) -> str:
        return str(self._public.pattern)


class _Groups:
    """The capture groups of one match, computed when first read: the regex with its groups,
    anchored at both ends of the match's bytes (what RE2 itself does after finding a match)."""

    __slots__ = ("_b_start", "_b_stop", "_c_start", "_data", "_raw")

    def __init__(self, raw: object, data: bytes, b_start: int, b_stop: int, c_start: int) -> None:
        self._raw = raw
        self._data = data
        self._b_start = b_start
        self._b_stop = b_stop
        self._c_start = c_start

    def __call__(self) -> tuple[tuple[int, int] | None, ...]:
        data, b, c = self._data, self._b_start, self._c_start
        spans = self._raw.Match(_ANCHOR_BOTH, data, b, self._b_stop)  # type: ignore[attr-defined]
        return tuple(None if lo < 0 else (c + len(data[b:lo].decode()), c + len(data[b:hi].decode())) for lo, hi in spans[1:])
