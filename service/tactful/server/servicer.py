"""CheckerService: proto in, engine call, proto out. Translation only: errors are raised, status.py picks the codes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import grpc
import grpc.aio

from tactful.compile.ruleset import Library
from tactful.model import Result, Severity, Violation
from tactful.server.decisions import Decision
from tactful.server.inline import (  # the per-call path itself (compiled); context_from_proto stays importable from here
    NO_CONTEXT,
    Inline,
    check_size,
    context_from_proto,
    give_up_if_gone,
    new_request_id,
)
from tactful.server.pool import CheckPool
from tactful.server.reload import RulesHolder, library_key
from tactful.server.response import ResponseWriter, varint
from tactful.server.status import GaveUp, InvalidArgument, NotReady, OverBudget, TooLarge, status_of
from tactful.v1 import checker_pb2 as pb
from tactful.v1 import checker_pb2_grpc as pb_grpc

_SEVERITY = {1: pb.SEVERITY_INFO, 2: pb.SEVERITY_WARNING, 3: pb.SEVERITY_ERROR}

_RESULT_FIELD = bytes([1 << 3 | 2])  # CheckStreamResponse.result: field 1, length-delimited
_SKIPPED_FIELD = bytes([2 << 3])  # CheckStreamResponse.skipped_drafts: field 2, varint
_BATCH_RESPONSE = bytes([1 << 3 | 2])  # BatchCheckResponse.responses: field 1, length-delimited


def stream_response_bytes(result: bytes, skipped: int) -> bytes:
    """A serialized CheckStreamResponse around an already serialized CheckResponse (protobuf messages concatenate).

    >>> inner = pb.CheckResponse(ruleset="zh", sequence=300).SerializeToString()
    >>> pb.CheckStreamResponse.FromString(stream_response_bytes(inner, 2)) == pb.CheckStreamResponse(
    ...     result=pb.CheckResponse(ruleset="zh", sequence=300), skipped_drafts=2)
    True
    """
    return _RESULT_FIELD + varint(len(result)) + result + (_SKIPPED_FIELD + varint(skipped) if skipped else b"")


class CheckerServicer(pb_grpc.CheckerServiceServicer):
    """The four RPCs, run on the server's event loop. `on_decision` receives every checked reply
    (decision log + violation metrics).

    A short reply is checked inline: handing it to a thread or process would cost more than the
    check. A request over `offload_bytes` goes to the check `pool` (when there is one), so a long
    reply never holds up the other calls on the loop (see pool.py). BatchCheck and CheckStream
    apply the same rule to each item, and BatchCheck yields to the loop between items.
    """

    def __init__(
        self,
        rules: RulesHolder,
        on_decision: Callable[[Decision], None],
        max_text_bytes: int = 64 * 1024,
        max_batch: int = 256,
        pool: CheckPool | None = None,
        offload_bytes: int = 2048,
    ) -> None:
        self.rules = rules
        self.on_decision = on_decision
        self.max_text_bytes = max_text_bytes
        self.max_batch = max_batch
        self.writer = ResponseWriter()
        self.pool = pool
        self.offload_bytes = offload_bytes if pool is not None else 1 << 62
        self.inline = Inline(rules, on_decision, max_text_bytes, self.offload_bytes, self.writer)
        # Called by the guard (guard.py) before it awaits Check at all: a short reply's answer without a
        # coroutine of ours in between, where nearly every call would create, run and finish one that never waits.
        self.check_inline = self.inline.answer

    def _library(self) -> Library:
        return self.inline.library()

    def _check_one(self, req: pb.CheckRequest, library: Library, rpc: str, size: int, skipped: int = 0) -> bytes:
        """The serialized CheckResponse for a request of `size` bytes, checked here on the event loop."""
        return self.inline.check_one(req, library, rpc, size, skipped)

    async def _check_pooled(
        self, req: pb.CheckRequest, library: Library, rpc: str, context: grpc.aio.ServicerContext, skipped: int = 0
    ) -> bytes:
        """`_check_one` in a pool process: validated here (bad input never costs a pool round trip), checked there.

        Returns the serialized CheckResponse as the pool process built it: parsing and re-serializing
        a maximal answer (1.4 MB, ~2,800 violations) would hold the event loop for 10-20 ms.
        """
        assert self.pool is not None
        started = time.perf_counter()
        text = req.text
        check_size("text", text, self.max_text_bytes)
        ctx = context_from_proto(req.context, self.max_text_bytes) if req.HasField("context") else NO_CONTEXT
        library.select(req.ruleset or None, ctx.locale, text)  # an unknown ruleset is NOT_FOUND before any work
        request_id = req.request_id or new_request_id()
        request_bytes = req.SerializeToString()
        for attempt in range(2):
            key = library_key(library)
            sources = self.rules.sources.get(key)
            job = ("check", key, str(sources), str(self.rules.path), request_bytes, request_id, self.pool.budget_s)
            try:
                answer = ("stale",) if sources is None else await asyncio.wait_for(self.pool.run(job), context.time_remaining())
            except TimeoutError:
                raise GaveUp("the deadline passed before the reply was checked; allow more time or send less text") from None
            if answer[0] != "stale" or attempt:
                break
            library = self._library()  # a reload replaced the rules meanwhile: once more, on the new ones
        if answer[0] == "over":
            raise OverBudget(
                f"checking this reply took more than the server's budget of {self.pool.budget_s * 1000:.0f} ms of CPU time; "
                "send a shorter reply or split it into parts"
            )
        if answer[0] == "stale":
            raise NotReady("the rules were being reloaded while this reply was checked; retry in a moment")
        if answer[0] != "ok":
            raise RuntimeError(f"check pool process failed ({answer[1]})")
        _, data, kinds, order, ruleset, version, rewritten = answer
        # The decision log and metrics need each violation's rule and category only.
        shapes = [Violation(rule, category, Severity(severity), "", 0, 0, 0, 0, "") for rule, category, severity in kinds]
        result = Result(text, tuple(shapes[i] for i in order), rewritten, ruleset, version)
        self.on_decision(Decision(rpc, request_id, result, time.perf_counter() - started, req.sequence, skipped))
        return bytes(data)

    async def Check(  # noqa: N802 - method names come from the proto
        self, request: pb.CheckRequest, context: grpc.aio.ServicerContext
    ) -> bytes:  # already serialized (see app.add_checker_service)
        # The guard normally calls check_inline itself; this is the path for servicers wrapped by something
        # else (the access gate), and the one place a long reply goes to the pool.
        answer = self.inline.answer(request, context)
        if answer is not None:
            return answer
        return await self._check_pooled(request, self._library(), "Check", context)

    async def BatchCheck(  # noqa: N802 - method names come from the proto
        self, request: pb.BatchCheckRequest, context: grpc.aio.ServicerContext
    ) -> bytes:  # already serialized: the answers are, and protobuf messages concatenate
        n = len(request.requests)
        if n > self.max_batch:
            raise TooLarge(f"batch has {n} requests, over the server's limit of {self.max_batch}; split it into smaller batches")
        library = self._library()
        responses: list[bytes] = []
        errors = pb.BatchCheckResponse()
        for i, req in enumerate(request.requests):
            if i:
                await asyncio.sleep(0)
            give_up_if_gone(context)
            try:
                size = req.ByteSize()
                if size > self.offload_bytes:
                    data = await self._check_pooled(req, library, "BatchCheck", context)
                else:
                    data = self._check_one(req, library, "BatchCheck", size)
            except (InvalidArgument, OverBudget, NotReady, KeyError) as err:  # KeyError: UnknownRuleset
                code, message = status_of(err)
                errors.errors.append(pb.BatchCheckError(index=i, code=code.value[0], message=f"requests[{i}]: {message}"))
                data = pb.CheckResponse(request_id=req.request_id, sequence=req.sequence).SerializeToString()
            responses.append(_BATCH_RESPONSE + varint(len(data)) + data)
        return b"".join(responses) + errors.SerializeToString()

    async def CheckStream(  # noqa: N802 - method names come from the proto
        self, request_iterator: AsyncIterator[pb.CheckStreamRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[bytes]:
        mailbox = LatestDraft(request_iterator)
        try:
            while (item := await mailbox.take()) is not None:
                draft, skipped = item
                give_up_if_gone(context)
                size = draft.ByteSize()
                if size > self.offload_bytes:
                    data = await self._check_pooled(draft, self._library(), "CheckStream", context, skipped)
                else:
                    data = self._check_one(draft, self._library(), "CheckStream", size, skipped)
                yield stream_response_bytes(data, skipped)
            if mailbox.error is not None:
                raise mailbox.error
        finally:
            mailbox.close()

    async def ListRules(  # noqa: N802 - method names come from the proto
        self, request: pb.ListRulesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListRulesResponse:
        library = self._library()
        rs = library.select(request.ruleset or None)
        rules = [
            pb.RuleInfo(
                id=r.id, category=r.category, severity=_SEVERITY[int(r.severity)], description=r.message, pack=r.pack, rationale=r.rationale
            )
            for r in rs.rules
        ]
        return pb.ListRulesResponse(ruleset=rs.name, ruleset_version=rs.version, rules=rules, available_rulesets=library.names)


class LatestDraft:
    """A one-slot mailbox fed by a reader task: a newer draft replaces an unchecked older one.

    This is what lets the stream keep up with fast typists: the checker always works on the newest
    draft, and the stream ends only after the last draft sent has been answered.
    """

    def __init__(self, requests: AsyncIterator[pb.CheckStreamRequest]) -> None:
        self._draft: pb.CheckRequest | None = None
        self._skipped = 0
        self._done = False
        self._arrived = asyncio.Event()
        self.error: BaseException | None = None
        self._reader = asyncio.ensure_future(self._read(requests))

    async def _read(self, requests: AsyncIterator[pb.CheckStreamRequest]) -> None:
        try:
            async for message in requests:
                if self._draft is not None:
                    self._skipped += 1
                self._draft = message.draft
                self._arrived.set()
        except grpc.RpcError:
            pass  # the client cancelled or the deadline passed: the stream is over, nothing to answer
        except Exception as err:  # surfaced to the handler, which maps it to a status
            self.error = err
        finally:
            self._done = True
            self._arrived.set()

    async def take(self) -> tuple[pb.CheckRequest, int] | None:
        """The newest unanswered draft and how many were skipped before it; None once the client is done."""
        # One turn of the loop first, so drafts that arrived while the last one was checked are
        # all read and only the newest is checked.
        await asyncio.sleep(0)
        while self._draft is None and not self._done:
            self._arrived.clear()
            await self._arrived.wait()
        if self._draft is None:
            return None
        draft, skipped = self._draft, self._skipped
        self._draft, self._skipped = None, 0
        return draft, skipped

    def close(self) -> None:
        self._reader.cancel()
