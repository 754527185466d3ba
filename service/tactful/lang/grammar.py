"""Loads grammar/tact.lark from package data once and builds the LALR parser."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from lark import Lark


def grammar_text() -> str:
    return (files("tactful") / "grammar" / "tact.lark").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def parser() -> Lark:
    return Lark(grammar_text(), parser="lalr", propagate_positions=True, maybe_placeholders=True)


@lru_cache(maxsize=1)
def keywords() -> tuple[str, ...]:
    """The grammar's word keywords (`rule`, `when`, `followed`, ...), read from the grammar itself."""
    words = set()
    for term in parser().terminals:
        if term.pattern.type == "str" and term.pattern.value.isalpha():
            words.add(term.pattern.value)
    return tuple(sorted(words))
