"""`tactful serve`: the gRPC server with health, reflection, metrics, hot reload, TLS and graceful stop.

One process serves on one asyncio event loop (grpc.aio), and checks of short replies run inline on
it: the engine is CPU-bound Python, so a thread pool would only add thread hand-offs and GIL
contention to every call (measured: the aio server answers about twice as many checks per second
as grpc's thread-pool server on the same core). Requests over `offload_bytes` go to a pool of
check processes under a CPU budget (pool.py), so no single long reply stalls the loop. To use
every core, `--workers N` starts N such processes bound to the same port with SO_REUSEPORT, and
the kernel spreads connections across them.

`Service` keeps a synchronous face (start/stop) for the CLI and the tests: its event loop runs on
a thread of its own, and compiling the rules happens off that loop, so health checks are answered
(NOT_SERVING) while the first compile runs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import grpc
import grpc.aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2_grpc
from prometheus_client import CollectorRegistry

from tactful.compile.ruleset import Library
from tactful.server import memory
from tactful.server.access import AccessPolicy, Gate
from tactful.server.guard import Guard, InFlight, decoder
from tactful.server.logging import DecisionLog, get_logger
from tactful.server.metrics import Metrics, multiprocess_dir, serve_http
from tactful.server.pool import CheckPool
from tactful.server.reload import LoadFailed, RulesHolder, library_key
from tactful.server.servicer import CheckerServicer
from tactful.server.sockets import shut_down_port
from tactful.server.telemetry import Telemetry
from tactful.v1 import checker_pb2, checker_pb2_grpc

_FLUSH_LINGER_S = 0.2
_SIGNAL_POLL_S = 0.2
_HANDLED = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
T = TypeVar("T")
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
    max_concurrent_rpcs: int = 1024
    reload_interval: float = 1.0
    max_restarts: int = 5  # worker deaths within a minute before the supervisor gives up (crash loop)
    max_streams_per_connection: int = 100  # HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS: one client cannot take every call slot
    access: Path | None = None  # per-ruleset bearer-token / client-certificate access file (tactful.server.access)
    offload_bytes: int = 2048  # requests larger than this are checked in the pool processes
    pool_processes: int = 1  # per serving process; 0 checks everything inline (no budget)
    check_budget_ms: float = 1000.0  # CPU time one pooled check may take before RESOURCE_EXHAUSTED
    pool_warm: bool = True  # start the pool processes and compile the rules in them at start, not on the first long reply
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
        # Streams beyond this wait in the client's own queue, so one connection that opens streams
        # and never reads them holds at most this many of the process's --max-concurrent-rpcs slots.
        ("grpc.max_concurrent_streams", config.max_streams_per_connection),
        *config.extra_options,
    ]


def build_server(config: ServeConfig) -> grpc.aio.Server:
    """The grpc.aio server (call on the event loop that will run it); calls beyond the limit get RESOURCE_EXHAUSTED."""
    return grpc.aio.server(options=server_options(config), maximum_concurrent_rpcs=config.max_concurrent_rpcs or None)


def bind(server: grpc.aio.Server, config: ServeConfig) -> int:
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


def _serialize(response: Any) -> bytes:
    return response if type(response) is bytes else response.SerializeToString()  # type: ignore[no-any-return]


class GenericOnly:
    """A server as generated `add_*_to_server` functions see it, their handlers added as generic handlers only.

    Those functions also add each method as a "registered method", and with registered methods
    grpc.aio (1.85) runs an asyncio.wait per accepted call over one pending request per method (an
    any() over ~10 futures with an ABC instance check each, seen in py-spy and callgrind): every call
    paid for every method registered, 4 of ours, 3 of health and 1 of reflection. Without them a
    worker spent 897k instructions per Check instead of 960k (callgrind, violating reply, 1,000 calls;
    the bare echo server of bench/service.py, which never registered any: 504k). The generic handlers
    serve the same methods.
    """

    def __init__(self, server: grpc.aio.Server) -> None:
        self._server = server

    def add_generic_rpc_handlers(self, handlers: Any) -> None:
        self._server.add_generic_rpc_handlers(handlers)

    def add_registered_method_handlers(self, _service: str, _handlers: Any) -> None:
        """Nothing: the generic handler added with the same methods serves them."""


_KINDS = {
    (False, False): grpc.unary_unary_rpc_method_handler,
    (False, True): grpc.unary_stream_rpc_method_handler,
    (True, False): grpc.stream_unary_rpc_method_handler,
    (True, True): grpc.stream_stream_rpc_method_handler,
}


_MESSAGE_ANSWERS = frozenset({"ListRules"})  # the CheckerService methods whose handlers answer with a message, not bytes


def add_checker_service(servicer: checker_pb2_grpc.CheckerServiceServicer, server: grpc.aio.Server) -> None:
    """What the generated add_CheckerServiceServicer_to_server does (generic handlers only), except that a handler may answer with an
    already serialized response (bytes): the check pool's answers are passed through without being parsed
    and serialized again on the event loop; and a unary request that does not parse is refused by the guard
    with INVALID_ARGUMENT (grpc's own answer is UNKNOWN). Built from the service descriptor, so it follows the proto."""
    service = checker_pb2.DESCRIPTOR.services_by_name["CheckerService"]
    # A unary request that does not parse reaches the guard, which refuses it with INVALID_ARGUMENT; a streamed one
    # raises DecodeError while the stream is read, which status.py maps to the same.
    parse = {m.name: getattr(checker_pb2, m.input_type.name).FromString for m in service.methods}
    handlers = {
        m.name: _KINDS[(m.client_streaming, m.server_streaming)](
            getattr(servicer, m.name),
            request_deserializer=parse[m.name] if m.client_streaming else decoder(parse[m.name]),
            # None: grpc sends the bytes a handler returns as they are, with no call of ours per answer (every
            # handler but ListRules answers with bytes; ListRules's message goes through _serialize).
            response_serializer=_serialize if m.name in _MESSAGE_ANSWERS else None,
        )
        for m in service.methods
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service.full_name, handlers),))  # generic only: see GenericOnly


class Service:
    """One serving process: gRPC server, health, reflection, the rules holder and its watcher, metrics."""

    def __init__(self, config: ServeConfig, registry: CollectorRegistry | None = None) -> None:
        self.config = config
        multiprocess = multiprocess_dir() is not None
        self.registry = None if multiprocess else (registry or CollectorRegistry())
        self.metrics = Metrics(self.registry)
        self.telemetry = Telemetry(DecisionLog(config.log_text), self.metrics)
        pooled = config.pool_processes > 0
        self.rules = RulesHolder(config.rules, config.default_ruleset, on_swap=self._swapped, on_failure=self._failed, keep_sources=pooled)
        self.pool = CheckPool(config.pool_processes, config.check_budget_ms / 1000) if pooled else None
        self.inflight = InFlight()
        self.port = 0
        self.metrics_port = 0
        self._metrics_http: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: threading.Thread | None = None
        self._server: grpc.aio.Server | None = None
        self._health: health.aio.HealthServicer | None = None
        self._log = get_logger("tactful.server")

    def start(self) -> None:
        """Listen, compile the rules, then report SERVING.

        Raises:
            LoadFailed: the rules do not compile or fail their examples (the server is stopped again).
        """
        self._loop = asyncio.new_event_loop()
        self.telemetry.attach(self._loop)
        self._loop_thread = threading.Thread(target=self._loop.run_forever, name="tactful-grpc", daemon=True)
        self._loop_thread.start()
        try:
            self.port = self._on_loop(self._listen())
            self.rules.load_initial()
            # The compiled rules live as long as they are served: out of the cyclic collector's
            # reach, a full collection under load no longer walks them (measured: one 34-38 ms
            # full collection per worker in a 20 s benchmark before, none after).
            memory.freeze()
        except BaseException:
            if self._server is not None:
                self._on_loop(self._server.stop(None))
            self._close_loop()
            self.rules.discard_sources()
            self.telemetry.drain()
            raise
        self.rules.watch(self.config.reload_interval)
        if self.config.metrics_port and self.registry is not None:
            self._metrics_http = serve_http(self.config.metrics_port, self.config.host, self.registry)
            self.metrics_port = int(self._metrics_http.server_port)
        self._on_loop(self._set_health(health_pb2.HealthCheckResponse.SERVING))
        self._log.info(
            "serving", host=self.config.host, port=self.port, pid=os.getpid(), tls=self.config.tls_cert is not None,
            metrics_port=self.metrics_port or None, rules=str(self.config.rules),
        )  # fmt: skip

    def stop(self, grace: float | None = None) -> None:
        """NOT_SERVING first (so balancers stop sending), then let in-flight calls finish within `grace` seconds."""
        if self._loop is None:
            return  # never started, or already stopped
        grace = self.config.grace if grace is None else grace
        self._log.info("shutting down", grace_s=grace)
        self.rules.stop()
        self._on_loop(self._drain(grace))
        if self.pool is not None:
            self._on_loop(self.pool.close())  # after the drain: calls in flight got their answers
        self._close_loop()
        self.rules.discard_sources()
        if self._metrics_http is not None:
            self._metrics_http.shutdown()
        self.telemetry.drain()
        self._log.info("stopped")

    async def _listen(self) -> int:
        server = self._server = build_server(self.config)
        self._health = health.aio.HealthServicer()
        servicer = CheckerServicer(
            self.rules, self.telemetry.decided, self.config.max_text_bytes, self.config.max_batch, self.pool, self.config.offload_bytes
        )
        guard = Guard(self.telemetry.rpc, self.inflight)
        if self.config.access is not None:  # inside the guard, so refusals get their status and metrics
            servicer = Gate(AccessPolicy.load(self.config.access), self.rules).servicer(servicer)
        add_checker_service(guard.servicer(servicer), server)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, GenericOnly(server))
        # What reflection.enable_server_reflection does for a grpc.aio server, through GenericOnly.
        names = (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME)
        reflection_pb2_grpc.add_ServerReflectionServicer_to_server(reflection.aio.ReflectionServicer(names), GenericOnly(server))
        await self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        port = bind(server, self.config)
        await server.start()
        return port

    async def _drain(self, grace: float) -> None:
        deadline = time.monotonic() + grace
        assert self._health is not None and self._server is not None
        await self._health.enter_graceful_shutdown()
        if await self.inflight.close_and_wait(grace):
            # Every call has answered; give clients a moment to read the last bytes before the
            # connections close (closing on unread acknowledgements resets them).
            await asyncio.sleep(min(_FLUSH_LINGER_S, max(deadline - time.monotonic(), 0)))
            # Then close the connections ourselves: calls that arrived meanwhile and are still queued in grpc fail
            # with UNAVAILABLE (retried), where grpc's stop() would cancel them (CANCELLED, not retried). See sockets.py.
            shut_down_port(self.port)
        await self._server.stop(max(deadline - time.monotonic(), 0))

    async def _set_health(self, status: int) -> None:
        assert self._health is not None
        for name in ("", SERVICE_NAME):
            await self._health.set(name, status)

    def _warm_pool(self, library: Library) -> None:
        """Have every pool process compile `library` now, in the background, rather than on the next long reply
        (health is SERVING meanwhile: a long reply that comes first waits for its pool process to be ready)."""
        pool, key = self.pool, library_key(library)
        if pool is None or not self.config.pool_warm or self._loop is None or key not in self.rules.sources:
            return
        job = ("warm", key, str(self.rules.sources[key]), str(self.rules.path), b"", "", pool.budget_s)
        for _ in range(pool.processes):
            asyncio.run_coroutine_threadsafe(pool.run(job), self._loop)

    def _on_loop(self, coro: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def _close_loop(self) -> None:
        loop, thread = self._loop, self._loop_thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
        self._loop = self._loop_thread = None

    def _swapped(self, library: Library) -> None:
        self._warm_pool(library)
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
    # A supervisor starts its workers with these signals blocked (workers.py), so one forwarded while the worker
    # was still starting waits for the handlers above instead of killing it with the default action.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HANDLED)
    try:
        service.start()
    except LoadFailed as err:
        for problem in err.problems:
            log.error("rule problem", **problem)
        log.error("cannot serve: the rules do not load", reason=str(err), rules=str(config.rules))
        return 2
    if on_ready is not None:
        on_ready(service)
    # Wake up regularly instead of blocking for good: Python runs signal handlers on the main thread
    # only, and when the kernel hands SIGHUP/SIGTERM to one of grpc's or our other threads, a main
    # thread blocked without a timeout never notices (a SIGHUP reload then never happened).
    while not stop.wait(_SIGNAL_POLL_S):
        pass
    service.stop()
    return 0
