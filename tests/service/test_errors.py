"""Each refusal carries the right status code and a message that says what to fix."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from tactful.v1 import checker_pb2 as pb


def _refusal(call, request, timeout: float = 5) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        call(request, timeout=timeout)
    return info.value


@pytest.mark.parametrize(
    ("request_", "says"),
    [
        (pb.CheckRequest(text="好" * 30000), "over the server's limit of 65536 bytes"),
        (pb.CheckRequest(text="好", context=pb.Context(turn=7)), "context.turn 7 is not a Turn value"),
        (pb.CheckRequest(text="好", context=pb.Context(locale="fr-FR")), "context.locale 'fr-FR' is not one of: zh-Hans, zh-Hant, en"),
        (pb.CheckRequest(text="好", context=pb.Context(channel="fax")), "context.channel 'fax' is not one of"),
        (
            pb.CheckRequest(text="好", context=pb.Context(sent_at=Timestamp(seconds=0), time_zone="Mars/Olympus")),
            "context.time_zone 'Mars/Olympus' is not an IANA time zone",
        ),
        (pb.CheckRequest(text="好", context=pb.Context(customer_message="问" * 30000)), "context.customer_message is"),
    ],
    ids=["text-over-limit", "turn-out-of-range", "unknown-locale", "unknown-channel", "unknown-time-zone", "customer-over-limit"],
)
def test_invalid_argument_names_the_field(stub, request_, says):
    err = _refusal(stub.Check, request_)
    assert err.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert says in err.details()


def test_unknown_ruleset_is_not_found_and_lists_the_available_ones(stub):
    err = _refusal(stub.Check, pb.CheckRequest(text="好", ruleset="klingon"))
    assert err.code() is grpc.StatusCode.NOT_FOUND
    assert "klingon" in err.details() and "available: " in err.details() and "zh" in err.details()
    listed = _refusal(stub.ListRules, pb.ListRulesRequest(ruleset="klingon"))
    assert listed.code() is grpc.StatusCode.NOT_FOUND


def test_batch_over_the_limit_is_resource_exhausted(stub):
    batch = pb.BatchCheckRequest(requests=[pb.CheckRequest(text="好")] * 257)
    err = _refusal(stub.BatchCheck, batch)
    assert err.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "257 requests, over the server's limit of 256" in err.details()


def test_limits_follow_the_server_flags(start_server, shipped_copy):
    running = start_server(shipped_copy, max_text_bytes=10, max_batch=2)
    err = _refusal(running.stub.Check, pb.CheckRequest(text="是的,但是"))
    assert err.code() is grpc.StatusCode.INVALID_ARGUMENT and "limit of 10 bytes" in err.details()
    err = _refusal(running.stub.BatchCheck, pb.BatchCheckRequest(requests=[pb.CheckRequest(text="好")] * 3))
    assert err.code() is grpc.StatusCode.RESOURCE_EXHAUSTED


def test_deadline_stops_the_work_and_is_reported(shared_server, poll):
    """The batch is far longer than the deadline; the server gives up between items instead of finishing it."""
    heavy = "是的,但是我们绝对保证明天到货。" * 500  # ~23 KB, hundreds of violations per reply
    before = shared_server.metric("tactful_rpc_requests_total", rpc="BatchCheck", code="DEADLINE_EXCEEDED")
    batch = pb.BatchCheckRequest(requests=[pb.CheckRequest(text=heavy)] * 64)
    err = _refusal(shared_server.stub.BatchCheck, batch, timeout=0.2)
    assert err.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    poll(
        lambda: shared_server.metric("tactful_rpc_requests_total", rpc="BatchCheck", code="DEADLINE_EXCEEDED") > before,
        what="the server to record that it gave up the batch",
    )


def test_a_stream_draft_over_the_limit_ends_the_stream_with_invalid_argument(stub):
    drafts = iter([pb.CheckStreamRequest(draft=pb.CheckRequest(text="好" * 30000, sequence=1))])
    with pytest.raises(grpc.RpcError) as info:
        list(stub.CheckStream(drafts, timeout=5))
    assert info.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_refusals_are_counted_by_status_code(shared_server, poll):
    before = shared_server.metric("tactful_rpc_requests_total", rpc="Check", code="NOT_FOUND")
    _refusal(shared_server.stub.Check, pb.CheckRequest(text="好", ruleset="nope"))
    # Metrics are updated off the request path, within a tenth of a second.
    def counted() -> float:
        return shared_server.metric("tactful_rpc_requests_total", rpc="Check", code="NOT_FOUND")

    poll(lambda: counted() > before, 5.0, "the refusal to be counted")
    assert counted() == before + 1
