"""The audit's HTML report rendered by a real headless Chromium: a screenshot is taken and the
rendered DOM must hold every chart (SVG bars) and every table row the summary calls for."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

Cli = Callable[..., Any]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _run_chromium(chromium: Any, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    flags = [*chromium.args, f"--user-data-dir={tmp_path / 'profile'}"]
    return subprocess.run([chromium.path, *flags, *args], capture_output=True, timeout=120, check=False)


def test_report_renders_with_charts_and_tables(cli: Cli, chromium: Any, generated_300: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit"
    assert cli("audit", str(generated_300), "--out", str(out), "--jobs", "1").rc == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    page = (out / "report.html").as_uri()

    shot = tmp_path / "report.png"
    res = _run_chromium(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1280,2400", page)
    assert shot.exists(), res.stderr.decode(errors="replace")[-2000:]
    png = shot.read_bytes()
    assert png.startswith(PNG_MAGIC)
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (1280, 2400)
    assert len(png) > 50_000  # a blank page of that size compresses to a few kilobytes

    dom = _run_chromium(chromium, tmp_path, "--dump-dom", page).stdout.decode("utf-8")
    charts = {name: body for name, body in re.findall(r'<svg class="chart" data-chart="([\w-]+)"(.*?)</svg>', dom, flags=re.S)}
    assert set(charts) == {"by-category", "by-rule", "by-agent", "over-time"}
    assert charts["by-category"].count('class="bar"') == len(summary["by_category"])
    assert charts["by-rule"].count('class="bar"') == min(20, len(summary["by_rule"]))
    agents = {row.split(",")[0] for row in (out / "agents.csv").read_text(encoding="utf-8-sig").splitlines()[1:]}
    assert charts["by-agent"].count('class="bar"') == min(20, len(agents))
    assert charts["over-time"].count('class="col"') == 14  # the generator spreads conversations over 14 days
    tables = {name: body for name, body in re.findall(r'<table class="sortable" data-table="(\w+)">(.*?)</table>', dom, flags=re.S)}
    assert tables["agents"].count("<tr>") - 1 == len(agents)
    assert tables["rules"].count("<tr>") - 1 == len(summary["by_rule"])
    assert tables["worst"].count("<tr>") - 1 == 50
    assert f"{summary['conversations']:,}" in dom
