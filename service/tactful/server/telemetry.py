"""Per-call telemetry off the request path: a call appends a record; the event loop turns the
records into decision log lines and metrics in small slices, between calls.

Rendering a JSON line and updating Prometheus children costs about as much as checking a short
reply. Done inline it adds to every call's latency; done on a thread of its own, a batch holds
the GIL while it renders and stalls whatever calls are waiting (measured with bench/service.py:
p99 at one call in flight 1.3 ms with a telemetry thread, 0.75 ms without telemetry). Scheduled
on the loop a slice of 8 records at a time, with the loop's other ready callbacks (incoming
calls) running between slices, it delays a call by at most one slice. Lines and metrics lag
their call by about 20 ms; stop() writes out what is left. Counters are added once per burst of
records, one increment per label set, and so are latencies, one increment per histogram bucket hit:
in multiprocess mode every increment takes a lock and writes the worker's metrics file (the histogram's
two per call took 4.7 us in a loop, more than the decision line; per burst they are a few in all).
"""

from __future__ import annotations

import asyncio
from typing import Any

from tactful.server import logging as server_logging
from tactful.server.logging import Decision, DecisionLog, get_logger
from tactful.server.metrics import Metrics

_DELAY_S = 0.02
_SLICE = 8


class Telemetry:
    """Call `decided`/`rpc` on the event loop given to `attach` (they are not thread-safe)."""

    def __init__(self, decisions: DecisionLog, metrics: Metrics, delay: float = _DELAY_S) -> None:
        self.decisions = decisions
        self.metrics = metrics
        self._delay = delay
        self._pending: list[tuple[Any, ...]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scheduled = False
        # latencies not yet observed, by (rpc, code); their number per key is also the calls to count
        self._latencies: dict[tuple[str, str], list[float]] = {}
        self._categories: dict[str, int] = {}
        self._skipped = 0
        self._log = get_logger("tactful.telemetry")

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def decided(self, decision: Decision) -> None:
        """One checked reply: a decision line and its violations by category."""
        self._pending.append((decision,))
        self._schedule()

    def rpc(self, rpc: str, code: str, seconds: float) -> None:
        """One finished call: request count and latency by method and status code."""
        self._pending.append((rpc, code, seconds))
        self._schedule()

    def drain(self) -> None:
        """Turn every pending record into its log line and metrics now (after the loop stopped)."""
        records, self._pending = self._pending, []
        self._record(records)
        self._count()
        server_logging.flush()

    def _schedule(self) -> None:
        if not self._scheduled and self._loop is not None:
            self._scheduled = True
            self._loop.call_later(self._delay, self._slice)

    def _slice(self) -> None:
        records, self._pending = self._pending[:_SLICE], self._pending[_SLICE:]
        try:
            self._record(records)
            if self._pending:
                assert self._loop is not None
                self._loop.call_soon(self._slice)  # behind the calls that became ready meanwhile
                return
            self._count()
            server_logging.flush()
        except Exception:  # a full disk must not stop the service: report and keep going
            self._log.exception("could not write telemetry")
        self._scheduled = False

    def _record(self, records: list[tuple[Any, ...]]) -> None:
        categories, latencies = self._categories, self._latencies
        for record in records:
            if len(record) == 1:
                decision = record[0]
                self.decisions.write(decision)
                for v in decision.result.violations:
                    categories[v.category] = categories.get(v.category, 0) + 1
                self._skipped += decision.skipped
            else:
                rpc, code, seconds = record
                key = (rpc, code)
                observed = latencies.get(key)
                if observed is None:
                    latencies[key] = [seconds]
                else:
                    observed.append(seconds)

    def _count(self) -> None:
        """Add the counts gathered since the last time to the metrics (once the pending records are all written)."""
        latencies, self._latencies = self._latencies, {}
        for (rpc, code), seconds in latencies.items():
            self.metrics.observe_latencies(rpc, code, seconds)
        if latencies or self._categories or self._skipped:
            categories, skipped = self._categories, self._skipped
            self._categories, self._skipped = {}, 0
            self.metrics.count({key: len(seconds) for key, seconds in latencies.items()}, categories, skipped)
