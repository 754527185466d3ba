"""CheckRequest.explain through the generated stubs against a real loopback server."""

from __future__ import annotations

from tactful.v1 import checker_pb2 as pb

DONE_WHEN = "为了保证您的账户安全,请勿透露验证码"


def test_explain_flag_returns_the_trace_with_the_excusing_exception(stub) -> None:
    resp = stub.Check(pb.CheckRequest(text=DONE_WHEN, explain=True), timeout=10)
    assert resp.compliant and resp.rewritten_text == DONE_WHEN
    traces = {t.rule_id: t for t in resp.explanation.rules}
    t = traces["no_absolute_promise"]
    assert t.verdict == "excused" and t.severity == pb.SEVERITY_ERROR and ".tact:" in t.location
    assert t.when.holds and [s.text for s in t.when.spans] == ["保证"]
    (r,) = t.removed
    assert (r.by, r.span.text, r.span.span.start, r.span.span.end) == ("unless", "保证", 2, 4)
    assert (r.cue.text, r.cue.span.start, r.cue.span.end, r.source) == ("为了保证", 0, 4, "@promise_exceptions")
    assert "为了保证" in t.reason


def test_explain_reports_fired_spans_in_utf16(stub) -> None:
    text = "😀是的,但是我们绝对保证明天到货"
    resp = stub.Check(pb.CheckRequest(text=text, explain=True), timeout=10)
    traces = {t.rule_id: t for t in resp.explanation.rules}
    fired = traces["no_absolute_promise"]
    assert fired.verdict == "fired"
    (k,) = fired.kept
    assert (k.text, k.span.start, k.span.utf16_start) == ("绝对保证", 8, 9)
    assert {v.rule_id for v in resp.violations} >= {"no_absolute_promise"}


SCOPED_PACK = """
pack "s" { version "1" locale zh-Hans }
list negators = ["不", "没"]
scope negated { before @negators within 2 clause }
rule promise {
  category unfulfillable_promise
  message "m"
  when ["保证"]
  unless in negated
  example bad "我保证" example good "不能保证"
}
"""


def test_explain_names_the_scope_cue_that_removed_a_match(start_server, tmp_path) -> None:
    (tmp_path / "s.tact").write_text(SCOPED_PACK, encoding="utf-8")
    running = start_server(tmp_path / "s.tact")
    resp = running.stub.Check(pb.CheckRequest(text="我们不能保证", explain=True), timeout=10)
    (t,) = resp.explanation.rules
    assert t.verdict == "excused" and resp.compliant
    (r,) = t.removed
    assert (r.by, r.scope, r.direction, r.cue.text, r.cue.span.start, r.distance, r.within) == ("scope", "negated", "before", "不", 2, 1, 2)
    assert r.source == "before @negators within 2 clause"


def test_without_the_flag_there_is_no_explanation(stub) -> None:
    resp = stub.Check(pb.CheckRequest(text=DONE_WHEN), timeout=10)
    assert not resp.HasField("explanation")
