"""A reply checked on the event loop, request in, serialized CheckResponse out (compiled with mypyc, hatch_build.py).

Nearly every call is a short reply checked here, so this is the service's own per-call path around the
engine and the response writer: validation of the request and its context, the ruleset's choice, the
request id, the decision record. Interpreted it cost ~25k instructions a violating call under callgrind,
about as much as grpc.aio's whole handling of a call costs the bare echo server over its protobuf work.
The servicer (servicer.py) keeps the RPCs, the pool and the streams; errors are raised for status.py.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tactful.compile.ruleset import Library
from tactful.engine.check import check
from tactful.engine.explain import explain
from tactful.model import CHANNELS, LOCALES, ROLES, TURNS, Context, Turn
from tactful.server.decisions import Decision
from tactful.server.explain_proto import fill_explanation
from tactful.server.response import ResponseWriter
from tactful.server.status import GaveUp, InvalidArgument, NotReady
from tactful.v1 import checker_pb2 as pb

NO_CONTEXT = Context()
MAX_CONVERSATION_TURNS = 1000
_TURN_NAMES = ", ".join(f"TURN_{t.upper()}" for t in TURNS)


def new_request_id() -> str:
    """A request id for a request that brought none: 16 hex digits from the OS's random source.

    uuid.uuid4().hex[:16] (60 random bits) cost 17k instructions a call under callgrind, as much as
    a tenth of the engine's work on a violating reply; these are 64 random bits for ~1k.

    >>> len(new_request_id()), int(new_request_id(), 16) >= 0
    (16, True)
    """
    return os.urandom(8).hex()


def check_size(field: str, text: str, max_bytes: int) -> None:
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise InvalidArgument(f"{field} is {size} bytes, over the server's limit of {max_bytes} bytes; send a shorter text")


def context_from_proto(ctx: pb.Context, max_bytes: int) -> Context:
    """The engine's Context for a request's context, or InvalidArgument naming the bad field."""
    turn = None
    if ctx.turn:
        if not 0 < ctx.turn <= len(TURNS):
            raise InvalidArgument(f"context.turn {ctx.turn} is not a Turn value; use one of {_TURN_NAMES} (or leave it unset)")
        turn = TURNS[ctx.turn - 1]
    if ctx.channel and ctx.channel not in CHANNELS:
        raise InvalidArgument(f"context.channel {ctx.channel!r} is not one of: {', '.join(CHANNELS)} (or empty)")
    if ctx.locale and ctx.locale not in LOCALES:
        raise InvalidArgument(f"context.locale {ctx.locale!r} is not one of: {', '.join(LOCALES)} (or empty)")
    check_size("context.customer_message", ctx.customer_message, max_bytes)
    conversation = _conversation_from_proto(ctx, max_bytes) if ctx.conversation else ()
    when: tuple[int, int] | None = None
    at: float | None = None
    if ctx.HasField("sent_at"):
        at = ctx.sent_at.seconds + ctx.sent_at.nanos / 1e9
        try:
            zone = ZoneInfo(ctx.time_zone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidArgument(f"context.time_zone {ctx.time_zone!r} is not an IANA time zone name such as 'Asia/Shanghai'") from None
        local = ctx.sent_at.ToDatetime(tzinfo=zone)
        when = (local.hour, local.minute)
    return Context(
        turn=turn,
        customer=ctx.customer_message,
        channel=ctx.channel or None,
        locale=ctx.locale or None,
        time=when,
        conversation=conversation,
        at=at,
    )


def _conversation_from_proto(ctx: pb.Context, max_bytes: int) -> tuple[Turn, ...]:
    if len(ctx.conversation) > MAX_CONVERSATION_TURNS:
        raise InvalidArgument(
            f"context.conversation has {len(ctx.conversation)} turns, over the limit of {MAX_CONVERSATION_TURNS}; "
            "send the latest turns only"
        )
    turns = []
    for i, t in enumerate(ctx.conversation):
        if not 0 < t.role <= len(ROLES):
            raise InvalidArgument(f"context.conversation[{i}].role must be ROLE_CUSTOMER or ROLE_AGENT")
        check_size(f"context.conversation[{i}].text", t.text, max_bytes)
        at = t.sent_at.seconds + t.sent_at.nanos / 1e9 if t.HasField("sent_at") else None
        turns.append(Turn(ROLES[t.role - 1], t.text, at))
    return tuple(turns)


def give_up_if_gone(context: Any) -> None:
    """Stop before doing work nobody waits for any more (`context`: the call's grpc.aio.ServicerContext)."""
    remaining = context.time_remaining()
    if (remaining is not None and remaining <= 0) or context.cancelled():
        raise GaveUp("the deadline passed before the reply was checked; allow more time or send less text")


class Inline:
    """Checks requests on the calling thread (the event loop) and writes their answers; `rules` is the servicer's
    RulesHolder (its `library` read once per request), `on_decision` receives every checked reply."""

    def __init__(
        self, rules: Any, on_decision: Callable[[Decision], None], max_text_bytes: int, offload_bytes: int, writer: ResponseWriter
    ) -> None:
        self.rules = rules
        self.on_decision = on_decision
        self.max_text_bytes = max_text_bytes
        self.offload_bytes = offload_bytes
        self.writer = writer

    def library(self) -> Library:
        library: Library | None = self.rules.library  # one read: the whole request uses this library even if a reload swaps it
        if library is None:
            raise NotReady("the rules are still being compiled; retry in a moment")
        return library

    def answer(self, request: pb.CheckRequest, context: Any) -> bytes | None:
        """Check's answer when the reply is checked here (short replies: nearly every call), else None (for the pool)."""
        library = self.library()
        give_up_if_gone(context)
        size = request.ByteSize()
        if size > self.offload_bytes:
            return None
        return self.check_one(request, library, "Check", size, 0)

    def check_one(self, req: pb.CheckRequest, library: Library, rpc: str, size: int, skipped: int) -> bytes:
        """The serialized CheckResponse for a request of `size` bytes, checked here."""
        started = time.perf_counter()
        text = req.text  # every read of a string field decodes it again
        if size > self.max_text_bytes:  # else the text, a part of the request, cannot be over the limit either
            check_size("text", text, self.max_text_bytes)
        ctx = context_from_proto(req.context, self.max_text_bytes) if req.HasField("context") else NO_CONTEXT
        rs = library.select(req.ruleset or None, ctx.locale, text)
        traced_bytes: bytes | None = None
        if req.explain:
            explanation = explain(rs, text, ctx)
            result = explanation.result
            traced = pb.Explanation()
            fill_explanation(traced, explanation)
            traced_bytes = traced.SerializeToString()
        else:
            result = check(rs, text, ctx)
        request_id = req.request_id or new_request_id()
        response = self.writer.write(result, rs, request_id, req.sequence, not req.omit_rationale, traced_bytes)
        self.on_decision(Decision(rpc, request_id, result, time.perf_counter() - started, req.sequence, skipped))
        return response
