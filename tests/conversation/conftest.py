"""Generated conversation files for the audit tests (bench/conversations.py, run as a real script)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "bench" / "conversations.py"


def generate(path: Path, count: int, seed: int = 7) -> Path:
    subprocess.run(
        [sys.executable, str(GENERATOR), "--count", str(count), "--seed", str(seed), "--out", str(path)], check=True, capture_output=True
    )
    return path


@pytest.fixture(scope="session")
def generated_300(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("conv") / "conversations.jsonl", 300)
