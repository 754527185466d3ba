"""A small synchronous client for `tactful serve`, returning the same Result values as the in-process engine.

>>> from tactful.client import TactfulClient                      # doctest: +SKIP
>>> with TactfulClient("localhost:50051", timeout=0.5) as client:  # doctest: +SKIP
...     result = client.check("是的,但是我们绝对保证明天到货")
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import TracebackType

import grpc

from tactful.model import ROLES, TURNS, Context, Edit, Result, RuleInfo, Severity, Suggestion, Violation
from tactful.v1 import checker_pb2 as pb
from tactful.v1 import checker_pb2_grpc as pb_grpc

_TURN = {name: i + 1 for i, name in enumerate(TURNS)}
_ROLE = {name: i + 1 for i, name in enumerate(ROLES)}
_SERVICE = "tactful.v1.CheckerService"

# The documented retry policy: a call that fails with UNAVAILABLE (a replica died or is draining,
# a connection was reset) is tried again, on another replica when the channel balances over
# several. Every CheckerService call is side-effect free, so a retry can never apply anything
# twice. The whole exchange stays within the caller's deadline.
RETRY_POLICY: dict[str, object] = {
    "maxAttempts": 5,
    "initialBackoff": "0.05s",
    "maxBackoff": "1s",
    "backoffMultiplier": 2,
    "retryableStatusCodes": ["UNAVAILABLE"],
}


def service_config(round_robin: bool = False, retries: bool = False) -> str | None:
    """The gRPC service config (JSON) for a channel: round_robin over every resolved address with grpc.health.v1
    checks (a replica reporting NOT_SERVING, e.g. while draining, gets no new calls), and/or RETRY_POLICY.

    >>> json.loads(service_config(round_robin=True))["healthCheckConfig"]
    {'serviceName': 'tactful.v1.CheckerService'}
    >>> service_config() is None
    True
    """
    config: dict[str, object] = {}
    if round_robin:
        config["loadBalancingConfig"] = [{"round_robin": {}}]
        config["healthCheckConfig"] = {"serviceName": _SERVICE}
    if retries:
        config["methodConfig"] = [{"name": [{"service": _SERVICE}], "retryPolicy": RETRY_POLICY}]
    return json.dumps(config) if config else None


class ServiceError(Exception):
    """The service refused or failed a call; `code` is the gRPC status, the message says what to fix."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code


def context_to_proto(ctx: Context | None) -> pb.Context:
    """The request context for an engine Context (time of day is sent as a UTC-free local time)."""
    if ctx is None:
        return pb.Context()
    out = pb.Context(turn=_TURN.get(ctx.turn or "", 0), customer_message=ctx.customer, channel=ctx.channel or "", locale=ctx.locale or "")
    for turn in ctx.conversation:
        pt = out.conversation.add(role=_ROLE[turn.role], text=turn.text)
        if turn.at is not None:
            pt.sent_at.FromNanoseconds(round(turn.at * 1e9))
    if ctx.at is not None:
        # Seconds since midnight (examples, HH:MM:SS timestamps) land on 1970-01-01 UTC: same time of day.
        out.sent_at.FromNanoseconds(round(ctx.at * 1e9))
    elif ctx.time is not None:
        # The engine wants a local (hour, minute): send it as that time on 1970-01-01 UTC, read in UTC.
        hh, mm = ctx.time
        out.sent_at.FromSeconds(hh * 3600 + mm * 60)
    return out


def result_from_proto(text: str, resp: pb.CheckResponse) -> Result:
    violations = tuple(
        Violation(
            rule=v.rule_id,
            category=v.category,
            severity=Severity(v.severity) if v.severity else Severity.INFO,
            message=v.message,
            start=v.span.start,
            end=v.span.end,
            utf16_start=v.span.utf16_start,
            utf16_end=v.span.utf16_end,
            match=v.matched_text,
            suggestions=tuple(
                Suggestion(s.description, tuple(Edit(e.span.start, e.span.end, e.replacement) for e in s.edits)) for s in v.suggestions
            ),
            pack=v.pack,
            turn_index=v.turn_index if v.HasField("turn_index") else None,
        )
        for v in resp.violations
    )
    applied = tuple(Edit(e.span.start, e.span.end, e.replacement) for e in resp.applied_edits)
    return Result(text, violations, resp.rewritten_text, resp.ruleset, resp.ruleset_version, applied)


class TactfulClient:
    """Calls CheckerService over one channel; `timeout` (seconds) is every call's deadline.

    Args:
        target: "host:port" of a running `tactful serve`; for several replicas a gRPC target that resolves to
            all of them, e.g. "ipv4:10.0.0.1:50051,10.0.0.2:50051" or "dns:///tactful-headless.ns:50051".
        timeout: per-call deadline in seconds (retries included).
        ruleset: ruleset to ask for (None: the server's choice).
        credentials: TLS channel credentials (None: plaintext).
        round_robin: spread calls over every address the target resolves to, skipping replicas whose
            grpc.health.v1 status is not SERVING (default: grpc's pick_first, one connection).
        retries: retry calls that fail with UNAVAILABLE as RETRY_POLICY says.
        token: bearer token sent with every call, for a server run with `--access`.
    """

    def __init__(
        self,
        target: str,
        timeout: float = 5.0,
        ruleset: str | None = None,
        credentials: grpc.ChannelCredentials | None = None,
        *,
        round_robin: bool = False,
        retries: bool = False,
        token: str | None = None,
    ) -> None:
        self.target = target
        self.timeout = timeout
        self.ruleset = ruleset or ""
        self._metadata = (("authorization", f"Bearer {token}"),) if token else None
        # A reply with many violations can exceed grpc's 4 MiB default; the server already bounds the text.
        options: list[tuple[str, object]] = [("grpc.max_receive_message_length", -1)]
        config = service_config(round_robin, retries)
        if config is not None:
            options.append(("grpc.service_config", config))
        self._channel = grpc.secure_channel(target, credentials, options) if credentials else grpc.insecure_channel(target, options)
        self.stub = pb_grpc.CheckerServiceStub(self._channel)

    def check(self, text: str, context: Context | None = None, request_id: str = "") -> Result:
        """Check one reply.

        Raises:
            ServiceError: the call failed (bad input, unknown ruleset, deadline, server unreachable).
        """
        # omit_rationale: a model Violation has no rationale (list_rules() has it), so it is not sent for nothing.
        request = pb.CheckRequest(
            text=text, ruleset=self.ruleset, context=context_to_proto(context), request_id=request_id, omit_rationale=True
        )
        return result_from_proto(text, self._call(self.stub.Check, request))

    def list_rules(self) -> list[RuleInfo]:
        """The rules of the client's ruleset (the server's default when none was chosen)."""
        resp = self._call(self.stub.ListRules, pb.ListRulesRequest(ruleset=self.ruleset))
        return [RuleInfo(r.id, r.category, Severity(r.severity), r.description, r.rationale, pack=r.pack) for r in resp.rules]

    def _call(self, method: Callable[..., object], request: object) -> object:
        try:
            return method(request, timeout=self.timeout, metadata=self._metadata)
        except grpc.RpcError as err:
            code = err.code() if hasattr(err, "code") else grpc.StatusCode.UNKNOWN
            details = err.details() if hasattr(err, "details") else str(err)
            if code is grpc.StatusCode.UNAVAILABLE:
                details = f"cannot reach the checking service at {self.target} ({details})"
            raise ServiceError(code, f"{code.name}: {details}") from None

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> TactfulClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def remote_checker(target: str, ruleset: str | None = None, timeout: float = 10.0) -> Callable[[str, Context], Result]:
    """A `(text, context) -> Result` function that checks through a running server: `tactful check --server`'s adapter.

    A refused call raises ServiceError; the CLI turns it into its own one-line error.
    """
    return TactfulClient(target, timeout=timeout, ruleset=ruleset).check
