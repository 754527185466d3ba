"""`tactful check --conversation` and batch records with context.conversation, as real subprocesses."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

Cli = Callable[..., Any]

TURNS = [
    {"role": "customer", "text": "快递显示签收了可我根本没收到!", "timestamp": "2024-05-01T10:00:00+08:00"},
    {"role": "agent", "text": "请提供一下订单号", "timestamp": "2024-05-01T10:00:10+08:00"},
    {"role": "customer", "text": "1234567", "timestamp": "2024-05-01T10:00:20+08:00"},
]


def test_check_with_a_conversation_file(cli: Cli, tmp_path: Path) -> None:
    conv = tmp_path / "conv.json"
    conv.write_text(json.dumps({"turns": TURNS}, ensure_ascii=False), encoding="utf-8")
    res = cli("check", "--format", "json", "--conversation", str(conv), "--sent-at", "2024-05-01T10:01:00+08:00", "已为您查到。")
    assert res.rc == 1, res.err
    got = {(v["rule"], v.get("turn_index")) for v in json.loads(res.out)["violations"]}
    assert got == {("apologize_earlier_complaint", 0), ("reply_within_time_limit", 2)}
    late = next(v for v in json.loads(res.out)["violations"] if v["rule"] == "reply_within_time_limit")
    assert "40 秒" in late["message"]
    human = cli("check", "--conversation", str(conv), "已为您查到。")
    assert "(turn 0 of the conversation)" in human.out


def test_a_broken_conversation_file_is_a_clear_error(cli: Cli, tmp_path: Path) -> None:
    conv = tmp_path / "conv.json"
    conv.write_text('[{"role": "boss", "text": "hi"}]', encoding="utf-8")
    res = cli("check", "--conversation", str(conv), "您好")
    assert res.rc == 2
    assert "conversation[0].role must be one of customer, agent" in res.err
    assert "Traceback" not in res.err


def test_batch_records_carry_the_conversation_and_bad_ones_are_reported(cli: Cli, tmp_path: Path) -> None:
    lines = [
        {"id": "a", "text": "已为您查到。", "context": {"conversation": TURNS}},
        {"id": "b", "text": "已为您查到。", "context": {"conversation": [{"role": "agent"}]}},
        {"id": "c", "text": "已为您查到。", "context": {"conversation": TURNS[:1], "sent_at": "nope"}},
        {"id": "d", "text": "已为您查到。"},
    ]
    batch = tmp_path / "in.jsonl"
    batch.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    res = cli("check", "--input", str(batch))
    assert res.rc == 2
    out = {o["id"]: o for o in map(json.loads, res.out.splitlines())}
    assert set(out) == {"a", "d"}
    assert [(v["rule"], v["turn_index"]) for v in out["a"]["violations"]] == [("apologize_earlier_complaint", 0)]
    assert out["d"]["violations"] == []
    assert f"{batch}:2: context.conversation[0].text must be a string" in res.err
    assert f"{batch}:3: context.sent_at 'nope' is not ISO 8601" in res.err
