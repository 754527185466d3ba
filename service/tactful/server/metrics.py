"""Prometheus metrics: per-RPC count and latency by status code, violations by category, ruleset and reloads.

With several worker processes the values live in prometheus_client's multiprocess directory and
the supervisor serves their sum; with one process they live in a registry of this server's own.
"""

from __future__ import annotations

import os
from bisect import bisect_left
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client import multiprocess as mp

# Sub-millisecond buckets: a check takes tens of microseconds, a whole RPC well under a millisecond.
_LATENCY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 2.5)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class Metrics:
    """The service's metrics, registered in `registry` (None: multiprocess files only)."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.registry = registry
        self.rpcs = Counter("tactful_rpc_requests", "RPCs handled, by method and status code.", ["rpc", "code"], registry=registry)
        self.latency = Histogram(
            "tactful_rpc_duration_seconds",
            "RPC latency, by method and status code.",
            ["rpc", "code"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.violations = Counter("tactful_violations", "Violations found, by category.", ["category"], registry=registry)
        self.drafts_skipped = Counter(
            "tactful_stream_drafts_skipped", "CheckStream drafts superseded before they were checked.", registry=registry
        )
        self.reloads = Counter(
            "tactful_ruleset_reloads", "Ruleset (re)loads, by result (success | failure).", ["result"], registry=registry
        )
        self.ruleset = Gauge(
            "tactful_ruleset_info",
            "1 for each ruleset and content version being served, 0 for versions replaced since.",
            ["ruleset", "version"],
            registry=registry,
            multiprocess_mode="livemostrecent",
        )
        self._served: dict[str, str] = {}
        # labels() takes a lock and builds a key on every call; the children never change, so keep them.
        self._rpc_children: dict[tuple[str, str], tuple[Counter, Histogram]] = {}
        self._category_children: dict[str, Counter] = {}

    def _children(self, rpc: str, code: str) -> tuple[Counter, Histogram]:
        children = self._rpc_children.get((rpc, code))
        if children is None:
            children = self._rpc_children[(rpc, code)] = (self.rpcs.labels(rpc, code), self.latency.labels(rpc, code))
        return children

    def observe_latencies(self, rpc: str, code: str, seconds: list[float]) -> None:
        """The latency histogram's `observe` of each of `seconds`, with one increment per bucket hit instead of two per call.

        In multiprocess mode each increment takes a lock and writes the worker's metrics file: per call,
        the histogram's two (its sum and one bucket) cost as much as writing the decision line. The
        result is the one the calls one by one give (the sum up to float rounding); prometheus_client
        has no public batch API, so without the child's buckets this falls back to one observe each.
        """
        child = self._children(rpc, code)[1]
        buckets, total, bounds = getattr(child, "_buckets", None), getattr(child, "_sum", None), getattr(child, "_upper_bounds", None)
        if buckets is None or total is None or bounds is None or len(buckets) != len(bounds):
            for s in seconds:
                child.observe(s)
            return
        hits: dict[int, int] = {}
        for s in seconds:
            i = bisect_left(bounds, s)  # the first bucket whose bound is >= s, as observe() picks it
            hits[i] = hits.get(i, 0) + 1
        total.inc(sum(seconds))
        for i, n in hits.items():
            buckets[i].inc(n)

    def count(self, calls: dict[tuple[str, str], int], categories: dict[str, int], skipped: int) -> None:
        """Add counts gathered over many calls: each increment of a multiprocess value takes a lock and
        writes its file, so one increment per label set and batch costs a fraction of one per call."""
        for (rpc, code), n in calls.items():
            self._children(rpc, code)[0].inc(n)
        for category, n in categories.items():
            child = self._category_children.get(category)
            if child is None:
                child = self._category_children[category] = self.violations.labels(category)
            child.inc(n)
        if skipped:
            self.drafts_skipped.inc(skipped)

    def served(self, versions: dict[str, str]) -> None:
        """Record the ruleset versions now served; versions replaced drop to 0 (not removed, so a scrape sees the change)."""
        for name, old in self._served.items():
            if versions.get(name) != old:
                self.ruleset.labels(name, old).set(0)
        for name, version in versions.items():
            self.ruleset.labels(name, version).set(1)
        self._served = dict(versions)


def serve_http(port: int, host: str, registry: CollectorRegistry | None) -> WSGIServer:
    """Serve /metrics in Prometheus text format on a daemon thread; None registry sums the worker processes."""
    if registry is None:
        registry = CollectorRegistry()
        mp.MultiProcessCollector(registry)
    server, _thread = start_http_server(port, addr=host, registry=registry)
    return server
