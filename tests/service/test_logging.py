"""Decision logs: one line per checked reply, with what an auditor needs and, by default, no customer text.

Decision lines are batched by a flusher thread, so the tests wait for them (the real flusher,
no explicit flush) instead of reading stderr right after the call."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import pytest
import structlog
from hypothesis import given, settings
from hypothesis import strategies as st

import tactful
from tactful.cli.library import shipped_rules
from tactful.server import logging as server_logging
from tactful.server.decisions import millis
from tactful.server.logging import Decision, DecisionLog
from tactful.v1 import checker_pb2 as pb

TEXT = "是的,但是我们绝对保证明天到货"


def _decisions(err: str) -> list[dict]:
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [e for e in lines if e.get("event") == "decision"]


def _logged(capsys, poll, keep, count: int = 1) -> list[dict]:
    """The decision lines `keep` accepts, once `count` of them were written (within a few seconds)."""
    seen: list[dict] = []

    def enough() -> bool:
        seen.extend(d for d in _decisions(capsys.readouterr().err) if keep(d))
        return len(seen) >= count

    poll(enough, 5.0, f"{count} decision line(s) to be flushed")
    return seen


def test_decision_log_has_ids_rules_and_a_hash_but_not_the_text(shared_server, capsys, poll):
    shared_server.stub.Check(pb.CheckRequest(text=TEXT, request_id="audit-1"), timeout=5)
    (line,) = _logged(capsys, poll, lambda d: d["request_id"] == "audit-1")
    assert datetime.fromisoformat(line["timestamp"]).tzinfo is not None and line["timestamp"].endswith("Z")
    assert line["ruleset"] == "zh" and line["ruleset_version"]
    assert {"yes_and_over_but", "no_absolute_promise"} <= set(line["rules"])
    assert {"contrastive_but", "unfulfillable_promise"} <= set(line["categories"])
    assert line["text_sha256"] == hashlib.sha256(TEXT.encode()).hexdigest()
    assert line["text_bytes"] == len(TEXT.encode()) and line["latency_ms"] >= 0
    assert "text" not in line and TEXT not in json.dumps(line, ensure_ascii=False)


def test_a_decision_is_stamped_when_it_was_made_not_when_its_line_is_written(capsys):
    result = tactful.check(tactful.load_rules(shipped_rules()).select("zh"), TEXT)
    DecisionLog().write(Decision("Check", "stamp-1", result, 0.001, at=1_700_000_000.25))
    server_logging.flush()
    (line,) = [d for d in _decisions(capsys.readouterr().err) if d["request_id"] == "stamp-1"]
    assert line["timestamp"] == "2023-11-14T22:13:20.250000Z"


@pytest.mark.parametrize(
    ("rpc", "request_id", "text", "log_text"),
    [
        ("CheckStream", "same-1", TEXT, False),
        ("Check", "same-2", "您好,请问有什么可以帮您?", False),  # compliant: empty lists, "compliant": true
        ("BatchCheck", 'same-3 "quoted" \\ back\tslash', TEXT, False),  # request ids are the caller's: escaped
        ("Check", "same-4-客服😀", "Got it 😀", False),
        ("CheckStream", "same-5", TEXT, True),
    ],
)
def test_decision_lines_render_exactly_as_the_structlog_chain_would(capsys, rpc, request_id, text, log_text):
    """Decision lines skip structlog's per-call machinery in JSON mode; the line must not change."""
    rules = tactful.load_rules(shipped_rules())
    result = tactful.check(rules.select(None, text=text), text)
    log = DecisionLog(log_text=log_text)
    for at in (1_700_000_000.5, 1_700_000_000.000001, 1_700_000_001.999999):
        decision = Decision(rpc, request_id, result, 0.0012, sequence=4, skipped=2, at=at)
        log.write(decision)
        log.write(decision)  # the second rendering comes from the cached pieces
        structlog.get_logger("tactful.other").info("decision", **log.fields(decision))
        server_logging.flush()
        fast, cached, chain = [line for line in capsys.readouterr().err.splitlines() if "same-" in line]
        assert fast == cached == chain
        line = json.loads(fast)
        assert line["request_id"] == request_id and line["compliant"] is (not result.violations)
        assert ("sequence" in line) is (rpc == "CheckStream") and ("text" in line) is log_text


def test_log_text_flag_adds_the_text_for_debugging(start_server, shipped_copy, capsys, poll):
    running = start_server(shipped_copy, log_text=True)
    running.stub.Check(pb.CheckRequest(text=TEXT, request_id="debug-1"), timeout=5)
    (line,) = _logged(capsys, poll, lambda d: d["request_id"] == "debug-1")
    assert line["text"] == TEXT and line["rewritten"] != TEXT


def test_each_batch_item_gets_its_own_decision(shared_server, capsys, poll):
    batch = pb.BatchCheckRequest(requests=[pb.CheckRequest(text=TEXT, request_id=f"batch-{i}") for i in range(3)])
    shared_server.stub.BatchCheck(batch, timeout=5)
    lines = _logged(capsys, poll, lambda d: d["request_id"].startswith("batch-"), count=3)
    assert [d["request_id"] for d in lines] == ["batch-0", "batch-1", "batch-2"]
    assert {d["rpc"] for d in lines} == {"BatchCheck"}


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.floats(min_value=0, max_value=1e4), st.integers(0, 10**9).map(lambda n: n / 1e9), st.just(0.0)))
def test_latency_is_written_as_the_chain_writes_it(seconds):
    """decisions.millis formats once where the chain rounds and then takes the repr: the same text for every latency."""
    assert millis(seconds) == json.dumps(round(seconds * 1000, 3))
