"""Customer data stays out of logs and metrics: error paths driven on purpose, then every captured log line and the
metrics page are searched for the texts sent. Metric label values come from operator config, never from requests."""

from __future__ import annotations

import os
import signal
import urllib.request

import grpc

from tactful.v1 import checker_pb2 as pb
from tactful.v1 import checker_pb2_grpc as pb_grpc

# Distinctive markers: a reply, a customer message, and a ruleset name only a client ever sends.
REPLY = "是的,但是张小梅的快递13812345678我们绝对保证明天到"
CUSTOMER = "我是王大锤,订单号PX778899怎么还没到"
ODD_RULESET = "zz-client-made-up-ruleset"
MARKERS = ("张小梅", "13812345678", "王大锤", "PX778899", ODD_RULESET)


def _try(call, *args, **kwargs) -> str:
    try:
        call(*args, **kwargs)
        return "OK"
    except grpc.RpcError as err:
        return err.code().name


def test_error_paths_log_no_reply_text_and_metrics_take_no_label_from_requests(serve_process, rules_copy, rel):
    metrics_port = rel.free_port()
    server = serve_process(
        "--port", "0", "--workers", "2", "--rules", str(rules_copy), "--reload-interval", "0",
        "--metrics-port", str(metrics_port), "--max-text-bytes", "200",
    )  # fmt: skip
    port = server.wait_serving(workers=2, timeout=90)
    ctx = pb.Context(customer_message=CUSTOMER)
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pb_grpc.CheckerServiceStub(channel)
        codes = [
            _try(stub.Check, pb.CheckRequest(text=REPLY, context=ctx), timeout=5),
            _try(stub.Check, pb.CheckRequest(text=REPLY, ruleset=ODD_RULESET, context=ctx), timeout=5),
            _try(stub.Check, pb.CheckRequest(text=REPLY * 20, context=ctx), timeout=5),
            _try(stub.Check, pb.CheckRequest(text=REPLY, context=pb.Context(customer_message=CUSTOMER, locale="xx-" + REPLY)), timeout=5),
            _try(stub.Check, pb.CheckRequest(text=REPLY, context=pb.Context(turn=99, customer_message=CUSTOMER)), timeout=5),
            _try(stub.Check, pb.CheckRequest(text=REPLY, context=pb.Context(time_zone=REPLY, customer_message=CUSTOMER)), timeout=5),
            _try(stub.Check, pb.CheckRequest(text=REPLY), timeout=0.000001),
            _try(stub.ListRules, pb.ListRulesRequest(ruleset=ODD_RULESET), timeout=5),
            _try(stub.BatchCheck, pb.BatchCheckRequest(requests=[pb.CheckRequest(text=REPLY, ruleset=ODD_RULESET)] * 3), timeout=5),
            _try(stub.BatchCheck, pb.BatchCheckRequest(requests=[pb.CheckRequest(text=REPLY)] * 300), timeout=5),
        ]
        assert codes[0] == "OK" and codes[1] == codes[7] == "NOT_FOUND" and codes[2] == codes[3] == codes[4] == "INVALID_ARGUMENT", codes
        # A broken reload whose rule quotes the reply in an example: the rule file is operator data, the reply is not.
        (rules_copy / "zh" / "zz_broken.tact").write_text("rule broken {\n  when /(/\n", encoding="utf-8")
        server.proc.send_signal(signal.SIGHUP)
        rel.wait_until(lambda: len(server.events("reload failed; still serving the last good rules")) >= 2, 60, "the broken reload")
        (rules_copy / "zh" / "zz_broken.tact").unlink()  # a replacement worker compiles what is on disk
        # A worker crash with a call in flight: the supervisor's and the new worker's lines are searched too.
        os.kill(server.events("supervising")[0]["pids"][0], signal.SIGKILL)
        rel.wait_until(lambda: server.events("worker restarted"), 30, "the restart")
        rel.wait_until(lambda: len(server.events("serving")) >= 3, 60, "the new worker")
        for _ in range(20):
            _try(stub.Check, pb.CheckRequest(text=REPLY, ruleset=ODD_RULESET, context=ctx), timeout=5)
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as page:
        metrics = page.read().decode()
    server.proc.send_signal(signal.SIGTERM)
    assert server.wait(timeout=60) == 0
    logs = "".join(server.raw)
    assert server.events("decision") and server.events("rule problem") and server.events("worker exited")
    for marker in MARKERS:
        assert marker not in logs, f"{marker!r} appears in the server log"
        assert marker not in metrics, f"{marker!r} appears in the metrics"
    assert 'tactful_rpc_requests_total{code="NOT_FOUND",rpc="Check"}' in metrics
    rulesets = {line.split('ruleset="')[1].split('"')[0] for line in metrics.splitlines() if line.startswith("tactful_ruleset_info{")}
    assert rulesets == {"common", "en", "zh"}, rulesets
