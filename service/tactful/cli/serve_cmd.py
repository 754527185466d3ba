"""`tactful serve`: run the gRPC checking service. Every flag has a TACTFUL_* environment variable.

Exit codes: 0 after a graceful stop (SIGTERM/SIGINT), 2 when the rules do not load or a flag is wrong, 1 when the
workers crash-loop (more than --max-restarts deaths within a minute).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from tactful.cli.library import EXIT_USAGE, UsageError, shipped_rules

ENV_PREFIX = "TACTFUL_"


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _env(name: str, default: object) -> Any:
    """The flag's default: TACTFUL_<NAME> when set, else `default` (argparse converts strings with the flag's type)."""
    return os.environ.get(ENV_PREFIX + name, default)


def _port(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0-65535)")
    return port


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return n


def _count(value: str) -> int:
    n = int(value)
    if n < 0:
        raise argparse.ArgumentTypeError(f"{value} must not be negative")
    return n


def _positive_float(value: str) -> float:
    x = float(value)
    if not x > 0:
        raise argparse.ArgumentTypeError(f"{value} must be more than 0")
    return x


def _seconds(value: str) -> float:
    s = float(value)
    if s < 0:
        raise argparse.ArgumentTypeError(f"{value} must not be negative")
    return s


def _flag(value: str) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="run the gRPC checking service",
        description="Serve CheckerService (tactful.v1) with health checking, reflection, hot reload and metrics. "
        "Each flag can also be set with the environment variable shown in brackets.",
    )
    a = p.add_argument
    a(
        "--rules",
        metavar="PATH",
        default=_env("RULES", None),
        help="a .tact file or directory of packs (default: the shipped packs) [TACTFUL_RULES]",
    )
    a(
        "--default-ruleset",
        metavar="NAME",
        default=_env("DEFAULT_RULESET", None),
        help="ruleset for requests that name none [TACTFUL_DEFAULT_RULESET]",
    )
    a(
        "--host",
        default=_env("HOST", "127.0.0.1"),
        help="address to listen on; 0.0.0.0 for all interfaces (default 127.0.0.1) [TACTFUL_HOST]",
    )
    a("--port", type=_port, default=_env("PORT", 50051), help="gRPC port; 0 picks a free one (default 50051) [TACTFUL_PORT]")
    a(
        "--metrics-port",
        type=_port,
        default=_env("METRICS_PORT", 0),
        help="Prometheus /metrics port; 0 disables (default 0) [TACTFUL_METRICS_PORT]",
    )
    a(
        "--max-text-bytes",
        type=_positive,
        default=_env("MAX_TEXT_BYTES", 64 * 1024),
        help="longest reply accepted, in UTF-8 bytes (default 65536) [TACTFUL_MAX_TEXT_BYTES]",
    )
    a(
        "--max-batch",
        type=_positive,
        default=_env("MAX_BATCH", 256),
        help="most requests in one BatchCheck (default 256) [TACTFUL_MAX_BATCH]",
    )
    a(
        "--grace",
        type=_seconds,
        default=_env("GRACE", 10.0),
        help="seconds in-flight calls get to finish on shutdown (default 10) [TACTFUL_GRACE]",
    )
    a("--tls-cert", metavar="PEM", default=_env("TLS_CERT", None), help="server certificate chain; enables TLS [TACTFUL_TLS_CERT]")
    a("--tls-key", metavar="PEM", default=_env("TLS_KEY", None), help="server private key [TACTFUL_TLS_KEY]")
    a(
        "--tls-client-ca",
        metavar="PEM",
        default=_env("TLS_CLIENT_CA", None),
        help="CA for client certificates; enables mTLS [TACTFUL_TLS_CLIENT_CA]",
    )
    a(
        "--workers",
        type=_positive,
        default=_env("WORKERS", _cpu_count()),
        help="server processes sharing the port (default: one per CPU) [TACTFUL_WORKERS]",
    )
    a(
        "--max-concurrent-rpcs",
        type=_positive,
        default=_env("MAX_CONCURRENT_RPCS", 1024),
        help="calls (open streams included) one process serves at once; more get RESOURCE_EXHAUSTED (default 1024) "
        "[TACTFUL_MAX_CONCURRENT_RPCS]",
    )
    a(
        "--max-streams-per-connection",
        type=_positive,
        default=_env("MAX_STREAMS_PER_CONNECTION", 100),
        help="concurrent calls one client connection may have open; more wait on the client (default 100) "
        "[TACTFUL_MAX_STREAMS_PER_CONNECTION]",
    )
    a(
        "--max-restarts",
        type=_count,
        default=_env("MAX_RESTARTS", 5),
        help="worker deaths within a minute the supervisor restarts before it gives up and exits 1 (default 5) "
        "[TACTFUL_MAX_RESTARTS]",
    )
    a(
        "--access",
        metavar="FILE",
        default=_env("ACCESS", None),
        help="YAML file mapping bearer tokens / client-certificate identities to the rulesets they may use "
        "(default: no access control) [TACTFUL_ACCESS]",
    )
    a(
        "--offload-bytes",
        type=_count,
        default=_env("OFFLOAD_BYTES", 2048),
        help="requests larger than this many bytes are checked in the check pool processes, off the event loop "
        "(default 2048) [TACTFUL_OFFLOAD_BYTES]",
    )
    a(
        "--pool-processes",
        type=_count,
        default=_env("POOL_PROCESSES", 1),
        help="check pool processes per server process; 0 checks every request inline, without a budget (default 1) "
        "[TACTFUL_POOL_PROCESSES]",
    )
    a(
        "--check-budget-ms",
        type=_positive_float,
        default=_env("CHECK_BUDGET_MS", 1000.0),
        help="CPU milliseconds one pooled check may take; past it the call gets RESOURCE_EXHAUSTED (default 1000) "
        "[TACTFUL_CHECK_BUDGET_MS]",
    )
    a(
        "--reload-interval",
        type=_seconds,
        default=_env("RELOAD_INTERVAL", 1.0),
        help="seconds between rules-directory polls; 0 reloads on SIGHUP only (default 1) [TACTFUL_RELOAD_INTERVAL]",
    )
    a(
        "--log-format",
        choices=("auto", "json", "console"),
        default=_env("LOG_FORMAT", "auto"),
        help="auto: console on a terminal, JSON lines otherwise [TACTFUL_LOG_FORMAT]",
    )
    a(
        "--log-text",
        action="store_true",
        default=_flag(_env("LOG_TEXT", "")),
        help="also log reply texts (customer data: for debugging only) [TACTFUL_LOG_TEXT]",
    )
    p.set_defaults(run=run)


def _existing(value: str | None, flag: str) -> Path | None:
    if value is None or value == "":
        return None
    path = Path(value)
    if not path.exists():
        raise UsageError(f"{flag} {value}: no such file")
    return path


def config_from(args: argparse.Namespace) -> Any:
    from tactful.server.app import ServeConfig  # the server (and grpc) load only for `serve`

    rules = Path(args.rules) if args.rules else shipped_rules()
    if not rules.exists():
        raise UsageError(f"--rules {rules}: no such file or directory")
    return ServeConfig(
        rules=rules,
        default_ruleset=args.default_ruleset or None,
        host=args.host,
        port=args.port,
        metrics_port=args.metrics_port,
        max_text_bytes=args.max_text_bytes,
        max_batch=args.max_batch,
        grace=args.grace,
        tls_cert=_existing(args.tls_cert, "--tls-cert"),
        tls_key=_existing(args.tls_key, "--tls-key"),
        tls_client_ca=_existing(args.tls_client_ca, "--tls-client-ca"),
        log_text=args.log_text,
        workers=args.workers,
        max_concurrent_rpcs=args.max_concurrent_rpcs,
        reload_interval=args.reload_interval,
        max_streams_per_connection=args.max_streams_per_connection,
        max_restarts=args.max_restarts,
        access=_existing(args.access, "--access"),
        offload_bytes=args.offload_bytes,
        pool_processes=args.pool_processes,
        check_budget_ms=args.check_budget_ms,
    )


def run(args: argparse.Namespace) -> int:
    from tactful.server import logging as server_logging
    from tactful.server.workers import serve

    config = config_from(args)
    server_logging.configure(json_lines={"auto": None, "json": True, "console": False}[args.log_format])
    try:
        return serve(config)
    except (ValueError, OSError) as err:
        raise UsageError(f"cannot serve: {err}") from None


__all__ = ["EXIT_USAGE", "register", "run"]
