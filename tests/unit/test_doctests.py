"""Run the doctests of the installed modules whose examples are their specification."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "tactful.text.normalize",
    "tactful.text.offsets",
    "tactful.text.script",
    "tactful.conditions.checksums",
    "tactful.engine.rewrite",
    "tactful.engine.check",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} lost its doctests"
    assert result.failed == 0
