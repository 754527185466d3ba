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
import sys
import threading
from typing import Any, TextIO

import structlog

from tactful.server.decisions import Decision, iso, line, unique

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
    event["timestamp"] = iso(event.pop("at", None))
    return event


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)


class DecisionLog:
    """Writes one `decision` line per checked reply."""

    def __init__(self, log_text: bool = False) -> None:
        self.log_text = log_text
        self._log = get_logger(DECISION_LOGGER)
        self._parts: dict[tuple[str, str, tuple[str, ...]], tuple[str, str]] = {}

    def write(self, decision: Decision) -> None:
        if _json_outputs and not self.log_text:
            _json_outputs[0].batched(line(self._parts, decision))  # the chain's rendering, from cached pieces
            return
        fields = self.fields(decision)
        if _json_outputs:
            at = fields.pop("at")
            fields.update(event="decision", level="info", timestamp=iso(at))
            _json_outputs[0].batched(_dumps(fields))
            return
        self._log.info("decision", **fields)

    def fields(self, decision: Decision) -> dict[str, Any]:
        """The decision line's fields, `at` (epoch seconds) for the timestamp."""
        result = decision.result
        encoded = result.text.encode("utf-8")
        fields: dict[str, Any] = {
            "rpc": decision.rpc,
            "request_id": decision.request_id,
            "ruleset": result.ruleset,
            "ruleset_version": result.ruleset_version,
            "rules": unique(v.rule for v in result.violations),
            "categories": unique(v.category for v in result.violations),
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
