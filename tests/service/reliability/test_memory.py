"""Memory across reloads: a worker's RSS must not step up by a compile's worth at reloads and stay there.

`tactful serve` as a real process on the shipped packs, reloaded by real SIGHUPs under load; its
RSS is read from /proc. A compile of the shipped packs takes ~85 MB. Before the replaced
library's memory was handed back (server/memory.py), RSS after a reload was often start + one
compile, and rose again at later reloads. (Memory, not time: the bounds are in MB.)
"""

from __future__ import annotations

import signal
from pathlib import Path

COMPILE_MB = 85  # what compiling the shipped packs allocates, measured here
SLACK_MB = 30  # well under one compile: grpc buffers, caches warming, allocator noise
RELOADS = 3


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS in /proc/{pid}/status")


def test_rss_stays_flat_across_sighup_reloads_under_load(serve_process, shipped_copy, rel):
    # No check pool: the worker's own memory is what is measured (the pool processes are separate processes).
    server = serve_process(
        "--port", "0", "--workers", "1", "--rules", str(shipped_copy), "--reload-interval", "0", "--pool-processes", "0", "--grace", "2"
    )  # fmt: skip
    port = server.wait_serving(timeout=120)
    load = rel.Load(f"127.0.0.1:{port}", threads=1, limit=100_000).start()
    try:
        load.wait_for(200)
        start = _rss_mb(server.proc.pid)
        after: list[float] = []
        for i in range(RELOADS):
            server.proc.send_signal(signal.SIGHUP)
            rel.wait_until(lambda i=i: len(server.events("memory released after reload")) > i, 60, f"reload {i + 1} and its release")
            load.wait_for(20)  # served on the new library before measuring
            after.append(_rss_mb(server.proc.pid))
    finally:
        load.stop()
    server.proc.send_signal(signal.SIGTERM)
    assert server.wait(timeout=60) == 0
    figures = f"start {start:.0f} MB, after each reload {[round(x) for x in after]} MB"
    assert not load.failed and load.lost() == 0, rel.summary(load)
    assert len(server.events("rules reloaded")) == RELOADS
    # Every reload compiled a whole second library next to the served one; none of it may stay resident.
    assert max(after) < start + SLACK_MB, figures
    assert after[-1] < after[0] + SLACK_MB / 2, figures
    logged = server.events("memory released after reload")[-1]["rss_mb"]
    assert abs(logged - after[-1]) < SLACK_MB, (logged, figures)
