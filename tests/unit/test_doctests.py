"""Run the doctests of the installed modules whose examples are their specification."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

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
    "tactful.server.status",
    "tactful.server.servicer",
    "tactful.server.response",
    "tactful.server.decisions",
]


def _with_docstrings(name: str) -> ModuleType:
    """The module, or for one the wheel compiled with mypyc (hatch_build.py: the engine's modules and
    server/response.py), whose functions keep no docstrings doctest can find, its Python source
    shipped beside it, loaded under another name."""
    module = importlib.import_module(name)
    path = Path(module.__file__ or "")
    if path.suffix == ".py":
        return module
    source = path.parent / (name.rsplit(".", 1)[-1] + ".py")
    spec = importlib.util.spec_from_file_location(name + "_source", source)
    assert spec is not None and spec.loader is not None, f"{name} is compiled and its source {source} is missing"
    loaded = importlib.util.module_from_spec(spec)
    # Registered while it runs: a dataclass in it (server/decisions.py) looks its module up in sys.modules.
    sys.modules[spec.name] = loaded
    try:
        spec.loader.exec_module(loaded)
    finally:
        del sys.modules[spec.name]
    return loaded


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(_with_docstrings(name), optionflags=doctest.ELLIPSIS)
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
