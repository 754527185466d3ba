"""The service under hostile input: a few fuzzed replies through the real gRPC stubs, and strings
that are not UTF-8 sent as raw protobuf bytes (a proto string cannot carry a lone surrogate)."""

from __future__ import annotations

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tactful.v1 import checker_pb2 as pb

HOSTILE = ["\x00", "\u202e", "\u0301", "😀", "👩‍👩‍👧", "𠀀", "無理取鬧", "ｅ", "是的,但是", "绝对保证", "\u2028", "，"]
texts = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=5)), max_size=20).map("".join)
BAD_UTF8 = [b"\xff\xfe", b"\xed\xa0\x80", b"\xc3", "好".encode() + b"\x80"]  # stray bytes, an encoded surrogate, a cut sequence


def _field(number: int, payload: bytes) -> bytes:
    assert len(payload) < 128  # one-byte length prefix is enough here
    return bytes([number << 3 | 2, len(payload)]) + payload


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(texts)
def test_fuzzed_replies_through_grpc_have_sound_spans(shared_server, text: str) -> None:
    resp = shared_server.stub.Check(pb.CheckRequest(text=text), timeout=10)
    for v in resp.violations:
        assert 0 <= v.span.start <= v.span.end <= len(text)
        assert v.matched_text == text[v.span.start : v.span.end]
        assert v.span.utf16_start == len(text[: v.span.start].encode("utf-16-le")) // 2
        assert v.span.utf16_end == len(text[: v.span.end].encode("utf-16-le")) // 2


@pytest.mark.parametrize("raw", BAD_UTF8, ids=["ff-fe", "encoded-surrogate", "cut", "trailing-continuation"])
def test_invalid_utf8_in_a_stream_is_invalid_argument(shared_server, raw: bytes) -> None:
    call = shared_server.channel.stream_stream(
        "/tactful.v1.CheckerService/CheckStream", request_serializer=lambda b: b, response_deserializer=pb.CheckStreamResponse.FromString
    )
    with pytest.raises(grpc.RpcError) as info:
        list(call(iter([_field(1, _field(1, raw))]), timeout=10))
    assert info.value.code() is grpc.StatusCode.INVALID_ARGUMENT, info.value
    assert "string fields must be UTF-8" in info.value.details()


UNARY_REQUESTS = {
    # a bad reply text, a bad customer message in the context (field 3, customer_message field 2), a bad item of a
    # batch, a bad ruleset name
    "Check-text": ("Check", pb.CheckResponse, lambda raw: _field(1, raw), "好"),
    "Check-customer_message": ("Check", pb.CheckResponse, lambda raw: _field(1, "好".encode()) + _field(3, _field(2, raw)), "好"),
    "BatchCheck": ("BatchCheck", pb.BatchCheckResponse, lambda raw: _field(1, _field(1, raw)), "好"),
    "ListRules": ("ListRules", pb.ListRulesResponse, lambda raw: _field(1, raw), "zh"),
}


@pytest.mark.parametrize("case", list(UNARY_REQUESTS))
@pytest.mark.parametrize("raw", BAD_UTF8[:2], ids=["ff-fe", "encoded-surrogate"])
def test_invalid_utf8_in_a_unary_call_is_invalid_argument_saying_what_to_fix(shared_server, case: str, raw: bytes) -> None:
    # grpc.aio parses the request before any handler runs and answers a parse failure with UNKNOWN; the service
    # registers its own request parsers so that the caller learns it was their request, and what to fix.
    method, response_type, build, valid = UNARY_REQUESTS[case]
    call = shared_server.channel.unary_unary(
        f"/tactful.v1.CheckerService/{method}", request_serializer=None, response_deserializer=response_type.FromString
    )
    with pytest.raises(grpc.RpcError) as info:
        call(build(raw), timeout=10)
    assert info.value.code() is grpc.StatusCode.INVALID_ARGUMENT, info.value
    assert "not a valid tactful.v1 message" in info.value.details() and "string fields must be UTF-8" in info.value.details()
    # the same bytes made valid are answered, and the server goes on serving
    answer = call(build(valid.encode()), timeout=10)
    assert isinstance(answer, response_type) and answer.ByteSize() > 0
