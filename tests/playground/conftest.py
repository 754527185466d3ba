"""A real `tactful playground` subprocess on a free loopback port, and headless Debian Chromium driven
by Playwright. A missing chromium fails the tests (CI installs it), it never skips them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


class Playground:
    def __init__(self, url: str) -> None:
        self.url = url

    def request(self, path: str, body: Any = None, raw: bytes | None = None) -> tuple[int, Any]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path.lstrip("/"), data=data, headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                return res.status, json.loads(res.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())


def start_playground(*args: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tactful", "playground", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 90
    line = proc.stdout.readline()  # blocks until the server prints its address (or exits)
    found = re.search(r"http://\S+/", line)
    if not found or time.monotonic() > deadline:
        proc.kill()
        pytest.fail(f"the playground did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}")
    return proc, found.group(0)


@pytest.fixture(scope="session")
def playground() -> Iterator[Playground]:
    proc, url = start_playground()
    try:
        yield Playground(url)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture
def page(tmp_path: Path, playground: Playground, chromium: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=chromium.path,
            headless=True,
            args=list(chromium.args),
            viewport={"width": 1400, "height": 900},
        )
        try:
            pg = context.new_page()
            errors: list[str] = []
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.goto(playground.url)
            pg.wait_for_selector("#status.good", timeout=60_000)  # the starter pack compiled
            yield pg
            assert not errors, errors
        finally:
            context.close()
