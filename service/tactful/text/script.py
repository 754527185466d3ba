"""Simplified ↔ Traditional script helpers, so a rewrite reads in the script the agent typed."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1)
def _traditional_chars() -> re.Pattern[str]:
    import opencc

    chars = [chr(c) for c in range(0x4E00, 0xA000)]
    out = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    trad = "".join(c for c, o in zip(chars, out, strict=True) if c != o)
    return re.compile(f"[{trad}]")


@lru_cache(maxsize=1)
def _s2t() -> object:
    import opencc

    return opencc.OpenCC("s2t")


def is_traditional(text: str) -> bool:
    """True when the text uses characters that exist only in Traditional Chinese.

    >>> is_traditional("我們會盡力"), is_traditional("我们会尽力")
    (True, False)
    """
    return bool(_traditional_chars().search(text))


def to_traditional(text: str) -> str:
    """Convert Simplified text to Traditional.

    >>> to_traditional("我们会尽力")
    '我們會盡力'
    """
    return str(_s2t().convert(text))  # type: ignore[attr-defined]
