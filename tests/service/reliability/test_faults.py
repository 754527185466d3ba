"""Faults under load, against `tactful serve` as a real process: SIGTERM, a worker killed with SIGKILL, a crash loop, and a
client that opens streams and never reads them. Every call is counted. (Reloads good and bad and SIGHUP under load:
test_soak.py.)"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tactful.v1 import checker_pb2 as pb
from tactful.v1 import checker_pb2_grpc as pb_grpc


def _health(port: int) -> int:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        return int(health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5).status)


def test_sigterm_mid_load_answers_or_refuses_every_call_and_exits_0(serve_process, shipped_copy, rel):
    server = serve_process("--port", "0", "--workers", "1", "--rules", str(shipped_copy), "--grace", "10")
    port = server.wait_serving(timeout=120)
    load = rel.Load(f"127.0.0.1:{port}", threads=4, limit=100_000).start()
    try:
        load.wait_for(300)
        server.proc.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
    finally:
        load.stop()
    assert load.lost() == 0, rel.summary(load)
    # Every reply the server checked reached its caller: in flight when the signal came means answered.
    ok = sum(code == "OK" for code, _ in load.outcomes)
    assert ok == len(server.events("decision")), rel.summary(load)
    # Calls arriving after it were never started and all get UNAVAILABLE, which the retry policy retries: refused by the
    # drain, failed by the closed connection, or refused connecting. Never CANCELLED (grpc's stop() cancelled the calls
    # it still had queued, a few per connection, until the service closed its connections itself first), and never
    # UNKNOWN/INTERNAL/DEADLINE_EXCEEDED.
    assert set(load.failed) == {"UNAVAILABLE"}, rel.summary(load)


def _pids(server) -> list[int]:
    return list(server.events("supervising")[0]["pids"])


def test_kill_9_of_a_worker_restarts_it_while_the_other_keeps_serving_until_a_crash_loop(serve_process, shipped_copy, rel):
    server = serve_process("--port", "0", "--workers", "2", "--rules", str(shipped_copy), "--reload-interval", "0", "--max-restarts", "1")
    port = server.wait_serving(workers=2, timeout=120)
    target = f"127.0.0.1:{port}"
    retrying = rel.Load(target, threads=4, limit=100_000, retries=True).start()
    bare = rel.Load(target, threads=2, limit=100_000).start()
    try:
        retrying.wait_for(300)
        victim = _pids(server)[0]
        os.kill(victim, signal.SIGKILL)
        restarted = rel.wait_until(lambda: server.events("worker restarted"), 30, "the supervisor to restart the worker")
        assert restarted[0]["replaces"] == victim
        rel.wait_until(lambda: len(server.events("serving")) >= 3, 60, "the new worker to serve")
        retrying.wait_for(300)
        bare.wait_for(100)
        assert server.proc.poll() is None, "the supervisor must keep running"
        assert _health(port) == health_pb2.HealthCheckResponse.SERVING
    finally:
        retrying.stop()
        bare.stop()
    assert retrying.lost() == 0 and not retrying.failed, rel.summary(retrying)
    assert bare.lost() == 0 and set(bare.failed) <= {"UNAVAILABLE"}, rel.summary(bare)
    exited = server.events("worker exited")
    assert [(e["pid"], e["exitcode"]) for e in exited] == [(victim, -9)]
    # A second death within the minute is over --max-restarts 1: a crash loop, so the supervisor stops and exits 1.
    os.kill(restarted[0]["pid"], signal.SIGKILL)
    assert server.wait(timeout=60) == 1
    assert server.events("workers crash-looping; stopping the service")


def test_a_client_that_opens_many_streams_and_never_reads_cannot_starve_others(serve_process, shipped_copy, rel):
    """--max-streams-per-connection 8: the hog's 40 streams get 8 slots of the process's 32; a second client is served."""
    server = serve_process(
        "--port", "0", "--workers", "1", "--rules", str(shipped_copy), "--reload-interval", "0",
        "--max-concurrent-rpcs", "32", "--max-streams-per-connection", "8", "--grace", "1",
    )  # fmt: skip
    target = f"127.0.0.1:{server.wait_serving(timeout=120)}"
    release = threading.Event()

    def drafts(i: int) -> Iterator[pb.CheckStreamRequest]:
        yield pb.CheckStreamRequest(draft=pb.CheckRequest(text=rel.TEXT * 50, request_id=f"hog-{i}", ruleset="zh"))
        release.wait(60)  # keep the stream open, never half-close it

    hog = grpc.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])
    calls = [pb_grpc.CheckerServiceStub(hog).CheckStream(drafts(i), timeout=60) for i in range(40)]  # responses never read
    try:
        started = lambda: [d for d in server.events("decision") if d.get("rpc") == "CheckStream"]  # noqa: E731
        rel.wait_until(lambda: len(started()) >= 8, 30, "the hog's first 8 streams to be served")
        with grpc.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)]) as other:
            answer = pb_grpc.CheckerServiceStub(other).Check(pb.CheckRequest(text=rel.TEXT, request_id="other", ruleset="zh"), timeout=10)
        assert answer.violations
        rel.wait_until(lambda: any(d["request_id"] == "other" for d in server.events("decision")), 10, "the other call's decision")
        assert len(started()) == 8, "streams beyond the per-connection limit must wait on the client, not hold server slots"
    finally:
        release.set()
        for call in calls:
            call.cancel()
        hog.close()
    server.proc.send_signal(signal.SIGTERM)
    assert server.wait(timeout=60) == 0
