"""`tactful serve`: the gRPC server with health, reflection, metrics, hot reload, TLS and graceful stop.

One process serves with a thread pool; the engine is CPU-bound Python, so threads share one core.
To use every core, `--workers N` starts N such processes bound to the same port with SO_REUSEPORT,
and the kernel spreads connections across them.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from prometheus_client import CollectorRegistry

from tactful.compile.ruleset import Library
from tactful.server.interceptor import InFlight, StatusInterceptor
from tactful.server.logging import Decision, DecisionLog, get_logger
from tactful.server.metrics import Metrics, multiprocess_dir, serve_http
from tactful.server.reload import LoadFailed, RulesHolder
from tactful.server.servicer import CheckerServicer
from tactful.v1 import checker_pb2, checker_pb2_grpc

_FLUSH_LINGER_S = 0.2
SERVICE_NAME = checker_pb2.DESCRIPTOR.services_by_name["CheckerService"].full_name


@dataclass(frozen=True)
class ServeConfig:
    """Everything `tactful serve` can be told (flags and TACTFUL_* environment variables)."""

    rules: Path
    default_ruleset: str | None = None
    host: str = "127.0.0.1"
    port: int = 50051
    metrics_port: int = 0
    max_text_bytes: int = 64 * 1024
    max_batch: int = 256
    grace: float = 10.0
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None
    log_text: bool = False
    workers: int = 1
    threads: int = 256
    reload_interval: float = 1.0
    reuse_port: bool = False  # only the supervisor's workers share a port; alone, a taken port must fail loudly
    extra_options: tuple[tuple[str, Any], ...] = field(default=())


def server_options(config: ServeConfig) -> list[tuple[str, Any]]:
    """Channel options shared by the service and the benchmark's echo server, so they differ only in the handler."""
    # A full batch of maximal texts (each with a maximal customer message) must fit in one message.
    max_message = max(4 << 20, config.max_batch * (2 * config.max_text_bytes + 1024) + (1 << 20))
    return [
        # Off unless workers share the port: with it, Linux may hand bind(port 0) a port another
        # reuseport server of this user already has, and a second server on a fixed port would
        # silently split traffic with the first instead of failing with "address in use".
        ("grpc.so_reuseport", int(config.reuse_port)),
        ("grpc.max_receive_message_length", max_message),
        ("grpc.max_send_message_length", -1),
        *config.extra_options,
    ]


def build_server(config: ServeConfig, interceptors: Sequence[grpc.ServerInterceptor] = ()) -> grpc.Server:
    # Each CheckStream holds one pool thread for its lifetime, so the pool bounds concurrent streams.
    pool = ThreadPoolExecutor(max_workers=config.threads, thread_name_prefix="tactful-rpc")
    return grpc.server(pool, interceptors=list(interceptors), options=server_options(config))


def bind(server: grpc.Server, config: ServeConfig) -> int:
    """Bind host:port (TLS when a certificate is given); returns the port actually bound."""
    host = f"[{config.host}]" if ":" in config.host and not config.host.startswith("[") else config.host
    address = f"{host}:{config.port}"
    if config.tls_cert or config.tls_key:
        if not (config.tls_cert and config.tls_key):
            raise ValueError("--tls-cert and --tls-key go together: give both, or neither for plaintext")
        key, cert = config.tls_key.read_bytes(), config.tls_cert.read_bytes()
        client_ca = config.tls_client_ca.read_bytes() if config.tls_client_ca else None
        creds = grpc.ssl_server_credentials([(key, cert)], root_certificates=client_ca, require_client_auth=client_ca is not None)
        port = server.add_secure_port(address, creds)
    else:
        if config.tls_client_ca:
            raise ValueError("--tls-client-ca needs --tls-cert and --tls-key")
        port = server.add_insecure_port(address)
    if not port:
        raise OSError(f"cannot listen on {address}")
    return port


class Service:
    """One serving process: gRPC server, health, reflection, the rules holder and its watcher, metrics."""

    def __init__(self, config: ServeConfig, registry: CollectorRegistry | None = None) -> None:
        self.config = config
        multiprocess = multiprocess_dir() is not None
        self.registry = None if multiprocess else (registry or CollectorRegistry())
        self.metrics = Metrics(self.registry)
        self.decisions = DecisionLog(config.log_text)
        self.health = health.HealthServicer()
        self.rules = RulesHolder(config.rules, config.default_ruleset, on_swap=self._swapped, on_failure=self._failed)
        self.inflight = InFlight()
        self.server = build_server(config, [StatusInterceptor(self.metrics, self.inflight)])
        self.port = 0
        self.metrics_port = 0
        self._metrics_http: Any = None
        self._log = get_logger("tactful.server")

    def start(self) -> None:
        """Listen, compile the rules, then report SERVING.

        Raises:
            LoadFailed: the rules do not compile or fail their examples (the server is stopped again).
        """
        servicer = CheckerServicer(self.rules, self._decided, self.config.max_text_bytes, self.config.max_batch)
        checker_pb2_grpc.add_CheckerServiceServicer_to_server(servicer, self.server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection((SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), self.server)
        self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        self.port = bind(self.server, self.config)
        self.server.start()
        try:
            self.rules.load_initial()
        except BaseException:
            self.server.stop(None)
            raise
        self.rules.watch(self.config.reload_interval)
        if self.config.metrics_port and self.registry is not None:
            self._metrics_http = serve_http(self.config.metrics_port, self.config.host, self.registry)
            self.metrics_port = int(self._metrics_http.server_port)
        self._set_health(health_pb2.HealthCheckResponse.SERVING)
        self._log.info(
            "serving", host=self.config.host, port=self.port, pid=os.getpid(), tls=self.config.tls_cert is not None,
            metrics_port=self.metrics_port or None, rules=str(self.config.rules),
        )  # fmt: skip

    def stop(self, grace: float | None = None) -> None:
        """NOT_SERVING first (so balancers stop sending), then let in-flight calls finish within `grace` seconds."""
        grace = self.config.grace if grace is None else grace
        deadline = time.monotonic() + grace
        self._log.info("shutting down", grace_s=grace)
        self.health.enter_graceful_shutdown()
        self.rules.stop()
        if self.inflight.close_and_wait(grace):
            # Every call has answered; give clients a moment to read the last bytes before the
            # connections close (closing on unread acknowledgements resets them).
            time.sleep(min(_FLUSH_LINGER_S, max(deadline - time.monotonic(), 0)))
        self.server.stop(max(deadline - time.monotonic(), 0)).wait()
        if self._metrics_http is not None:
            self._metrics_http.shutdown()
        self._log.info("stopped")

    def _set_health(self, status: int) -> None:
        for name in ("", SERVICE_NAME):
            self.health.set(name, status)

    def _decided(self, decision: Decision) -> None:
        self.decisions.write(decision)
        self.metrics.observe_violations(decision.result.violations)

    def _swapped(self, library: Library) -> None:
        self.metrics.reloads.labels("success").inc()
        self.metrics.served({name: rs.version for name, rs in library.rulesets.items()})

    def _failed(self, _err: LoadFailed) -> None:
        self.metrics.reloads.labels("failure").inc()


def run_worker(config: ServeConfig, on_ready: Callable[[Service], None] | None = None) -> int:
    """Serve until SIGTERM/SIGINT, then stop gracefully; SIGHUP reloads the rules. Returns the exit code."""
    log = get_logger("tactful.server")
    stop = threading.Event()
    service = Service(config)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: service.rules.request_reload())
    try:
        service.start()
    except LoadFailed as err:
        for problem in err.problems:
            log.error("rule problem", **problem)
        log.error("cannot serve: the rules do not load", reason=str(err), rules=str(config.rules))
        return 2
    if on_ready is not None:
        on_ready(service)
    stop.wait()
    service.stop()
    return 0
