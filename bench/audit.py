"""Audit throughput: `tactful audit` on generated conversations with 1 and 2 worker processes.

    python bench/audit.py [--count 10000] [--jobs 1 2]

Generates the conversations with bench/conversations.py, then times the real CLI (a subprocess:
start-up, rule compilation in each worker, JSONL/CSV/HTML writing included) once per worker
count, and prints conversations/s, agent turns/s and the speed-up against the 1-worker run of
the same invocation.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "conversations.jsonl"
        subprocess.run([sys.executable, str(HERE / "conversations.py"), "--count", str(args.count), "--out", str(src)], check=True)
        base = None
        print(
            f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        print(f"{'workers':>7} {'seconds':>8} {'conv/s':>8} {'turns/s':>8} {'speed-up':>8} {'CPU s':>7} {'conv/CPU s':>10}")
        for jobs in args.jobs:
            out = Path(tmp) / f"out-{jobs}"
            cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "tactful", "audit", str(src), "--out", str(out), "--jobs", str(jobs), "--no-progress"],
                check=True,
                capture_output=True,
            )
            dt = time.perf_counter() - t0
            cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
            summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
            base = base or dt
            print(
                f"{jobs:>7} {dt:>8.1f} {summary['conversations'] / dt:>8.0f} {summary['agent_turns'] / dt:>8.0f} {base / dt:>7.2f}x"
                f" {cpu:>7.1f} {summary['conversations'] / cpu:>10.0f}"
            )


if __name__ == "__main__":
    main()
