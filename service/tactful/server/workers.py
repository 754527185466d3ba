"""Several serving processes on one port: SO_REUSEPORT lets the kernel spread connections over them.

The engine is CPU-bound Python, so one process uses one core however many threads it has. The
supervisor spawns `workers` processes (fresh interpreters: grpc must not be forked once started),
forwards SIGTERM/SIGINT/SIGHUP to them, serves their summed metrics, and exits 0 once all of them
stopped gracefully. A worker that dies on its own takes the others down (exit 1), so the
orchestrator restarts a whole, consistent service.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import socket
import tempfile
import threading

from tactful.server.app import ServeConfig, run_worker
from tactful.server.logging import configure, get_logger
from tactful.server.reload import LoadFailed, load


def serve(config: ServeConfig) -> int:
    """Serve `config` in this process (workers == 1) or in `workers` child processes. Returns the exit code."""
    if config.workers <= 1:
        return run_worker(config)
    return Supervisor(config).run()


def _free_port(host: str) -> int:
    """A port nobody holds now, for --port 0: bound without SO_REUSEPORT, so the kernel cannot pick a port another
    reuseport server shares, then released for the workers to bind together."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host.strip("[]"), 0))
        return int(sock.getsockname()[1])


def _worker_main(config: ServeConfig, json_lines: bool | None) -> None:
    configure(json_lines=json_lines)
    raise SystemExit(run_worker(config))


class Supervisor:
    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.log = get_logger("tactful.supervisor")
        self.stopping = threading.Event()
        self.exited = threading.Event()

    def run(self) -> int:
        try:
            load(self.config.rules, self.config.default_ruleset)  # fail once, clearly, rather than once per worker
        except LoadFailed as err:
            for problem in err.problems:
                self.log.error("rule problem", **problem)
            self.log.error("cannot serve: the rules do not load", reason=str(err), rules=str(self.config.rules))
            return 2
        port = self.config.port or _free_port(self.config.host)
        metrics_dir = tempfile.mkdtemp(prefix="tactful-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir  # read by each worker's prometheus_client at import
        try:
            return self._supervise(port, metrics_dir)
        finally:
            shutil.rmtree(metrics_dir, ignore_errors=True)

    def _supervise(self, port: int, metrics_dir: str) -> int:
        # The supervisor serves metrics (summed over workers); workers serve none of their own.
        child = dataclasses.replace(self.config, port=port, metrics_port=0, workers=1, reuse_port=True)
        ctx = multiprocessing.get_context("spawn")
        json_lines = None if os.environ.get("TACTFUL_LOG_FORMAT", "auto") == "auto" else os.environ["TACTFUL_LOG_FORMAT"] == "json"
        procs = [ctx.Process(target=_worker_main, args=(child, json_lines), name=f"tactful-worker-{i}") for i in range(self.config.workers)]
        for proc in procs:
            proc.start()
        self._install_signals(procs)
        metrics_http = None
        if self.config.metrics_port:
            from tactful.server.metrics import serve_http

            metrics_http = serve_http(self.config.metrics_port, self.config.host, None)
        self.log.info(
            "supervising", workers=len(procs), port=port, pids=[p.pid for p in procs], metrics_port=self.config.metrics_port or None
        )
        code = self._wait(procs, metrics_dir)
        if metrics_http is not None:
            metrics_http.shutdown()
        return code

    def _install_signals(self, procs: list[multiprocessing.process.BaseProcess]) -> None:
        def forward(signum: int, _frame: object) -> None:
            if signum != signal.SIGHUP:
                self.stopping.set()
            for proc in procs:
                if proc.pid is not None and proc.exitcode is None:
                    os.kill(proc.pid, signal.SIGTERM if signum == signal.SIGINT else signum)

        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, forward)

    def _wait(self, procs: list[multiprocessing.process.BaseProcess], metrics_dir: str) -> int:
        from prometheus_client import multiprocess

        failed = False
        remaining = list(procs)
        while remaining:
            # With a timeout, so a signal the kernel handed to another thread still gets handled.
            multiprocessing.connection.wait([p.sentinel for p in remaining], timeout=0.2)
            for proc in [p for p in remaining if p.exitcode is not None]:
                remaining.remove(proc)
                multiprocess.mark_process_dead(proc.pid, metrics_dir)
                if proc.exitcode != 0 or not self.stopping.is_set():
                    failed = True
                    self.log.error("worker exited", pid=proc.pid, exitcode=proc.exitcode)
                    if not self.stopping.is_set():
                        self.stopping.set()
                        for other in remaining:
                            os.kill(other.pid, signal.SIGTERM)  # type: ignore[arg-type]
        self.log.info("stopped", workers=len(procs))
        return 1 if failed else 0
