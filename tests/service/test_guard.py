"""The guard every tactful.v1 call goes through: faults become INTERNAL without leaking internals,
calls arriving while the server drains are refused with UNAVAILABLE, and every call is observed."""

from __future__ import annotations

import asyncio
import threading

import grpc
import grpc.aio
from grpc_health.v1 import health_pb2

from tactful.server.app import add_checker_service
from tactful.server.guard import Guard, InFlight
from tactful.v1 import checker_pb2 as pb
from tactful.v1 import checker_pb2_grpc as pb_grpc

DONE_WHEN_TEXT = "是的,但是我们绝对保证明天到货"


class _Faulty(pb_grpc.CheckerServiceServicer):
    """A handler with a bug in it (the guard under test is real; only the bug is made up)."""

    async def Check(self, request: pb.CheckRequest, context: grpc.aio.ServicerContext) -> pb.CheckResponse:  # noqa: N802
        return pb.CheckResponse(ruleset=str(1 // len(request.text)))  # ZeroDivisionError on an empty text


def test_a_fault_in_a_handler_is_internal_logged_and_observed(capsys):
    observed: list[tuple[str, str]] = []

    async def run() -> tuple[grpc.StatusCode, str, str]:
        server = grpc.aio.server()
        guard = Guard(lambda rpc, code, _s: observed.append((rpc, code)), InFlight())
        pb_grpc.add_CheckerServiceServicer_to_server(guard.servicer(_Faulty()), server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = pb_grpc.CheckerServiceStub(channel)
                ok = await stub.Check(pb.CheckRequest(text="好"), timeout=5)
                try:
                    await stub.Check(pb.CheckRequest(text=""), timeout=5)
                except grpc.aio.AioRpcError as err:
                    return err.code(), err.details() or "", ok.ruleset
                raise AssertionError("the faulty call succeeded")
        finally:
            await server.stop(None)

    code, details, ok = asyncio.run(run())
    assert ok == "1"
    assert code is grpc.StatusCode.INTERNAL
    assert "server log" in details and "ZeroDivision" not in details  # the caller learns nothing internal
    assert observed == [("Check", "OK"), ("Check", "INTERNAL")]
    assert "ZeroDivisionError" in capsys.readouterr().err  # the traceback is in the server log


def test_calls_arriving_while_the_server_drains_are_refused_with_unavailable(start_server, shipped_copy, poll):
    running = start_server(shipped_copy)
    release = threading.Event()

    def drafts():
        yield pb.CheckStreamRequest(draft=pb.CheckRequest(text=DONE_WHEN_TEXT, sequence=1))
        release.wait(30)  # the stream stays open, so the drain has a call to wait for

    stream = running.stub.CheckStream(drafts(), timeout=30)
    assert next(stream).result.sequence == 1
    stopper = threading.Thread(target=running.service.stop, kwargs={"grace": 20})
    stopper.start()
    poll(lambda: running.health_status() == health_pb2.HealthCheckResponse.NOT_SERVING, 10, "shutdown to begin")
    try:
        running.stub.Check(pb.CheckRequest(text=DONE_WHEN_TEXT), timeout=5)
    except grpc.RpcError as err:
        refused = err
    else:
        raise AssertionError("a call during the drain was served")
    assert refused.code() is grpc.StatusCode.UNAVAILABLE
    assert "shutting down" in (refused.details() or "")
    release.set()
    assert list(stream) == []  # the open stream still ends normally
    stopper.join(30)
    assert not stopper.is_alive()
    assert running.metric("tactful_rpc_requests_total", rpc="Check", code="UNAVAILABLE") == 1


class _Inline(pb_grpc.CheckerServiceServicer):
    """Answers what it can without a coroutine (check_inline, as CheckerServicer does for short replies); the rest is Check's."""

    def __init__(self) -> None:
        self.awaited: list[str] = []

    def check_inline(self, request: pb.CheckRequest, _context: grpc.aio.ServicerContext) -> bytes | None:
        if request.text == "long":
            return None  # for the pool, in the real servicer
        return pb.CheckResponse(ruleset=f"inline {1 // len(request.text)}").SerializeToString()  # ZeroDivisionError on ""

    async def Check(self, request: pb.CheckRequest, context: grpc.aio.ServicerContext) -> bytes:  # noqa: N802
        self.awaited.append(request.text)
        return pb.CheckResponse(ruleset="awaited").SerializeToString()


def test_check_is_answered_inline_when_it_can_be_and_awaited_otherwise_with_the_same_guard(capsys):
    observed: list[tuple[str, str]] = []
    inner = _Inline()

    async def run() -> tuple[list[str], grpc.StatusCode]:
        server = grpc.aio.server()
        guard = Guard(lambda rpc, code, _s: observed.append((rpc, code)), InFlight())
        add_checker_service(guard.servicer(inner), server)  # bytes answers go out as they are
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = pb_grpc.CheckerServiceStub(channel)
                answers = [(await stub.Check(pb.CheckRequest(text=t), timeout=5)).ruleset for t in ("short", "long")]
                try:
                    await stub.Check(pb.CheckRequest(text=""), timeout=5)
                except grpc.aio.AioRpcError as err:
                    return answers, err.code()
                raise AssertionError("the faulty call succeeded")
        finally:
            await server.stop(None)

    answers, code = asyncio.run(run())
    assert answers == ["inline 0", "awaited"] and inner.awaited == ["long"]
    assert code is grpc.StatusCode.INTERNAL and "ZeroDivisionError" in capsys.readouterr().err  # a fault inline is one too
    assert observed == [("Check", "OK"), ("Check", "OK"), ("Check", "INTERNAL")]
