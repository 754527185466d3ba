"""Decision logs: one line per checked reply, with what an auditor needs and, by default, no customer text."""

from __future__ import annotations

import hashlib
import json

from tactful.v1 import checker_pb2 as pb

TEXT = "是的,但是我们绝对保证明天到货"


def _decisions(err: str) -> list[dict]:
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [e for e in lines if e.get("event") == "decision"]


def test_decision_log_has_ids_rules_and_a_hash_but_not_the_text(shared_server, capsys):
    shared_server.stub.Check(pb.CheckRequest(text=TEXT, request_id="audit-1"), timeout=5)
    (line,) = [d for d in _decisions(capsys.readouterr().err) if d["request_id"] == "audit-1"]
    assert line["ruleset"] == "zh" and line["ruleset_version"]
    assert {"yes_and_over_but", "no_absolute_promise"} <= set(line["rules"])
    assert {"contrastive_but", "unfulfillable_promise"} <= set(line["categories"])
    assert line["text_sha256"] == hashlib.sha256(TEXT.encode()).hexdigest()
    assert line["text_bytes"] == len(TEXT.encode()) and line["latency_ms"] >= 0
    assert "text" not in line and TEXT not in json.dumps(line, ensure_ascii=False)


def test_log_text_flag_adds_the_text_for_debugging(start_server, shipped_copy, capsys):
    running = start_server(shipped_copy, log_text=True)
    running.stub.Check(pb.CheckRequest(text=TEXT, request_id="debug-1"), timeout=5)
    (line,) = [d for d in _decisions(capsys.readouterr().err) if d["request_id"] == "debug-1"]
    assert line["text"] == TEXT and line["rewritten"] != TEXT


def test_each_batch_item_gets_its_own_decision(shared_server, capsys):
    batch = pb.BatchCheckRequest(requests=[pb.CheckRequest(text=TEXT, request_id=f"b-{i}") for i in range(3)])
    shared_server.stub.BatchCheck(batch, timeout=5)
    ids = [d["request_id"] for d in _decisions(capsys.readouterr().err) if d["rpc"] == "BatchCheck"]
    assert ids[-3:] == ["b-0", "b-1", "b-2"]
