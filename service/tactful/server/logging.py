"""Structured logs: JSON lines in production, a console renderer on a TTY; one decision line per checked reply.

The reply text is customer data, so a decision line carries only its length and SHA-256 unless
the operator turns on --log-text for debugging.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import structlog

from tactful.model import Result


def configure(stream: TextIO | None = None, json_lines: bool | None = None) -> None:
    """Route structlog to `stream` (stderr): JSON lines unless it is a terminal (or `json_lines` says)."""
    out = stream or sys.stderr
    as_json = (not out.isatty()) if json_lines is None else json_lines
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=functools.partial(json.dumps, ensure_ascii=False))
        if as_json
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        # One write() per line (print() writes the newline separately), so the lines of several
        # worker processes sharing stderr never interleave mid-line.
        logger_factory=structlog.WriteLoggerFactory(file=out),
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)


@dataclass(frozen=True, slots=True)
class Decision:
    """What one checked reply decided, for the log and the metrics."""

    rpc: str
    request_id: str
    result: Result
    latency_s: float
    sequence: int = 0


class DecisionLog:
    """Writes one `decision` line per checked reply."""

    def __init__(self, log_text: bool = False) -> None:
        self.log_text = log_text
        self._log = get_logger("tactful.decision")

    def write(self, decision: Decision) -> None:
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
        }
        if decision.rpc == "CheckStream":
            fields["sequence"] = decision.sequence
        if self.log_text:
            fields["text"] = result.text
            fields["rewritten"] = result.rewritten
        self._log.info("decision", **fields)


def _unique(items: Sequence[str] | Any) -> list[str]:
    return list(dict.fromkeys(items))
