"""The Spark audit job in local mode (local[2], two partitions) gives byte-identical
per-conversation records, the same summary and the same bad-line reports as `tactful audit`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Cli = Callable[..., Any]


def test_spark_job_matches_tactful_audit(cli: Cli, generated_300: Path, tmp_path: Path) -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.fail('pyspark is missing: pip install ".[test]" (or ".[spark]")')
    if shutil.which("java") is None:
        pytest.fail("Java 17 is needed for Spark: apt-get install -y openjdk-17-jre-headless (.ci/run installs it)")
    lines = generated_300.read_text(encoding="utf-8").splitlines()
    lines.insert(5, '{"id": "broken", "turns": "not a list"}')
    lines.insert(150, "")
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")

    local = cli("audit", str(src), "--out", str(tmp_path / "local"), "--jobs", "2")
    assert local.rc == 2, local.err
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    job = subprocess.run(
        [
            sys.executable,
            "-m",
            "tactful.audit.spark",
            "--master",
            "local[2]",
            "--partitions",
            "2",
            str(src),
            "--out",
            str(tmp_path / "spark"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert job.returncode == 2, job.stderr[-3000:]
    parts = sorted((tmp_path / "spark" / "conversations").glob("part-*"))
    assert len(parts) == 2
    spark_records = b"".join(p.read_bytes() for p in parts)
    assert spark_records == (tmp_path / "local" / "conversations.jsonl").read_bytes()
    assert len(spark_records.splitlines()) == 300

    def summary(name: str) -> dict[str, Any]:
        data = json.loads((tmp_path / name / "summary.json").read_text(encoding="utf-8"))
        data.pop("source")
        return data

    assert summary("spark") == summary("local")
    assert (tmp_path / "spark" / "agents.csv").read_bytes() == (tmp_path / "local" / "agents.csv").read_bytes()
    assert f"{src}:6: turns must be a list" in job.stderr
    assert f"{src}:6: turns must be a list" in local.err
