"""Offsets between the texts a check handles: code points ↔ UTF-16 code units (browser frontends
highlight in UTF-16), and normalized spans → original spans (NormalizedText's origin map).

The one home of these conversions: the normalizer, the engine's renderer and the CLI all use
them, and the wheel compiles this module with the engine (hatch_build.py), so the engine calls
them natively once per violation.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Final

# Characters that take two UTF-16 units (emoji, CJK Extension B…). A regex scan in C: max(text)
# and a per-character loop cost ~20x more.
ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")


def astral_positions(text: str) -> list[int]:
    """Code-point indexes of the characters that take two UTF-16 units (emoji…); [] for most texts.

    >>> astral_positions("好😀好"), astral_positions("好")
    ([1], [])
    """
    if ASTRAL.search(text) is None:  # most replies: no list, no iterator
        return []
    return [m.start() for m in ASTRAL.finditer(text)]


def utf16_span(astral: list[int], start: int, end: int) -> tuple[int, int]:
    """UTF-16 offsets of the code-point span [start, end) of a text whose astral_positions are `astral`.

    >>> utf16_span(astral_positions("😀是的"), 1, 3)
    (2, 4)
    """
    if not astral:
        return start, end
    return start + bisect_left(astral, start), end + bisect_left(astral, end)


def utf16_index(text: str, index: int) -> int:
    """UTF-16 code-unit offset of code-point offset ``index`` in ``text``.

    >>> utf16_index("😀是的", 1)
    2
    >>> utf16_index("是的", 2)
    2
    """
    return index + bisect_left(astral_positions(text), index)


def to_utf16(text: str, offsets: list[int]) -> list[int]:
    """Convert many code-point offsets at once (one scan of the text)."""
    astral = astral_positions(text)
    if not astral:
        return list(offsets)
    return [i + bisect_left(astral, i) for i in offsets]


def span_to_original(origin: tuple[int, ...] | None, original_len: int, start: int, end: int) -> tuple[int, int]:
    """The original span that produced the normalized span [start, end), given the normalized
    text's origin map (None: every character kept its index, the common case).

    >>> span_to_original(None, 5, 1, 3)
    (1, 3)
    >>> span_to_original((0, 2, 4), 5, 1, 3)  # two noise characters dropped
    (2, 5)
    >>> span_to_original((0, 2, 4), 5, 3, 3)  # an empty span at the end
    (5, 5)
    """
    if origin is None:
        return start, end
    if start >= len(origin):
        return original_len, original_len
    ostart = origin[start]
    oend = origin[end - 1] + 1 if end > start else ostart
    return ostart, oend


def original_to_normalized(origin: tuple[int, ...] | None, index: int) -> int:
    """The first normalized index at or after original index `index` (the inverse direction of
    span_to_original; a dropped character maps to the next one kept).

    >>> original_to_normalized(None, 3), original_to_normalized((0, 2, 4), 1), original_to_normalized((0, 2, 4), 2)
    (3, 1, 1)
    """
    return index if origin is None else bisect_left(origin, index)
