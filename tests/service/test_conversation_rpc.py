"""Check with a conversation through the real server and generated stubs (and the Python client)."""

from __future__ import annotations

import grpc
import pytest

from tactful.client import TactfulClient
from tactful.model import Context, Turn
from tactful.v1 import checker_pb2 as pb
from tactful.v1 import checker_pb2_grpc as pb_grpc

from .conftest import Running


def _conversation() -> list[pb.ConversationTurn]:
    turns = [
        pb.ConversationTurn(role=pb.ROLE_CUSTOMER, text="快递显示签收了可我根本没收到!"),
        pb.ConversationTurn(role=pb.ROLE_AGENT, text="请提供一下订单号"),
        pb.ConversationTurn(role=pb.ROLE_CUSTOMER, text="1234567"),
    ]
    turns[0].sent_at.FromSeconds(1_700_000_000)
    turns[2].sent_at.FromSeconds(1_700_000_020)
    return turns


def test_complaint_two_turns_back_is_reported_at_that_turn(stub: pb_grpc.CheckerServiceStub) -> None:
    req = pb.CheckRequest(text="已为您查到,包裹在派送站。", context=pb.Context(conversation=_conversation()))
    resp = stub.Check(req, timeout=10)
    hits = [v for v in resp.violations if v.category == "missing_courtesy" and v.HasField("turn_index")]
    assert [(v.rule_id, v.turn_index) for v in hits] == [("apologize_earlier_complaint", 0)]
    assert resp.rewritten_text.startswith("非常抱歉给您带来不便,")


def test_without_conversation_nothing_points_at_a_turn(stub: pb_grpc.CheckerServiceStub) -> None:
    resp = stub.Check(pb.CheckRequest(text="已为您查到,包裹在派送站。", context=pb.Context(turn=pb.TURN_MIDDLE)), timeout=10)
    assert resp.compliant
    old_style = stub.Check(
        pb.CheckRequest(text="已为您查到,包裹在派送站。", context=pb.Context(customer_message="快递显示签收了可我根本没收到!")), timeout=10
    )
    assert [(v.rule_id, v.HasField("turn_index")) for v in old_style.violations] == [("apologize_on_complaint", False)]


def test_late_reply_carries_the_measured_delay(stub: pb_grpc.CheckerServiceStub) -> None:
    ctx = pb.Context(conversation=_conversation())
    ctx.sent_at.FromSeconds(1_700_000_065)  # 45 s after the customer's last message
    resp = stub.Check(pb.CheckRequest(text="非常抱歉,已为您查到,包裹在派送站。", context=ctx), timeout=10)
    late = [v for v in resp.violations if v.rule_id == "reply_within_time_limit"]
    assert len(late) == 1 and late[0].turn_index == 2
    assert "45 秒" in late[0].message


def test_a_turn_without_a_role_is_invalid_argument_naming_the_turn(stub: pb_grpc.CheckerServiceStub) -> None:
    ctx = pb.Context(conversation=[pb.ConversationTurn(role=pb.ROLE_CUSTOMER, text="在吗"), pb.ConversationTurn(text="?")])
    with pytest.raises(grpc.RpcError) as info:
        stub.Check(pb.CheckRequest(text="您好", context=ctx), timeout=10)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "context.conversation[1].role" in (info.value.details() or "")


def test_client_round_trips_conversation_and_turn_index(shared_server: Running) -> None:
    ctx = Context(conversation=(Turn("customer", "在吗", 100.0), Turn("customer", "有人吗", 110.0)), at=200.0)
    with TactfulClient(shared_server.target, timeout=10) as client:
        result = client.check("您好,请问有什么可以帮您?", context=ctx)
    late = [v for v in result.violations if v.rule == "reply_within_time_limit"]
    assert [(v.turn_index, "100 秒" in v.message) for v in late] == [(0, True)]
