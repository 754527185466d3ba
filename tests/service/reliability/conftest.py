"""Load and fleets for the reliability tests: client threads that call Check in a loop and record every outcome,
several `tactful serve` replicas as real processes, and a real nginx in front of them. Loopback only, and
every load is bounded by a count as well as by the test stopping it."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import grpc
import pytest

from tactful.client import service_config
from tactful.v1 import checker_pb2 as pb
from tactful.v1 import checker_pb2_grpc as pb_grpc

REPO = Path(__file__).resolve().parents[3]
TEXT = "是的,但是我们绝对保证明天到货"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)
    return value


class Load:
    """`threads` threads, each on its own channel (so a multi-worker server sees several connections), calling
    Check until stop() or `limit` calls in all. Every call's outcome is kept: status code name and ruleset version."""

    def __init__(
        self,
        target: str,
        threads: int = 4,
        limit: int = 50_000,
        round_robin: bool = False,
        retries: bool = False,
        text: str = TEXT,
        ruleset: str = "zh",
        metadata: tuple[tuple[str, str], ...] | None = None,
    ) -> None:
        self.target = target
        self.limit = limit
        self.text = text
        self.ruleset = ruleset
        self.metadata = metadata
        options: list[tuple[str, Any]] = [("grpc.use_local_subchannel_pool", 1)]
        config = service_config(round_robin, retries)
        if config is not None:
            options.append(("grpc.service_config", config))
        self.channels = [grpc.insecure_channel(target, options=options) for _ in range(threads)]
        self.outcomes: list[tuple[str, str]] = []  # (code name, ruleset_version or error details)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(ch,), daemon=True) for ch in self.channels]
        self.sent = 0

    def _run(self, channel: grpc.Channel) -> None:
        stub = pb_grpc.CheckerServiceStub(channel)
        request = pb.CheckRequest(text=self.text, ruleset=self.ruleset)
        while not self._stop.is_set():
            with self._lock:
                if self.sent >= self.limit:
                    return
                self.sent += 1
            try:
                resp = stub.Check(request, timeout=20, metadata=self.metadata)
                outcome = ("OK", resp.ruleset_version)
            except grpc.RpcError as err:
                outcome = (err.code().name, err.details() or "")
            with self._lock:
                self.outcomes.append(outcome)

    def start(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def wait_for(self, n: int, timeout: float = 60.0) -> None:
        """Block until at least `n` more calls have completed (the load is really running)."""
        start = len(self.outcomes)
        wait_until(lambda: len(self.outcomes) >= start + n or self.done(), timeout, f"{n} more calls to complete")

    def done(self) -> bool:
        return all(not t.is_alive() for t in self._threads)

    def stop(self) -> Load:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)
        for ch in self.channels:
            ch.close()
        return self

    @property
    def failed(self) -> Counter[str]:
        return Counter(code for code, _ in self.outcomes if code != "OK")

    @property
    def versions(self) -> list[str]:
        return [v for code, v in self.outcomes if code == "OK"]

    def lost(self) -> int:
        """Calls started that never came back with an answer or a status (0 once every thread has stopped)."""
        return self.sent - len(self.outcomes)


class Fleet:
    """`tactful serve` replicas (`--workers 1` each) on their own loopback ports, as real processes."""

    def __init__(self, serve_process: Callable[..., Any], count: int, *args: str) -> None:
        self.servers = [serve_process("--port", str(free_port()), "--workers", "1", *args) for _ in range(count)]
        self.ports = [s.wait_serving(timeout=120) for s in self.servers]

    @property
    def target(self) -> str:
        """A gRPC target naming every replica, for client-side round_robin."""
        return "ipv4:" + ",".join(f"127.0.0.1:{p}" for p in self.ports)

    def kill(self, i: int) -> None:
        self.servers[i].proc.send_signal(signal.SIGKILL)
        self.servers[i].proc.wait(timeout=10)


@pytest.fixture
def fleet(serve_process: Callable[..., Any]) -> Callable[..., Fleet]:
    return lambda count, *args: Fleet(serve_process, count, *args)


class Nginx:
    """A real nginx (not the system service) with its own prefix and config in a temp dir, in the foreground."""

    def __init__(self, prefix: Path, upstreams: list[int]) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        assert os.path.exists(binary), "the load-balancer tests need nginx: apt-get install -y nginx (.ci/run does)"
        self.port = free_port()
        snippet = (REPO / "deploy" / "nginx" / "tactful.conf").read_text(encoding="utf-8")
        servers = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n" for p in upstreams)
        snippet, n = re.subn(r"(?m)^    server 127\.0\.0\.1:\d+ .*\n", "", snippet)
        assert n, "deploy/nginx/tactful.conf no longer lists its upstream servers the way this test rewrites them"
        snippet = snippet.replace("upstream tactful_replicas {\n", "upstream tactful_replicas {\n" + servers, 1)
        snippet, n = re.subn(r"listen 50051 http2;", f"listen 127.0.0.1:{self.port} http2;", snippet)
        assert n == 1
        (prefix / "logs").mkdir(parents=True, exist_ok=True)
        (prefix / "tactful.conf").write_text(snippet, encoding="utf-8")
        temp = "".join(f"    {kind}_temp_path {prefix / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (prefix / "nginx.conf").write_text(
            "daemon off;\nmaster_process off;\nworker_processes 1;\nerror_log stderr warn;\n"
            f"pid {prefix / 'nginx.pid'};\nevents {{ worker_connections 1024; }}\n"
            f"http {{\n    access_log off;\n{temp}    include {prefix / 'tactful.conf'};\n}}\n",
            encoding="utf-8",
        )
        self.proc = subprocess.Popen(
            [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "stderr"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        wait_until(self._listening, 15, "nginx to listen")

    def _listening(self) -> bool:
        if self.proc.poll() is not None:
            out = self.proc.stdout.read() if self.proc.stdout else ""
            pytest.fail(f"nginx exited with {self.proc.returncode}: {out}")
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Callable[[list[int]], Nginx]]:
    started: list[Nginx] = []

    def start(upstreams: list[int]) -> Nginx:
        n = Nginx(tmp_path / f"nginx{len(started)}", upstreams)
        started.append(n)
        return n

    yield start
    for n in started:
        n.stop()


def outcome_summary(load: Load) -> str:
    details = Counter(f"{code}: {detail[:120]}" for code, detail in load.outcomes if code != "OK")
    return json.dumps({"sent": load.sent, "answered": len(load.outcomes), "failed": dict(details)}, ensure_ascii=False)


@pytest.fixture
def rel() -> SimpleNamespace:
    """The helpers above for the tests of this directory (test modules cannot import a conftest)."""
    return SimpleNamespace(Load=Load, wait_until=wait_until, TEXT=TEXT, summary=outcome_summary, free_port=free_port, REPO=REPO)
