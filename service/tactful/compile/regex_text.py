"""A rule's regex written in the normalized text the engine matches.

Replies are normalized before matching (NFKC, Traditional to Simplified, full width to half width),
so every non-ASCII character of a rule's regex is normalized the same way. A character may normalize
to regex syntax: "…" becomes "...", "？" becomes "?", "（" becomes "(". The author wrote a literal
character, so what it becomes is escaped, and an expansion to several characters is grouped, so that
a quantifier after it applies to the whole ("…{2,}" is two or more ellipses, not "..", then dots).
"""

from __future__ import annotations

from tactful.text import Normalizer

_META = frozenset(".^$*+?{}[]|()\\-")


def _literal(text: str) -> str:
    return "".join("\\" + c if c in _META else c for c in text)


def normalize_regex(pattern: str, normalizer: Normalizer) -> str:
    """`pattern` with its non-ASCII characters normalized as literals (ASCII syntax is left alone).

    >>> from tactful.text import NormalizeOptions
    >>> n = Normalizer(NormalizeOptions())
    >>> normalize_regex("好的…{2,}", n)
    '好的(?:\\\\.\\\\.\\\\.){2,}'
    >>> normalize_regex("[…，]吗？", n)
    '[\\\\.\\\\.\\\\.,]吗\\\\?'
    """
    out: list[str] = []
    in_class = False
    class_start = -1  # index in `pattern` of the first member of the open class ("]" there is literal)
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            out.append("\\" + nxt if nxt.isascii() else _literal(normalizer.term(nxt) or nxt))
            i += 2
            continue
        if ch.isascii():
            if in_class and pattern.startswith("[:", i):  # [[:alpha:]]: the inner "]" does not close
                end = pattern.find(":]", i + 2)
                if end != -1:
                    out.append(pattern[i : end + 2])
                    i = end + 2
                    continue
            if ch == "[" and not in_class:
                in_class = True
                class_start = i + 2 if pattern.startswith("^", i + 1) else i + 1
            elif ch == "]" and in_class and i != class_start:
                in_class = False
            out.append(ch)
            i += 1
            continue
        norm = normalizer.term(ch) or ch
        lit = _literal(norm)
        out.append(f"(?:{lit})" if len(norm) > 1 and not in_class else lit)
        i += 1
    return "".join(out)
