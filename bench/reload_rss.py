"""RSS across many reloads: one `tactful serve` worker, SIGHUP after SIGHUP under a light load, RSS read from /proc.

    python bench/reload_rss.py [--reloads 20] [--pool-processes 1]

Each SIGHUP compiles the shipped packs again (~85 MB next to the served library) and swaps the new library in. Prints
the worker's RSS (and its check pool processes') before the first reload and after each one (once the worker logged
that it handed the replaced library's memory back), then after-N minus after-1. Exits 1 if that difference, or the
growth over the start, reaches half a compile (40 MB), or a call failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

TEXT = "是的,但是我们绝对保证明天到货"
FLAT_MB = 40.0


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        return round(next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024, 1)


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
            out += [int(c) for c in f.read().split()]
    return sorted(out)


class Server:
    """`tactful serve --workers 1` on the shipped packs (a private copy), its log events read on a thread."""

    def __init__(self, pool_processes: int) -> None:
        from tactful.cli.library import shipped_rules

        self.workdir = Path(tempfile.mkdtemp(prefix="tactful-reload-rss-"))
        shutil.copytree(shipped_rules(), self.workdir / "rules")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        env = {**os.environ, "TACTFUL_LOG_FORMAT": "json", "PYTHONIOENCODING": "utf-8"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tactful", "serve", "--port", str(self.port), "--workers", "1", "--rules",
             str(self.workdir / "rules"), "--reload-interval", "0", "--pool-processes", str(pool_processes)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env,
        )  # fmt: skip
        self.events: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            try:
                event: dict[str, Any] = json.loads(line)
            except json.JSONDecodeError:
                continue
            if event.get("event") != "decision":
                self.events.append(str(event.get("event")))

    def wait(self, event: str, n: int, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while self.events.count(event) < n:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"reload_rss: no {n}th {event!r} (server exit code {self.proc.poll()})")
            time.sleep(0.05)

    def sample(self, label: str) -> float:
        worker = _rss_mb(self.proc.pid)
        pool = " ".join(f"{_rss_mb(c):>9}" for c in _children(self.proc.pid))
        print(f"{label:>8}{worker:>10} {pool}", flush=True)
        return worker

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)
        shutil.rmtree(self.workdir, ignore_errors=True)


def load(port: int, stop: threading.Event, counts: dict[str, int]) -> None:
    """One short reply in a loop, a long one (checked in the pool) every 100th: both paths hold the library while they run."""
    import grpc

    from tactful.v1 import checker_pb2 as pb
    from tactful.v1 import checker_pb2_grpc as pb_grpc

    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pb_grpc.CheckerServiceStub(channel)
        while not stop.is_set():
            text = TEXT * (150 if counts["ok"] % 100 == 99 else 1)
            try:
                stub.Check(pb.CheckRequest(text=text, ruleset="zh"), timeout=30)
                counts["ok"] += 1
            except grpc.RpcError:
                counts["failed"] += 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reloads", type=int, default=20)
    ap.add_argument("--pool-processes", type=int, default=1)
    args = ap.parse_args()

    server = Server(args.pool_processes)
    stop = threading.Event()
    counts = {"ok": 0, "failed": 0}
    loader = threading.Thread(target=load, args=(server.port, stop, counts))
    try:
        server.wait("serving", 1)
        if args.pool_processes:
            server.wait("pool process compiled the rules", 1)
        loader.start()
        time.sleep(2)
        print(f"{'':>8}{'worker':>10}{'pool':>10}   (RSS, MB)")
        start = server.sample("start")
        after = []
        for i in range(1, args.reloads + 1):
            server.proc.send_signal(signal.SIGHUP)
            server.wait("memory released after reload", i)
            after.append(server.sample(f"{i}"))
    finally:
        stop.set()
        if loader.is_alive():
            loader.join()
        server.stop()
    step, growth = round(after[-1] - after[0], 1), round(max(after) - start, 1)
    print(f"after {args.reloads} reloads - after 1: {step:+} MB; largest over the start: {growth:+} MB; "
          f"calls ok {counts['ok']}, failed {counts['failed']}")  # fmt: skip
    return 0 if step < FLAT_MB and growth < FLAT_MB and counts["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
