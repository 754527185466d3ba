"""Fixtures for the shipped-pack tests.

`library` compiles the Chinese pack with its parent (rules/common + rules/zh) on their own, so the
Chinese golden tests do not depend on the state of the other locale packs; test_shipped_packs.py
compiles the whole rules/ directory.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tactful.compile.compiler import compile_path
from tactful.compile.ruleset import Library

RULES = Path(__file__).resolve().parents[2] / "rules"


@pytest.fixture(scope="session")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    root = tmp_path_factory.mktemp("zh_packs")
    for pack in ("common", "zh"):
        shutil.copytree(RULES / pack, root / pack)
    return compile_path(root)


@pytest.fixture(scope="session")
def shipped() -> Library:
    return compile_path(RULES)
