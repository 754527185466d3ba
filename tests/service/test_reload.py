"""Hot reload: edits are served within seconds, and broken or untested rules never replace the last good ones."""

from __future__ import annotations

from grpc_health.v1 import health_pb2

from tactful.v1 import checker_pb2 as pb

RULE = """rule reload_probe {{
  category rude
  severity warning
  message "probe"
  when /{word}/
  example bad "你{word}了"
  example good "好的"
}}
"""
BROKEN = 'rule reload_probe {\n  category rude\n  when /不耐烦/\n  example bad "x" ->\n}\n'
UNTESTED = RULE.format(word="不耐烦").replace('example good "好的"', 'example good "不耐烦"')


def _check(running, text: str = "你不耐烦了,你太啰嗦了") -> pb.CheckResponse:
    return running.stub.Check(pb.CheckRequest(text=text, ruleset="zh"), timeout=5)


def _probe_hits(resp: pb.CheckResponse) -> list[str]:
    return [v.matched_text for v in resp.violations if v.rule_id == "reload_probe"]


def test_edit_break_fix_cycle(start_server, rules_copy, poll, capsys):
    running = start_server(rules_copy, reload_interval=0.05)
    original = _check(running).ruleset_version
    probe = rules_copy / "zh" / "probe.tact"

    probe.write_text(RULE.format(word="不耐烦"), encoding="utf-8")
    edited = poll(lambda: (r := _check(running)).ruleset_version != original and r, what="the edited rules to be served")
    assert _probe_hits(edited) == ["不耐烦"]

    failures = running.metric("tactful_ruleset_reloads_total", result="failure")
    probe.write_text(BROKEN, encoding="utf-8")
    poll(lambda: running.metric("tactful_ruleset_reloads_total", result="failure") > failures, what="the broken file to be rejected")
    assert _check(running).ruleset_version == edited.ruleset_version
    assert running.health_status("tactful.v1.CheckerService") == health_pb2.HealthCheckResponse.SERVING
    assert f"{probe}:5:1" in capsys.readouterr().err  # the compile error is logged as file:line:col

    probe.write_text(RULE.format(word="啰嗦"), encoding="utf-8")
    fixed = poll(lambda: (r := _check(running)).ruleset_version not in (original, edited.ruleset_version) and r, what="the fix")
    assert _probe_hits(fixed) == ["啰嗦"]


def test_rules_whose_examples_fail_are_not_swapped_in(start_server, rules_copy, poll):
    running = start_server(rules_copy, reload_interval=0.05)
    before = _check(running).ruleset_version
    failures = running.metric("tactful_ruleset_reloads_total", result="failure")
    (rules_copy / "zh" / "probe.tact").write_text(UNTESTED, encoding="utf-8")
    poll(lambda: running.metric("tactful_ruleset_reloads_total", result="failure") > failures, what="the untested rule to be rejected")
    assert _check(running).ruleset_version == before
    assert not _probe_hits(_check(running))


def test_served_version_is_exported_as_a_metric(start_server, rules_copy, poll):
    running = start_server(rules_copy, reload_interval=0.05)
    old = _check(running).ruleset_version
    assert running.metric("tactful_ruleset_info", ruleset="zh", version=old) == 1
    (rules_copy / "zh" / "probe.tact").write_text(RULE.format(word="不耐烦"), encoding="utf-8")
    new = poll(lambda: (v := _check(running).ruleset_version) != old and v, what="the reload")
    # The new library is served a moment before the swap callback updates the metric (another thread).
    poll(lambda: running.metric("tactful_ruleset_info", ruleset="zh", version=new) == 1, what="the metric to name the new version")
    assert running.metric("tactful_ruleset_info", ruleset="zh", version=old) == 0


def test_in_flight_requests_finish_on_the_library_they_started_with(start_server, rules_copy, poll):
    """A stream that began before a reload is answered consistently: every answer names a version that was served."""
    running = start_server(rules_copy, reload_interval=0.05)
    old = _check(running).ruleset_version
    (rules_copy / "zh" / "probe.tact").write_text(RULE.format(word="不耐烦"), encoding="utf-8")
    drafts = (pb.CheckStreamRequest(draft=pb.CheckRequest(text="你不耐烦了" + "。" * i, ruleset="zh", sequence=i + 1)) for i in range(200))
    for r in running.stub.CheckStream(drafts, timeout=30):
        assert bool(_probe_hits(r.result)) == (r.result.ruleset_version != old)
