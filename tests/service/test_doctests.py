"""The service modules whose examples are their specification (the status table, violation ids)."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["tactful.server.status", "tactful.server.servicer", "tactful.server.response"])
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} lost its doctests"
    assert result.failed == 0
