"""deploy/k8s and deploy/envoy: no cluster or Envoy runs here, so the manifests are parsed and cross-checked —
selectors against labels, probes against the health service the server registers, ports against the env,
flags against `tactful serve`'s own parser, the HPA against the Deployment."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest
import yaml

from tactful.cli import serve_cmd
from tactful.server.app import SERVICE_NAME

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


@pytest.fixture(scope="module")
def manifests() -> dict[str, dict[str, Any]]:
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text(encoding="utf-8"))
    docs: dict[str, dict[str, Any]] = {}
    for name in kustomization["resources"]:
        for doc in yaml.safe_load_all((DEPLOY / "k8s" / name).read_text(encoding="utf-8")):
            key = f"{doc['kind']}/{doc['metadata']['name']}"
            assert key not in docs, f"{key} defined twice"
            docs[key] = doc
    return docs


def _container(manifests: dict[str, dict[str, Any]]) -> dict[str, Any]:
    (container,) = manifests["Deployment/tactful"]["spec"]["template"]["spec"]["containers"]
    return container


def test_every_manifest_is_listed_and_each_kind_is_there(manifests):
    listed = set(yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text(encoding="utf-8"))["resources"])
    assert listed == {p.name for p in (DEPLOY / "k8s").glob("*.yaml")} - {"kustomization.yaml"}
    assert {k.split("/")[0] for k in manifests} == {"Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"}


def test_selectors_match_the_pods(manifests):
    deployment = manifests["Deployment/tactful"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    container_ports = {p["name"]: p["containerPort"] for p in _container(manifests)["ports"]}
    for key, doc in manifests.items():
        if key.startswith("Service/"):
            assert doc["spec"]["selector"].items() <= pod_labels.items(), key
            assert {p["targetPort"] for p in doc["spec"]["ports"]} <= container_ports.keys(), key
        if key.startswith("PodDisruptionBudget/"):
            assert doc["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
            assert doc["spec"]["maxUnavailable"] < deployment["spec"]["replicas"]


def test_probes_use_grpc_health_on_the_serving_port(manifests):
    container = _container(manifests)
    env = {e["name"]: e["value"] for e in container["env"]}
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["grpc"] == int(env["TACTFUL_PORT"]) and ports["metrics"] == int(env["TACTFUL_METRICS_PORT"])
    assert env["TACTFUL_HOST"] == "0.0.0.0"  # a pod's probes and peers come from outside the container
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        grpc_probe = container[probe]["grpc"]
        assert grpc_probe["port"] == ports["grpc"], probe
        assert grpc_probe.get("service", "") in ("", SERVICE_NAME), probe  # the names the server registers health for
    assert container["readinessProbe"]["grpc"]["service"] == SERVICE_NAME


def test_args_are_flags_tactful_serve_accepts_and_grace_fits_the_pod(manifests):
    parser = argparse.ArgumentParser()
    serve_cmd.register(parser.add_subparsers())
    args = parser.parse_args(["serve", *_container(manifests)["args"]])
    pod = manifests["Deployment/tactful"]["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] > args.grace, "the kubelet must not SIGKILL before the drain ends"


def test_hpa_scales_the_deployment_on_cpu(manifests):
    hpa = manifests["HorizontalPodAutoscaler/tactful"]["spec"]
    deployment = manifests["Deployment/tactful"]
    target = hpa["scaleTargetRef"]
    expected = (deployment["apiVersion"], "Deployment", deployment["metadata"]["name"])
    assert (target["apiVersion"], target["kind"], target["name"]) == expected
    assert [m["resource"]["name"] for m in hpa["metrics"]] == ["cpu"]
    assert "cpu" in _container(manifests)["resources"]["requests"], "CPU utilization is relative to the request"
    assert 2 <= hpa["minReplicas"] <= deployment["spec"]["replicas"] <= hpa["maxReplicas"]


def test_envoy_config_routes_to_a_health_checked_cluster_with_the_documented_retries():
    config = yaml.safe_load((DEPLOY / "envoy" / "envoy.yaml").read_text(encoding="utf-8"))["static_resources"]
    clusters = {c["name"]: c for c in config["clusters"]}
    (listener,) = config["listeners"]
    manager = listener["filter_chains"][0]["filters"][0]["typed_config"]
    routes = [r for vh in manager["route_config"]["virtual_hosts"] for r in vh["routes"]]
    assert {r["route"]["cluster"] for r in routes} <= clusters.keys()
    cluster = clusters["tactful_replicas"]
    assert cluster["health_checks"][0]["grpc_health_check"]["service_name"] == SERVICE_NAME
    assert cluster["lb_policy"] == "ROUND_ROBIN"
    assert "unavailable" in routes[0]["route"]["retry_policy"]["retry_on"].split(",")
