"""Real servers for the service tests: the in-process Service on 127.0.0.1:0 with real stubs, and
`tactful serve` as a subprocess. Nothing of ours is mocked; waits poll with a deadline instead of sleeping."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tactful.cli.library import shipped_rules
from tactful.server import logging as server_logging
from tactful.server.app import ServeConfig, Service
from tactful.v1 import checker_pb2_grpc as pb_grpc

DONE_WHEN_TEXT = "是的,但是我们绝对保证明天到货"


class _CurrentStderr:
    """Writes to whatever sys.stderr is now, so pytest's capture sees the logs of each test."""

    def write(self, s: str) -> int:
        return sys.stderr.write(s)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return False


server_logging.configure(stream=_CurrentStderr(), json_lines=True)  # type: ignore[arg-type]


def wait_until(predicate: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    """Poll `predicate` until it returns something truthy; fail with `what` after `timeout` seconds."""
    # Generous: a passing wait returns at once; on a loaded CI machine a pool process may take 15 s+ to start.
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


class Running:
    """A started in-process Service with a channel and stubs to it."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.target = f"127.0.0.1:{service.port}"
        self.channel = grpc.insecure_channel(self.target)
        self.stub = pb_grpc.CheckerServiceStub(self.channel)
        self.health = health_pb2_grpc.HealthStub(self.channel)

    def metric(self, name: str, **labels: str) -> float:
        assert self.service.registry is not None
        return self.service.registry.get_sample_value(name, labels) or 0.0

    def health_status(self, service: str = "") -> int:
        return int(self.health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status)

    def close(self) -> None:
        self.channel.close()


@pytest.fixture(scope="session")
def shipped_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped packs as of the start of the run (edits mid-run must not reload under a test).

    TACTFUL_TEST_RULES points at another copy, e.g. `git archive HEAD rules` while packs are half-written.
    """
    dest = tmp_path_factory.mktemp("shipped") / "rules"
    shutil.copytree(os.environ.get("TACTFUL_TEST_RULES") or shipped_rules(), dest, symlinks=False)
    return dest


@pytest.fixture
def rules_copy(shipped_copy: Path, tmp_path: Path) -> Path:
    """A private, editable copy of the shipped packs."""
    dest = tmp_path / "rules"
    shutil.copytree(shipped_copy, dest)
    return dest


@pytest.fixture
def start_server() -> Iterator[Callable[..., Running]]:
    """Start real servers on 127.0.0.1:0: start_server(rules=Path, **ServeConfig fields); stopped after the test."""
    started: list[Running] = []

    def start(rules: Path, **overrides: Any) -> Running:
        # pool_warm off: most tests send short replies only, and a warm pool process costs seconds of CPU to compile.
        settings: dict[str, Any] = {"host": "127.0.0.1", "port": 0, "grace": 2.0, "reload_interval": 0, "pool_warm": False, **overrides}
        config = ServeConfig(rules=rules, **settings)
        service = Service(config)
        service.start()
        running = Running(service)
        started.append(running)
        return running

    yield start
    for running in started:
        running.close()
        running.service.stop(grace=0)


@pytest.fixture(scope="session")
def shared_server(shipped_copy: Path) -> Iterator[Running]:
    """One server on the shipped packs for the read-only RPC tests (one compile for all of them)."""
    service = Service(ServeConfig(rules=shipped_copy, host="127.0.0.1", port=0, grace=1.0, reload_interval=0, pool_warm=False))
    service.start()
    running = Running(service)
    yield running
    running.close()
    service.stop(grace=0)


@pytest.fixture
def stub(shared_server: Running) -> pb_grpc.CheckerServiceStub:
    return shared_server.stub


@pytest.fixture
def poll() -> Callable[..., Any]:
    """wait_until(predicate, timeout, what): poll with a deadline instead of sleeping."""
    return wait_until


class ServeProcess:
    """`tactful serve` as a real subprocess; its JSON log lines are read on a thread."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", "TACTFUL_LOG_FORMAT": "json", **(env or {})}
        if os.environ.get("TACTFUL_TEST_RULES"):
            full_env.setdefault("TACTFUL_RULES", os.environ["TACTFUL_TEST_RULES"])
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tactful", "serve", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=full_env,
        )
        self.lines: list[dict[str, Any]] = []
        self.raw: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.raw.append(line)
            try:
                self.lines.append(json.loads(line))
            except json.JSONDecodeError:
                pass

    def events(self, event: str) -> list[dict[str, Any]]:
        return [e for e in list(self.lines) if e.get("event") == event]

    def wait_serving(self, workers: int = 1, timeout: float = 120.0) -> int:
        """Wait until `workers` processes log "serving"; returns the port."""

        def ready() -> int | None:
            if self.proc.poll() is not None:
                pytest.fail(f"tactful serve exited with {self.proc.returncode}:\n{''.join(self.raw)}")
            serving = self.events("serving")
            return int(serving[0]["port"]) if len(serving) >= workers else None

        return int(wait_until(ready, timeout, "tactful serve to log 'serving'"))

    def wait(self, timeout: float = 60.0) -> int:
        """Wait for the process to exit and for its last log lines to be read; returns the exit code."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"tactful serve did not exit within {timeout}s; its log:\n{''.join(self.raw)}")
        self._reader.join(timeout=timeout)
        return code

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def serve_process() -> Iterator[Callable[..., ServeProcess]]:
    procs: list[ServeProcess] = []

    def start(*args: str, env: dict[str, str] | None = None) -> ServeProcess:
        p = ServeProcess(*args, env=env)
        procs.append(p)
        return p

    yield start
    for p in procs:
        p.stop()
