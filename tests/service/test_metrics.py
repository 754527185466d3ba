"""The RPC latency histogram, observed in batches (telemetry.py), holds what one observe per call would."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from prometheus_client import CollectorRegistry

from tactful.server.metrics import Metrics
from tactful.v1 import checker_pb2 as pb

from .conftest import DONE_WHEN_TEXT, Running


def _histogram(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    assert metrics.registry is not None
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in metrics.registry.collect()
        for s in family.samples
        if s.name.startswith("tactful_rpc_duration_seconds") and not s.name.endswith("_created")
    }


def test_batched_latencies_equal_one_observe_per_call() -> None:
    rng = random.Random(11)
    # on and around every bucket bound (a value equal to a bound belongs to that bucket), and past the last
    bounds = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 2.5]
    seconds = [b * f for b in bounds for f in (0.5, 1.0, 1.5)] + [rng.expovariate(1 / 0.003) for _ in range(2000)] + [0.0, 7.0]
    one_by_one, batched = Metrics(CollectorRegistry()), Metrics(CollectorRegistry())
    for s in seconds:
        one_by_one.latency.labels("Check", "OK").observe(s)
    batched.observe_latencies("Check", "OK", seconds[:700])
    batched.observe_latencies("Check", "OK", seconds[700:])
    expected, got = _histogram(one_by_one), _histogram(batched)
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-12), key
    assert got[("tactful_rpc_duration_seconds_count", (("code", "OK"), ("rpc", "Check")))] == len(seconds)


def test_every_call_is_in_the_latency_histogram(start_server: Callable[..., Running], shipped_copy: Path, poll: Any) -> None:
    running = start_server(shipped_copy)
    for i in range(25):
        running.stub.Check(pb.CheckRequest(text=DONE_WHEN_TEXT if i % 2 else "好的,请稍等。"), timeout=30)
    for _ in range(3):
        with pytest.raises(grpc.RpcError):
            running.stub.Check(pb.CheckRequest(text="好的", ruleset="no-such-pack"), timeout=30)

    def count(code: str) -> float:
        return running.metric("tactful_rpc_duration_seconds_count", rpc="Check", code=code)

    poll(lambda: count("OK") == 25 and count("NOT_FOUND") == 3, 30.0, "the latency histogram to count every call")
    for code, n in (("OK", 25), ("NOT_FOUND", 3)):
        assert running.metric("tactful_rpc_requests_total", rpc="Check", code=code) == n
        assert running.metric("tactful_rpc_duration_seconds_bucket", rpc="Check", code=code, le="+Inf") == n
        assert running.metric("tactful_rpc_duration_seconds_sum", rpc="Check", code=code) > 0
