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


@pytest.mark.parametrize("method", ["Check", "BatchCheck"])
def test_invalid_utf8_in_a_unary_call_is_refused_naming_utf8_not_internal(shared_server, method: str) -> None:
    # grpc.aio rejects the request while decoding it, before our handler runs: the status is grpc's
    # own (UNKNOWN), but never INTERNAL, and the message says what is wrong with the request.
    request = _field(1, b"\xff\xfe")
    if method == "BatchCheck":
        request = _field(1, request)
    call = shared_server.channel.unary_unary(f"/tactful.v1.CheckerService/{method}", request_serializer=lambda b: b)
    with pytest.raises(grpc.RpcError) as info:
        call(request, timeout=10)
    assert info.value.code() is not grpc.StatusCode.INTERNAL, info.value
    assert "bad UTF-8" in info.value.details()
    # and the server still answers good requests afterwards
    assert shared_server.stub.Check(pb.CheckRequest(text="你好"), timeout=10).ruleset
