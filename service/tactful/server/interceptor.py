"""One server interceptor for every tactful.v1 RPC: exceptions -> status (via status.py), RPC metrics, fault logs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from tactful.server.logging import get_logger
from tactful.server.metrics import Metrics
from tactful.server.status import ShuttingDown, status_of

_PREFIX = "/tactful.v1."


class InFlight:
    """Counts calls in progress, so shutdown can wait for them while connections stay open.

    grpc's own stop() closes each connection as soon as its last call completes, which can reset
    the socket before the client has read the end of a large answer. Draining first (refuse new
    calls, wait for these to finish, give clients a moment to read) avoids losing answers.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._count = 0
        self._closed = False

    def enter(self) -> None:
        with self._cond:
            if self._closed:
                raise ShuttingDown("the server is shutting down; retry on another instance")
            self._count += 1

    def leave(self) -> None:
        with self._cond:
            self._count -= 1
            if self._count == 0:
                self._cond.notify_all()

    def close_and_wait(self, timeout: float) -> bool:
        """Refuse new calls; True if the calls in progress all finished within `timeout` seconds."""
        with self._cond:
            self._closed = True
            return self._cond.wait_for(lambda: self._count == 0, timeout)


class StatusInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    def __init__(self, metrics: Metrics, inflight: InFlight) -> None:
        self.metrics = metrics
        self.inflight = inflight
        self._log = get_logger("tactful.rpc")

    def intercept_service(self, continuation: Callable[[Any], Any], details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(details)
        if handler is None or not details.method.startswith(_PREFIX):
            return handler  # health and reflection keep their own behaviour
        rpc = details.method.rsplit("/", 1)[-1]
        if handler.unary_unary is not None:
            return handler._replace(unary_unary=self._unary(rpc, handler.unary_unary))
        if handler.stream_stream is not None:
            return handler._replace(stream_stream=self._streaming(rpc, handler.stream_stream))
        return handler

    def _status(self, rpc: str, exc: Exception) -> tuple[grpc.StatusCode, str]:
        code, message = status_of(exc)
        if code is grpc.StatusCode.INTERNAL:
            self._log.error("internal error", rpc=rpc, exc_info=exc)
        return code, message

    def _unary(self, rpc: str, behaviour: Callable[[Any, grpc.ServicerContext], Any]) -> Callable[[Any, grpc.ServicerContext], Any]:
        def handle(request: Any, context: grpc.ServicerContext) -> Any:
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            entered = False
            try:
                self.inflight.enter()
                entered = True
                return behaviour(request, context)
            except Exception as exc:
                code, message = self._status(rpc, exc)
                context.abort(code, message)  # raises: grpc sends this status and no message
            finally:
                if entered:
                    self.inflight.leave()
                self.metrics.observe_rpc(rpc, code.name, time.perf_counter() - started)

        return handle

    def _streaming(
        self, rpc: str, behaviour: Callable[[Any, grpc.ServicerContext], Iterator[Any]]
    ) -> Callable[[Any, grpc.ServicerContext], Iterator[Any]]:
        def handle(requests: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            entered = False
            try:
                self.inflight.enter()
                entered = True
                yield from behaviour(requests, context)
            except Exception as exc:
                code, message = self._status(rpc, exc)
                context.abort(code, message)
            finally:
                if entered:
                    self.inflight.leave()
                if code is grpc.StatusCode.OK and not context.is_active():
                    code = grpc.StatusCode.CANCELLED
                self.metrics.observe_rpc(rpc, code.name, time.perf_counter() - started)

        return handle
