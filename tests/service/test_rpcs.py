"""The four RPCs through the generated stubs against a real server on the shipped packs."""

from __future__ import annotations

import grpc
import pytest

from tactful.v1 import checker_pb2 as pb

DONE_WHEN_TEXT = "是的,但是我们绝对保证明天到货"


def test_check_flags_but_and_promise_and_rewrites_both_away(stub):
    """The issue's done-when: both violations, and a rewrite that is itself clean of both."""
    resp = stub.Check(pb.CheckRequest(text=DONE_WHEN_TEXT, request_id="req-1", sequence=7), timeout=5)
    categories = {v.category for v in resp.violations}
    assert {"contrastive_but", "unfulfillable_promise"} <= categories
    assert not resp.compliant
    assert resp.rewritten_text and resp.rewritten_text != DONE_WHEN_TEXT
    assert (resp.ruleset, resp.request_id, resp.sequence) == ("zh", "req-1", 7)
    assert len(resp.ruleset_version) >= 8
    again = stub.Check(pb.CheckRequest(text=resp.rewritten_text), timeout=5)
    assert not {"contrastive_but", "unfulfillable_promise"} & {v.category for v in again.violations}


def test_check_violation_fields_point_at_the_matched_words(stub):
    """Spans index the request text in code points and UTF-16; the suggestion's edit is inside the text."""
    text = "😀好。" + DONE_WHEN_TEXT  # one astral character shifts UTF-16 offsets by one
    resp = stub.Check(pb.CheckRequest(text=text), timeout=5)
    for v in resp.violations:
        assert text[v.span.start : v.span.end] == v.matched_text
        assert (v.span.utf16_start, v.span.utf16_end) == (v.span.start + 1, v.span.end + 1)
        assert v.severity != pb.SEVERITY_UNSPECIFIED
        assert v.id.startswith(v.rule_id + "-")
        assert v.rationale and v.pack
    promise = next(v for v in resp.violations if v.category == "unfulfillable_promise")
    assert promise.suggestions and promise.suggestions[0].edits
    assert all(e.span.start <= e.span.end <= len(text) for e in resp.applied_edits)
    edits = [e for v in resp.violations for s in v.suggestions for e in s.edits] + list(resp.applied_edits)
    assert edits and all((e.span.utf16_start, e.span.utf16_end) == (e.span.start + 1, e.span.end + 1) for e in edits)
    plain = stub.Check(pb.CheckRequest(text=DONE_WHEN_TEXT), timeout=5)
    assert all((e.span.utf16_start, e.span.utf16_end) == (e.span.start, e.span.end) for e in plain.applied_edits)


def test_check_of_a_clean_reply_is_compliant_and_unchanged(stub):
    resp = stub.Check(pb.CheckRequest(text="您好,已为您查询到订单,预计明天送达。"), timeout=5)
    assert resp.compliant and not resp.violations
    assert resp.rewritten_text == "您好,已为您查询到订单,预计明天送达。"


def test_check_without_request_id_gets_one_to_quote(stub):
    ids = [stub.Check(pb.CheckRequest(text="好的"), timeout=5).request_id for _ in range(3)]
    assert all(len(i) == 16 and set(i) <= set("0123456789abcdef") for i in ids)  # 16 hex digits, as before
    assert len(set(ids)) == 3


def test_list_rules_lists_rules_and_rulesets(stub):
    resp = stub.ListRules(pb.ListRulesRequest(ruleset="zh"), timeout=5)
    assert resp.ruleset == "zh" and resp.ruleset_version
    ids = {r.id for r in resp.rules}
    assert {"yes_and_over_but", "no_absolute_promise"} <= ids
    assert {"common", "zh"} <= set(resp.available_rulesets)
    assert all(r.category and r.severity != pb.SEVERITY_UNSPECIFIED and r.description for r in resp.rules)


def test_list_rules_version_matches_check_version(stub):
    """Every answer can be traced to the exact rules: Check and ListRules report the same hash."""
    listed = stub.ListRules(pb.ListRulesRequest(ruleset="zh"), timeout=5)
    checked = stub.Check(pb.CheckRequest(text=DONE_WHEN_TEXT, ruleset="zh"), timeout=5)
    assert listed.ruleset_version == checked.ruleset_version


def test_batch_answers_each_request_in_order(stub):
    texts = [DONE_WHEN_TEXT, "您好,请问有什么可以帮您?", "是的,但是需要审核"]
    batch = pb.BatchCheckRequest(requests=[pb.CheckRequest(text=t, request_id=f"r{i}") for i, t in enumerate(texts)])
    resp = stub.BatchCheck(batch, timeout=5)
    assert [r.request_id for r in resp.responses] == ["r0", "r1", "r2"]
    assert not resp.errors
    assert not resp.responses[0].compliant
    assert "contrastive_but" in {v.category for v in resp.responses[2].violations}


def test_batch_reports_a_bad_item_by_index_and_checks_the_rest(stub):
    """One bad request does not sink the batch, and its slot is never a silent empty success."""
    batch = pb.BatchCheckRequest(
        requests=[
            pb.CheckRequest(text=DONE_WHEN_TEXT, request_id="good"),
            pb.CheckRequest(text="x", ruleset="klingon", request_id="bad-ruleset"),
            pb.CheckRequest(text="x", context=pb.Context(locale="fr"), request_id="bad-locale"),
        ]
    )
    resp = stub.BatchCheck(batch, timeout=5)
    assert len(resp.responses) == 3
    assert resp.responses[0].violations
    errors = {e.index: e for e in resp.errors}
    assert set(errors) == {1, 2}
    assert errors[1].code == grpc.StatusCode.NOT_FOUND.value[0] and "klingon" in errors[1].message
    assert errors[2].code == grpc.StatusCode.INVALID_ARGUMENT.value[0] and "locale" in errors[2].message
    assert resp.responses[1].request_id == "bad-ruleset" and not resp.responses[1].compliant


def _drafts(n: int):
    """An agent typing the done-when reply, one character more per draft."""
    text = (DONE_WHEN_TEXT + "。") * 3
    for i in range(n):
        yield pb.CheckStreamRequest(draft=pb.CheckRequest(text=text[: 2 + i], sequence=i + 1))


def test_stream_answers_drafts_in_order_and_always_the_last(stub):
    responses = list(stub.CheckStream(_drafts(50), timeout=30))
    sequences = [r.result.sequence for r in responses]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    assert sequences[-1] == 50
    assert len(responses) + sum(r.skipped_drafts for r in responses) == 50


def test_superseded_drafts_are_reported_and_counted(start_server, shipped_copy, poll):
    """Drafts far slower to check than to send: most are superseded; the replies and the metric agree."""
    running = start_server(shipped_copy)  # its own server: no other test's streams in the metric
    heavy = DONE_WHEN_TEXT * 400
    drafts = (pb.CheckStreamRequest(draft=pb.CheckRequest(text=heavy + "好" * n, sequence=n)) for n in range(1, 31))
    responses = list(running.stub.CheckStream(drafts, timeout=60))
    skipped = sum(r.skipped_drafts for r in responses)
    assert responses[-1].result.sequence == 30 and len(responses) + skipped == 30
    assert skipped > 0
    poll(lambda: running.metric("tactful_stream_drafts_skipped_total") == skipped, 5.0, "the skipped drafts to be counted")


def test_stream_keeps_a_violation_id_while_the_agent_types_on(stub):
    """A highlight must not flicker: the same violation keeps its id in every later draft."""
    ids_by_rule: dict[str, set[str]] = {}
    for r in stub.CheckStream(_drafts(50), timeout=30):
        first = {}
        for v in r.result.violations:
            first.setdefault(v.rule_id, v)  # the first occurrence is the one present since it was typed
        for rule_id, v in first.items():
            ids_by_rule.setdefault(rule_id, set()).add(v.id)
    assert {"yes_and_over_but", "no_absolute_promise"} <= set(ids_by_rule)
    assert all(len(ids) == 1 for ids in ids_by_rule.values()), ids_by_rule


def test_stream_with_no_drafts_ends_cleanly(stub):
    assert list(stub.CheckStream(iter(()), timeout=5)) == []


@pytest.mark.parametrize("locale", ["zh-Hans", "zh-Hant"])
def test_locale_selects_the_chinese_pack(stub, locale):
    resp = stub.Check(pb.CheckRequest(text=DONE_WHEN_TEXT, context=pb.Context(locale=locale)), timeout=5)
    assert resp.ruleset == "zh"


def test_omit_rationale_leaves_only_the_rationale_out(stub):
    """The opt-out a per-keystroke frontend uses; ListRules still has every rule's rationale."""
    full = stub.Check(pb.CheckRequest(text=DONE_WHEN_TEXT, request_id="r"), timeout=5)
    lean = stub.Check(pb.CheckRequest(text=DONE_WHEN_TEXT, request_id="r", omit_rationale=True), timeout=5)
    assert full.violations and all(v.rationale for v in full.violations)
    assert not any(v.rationale for v in lean.violations)
    for v in full.violations:
        v.rationale = ""
    assert lean == full
    rules = {r.id: r.rationale for r in stub.ListRules(pb.ListRulesRequest(ruleset=full.ruleset), timeout=5).rules}
    assert all(rules[v.rule_id] for v in lean.violations)
