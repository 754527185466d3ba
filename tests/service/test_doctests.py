"""The service modules whose examples are their specification (the status table, violation ids)."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest


def _with_docstrings(name: str) -> ModuleType:
    """The module, or for one the wheel compiled with mypyc (server/response.py, hatch_build.py),
    whose functions keep no docstrings doctest can find, its Python source shipped beside it."""
    module = importlib.import_module(name)
    path = Path(module.__file__ or "")
    if path.suffix == ".py":
        return module
    source = path.parent / (name.rsplit(".", 1)[-1] + ".py")
    spec = importlib.util.spec_from_file_location(name + "_source", source)
    assert spec is not None and spec.loader is not None, f"{name} is compiled and its source {source} is missing"
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


@pytest.mark.parametrize("name", ["tactful.server.status", "tactful.server.servicer", "tactful.server.response"])
def test_doctests(name: str) -> None:
    result = doctest.testmod(_with_docstrings(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} lost its doctests"
    assert result.failed == 0
