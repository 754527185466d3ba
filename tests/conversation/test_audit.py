"""`tactful audit` as a real subprocess: records, scores, CSV/JSONL/HTML outputs, bad lines, workers."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

Cli = Callable[..., Any]

HAND = {
    "id": "hand-1",
    "agent_id": "alice",
    "lang": "zh-Hans",
    "turns": [
        {"role": "customer", "text": "快递显示签收了可我根本没收到!", "timestamp": "2024-05-01T10:00:00+08:00"},
        {"role": "agent", "text": "您好,请提供一下订单号", "timestamp": "2024-05-01T10:00:10+08:00"},
        {"role": "customer", "text": "1234567", "timestamp": "2024-05-01T10:00:20+08:00"},
        {"role": "agent", "text": "已为您查到,包裹在派送站。", "timestamp": "2024-05-01T10:01:30+08:00"},
        {"role": "agent", "text": "感谢您的耐心,再见!", "timestamp": "2024-05-01T10:01:35+08:00"},
    ],
}


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_hand_written_conversation_is_audited_turn_by_turn(cli: Cli, tmp_path: Path) -> None:
    src = tmp_path / "one.jsonl"
    src.write_text(json.dumps(HAND, ensure_ascii=False) + "\n", encoding="utf-8")
    res = cli("audit", str(src), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert res.rc == 0, res.err
    (rec,) = _read_jsonl(tmp_path / "out" / "conversations.jsonl")
    got = sorted((v["turn"], v["rule"], v.get("turn_index")) for v in rec["violations"])
    # turn 1 answers the complaint without an apology; turns 3 and 4 still have none (the complaint is 3 and 4
    # turns back) and turn 3 comes 70 s after the customer's message
    assert got == [
        (1, "apologize_on_complaint", None),
        (3, "apologize_earlier_complaint", 0),
        (3, "reply_within_time_limit", 2),
        (4, "apologize_earlier_complaint", 0),
    ]
    late = next(v for v in rec["violations"] if v["rule"] == "reply_within_time_limit")
    assert "70 秒" in late["message"]
    assert rec["score"] == 100 - 4 * 5
    assert (rec["agent_turns"], rec["turns"], rec["agent_id"]) == (3, 5, "alice")


def test_generated_file_with_bad_lines_two_workers_match_one(cli: Cli, generated_300: Path, tmp_path: Path) -> None:
    lines = generated_300.read_text(encoding="utf-8").splitlines()
    lines.insert(10, "{not json")
    lines.insert(20, json.dumps({"id": "x", "turns": [{"role": "boss", "text": "hi"}]}))
    lines.insert(30, json.dumps({"id": "y"}))
    src = tmp_path / "mixed.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    one = cli("audit", str(src), "--out", str(tmp_path / "one"), "--jobs", "1")
    two = cli("audit", str(src), "--out", str(tmp_path / "two"), "--jobs", "2")
    for res in (one, two):
        assert res.rc == 2
        assert f"{src}:11: malformed JSON" in res.err
        assert f"{src}:21: turns[0].role must be one of customer, agent" in res.err
        assert f'{src}:31: missing "turns"' in res.err
        assert "3 line(s) could not be audited" in res.err
        assert "Traceback" not in res.err and "conversations" not in res.err  # no progress bar off a terminal
    assert (tmp_path / "one" / "conversations.jsonl").read_bytes() == (tmp_path / "two" / "conversations.jsonl").read_bytes()
    records = _read_jsonl(tmp_path / "two" / "conversations.jsonl")
    assert len(records) == 300
    weights = {"error": 10, "warning": 5, "info": 1}
    for rec in records:
        assert rec["score"] == max(0, 100 - sum(weights[v["severity"]] for v in rec["violations"]))
    summary = json.loads((tmp_path / "two" / "summary.json").read_text(encoding="utf-8"))
    assert summary["conversations"] == 300 and summary["bad_lines"] == 3
    assert summary["violations"] == sum(r["violation_count"] for r in records) > 0
    with open(tmp_path / "two" / "conversations.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == [r["id"] for r in records]
    with open(tmp_path / "two" / "agents.csv", encoding="utf-8-sig", newline="") as handle:
        agents = list(csv.DictReader(handle))
    per_agent: dict[str, list[int]] = {}
    for rec in records:
        per_agent.setdefault(rec["agent_id"], []).append(rec["score"])
    assert {a["agent_id"]: float(a["mean_score"]) for a in agents} == {k: round(sum(v) / len(v), 1) for k, v in per_agent.items()}
    html = (tmp_path / "two" / "report.html").read_text(encoding="utf-8")
    assert "<script src" not in html and "<link" not in html and "http" not in html.split("<body>", 1)[1]


def test_progress_bar_only_when_asked_and_usage_errors(cli: Cli, generated_300: Path, tmp_path: Path) -> None:
    res = cli("audit", str(generated_300), "--out", str(tmp_path / "p"), "--jobs", "1", "--progress")
    assert res.rc == 0 and "[######" in res.err and "100% 300 conversations" in res.err
    missing = cli("audit", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "q"))
    assert missing.rc == 2 and "cannot read" in missing.err
    unknown = cli("audit", str(generated_300), "--out", str(tmp_path / "r"), "--ruleset", "klingon")
    assert unknown.rc == 2 and "unknown ruleset 'klingon'" in unknown.err
