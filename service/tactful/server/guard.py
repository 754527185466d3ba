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

from tactful.server.logging import get_logger
from tactful.server.status import ShuttingDown, status_of
from tactful.v1 import checker_pb2_grpc as pb_grpc

Unary = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]
Streaming = Callable[[Any, grpc.aio.ServicerContext], AsyncIterator[Any]]
Observe = Callable[[str, str, float], None]  # (rpc, status code name, seconds)


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
        self._log = get_logger("tactful.rpc")

    def servicer(self, inner: pb_grpc.CheckerServiceServicer) -> pb_grpc.CheckerServiceServicer:
        """`inner` with every RPC wrapped; register the result instead of `inner`."""
        guarded = pb_grpc.CheckerServiceServicer()
        guarded.Check = self.unary("Check", inner.Check)  # type: ignore[method-assign]
        guarded.BatchCheck = self.unary("BatchCheck", inner.BatchCheck)  # type: ignore[method-assign]
        guarded.ListRules = self.unary("ListRules", inner.ListRules)  # type: ignore[method-assign]
        guarded.CheckStream = self.streaming("CheckStream", inner.CheckStream)  # type: ignore[method-assign]
        return guarded

    def _status(self, rpc: str, exc: Exception) -> tuple[grpc.StatusCode, str]:
        code, message = status_of(exc)
        if code is grpc.StatusCode.INTERNAL:
            self._log.error("internal error", rpc=rpc, exc_info=exc)
        return code, message

    def unary(self, rpc: str, behaviour: Unary) -> Unary:
        observe, inflight = self.observe, self.inflight

        async def handle(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            entered = False
            try:
                inflight.enter()
                entered = True
                return await behaviour(request, context)
            except asyncio.CancelledError:
                code = grpc.StatusCode.CANCELLED
                raise
            except grpc.aio.AbortError:
                raise
            except Exception as exc:
                code, message = self._status(rpc, exc)
                await context.abort(code, message)  # raises: grpc sends this status and no message
            finally:
                if entered:
                    inflight.leave()
                observe(rpc, code.name, time.perf_counter() - started)

        return handle

    def streaming(self, rpc: str, behaviour: Streaming) -> Streaming:
        observe, inflight = self.observe, self.inflight

        async def handle(requests: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            entered = False
            try:
                inflight.enter()
                entered = True
                async for response in behaviour(requests, context):
                    yield response
            except (asyncio.CancelledError, GeneratorExit):
                code = grpc.StatusCode.CANCELLED
                raise
            except grpc.aio.AbortError:
                raise
            except Exception as exc:
                code, message = self._status(rpc, exc)
                await context.abort(code, message)
            finally:
                if entered:
                    inflight.leave()
                observe(rpc, code.name, time.perf_counter() - started)

        return handle
