"""Standard health checking and server reflection, as load balancers and grpcurl use them."""

from __future__ import annotations

import threading

import grpc
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tactful.v1 import checker_pb2 as pb

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def test_serving_once_the_rules_are_compiled(shared_server):
    assert shared_server.health_status("") == SERVING
    assert shared_server.health_status("tactful.v1.CheckerService") == SERVING


def test_not_serving_while_shutting_down(start_server, shipped_copy):
    """A watcher sees NOT_SERVING as soon as shutdown starts, while the grace period lets calls finish."""
    running = start_server(shipped_copy)
    watch = running.health.Watch(health_pb2.HealthCheckRequest(service="tactful.v1.CheckerService"), timeout=30)
    assert next(watch).status == SERVING
    stopper = threading.Thread(target=running.service.stop, kwargs={"grace": 0.5})
    stopper.start()
    assert next(watch).status == NOT_SERVING
    stopper.join(timeout=30)
    assert not stopper.is_alive()


def test_unknown_health_service_is_not_found(shared_server):
    try:
        shared_server.health_status("no.such.Service")
    except grpc.RpcError as err:
        assert err.code() is grpc.StatusCode.NOT_FOUND
    else:
        raise AssertionError("expected NOT_FOUND for an unregistered service name")


def test_reflection_lists_the_checker_service(shared_server):
    stub = reflection_pb2_grpc.ServerReflectionStub(shared_server.channel)
    replies = list(stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5))
    names = {s.name for s in replies[0].list_services_response.service}
    assert {"tactful.v1.CheckerService", "grpc.health.v1.Health"} <= names


def test_reflection_serves_the_api_descriptor(shared_server):
    """What grpcurl needs to call Check without the .proto file."""
    stub = reflection_pb2_grpc.ServerReflectionStub(shared_server.channel)
    ask = reflection_pb2.ServerReflectionRequest(file_containing_symbol="tactful.v1.CheckerService")
    replies = list(stub.ServerReflectionInfo(iter([ask]), timeout=5))
    protos = replies[0].file_descriptor_response.file_descriptor_proto
    assert pb.DESCRIPTOR.serialized_pb in protos


def test_every_service_is_added_as_generic_handlers_only(start_server, shipped_copy, monkeypatch):
    """Registered methods cost grpc.aio work per call for each one (app.GenericOnly): none are added, and the
    checker, health and reflection services are all still served."""
    registered: list[str] = []
    server_class = grpc.aio._server.Server  # the class grpc.aio.server() makes (grpc.aio.Server is its abstract base)
    original = server_class.add_registered_method_handlers

    def record(self, service, handlers):  # grpc's own method, watched: the call goes through unchanged
        registered.append(service)
        return original(self, service, handlers)

    monkeypatch.setattr(server_class, "add_registered_method_handlers", record)
    running = start_server(shipped_copy)
    assert registered == []
    assert running.health_status("tactful.v1.CheckerService") == SERVING
    assert not running.stub.Check(pb.CheckRequest(text="是的,但是我们绝对保证明天到货"), timeout=30).compliant
    stub = reflection_pb2_grpc.ServerReflectionStub(running.channel)
    replies = list(stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5))
    names = {s.name for s in replies[0].list_services_response.service}
    assert {"tactful.v1.CheckerService", "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"} <= names
