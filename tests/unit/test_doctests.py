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
    "tactful.audit.records",
    "tactful.audit.score",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} lost its doctests"
    assert result.failed == 0


def test_public_api_is_exactly_all() -> None:
    import tactful

    public = {n for n in dir(tactful) if not n.startswith("_")} | set(tactful._EXPORTS)
    assert set(tactful.__all__) - {"__version__"} == set(tactful._EXPORTS) <= public
    for name in tactful._EXPORTS:
        assert getattr(tactful, name) is not None
    result = doctest.testmod(tactful)
    assert result.attempted > 0 and result.failed == 0
