"""Fixtures for the `tactful lint` tests: the fixture library, a copy of it, and golden files.

Goldens under tests/lint/golden/ are rewritten only on request:
`pytest tests/lint --update-golden` or `TACTFUL_UPDATE_GOLDEN=1 pytest tests/lint`.
Review the diff before committing: a golden must state what the linter should say, not echo it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
LIBRARY = FIXTURES / "library"
RULES = FIXTURES / "rules"
GOLDEN = HERE / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False, help="rewrite tests/lint/golden/ from the current output")


def _updating(config: pytest.Config) -> bool:
    # The option only exists when this conftest is loaded at start-up (pytest tests/lint ...).
    return os.environ.get("TACTFUL_UPDATE_GOLDEN") == "1" or bool(config.getoption("--update-golden", default=False))


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with golden/NAME, or rewrite it when updating."""

    def compare(name: str, actual: str) -> None:
        path = GOLDEN / name
        if _updating(request.config):
            path.write_text(actual, encoding="utf-8", newline="")
            return
        assert path.exists(), f"missing golden {path}; create it with --update-golden and review it"
        expected = path.read_bytes().decode("utf-8")
        assert actual == expected, f"output differs from golden/{name}"

    return compare


@pytest.fixture
def library_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture library (for --fix and baselines), with the rules beside it."""
    target = tmp_path / "library"
    shutil.copytree(LIBRARY, target, symlinks=True)
    return target
