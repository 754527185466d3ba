"""One server interceptor for every tactful.v1 RPC: exceptions -> status (via status.py), RPC metrics, fault logs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from tactful.server.logging import get_logger
from tactful.server.metrics import Metrics
from tactful.server.status import status_of

_PREFIX = "/tactful.v1."


class StatusInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
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
            try:
                return behaviour(request, context)
            except Exception as exc:
                code, message = self._status(rpc, exc)
                context.abort(code, message)  # raises: grpc sends this status and no message
            finally:
                self.metrics.observe_rpc(rpc, code.name, time.perf_counter() - started)

        return handle

    def _streaming(
        self, rpc: str, behaviour: Callable[[Any, grpc.ServicerContext], Iterator[Any]]
    ) -> Callable[[Any, grpc.ServicerContext], Iterator[Any]]:
        def handle(requests: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            try:
                yield from behaviour(requests, context)
            except Exception as exc:
                code, message = self._status(rpc, exc)
                context.abort(code, message)
            finally:
                if code is grpc.StatusCode.OK and not context.is_active():
                    code = grpc.StatusCode.CANCELLED
                self.metrics.observe_rpc(rpc, code.name, time.perf_counter() - started)

        return handle
