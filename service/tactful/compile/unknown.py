"""The error for a ruleset name a library does not hold.

Its own module: a KeyError subclass cannot be a class of a mypyc-compiled module (ruleset.py is one)."""

from __future__ import annotations


class UnknownRuleset(KeyError):
    def __init__(self, name: str, available: list[str]) -> None:
        self.name = name
        self.available = available
        super().__init__(f"unknown ruleset {name!r}; available: {', '.join(available) or '(none)'}")
