"""Structured logs: JSON lines in production, a console renderer on a TTY; one decision line per checked reply.

The reply text is customer data, so a decision line carries only its length and SHA-256 unless
the operator turns on --log-text for debugging.

Decision lines are batched: they are written together (see tactful.server.telemetry, about
every 20 ms, and on stop) in one write() instead of one write() per checked reply. Every other line is
written at once, after any batched ones, so the order of the log is kept.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import json
import math
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import structlog

from tactful.model import Result

_LEVELS = ("debug", "info", "warn", "warning", "msg", "log", "error", "err", "exception", "critical", "fatal", "failure")


class _Output:
    """One stream's writer: `now` lines are written at once; `batched` lines with the next `now`
    line, on flush(), or at exit."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._pending: list[str] = []

    def batched(self, line: str) -> None:
        with self._lock:
            self._pending.append(line + "\n")

    def now(self, line: str) -> None:
        with self._lock:
            self._pending.append(line + "\n")
            self._write_pending()

    def flush(self) -> None:
        with self._lock:
            self._write_pending()

    def _write_pending(self) -> None:
        if self._pending:
            # One write() for all lines, so the lines of several worker processes sharing stderr
            # never interleave mid-line.
            self._stream.write("".join(self._pending))
            self._pending.clear()
            self._stream.flush()


class _Logger:
    def __init__(self, write: Any) -> None:
        for level in _LEVELS:
            setattr(self, level, write)


class _LoggerFactory:
    def __init__(self, output: _Output) -> None:
        self.output = output

    def __call__(self, *args: Any) -> _Logger:
        batched = bool(args) and args[0] == DECISION_LOGGER
        return _Logger(self.output.batched if batched else self.output.now)


DECISION_LOGGER = "tactful.decision"
_outputs: list[_Output] = []  # the configured output
_json_outputs: list[_Output] = []  # the same, when it takes JSON lines
_dumps = functools.partial(json.dumps, ensure_ascii=False)


def flush() -> None:
    """Write any batched lines now (tests, and the end of a process)."""
    for output in _outputs:
        output.flush()


atexit.register(flush)


def configure(stream: TextIO | None = None, json_lines: bool | None = None) -> None:
    """Route structlog to `stream` (stderr): JSON lines unless it is a terminal (or `json_lines` says)."""
    flush()
    out = stream or sys.stderr
    output = _Output(out)
    _outputs[:] = [output]
    as_json = (not out.isatty()) if json_lines is None else json_lines
    _json_outputs[:] = [output] if as_json else []
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=_dumps)
        if as_json
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            _stamp,
            structlog.processors.format_exc_info,
            renderer,
        ],
        logger_factory=_LoggerFactory(output),
        cache_logger_on_first_use=True,
    )


def _stamp(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """ISO-8601 UTC timestamp of when the event happened: `at` (epoch seconds) when the caller
    recorded it (decision lines are rendered a little later, in batches), else now."""
    event["timestamp"] = _iso(event.pop("at", None))
    return event


_second = [(-1, "")]  # the last whole second and its text; one tuple, so threads see a matching pair


def _iso(at: float | None) -> str:
    """`at` (epoch seconds; None: now) as ISO-8601 UTC with microseconds, "2023-11-14T22:13:20.250000Z".

    Formatting a datetime costs ~2 us; lines come thousands a second, so the part up to the
    second is formatted once per second."""
    if at is None:
        at = time.time()
    whole = math.floor(at)
    cached_at, prefix = _second[0]
    if cached_at != whole:
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
        _second[0] = (whole, prefix)
    return f"{prefix}.{int((at - whole) * 1_000_000):06d}Z"


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)


@dataclass(slots=True)  # not frozen: one is made per request, and a frozen init costs 4x more
class Decision:
    """What one checked reply decided, for the log and the metrics."""

    rpc: str
    request_id: str
    result: Result
    latency_s: float
    sequence: int = 0
    skipped: int = 0  # CheckStream: drafts superseded by this one before they were checked
    at: float = field(default_factory=time.time)


class DecisionLog:
    """Writes one `decision` line per checked reply."""

    def __init__(self, log_text: bool = False) -> None:
        self.log_text = log_text
        self._log = get_logger(DECISION_LOGGER)
        self._parts: dict[tuple[str, str, tuple[str, ...]], tuple[str, str]] = {}

    def write(self, decision: Decision) -> None:
        if _json_outputs and not self.log_text:
            _json_outputs[0].batched(self._line(decision))
            return
        fields = self.fields(decision)
        if _json_outputs:
            at = fields.pop("at")
            fields.update(event="decision", level="info", timestamp=_iso(at))
            _json_outputs[0].batched(_dumps(fields))
            return
        self._log.info("decision", **fields)

    def _line(self, decision: Decision) -> str:
        """The JSON line the structlog chain renders for `fields(decision)` (no context variables
        are bound in the server), built from cached pieces: this is the one line written per
        request, and the chain (or even one json.dumps of the dict) costs as much as a short
        check. A test compares the two renderings."""
        result = decision.result
        key = (decision.rpc, result.ruleset_version, tuple(v.rule for v in result.violations))
        parts = self._parts.get(key)
        if parts is None:
            if len(self._parts) > 4096:  # rpc x version x rule combinations; reloads add versions
                self._parts.clear()
            parts = self._parts[key] = (
                f'{{"rpc": {_dumps(decision.rpc)}, "request_id": ',
                f', "ruleset": {_dumps(result.ruleset)}, "ruleset_version": {_dumps(result.ruleset_version)}, '
                f'"rules": {_dumps(_unique(key[2]))}, "categories": {_dumps(_unique(v.category for v in result.violations))}, '
                f'"compliant": {_dumps(result.compliant)}, ',
            )
        rid = decision.request_id
        rid = f'"{rid}"' if rid.isprintable() and '"' not in rid and "\\" not in rid else _dumps(rid)
        encoded = result.text.encode("utf-8")
        sequence = f', "sequence": {decision.sequence}' if decision.rpc == "CheckStream" else ""
        return (
            f"{parts[0]}{rid}{parts[1]}"
            f'"latency_ms": {round(decision.latency_s * 1000, 3)!r}, "text_bytes": {len(encoded)}, '
            f'"text_sha256": "{hashlib.sha256(encoded).hexdigest()}"{sequence}, '
            f'"event": "decision", "level": "info", "timestamp": "{_iso(decision.at)}"}}'
        )

    def fields(self, decision: Decision) -> dict[str, Any]:
        """The decision line's fields, `at` (epoch seconds) for the timestamp."""
        result = decision.result
        encoded = result.text.encode("utf-8")
        fields: dict[str, Any] = {
            "rpc": decision.rpc,
            "request_id": decision.request_id,
            "ruleset": result.ruleset,
            "ruleset_version": result.ruleset_version,
            "rules": _unique(v.rule for v in result.violations),
            "categories": _unique(v.category for v in result.violations),
            "compliant": result.compliant,
            "latency_ms": round(decision.latency_s * 1000, 3),
            "text_bytes": len(encoded),
            "text_sha256": hashlib.sha256(encoded).hexdigest(),
            "at": decision.at,
        }
        if decision.rpc == "CheckStream":
            fields["sequence"] = decision.sequence
        if self.log_text:
            fields["text"] = result.text
            fields["rewritten"] = result.rewritten
        return fields


def _unique(items: Sequence[str] | Any) -> list[str]:
    return list(dict.fromkeys(items))
