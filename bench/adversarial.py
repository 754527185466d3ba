"""Adversarial replies for the engine benchmark: long, repetitive texts that put many matches next
to many scope cues or near/followed partners, and realistic text of the same length to compare
with. Deterministic; written from scratch (no real replies)."""

from __future__ import annotations

import math

from corpus import corpus

from tactful.compile.ruleset import Library

KIB64 = 64 * 1024


def repeat_to(unit: str, chars: int) -> str:
    return (unit * math.ceil(chars / len(unit)))[:chars]


def cut_to_bytes(text: str, limit: int = KIB64) -> str:
    """The longest prefix of text that fits in `limit` bytes of UTF-8 (the accepted maximum)."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def realistic(lang: str, chars: int) -> str:
    """Generated replies of one language joined into one long reply."""
    parts, total = [], 0
    for text in corpus(4000, seed=23, en_share=1.0 if lang == "en" else 0.0):
        parts.append(text)
        total += len(text)
        if total >= chars:
            break
    return "".join(parts)[:chars]


def units(library: Library) -> dict[str, tuple[str, str]]:
    """name -> (language, repeated unit)."""
    packed = {}
    for name in library.leaves:
        rs = library.get(name)
        terms = sorted(rs.matcher.terms, key=lambda t: (len(t), t))
        sep = " " if rs.locale == "en" else ""
        packed[name] = sep.join(terms[:: max(1, len(terms) // 200)]) + sep  # ~200 trigger words, densely
    return {
        "是的,但是 repeated": ("zh", "是的,但是"),
        "不保证明天到货。 repeated": ("zh", "不保证明天到货。"),
        "zh trigger words packed": ("zh", packed.get("zh", "不保证")),
        "en trigger words packed": ("en", packed.get("en", "guarantee ")),
        "zh one clause, no punctuation": ("zh", "是的但是我们不保证绝对能到货您不知道吗如果不行亲好哒"),
        "en one clause, no punctuation": ("en", "yes but we guarantee you dont know if not lol sorry dude "),
        "scope cues + matches": ("zh", "不会泄露验证码如果不行吗“绝对保证”您不知道吗"),
        "near/followed pairs": ("zh", "验证码收到后告诉我是因为您的手机问题等再说什么时候说不好嫌贵别买"),
        "en near/followed pairs": ("en", "you must have by mistake. yes, though you we. the courier caused it. "),
    }
