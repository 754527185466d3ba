"""`tactful serve` as a real process: started the README way, reloaded by SIGHUP, stopped by SIGTERM mid-load."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tactful.v1 import checker_pb2 as pb
from tactful.v1 import checker_pb2_grpc as pb_grpc

DONE_WHEN_TEXT = "是的,但是我们绝对保证明天到货"
PROBE = 'rule sighup_probe {\n  category rude\n  message "probe"\n  when /不耐烦/\n  example bad "你不耐烦了"\n  example good "好的"\n}\n'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_readme_way_serves_the_shipped_packs(serve_process):
    """`tactful serve --port N` (README): SERVING, the done-when check, then a clean exit on SIGTERM."""
    port = _free_port()
    server = serve_process("--port", str(port), "--workers", "1")
    assert server.wait_serving() == port
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        resp = pb_grpc.CheckerServiceStub(channel).Check(pb.CheckRequest(text=DONE_WHEN_TEXT), timeout=5)
    assert {"contrastive_but", "unfulfillable_promise"} <= {v.category for v in resp.violations}
    server.proc.send_signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0


def test_sighup_reloads_and_decision_logs_hold_no_reply_text(serve_process, rules_copy, poll):
    server = serve_process("--port", "0", "--workers", "1", "--rules", str(rules_copy), "--reload-interval", "0")
    port = server.wait_serving()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pb_grpc.CheckerServiceStub(channel)
        before = stub.Check(pb.CheckRequest(text="你不耐烦了", ruleset="zh"), timeout=5)
        (rules_copy / "zh" / "probe.tact").write_text(PROBE, encoding="utf-8")
        server.proc.send_signal(signal.SIGHUP)
        reloaded = server.events("rules reloaded")
        try:
            after = poll(
                lambda: (
                    (r := stub.Check(pb.CheckRequest(text="你不耐烦了", ruleset="zh"), timeout=5)).ruleset_version != before.ruleset_version
                    and r
                ),
                30.0,
                "SIGHUP to reload the rules",
            )
        except BaseException:
            print("server log:\n" + "".join(server.raw[-40:]), f"reloaded before the signal: {reloaded}")
            raise
    assert "sighup_probe" in {v.rule_id for v in after.violations}
    decisions = server.events("decision")
    assert decisions and all("text" not in d and len(d["text_sha256"]) == 64 for d in decisions)
    assert not any("不耐烦" in line for line in server.raw if '"decision"' in line)
    server.proc.send_signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0


def test_sigterm_lets_in_flight_calls_finish_then_exits_0(serve_process, shipped_copy, poll):
    """Two workers (the default on two cores) each with calls in flight: every call answered, exit 0."""
    metrics_port = _free_port()
    server = serve_process(
        "--port", "0", "--workers", "2", "--rules", str(shipped_copy), "--grace", "30", "--metrics-port", str(metrics_port)
    )  # fmt: skip
    port = server.wait_serving(workers=2)
    heavy = "是的,但是我们绝对保证明天到货。" * 100
    channels = [
        grpc.insecure_channel(f"127.0.0.1:{port}", options=[("grpc.use_local_subchannel_pool", 1), ("grpc.max_receive_message_length", -1)])
        for _ in range(6)
    ]
    try:
        with ThreadPoolExecutor(6) as pool:
            calls = [
                pool.submit(
                    pb_grpc.CheckerServiceStub(ch).BatchCheck,
                    pb.BatchCheckRequest(requests=[pb.CheckRequest(text=heavy, request_id=f"c{i}-{k}") for k in range(20)]),
                    timeout=60,
                )
                for i, ch in enumerate(channels)
            ]
            started = lambda: {d["request_id"].split("-")[0] for d in server.events("decision")} == {f"c{i}" for i in range(6)}  # noqa: E731
            poll(started, timeout=30, what="all six batches to be in flight")
            with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as page:
                assert "tactful_violations_total" in page.read().decode()
            server.proc.send_signal(signal.SIGTERM)
            results = [c.result() for c in calls]
    finally:
        for ch in channels:
            ch.close()
    assert all(len(r.responses) == 20 and not r.errors for r in results)
    assert server.wait(timeout=60) == 0
    assert len(server.events("stopped")) == 3, server.raw  # two workers and the supervisor, each line whole


def test_broken_rules_at_startup_exit_2_with_the_location(serve_process, rules_copy):
    (rules_copy / "zh" / "broken.tact").write_text("rule broken {\n  category rude\n  when /(/\n}\n", encoding="utf-8")
    server = serve_process("--port", "0", "--workers", "1", "--rules", str(rules_copy))
    assert server.wait(timeout=30) == 2
    locations = [str(e.get("location")) for e in server.events("rule problem")]
    where = re.escape(str(rules_copy / "zh" / "broken.tact"))
    assert any(re.fullmatch(where + r":\d+:\d+", loc) for loc in locations), server.raw


def test_a_missing_tls_file_is_a_usage_error(serve_process):
    server = serve_process("--port", "0", "--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem")
    assert server.wait(timeout=30) == 2
    assert "tactful: --tls-cert /nonexistent/cert.pem: no such file" in "".join(server.raw)


def test_copied_rules_fixture_is_independent(rules_copy, shipped_copy):
    """Reload tests edit a private copy, never the shipped packs."""
    assert rules_copy != shipped_copy and shutil.disk_usage(rules_copy)
