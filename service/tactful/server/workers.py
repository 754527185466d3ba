"""Several serving processes on one port: SO_REUSEPORT lets the kernel spread connections over them.

The engine is CPU-bound Python, so one process uses one core however many threads it has. The
supervisor spawns `workers` processes (fresh interpreters: grpc must not be forked once started),
forwards SIGTERM/SIGINT/SIGHUP to them, serves their summed metrics, and exits 0 once all of them
stopped gracefully. A worker that dies on its own is restarted with backoff while the others keep
serving; more than `max_restarts` deaths within a minute is a crash loop, and then the supervisor
stops the others and exits 1 so the orchestrator sees the failure.
"""

from __future__ import annotations

import collections
import dataclasses
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable

from tactful.server.access import AccessPolicy
from tactful.server.app import ServeConfig, run_worker
from tactful.server.logging import configure, get_logger
from tactful.server.reload import LoadFailed, load

RESTART_WINDOW_S = 60.0
EXIT_RULES = 2  # run_worker's exit code when the rules do not load
_BACKOFF_FIRST_S = 0.1
_BACKOFF_MAX_S = 5.0


def serve(config: ServeConfig) -> int:
    """Serve `config` in this process (workers == 1) or in `workers` child processes. Returns the exit code.

    Raises:
        ValueError: the access file is unusable (checked once here, not once per worker).
    """
    if config.access is not None:
        AccessPolicy.load(config.access)
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
    code = run_worker(config)
    # The worker has stopped gracefully and written its logs: skip interpreter finalization. Tearing
    # modules down under grpc's native threads aborted a worker at exit ("terminate called without
    # an active exception", exit -6) after a reload that failed its examples, turning a clean stop
    # into exit 1 of the whole service.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _start_blocked(proc: multiprocessing.process.BaseProcess) -> None:
    """Start a worker with SIGTERM/SIGINT/SIGHUP blocked (the mask survives fork and exec); run_worker unblocks them once
    its handlers are installed. Otherwise a SIGHUP forwarded while a (re)started worker still imports would kill it,
    and a SIGTERM would end it without the graceful stop."""
    blocked = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        proc.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


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
        spawn = lambda i: ctx.Process(target=_worker_main, args=(child, json_lines), name=f"tactful-worker-{i}")  # noqa: E731
        procs = [spawn(i) for i in range(self.config.workers)]
        for proc in procs:
            _start_blocked(proc)
        self._install_signals(procs)
        metrics_http = None
        if self.config.metrics_port:
            from tactful.server.metrics import serve_http

            metrics_http = serve_http(self.config.metrics_port, self.config.host, None)
        self.log.info(
            "supervising", workers=len(procs), port=port, pids=[p.pid for p in procs], metrics_port=self.config.metrics_port or None
        )
        code = self._wait(procs, metrics_dir, spawn)
        if metrics_http is not None:
            metrics_http.shutdown()
        return code

    def _install_signals(self, procs: list[multiprocessing.process.BaseProcess]) -> None:
        # `procs` is the live list: a restarted worker replaces its slot, so it gets the signals too.
        def forward(signum: int, _frame: object) -> None:
            if signum != signal.SIGHUP:
                self.stopping.set()
            for proc in list(procs):
                if proc.pid is not None and proc.exitcode is None:
                    os.kill(proc.pid, signal.SIGTERM if signum == signal.SIGINT else signum)

        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, forward)

    def _wait(
        self,
        procs: list[multiprocessing.process.BaseProcess],
        metrics_dir: str,
        spawn: Callable[[int], multiprocessing.process.BaseProcess],
    ) -> int:
        from prometheus_client import multiprocess

        failed = False
        restarts = Restarts(self.config.max_restarts, RESTART_WINDOW_S)
        due: dict[int, float] = {}  # slot -> when its replacement starts
        live = set(range(len(procs)))
        while live or (due and not self.stopping.is_set()):
            now = time.monotonic()
            timeout = min([0.2, *(max(t - now, 0) for t in due.values())])
            # With a timeout, so a signal the kernel handed to another thread still gets handled.
            multiprocessing.connection.wait([procs[i].sentinel for i in live], timeout=timeout)
            for slot in [i for i in live if procs[i].exitcode is not None]:
                live.discard(slot)
                proc = procs[slot]
                multiprocess.mark_process_dead(proc.pid, metrics_dir)
                if self.stopping.is_set():
                    failed = failed or proc.exitcode != 0
                    continue
                if proc.exitcode == EXIT_RULES:
                    # A replacement found the rules on disk broken since: not a crash. The other workers
                    # still serve the last good rules; keep trying until the rules are fixed.
                    self.log.error("worker cannot load the rules; retrying", pid=proc.pid, restart_in_s=_BACKOFF_MAX_S)
                    due[slot] = time.monotonic() + _BACKOFF_MAX_S
                    continue
                delay = restarts.record(time.monotonic())
                self.log.error("worker exited", pid=proc.pid, exitcode=proc.exitcode, restart_in_s=delay)
                if delay is None:
                    self.log.error(
                        "workers crash-looping; stopping the service", restarts=restarts.limit, window_s=RESTART_WINDOW_S
                    )
                    failed = True
                    self._stop_all(procs, live)
                else:
                    due[slot] = time.monotonic() + delay
            if self.stopping.is_set():
                due.clear()
            for slot in [i for i, t in due.items() if t <= time.monotonic()]:
                del due[slot]
                old = procs[slot]
                procs[slot] = spawn(slot)
                _start_blocked(procs[slot])
                live.add(slot)
                self.log.warning("worker restarted", pid=procs[slot].pid, replaces=old.pid)
        self.log.info("stopped", workers=len(procs))
        return 1 if failed else 0

    def _stop_all(self, procs: list[multiprocessing.process.BaseProcess], live: set[int]) -> None:
        self.stopping.set()
        for i in live:
            if procs[i].pid is not None and procs[i].exitcode is None:
                os.kill(procs[i].pid, signal.SIGTERM)  # type: ignore[arg-type]


class Restarts:
    """Restart-with-backoff bookkeeping: the delay before the next restart, or None once the workers crash-loop.

    A worker that dies (killed, out of memory, a fault in a C extension) is replaced while the
    others keep serving. Backoff doubles with each death inside `window` seconds, so a worker that
    cannot start (e.g. the rules on disk no longer compile) does not spin; more than `limit` deaths
    inside the window means something is wrong that restarting will not fix, and the orchestrator
    should see the failure.

    >>> r = Restarts(limit=2, window=60.0)
    >>> r.record(0.0), r.record(1.0), r.record(2.0)
    (0.1, 0.2, None)
    >>> Restarts(limit=2, window=60.0).record(0.0), r.record(100.0)
    (0.1, 0.1)
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._deaths: collections.deque[float] = collections.deque()

    def record(self, now: float) -> float | None:
        self._deaths.append(now)
        while self._deaths and self._deaths[0] < now - self.window:
            self._deaths.popleft()
        if len(self._deaths) > self.limit:
            return None
        return min(_BACKOFF_FIRST_S * 2 ** (len(self._deaths) - 1), _BACKOFF_MAX_S)
