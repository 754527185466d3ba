"""The short soak: bench/soak.py as a real process, 5,000+ requests over two replicas with broken reloads (syntax error,
failing example, a regex RE2 rejects), SIGHUP, a worker SIGKILL and a good reload, through the documented retry policy;
worker RSS flat throughout."""

from __future__ import annotations

import json
import subprocess
import sys


def test_short_soak_loses_and_fails_nothing_and_changes_the_version_only_on_the_good_reload(rel):
    run = subprocess.run(
        [sys.executable, str(rel.REPO / "bench" / "soak.py"), "--requests", "5000", "--clients", "2", "--threads", "2",
         "--replicas", "2", "--workers", "2", "--max-seconds", "400", "--json"],
        check=False, capture_output=True, text=True, encoding="utf-8", timeout=600,
    )  # fmt: skip
    lines = run.stdout.strip().splitlines()
    assert lines, run.stderr[-3000:]
    report = json.loads(lines[-1])
    summary = {k: report[k] for k in ("sent", "ok", "failed", "failures", "lost", "versions", "exit_codes", "events")}
    assert report["sent"] >= 5000, summary
    assert report["failed"] == 0 and report["lost"] == 0 and report["ok"] == report["sent"], summary
    assert len(report["versions"]) == 2 and report["versions_ok"], summary
    assert report["exit_codes"] == [0, 0], summary
    # five compiles on every worker (three refused, two served) and the memory of none of them kept
    assert report["rss_flat"], report["rss_mb"]
    assert [e.split(" ")[0] for e in report["events"]] == ["2", "broken", "broken", "broken", "SIGHUP", "SIGKILL", "good"], summary
    assert run.returncode == 0, run.stdout[-3000:]
