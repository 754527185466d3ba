"""What every tactful.v1 call goes through: exceptions -> status (via status.py), RPC metrics, fault logs, draining.

The wrappers are applied once, when the servicer is registered, instead of by a server
interceptor: an interceptor runs per call and rebuilds the handler each time, which costs more
than the cheapest checks. Health and reflection are not wrapped and keep their own behaviour.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import grpc.aio
from google.protobuf.message import DecodeError

from tactful.server.logging import get_logger
from tactful.server.status import InvalidArgument, ShuttingDown, status_of
from tactful.v1 import checker_pb2_grpc as pb_grpc

Unary = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]
Streaming = Callable[[Any, grpc.aio.ServicerContext], AsyncIterator[Any]]
Inline = Callable[[Any, grpc.aio.ServicerContext], Any]  # a unary behaviour's answer without awaiting, or None
Observe = Callable[[str, str, float], None]  # (rpc, status code name, seconds)


class Undecodable:
    """What a unary request that does not parse is handed to the handler as (see `decoder`): the guard refuses it.

    grpc.aio calls the request deserializer before any handler runs and turns its exception into
    UNKNOWN; bytes that are not UTF-8 in a string field are the caller's mistake, INVALID_ARGUMENT.
    """

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def decoder(parse: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    """`parse` (a message type's FromString) returning an Undecodable instead of raising on a malformed request."""

    def decode(data: bytes) -> Any:
        try:
            return parse(data)
        except DecodeError as err:
            return Undecodable(f"request is not a valid tactful.v1 message ({err}); string fields must be UTF-8")

    return decode


class InFlight:
    """Counts calls in progress, so shutdown can wait for them while connections stay open.

    grpc's own stop() closes each connection as soon as its last call completes, which can reset
    the socket before the client has read the end of a large answer. Draining first (refuse new
    calls, wait for these to finish, give clients a moment to read) avoids losing answers.
    Used only on the server's event loop, so plain counters need no lock.
    """

    def __init__(self) -> None:
        self._count = 0
        self._closed = False
        self._idle: asyncio.Event | None = None

    def enter(self) -> None:
        if self._closed:
            raise ShuttingDown("the server is shutting down; retry on another instance")
        self._count += 1

    def leave(self) -> None:
        self._count -= 1
        if self._count == 0 and self._idle is not None:
            self._idle.set()

    async def close_and_wait(self, timeout: float) -> bool:
        """Refuse new calls; True if the calls in progress all finished within `timeout` seconds."""
        self._closed = True
        if self._count == 0:
            return True
        self._idle = asyncio.Event()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


class Guard:
    def __init__(self, observe: Observe, inflight: InFlight) -> None:
        self.observe = observe
        self.inflight = inflight
        self.log = get_logger("tactful.rpc")

    def servicer(self, inner: pb_grpc.CheckerServiceServicer) -> pb_grpc.CheckerServiceServicer:
        """`inner` with every RPC wrapped; register the result instead of `inner`."""
        guarded = pb_grpc.CheckerServiceServicer()
        # A servicer wrapped by something else (the access gate) has no check_inline: its Check is always awaited.
        guarded.Check = self.unary("Check", inner.Check, getattr(inner, "check_inline", None))  # type: ignore[method-assign]
        guarded.BatchCheck = self.unary("BatchCheck", inner.BatchCheck)  # type: ignore[method-assign]
        guarded.ListRules = self.unary("ListRules", inner.ListRules)  # type: ignore[method-assign]
        guarded.CheckStream = self.streaming("CheckStream", inner.CheckStream)  # type: ignore[method-assign]
        return guarded

    def unary(self, rpc: str, behaviour: Unary, inline: Inline | None = None) -> Unary:
        """`behaviour` guarded; `inline`, when given, answers first and `behaviour` is awaited only when it returns None."""
        inflight, observe = self.inflight, self.observe

        # _Call's steps written out for the successful unary call, the one that happens thousands
        # of times a second: an async context manager costs two more coroutines per call.
        async def handle(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            try:
                inflight.enter()
            except ShuttingDown as exc:
                await _Call(self, rpc, context, started)._end(exc)  # raises: refused with UNAVAILABLE
                raise
            try:
                if request.__class__ is Undecodable:
                    raise InvalidArgument(request.message)
                response = None if inline is None else inline(request, context)
                if response is None:
                    response = await behaviour(request, context)
            except BaseException as exc:
                inflight.leave()
                await _Call(self, rpc, context, started)._end(exc)  # raises: the status for exc
                raise
            inflight.leave()
            observe(rpc, "OK", time.perf_counter() - started)
            return response

        return handle

    def streaming(self, rpc: str, behaviour: Streaming) -> Streaming:
        async def handle(requests: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            async with _Call(self, rpc, context):
                async for response in behaviour(requests, context):
                    yield response

        return handle


class _Call:
    """One call's bookkeeping: counted in flight, its exception turned into a status (the caller
    gets the message, an INTERNAL fault goes to the log), its status and latency observed."""

    __slots__ = ("_context", "_entered", "_guard", "_rpc", "_started")

    def __init__(self, guard: Guard, rpc: str, context: grpc.aio.ServicerContext, started: float | None = None) -> None:
        self._guard = guard
        self._rpc = rpc
        self._context = context
        self._started = time.perf_counter() if started is None else started
        self._entered = False

    async def __aenter__(self) -> None:
        try:
            self._guard.inflight.enter()
        except ShuttingDown as exc:
            await self._end(exc)  # raises: the call is refused with UNAVAILABLE
        self._entered = True

    async def __aexit__(self, _kind: object, exc: BaseException | None, _tb: object) -> None:
        await self._end(exc)

    async def _end(self, exc: BaseException | None) -> None:
        code = grpc.StatusCode.OK
        try:
            if isinstance(exc, (asyncio.CancelledError, GeneratorExit)):
                # grpc cancels a handler that is awaiting (a pooled check) when its deadline passes: count that
                # as the deadline it is, not as a client that went away.
                remaining = self._context.time_remaining()
                code = grpc.StatusCode.DEADLINE_EXCEEDED if remaining is not None and remaining <= 0 else grpc.StatusCode.CANCELLED
            elif isinstance(exc, Exception) and not isinstance(exc, grpc.aio.AbortError):
                code, message = status_of(exc)
                if code is grpc.StatusCode.INTERNAL:
                    self._guard.log.error("internal error", rpc=self._rpc, exc_info=exc)
                await self._context.abort(code, message)  # raises: grpc sends this status and no message
        finally:
            if self._entered:
                self._guard.inflight.leave()
            self._guard.observe(self._rpc, code.name, time.perf_counter() - self._started)
