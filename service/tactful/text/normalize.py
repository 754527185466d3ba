"""Per-pack text normalization (NFKC, width, case, Traditional→Simplified, noise) with an offset map.

Rule terms and replies go through the *same* normalizer, so a term written in
Simplified half-width characters matches a reply typed in Traditional full-width
ones. Every normalized character remembers the original character it came from,
so spans found in the normalized text map back to the original text exactly.

>>> n = Normalizer(NormalizeOptions(nfkc=True, casefold=True, t2s=True, noise="*"))
>>> nt = n("是的，但是我們絕對保證")
>>> nt.text
'是的,但是我们绝对保证'
>>> nt.to_original(7, 9)
(7, 9)
>>> nt = n("无*理*取*闹")
>>> nt.text, nt.to_original(0, 4)
('无理取闹', (0, 7))
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from tactful.text.offsets import ASTRAL, span_to_original

_CJK_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00), (0x20000, 0x2A6E0))
# Mathematical alphanumerics (𝐡𝐞𝐥𝐥𝐨) are used to dodge filters; NFKC folds them.
_EXTRA_RANGES = ((0x1D400, 0x1D800), (0x1F100, 0x1F200))


@dataclass(frozen=True, slots=True)
class NormalizeOptions:
    """A pack's normalization settings (the `normalize [...]` header line)."""

    nfkc: bool = True
    width: bool = True
    casefold: bool = True
    t2s: bool = False
    noise: str = ""
    drop: str = ""  # an RE2 pattern (on normalized text) for codes rules never see: `emoticons /…/ as ignore`

    @property
    def key(self) -> str:
        key = f"nfkc={self.nfkc},width={self.width},case={self.casefold},t2s={self.t2s},noise={self.noise!r}"
        return key + (f",drop={self.drop!r}" if self.drop else "")


class NormalizedText(NamedTuple):
    """Normalized text plus, per normalized character, the original index it came from.

    A NamedTuple, not a frozen dataclass: one is made per check, and it is 4x cheaper to create."""

    original: str
    text: str
    origin: tuple[int, ...] | None  # None: normalized index == original index
    expanded: bool = False  # a character became several (… -> ...); dropping noise or emoticons keeps every span on boundaries

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized span [start, end) to the original span that produced it."""
        return span_to_original(self.origin, len(self.original), start, end)

    def on_boundaries(self, start: int, end: int) -> bool:
        """Does [start, end) begin and end where original characters do? A span that cuts into
        the expansion of one character ("…" -> "...") matches text the reply does not contain.

        >>> nt = Normalizer(NormalizeOptions())(".…")
        >>> nt.text, nt.on_boundaries(1, 4), nt.on_boundaries(0, 3)
        ('....', True, False)
        """
        origin = self.origin
        if origin is None:
            return True
        n = len(origin)
        starts = start == 0 or start >= n or origin[start] != origin[start - 1]
        ends = end >= n or end == 0 or origin[end] != origin[end - 1]
        return starts and ends


_NEW: Any = tuple.__new__

# Typographic apostrophes fold to ASCII so "can’t" and "can't" are one term.
_APOSTROPHES = frozenset("\u2018\u2019\u201b\u2032\uff07")


def _width_fold(ch: str) -> str:
    if ch in _APOSTROPHES:
        return "'"
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:
        return chr(code - 0xFEE0)
    if code == 0x3000:
        return " "
    return ch


def _t2s_map(chars: list[str]) -> dict[str, str]:
    import opencc  # imported lazily: only packs that ask for t2s pay for it

    conv = opencc.OpenCC("t2s")
    # Newlines keep OpenCC's phrase tables from joining neighbouring characters.
    out = conv.convert("\n".join(chars)).split("\n")
    if len(out) != len(chars):  # pragma: no cover - defensive, OpenCC keeps separators
        out = [conv.convert(c) for c in chars]
    return {c: o for c, o in zip(chars, out, strict=True) if o != c and len(o) == 1}


@lru_cache(maxsize=16)
def _table(opts: NormalizeOptions) -> dict[int, str]:
    codes = list(range(0x10000))
    for lo, hi in _EXTRA_RANGES:
        codes.extend(range(lo, hi))
    table: dict[int, str] = {}
    for code in codes:
        if 0xD800 <= code <= 0xDFFF:
            # A lone surrogate (a Python str can hold one, e.g. from JSON "\ud800") cannot be
            # encoded to UTF-8, which the Aho-Corasick and RE2 matchers do: U+FFFD stands in for
            # it one for one, so offsets into the original text stay exact.
            table[code] = "\ufffd"
            continue
        ch = chr(code)
        out = unicodedata.normalize("NFKC", ch) if opts.nfkc else ch
        if opts.width:
            out = "".join(_width_fold(c) for c in out)
        if opts.casefold:
            out = out.lower()
        if out and out != ch:
            table[code] = out
    if opts.t2s:
        cjk = [chr(c) for lo, hi in _CJK_RANGES for c in range(lo, hi)]
        for src, dst in _t2s_map(cjk).items():
            table[ord(src)] = dst
        # t2s must also apply after NFKC/case mapping produced a CJK char.
        t2s = _t2s_map(sorted({v for v in table.values() if len(v) == 1 and v >= "\u3400"}))
        for code, out in list(table.items()):
            if out in t2s:
                table[code] = t2s[out]
    return table


@lru_cache(maxsize=16)
def _bmp_table(opts: NormalizeOptions) -> list[int | str]:
    """The same mapping as a list indexed by code point over the BMP (2 MB): str.translate looks a
    character up in a dict by raising and catching KeyError for every unmapped character, most
    of a Chinese reply; a list lookup does not raise, which makes translate ~2.5x faster."""
    table = _table(opts)
    out: list[int | str] = list(range(0x10000))
    for code, value in table.items():
        if code < 0x10000:
            out[code] = value
    return out


class Normalizer:
    """Callable normalizer for one set of options; safe to share between threads."""

    __slots__ = ("_bmp", "_drop", "_expanding", "_noise", "_noise_chars", "_table", "options")

    def __init__(self, options: NormalizeOptions) -> None:
        self.options = options
        self._table = _table(options)
        self._bmp = _bmp_table(options)
        wide = "".join(re.escape(chr(c)) for c, out in self._table.items() if len(out) != 1)
        self._expanding = re.compile(f"[{wide}]") if wide else None
        self._noise = re.compile(rf"(?<=\w)[{re.escape(options.noise)}]+(?=\w)") if options.noise else None
        self._drop = None
        if options.drop:
            import re2  # only packs that hide emoticon codes pay for it; RE2 keeps a pack's pattern linear-time

            self._drop = re2.compile(options.drop)
        # A lookbehind at the start of a pattern defeats re's character-set prefix scan, so the
        # search above tests every position (~5 us a reply); most replies have no noise character.
        self._noise_chars = re.compile(f"[{re.escape(options.noise)}]") if options.noise else None

    def __call__(self, text: str) -> NormalizedText:
        # The list covers the BMP; a character past its end (emoji, Extension B) raises IndexError,
        # which translate takes as "unmapped", so a text with such characters uses the dict.
        out = text.translate(self._table if ASTRAL.search(text) else self._bmp)
        origin: list[int] | None = None
        expanded = len(out) != len(text) and self._expanding is not None
        if expanded:
            origin = self._expansion_origin(text)
        if self._drop is not None and self._drop.search(out):
            out, origin = _drop_spans(out, origin, self._drop)
        if self._noise is not None and self._noise_chars.search(out) and self._noise.search(out):  # type: ignore[union-attr]
            out, origin = _drop_spans(out, origin, self._noise)
        # tuple.__new__: the NamedTuple's own __new__ is a Python function, one more frame per check
        return _NEW(NormalizedText, (text, out, tuple(origin) if origin is not None else None, expanded))  # type: ignore[no-any-return]

    @property
    def table(self) -> dict[int, str]:
        """The precomputed `str.translate` table (benchmarks compare the engine with one translate)."""
        return self._table

    def term(self, term: str) -> str:
        """Normalize a rule term exactly as replies are normalized."""
        return self(term).text

    def _expansion_origin(self, text: str) -> list[int]:
        # Only a few characters (… ㈱ ﬁ) expand; copy the 1:1 stretches between them in bulk.
        assert self._expanding is not None
        origin: list[int] = []
        pos = 0
        for m in self._expanding.finditer(text):
            origin.extend(range(pos, m.start()))
            origin.extend([m.start()] * len(self._table[ord(m.group())]))
            pos = m.end()
        origin.extend(range(pos, len(text)))
        return origin


def _drop_spans(text: str, origin: list[int] | None, pattern: re.Pattern[str]) -> tuple[str, list[int]]:
    """Remove every match of `pattern`, keeping each kept character's original index."""
    base = origin if origin is not None else list(range(len(text)))
    keep_text: list[str] = []
    keep_origin: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        keep_text.append(text[pos : m.start()])
        keep_origin.extend(base[pos : m.start()])
        pos = m.end()
    keep_text.append(text[pos:])
    keep_origin.extend(base[pos:])
    return "".join(keep_text), keep_origin


def normalizer_for(options: NormalizeOptions) -> Normalizer:
    """A shared normalizer for these options (tables are built once per process)."""
    return _normalizer(options)


@lru_cache(maxsize=16)
def _normalizer(options: NormalizeOptions) -> Normalizer:
    return Normalizer(options)
