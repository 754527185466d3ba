"""Shared fixtures: run the real CLI as a subprocess, and build small packs in tmp dirs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class CliResult:
    rc: int
    out: str
    err: str


def run_cli(*args: str, stdin: str | None = None, cwd: Path | None = None, timeout: float = 120) -> CliResult:
    """Run `python -m tactful ARGS` as a real subprocess (UTF-8, no TTY)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "tactful", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=env,
        timeout=timeout,
        check=False,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    return run_cli


@pytest.fixture
def write_pack(tmp_path: Path) -> Callable[..., Path]:
    """Write files {name: text} into a fresh pack directory and return it."""

    def write(files: dict[str, str | bytes], name: str = "pack") -> Path:
        base = tmp_path / name
        base.mkdir(parents=True, exist_ok=True)
        for rel, content in files.items():
            target = base / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        return base

    return write


@dataclass(frozen=True)
class Chromium:
    """Debian's headless Chromium and the flags every test launches it with (no sandbox in CI
    containers; no network side traffic, so a page's own requests are the only ones)."""

    path: str
    args: tuple[str, ...] = (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    )


@pytest.fixture
def chromium() -> Chromium:
    """A missing Chromium fails the test that needs it (CI installs it); it never skips."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Chromium is needed: apt-get install -y chromium (.ci/run installs it)")
    return Chromium(found)
