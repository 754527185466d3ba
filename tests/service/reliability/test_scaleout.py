"""Three stateless replicas behind a real load balancer (nginx, deploy/nginx/tactful.conf) and behind client-side
round_robin with health checking: one replica is killed (SIGKILL) mid-load and the failed calls are counted."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tactful.client import TactfulClient
from tactful.v1 import checker_pb2 as pb
from tactful.v1 import checker_pb2_grpc as pb_grpc

PER_LOAD = 4000  # calls per client; a ratio of 0.1 % needs thousands of calls to mean anything
KILL_AFTER = 1500


def test_killing_one_of_three_replicas_mid_load(fleet, nginx, shipped_copy, rel):
    replicas = fleet(3, "--rules", str(shipped_copy), "--reload-interval", "0", "--grace", "2")
    balancer = nginx(replicas.ports)
    loads = {
        ("round_robin", "no retries"): rel.Load(replicas.target, threads=2, limit=PER_LOAD, round_robin=True),
        ("round_robin", "retries"): rel.Load(replicas.target, threads=2, limit=PER_LOAD, round_robin=True, retries=True),
        ("nginx", "no retries"): rel.Load(balancer.target, threads=2, limit=PER_LOAD),
        ("nginx", "retries"): rel.Load(balancer.target, threads=2, limit=PER_LOAD, retries=True),
    }
    try:
        for load in loads.values():
            load.start()
        for load in loads.values():
            load.wait_for(KILL_AFTER, timeout=120)
        replicas.kill(1)
        for load in loads.values():
            rel.wait_until(load.done, 180, "every load to finish its calls")
    finally:
        for load in loads.values():
            load.stop()
    report = {name: rel.summary(load) for name, load in loads.items()}
    print("one of three replicas killed:", report)  # the README's figures come from this line (pytest -s)
    for (path, retrying), load in loads.items():
        assert load.lost() == 0, report
        assert len(load.outcomes) == PER_LOAD, report
        failed = sum(load.failed.values())
        if retrying == "retries":
            assert failed == 0, (path, report)
        else:
            assert failed <= PER_LOAD * 0.001, (path, report)
            assert set(load.failed) <= {"UNAVAILABLE"}, (path, report)
    # The survivors really carried the load after the kill: both answer, and the killed one is gone.
    for i in (0, 2):
        with grpc.insecure_channel(f"127.0.0.1:{replicas.ports[i]}") as channel:
            status = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5).status
        assert status == health_pb2.HealthCheckResponse.SERVING
    assert replicas.servers[1].proc.returncode == -9


def test_round_robin_client_spreads_calls_over_every_replica(fleet, shipped_copy, rel):
    """The documented client options really balance: each replica logs decisions for some of one client's calls."""
    replicas = fleet(3, "--rules", str(shipped_copy), "--reload-interval", "0")
    with TactfulClient(replicas.target, timeout=5, ruleset="zh", round_robin=True, retries=True) as client:
        for i in range(60):
            client.check(rel.TEXT, request_id=f"rr-{i}")
    def per_replica() -> list[int]:
        return [sum(d["request_id"].startswith("rr-") for d in s.events("decision")) for s in replicas.servers]

    rel.wait_until(lambda: sum(per_replica()) == 60, 10, "a decision line for each of the 60 calls")
    assert all(per_replica()), per_replica()


def test_nginx_config_passes_health_and_reflection(fleet, nginx, shipped_copy):
    replicas = fleet(1, "--rules", str(shipped_copy), "--reload-interval", "0")
    balancer = nginx(replicas.ports)
    with grpc.insecure_channel(balancer.target) as channel:
        status = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service="tactful.v1.CheckerService"), timeout=5)
        listed = pb_grpc.CheckerServiceStub(channel).ListRules(pb.ListRulesRequest(ruleset="zh"), timeout=5)
    assert status.status == health_pb2.HealthCheckResponse.SERVING
    assert listed.ruleset == "zh" and listed.rules
