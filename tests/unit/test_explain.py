"""The explain tracer: verdicts, failing conjuncts, removals by unless and by scope cue, source quotes,
and agreement with `check` on every example of the shipped packs."""

from __future__ import annotations

import pytest

import tactful
from tactful.compile.compiler import compile_text
from tactful.engine import check
from tactful.engine.explain import EXCUSED, FIRED, NOT_MATCHED, SUPPRESSED, explain, walk
from tactful.model import Context
from tactful.tester.runner import context_of

PACK = """
pack "t" { version "1" locale zh-Hans normalize [nfkc, width, casefold, t2s] }
list negators = ["不", "没"]
scope negated { before @negators within 2 clause }
list promises = ["保证", "一定"]
rule promise {
  category unfulfillable_promise
  message "x"
  when @promises
  unless ["为了保证"]
  unless in negated
  example bad "我保证" example good "为了保证安全"
}
rule greet {
  category missing_courtesy
  message "greet"
  when turn is first and not ["您好"]
  example bad "在的" given turn first
  example good "您好" given turn first
}
rule quiet {
  category rude
  message "q"
  when ["闭嘴"]
  unless channel is phone
  example bad "闭嘴" example good "闭嘴" given channel phone
}
"""


@pytest.fixture(scope="module")
def rs() -> tactful.Ruleset:
    return compile_text(PACK, "t.tact")


def _trace(rs, text, rule, ctx=None):
    (t,) = explain(rs, text, ctx, (rule,)).rules
    return t


def test_unless_removal_names_the_exception_and_its_span(rs) -> None:
    t = _trace(rs, "为了保证您的安全", "promise")
    assert t.verdict == EXCUSED and not t.fired
    (r,) = t.removed
    assert (r.by, r.span.text, r.span.start, r.span.end) == ("unless", "保证", 2, 4)
    assert r.cue is not None and (r.cue.text, r.cue.start, r.cue.end) == ("为了保证", 0, 4)
    assert r.source == '["为了保证"]' and r.location.startswith("t.tact:10:")


def test_scope_removal_names_scope_cue_direction_and_distance(rs) -> None:
    t = _trace(rs, "我们不能保证", "promise")
    assert t.verdict == EXCUSED
    (r,) = t.removed
    assert (r.by, r.scope, r.direction, r.distance, r.within) == ("scope", "negated", "before", 1, 2)
    assert r.cue is not None and r.cue.text == "不" and (r.cue.start, r.cue.end) == (2, 3)
    assert r.source == "before @negators within 2 clause"


def test_a_clause_break_keeps_the_match_and_the_rule_fires(rs) -> None:
    t = _trace(rs, "不,我保证", "promise")
    assert t.verdict == FIRED and not t.removed
    assert [(k.text, k.start) for k in t.kept] == [("保证", 3)]


def test_failed_conjunct_is_named(rs) -> None:
    t = _trace(rs, "您好", "greet", Context(turn="first"))
    assert t.verdict == NOT_MATCHED
    assert "`not [\"您好\"]` is false" in t.reason
    kinds = [(n.kind, n.holds) for n in walk(t.when)]
    assert kinds == [("and", False), ("turn", True), ("not", False), ("contains", True)]
    assert t.when.children[0].note == "turn is first"
    assert t.when.source == 'turn is first and not ["您好"]'


def test_spanless_unless_suppresses_the_rule(rs) -> None:
    t = _trace(rs, "闭嘴", "quiet", Context(channel="phone"))
    assert t.verdict == SUPPRESSED and "channel is phone" in t.reason
    assert _trace(rs, "闭嘴", "quiet").verdict == FIRED


def test_only_considered_rules_by_default_and_unknown_rule_is_a_key_error(rs) -> None:
    ids = [t.rule for t in explain(rs, "我保证").rules]
    assert ids == ["promise", "greet"]  # greet tests the context only, so it is always considered
    with pytest.raises(KeyError, match="unknown rule 'nope'"):
        explain(rs, "x", None, ("nope",))


def test_spans_are_in_the_original_text_with_utf16(rs) -> None:
    t = _trace(rs, "😀我保證", "promise")  # Traditional + an astral character before the match
    (k,) = t.kept
    assert (k.start, k.end, k.utf16_start, k.utf16_end, k.text) == (2, 4, 3, 5, "保證")


def test_agrees_with_check_on_every_shipped_example() -> None:
    library = tactful.load_rules()
    seen = 0
    for rs in library.rulesets.values():
        for rule in rs.rules:
            for ex in rule.examples:
                ctx = context_of(ex.given)
                explanation = explain(rs, ex.text, ctx, (rule.id,))
                (t,) = explanation.rules
                flagged = sorted((v.start, v.end) for v in check(rs, ex.text, ctx).violations if v.rule == rule.id)
                assert t.fired == bool(flagged), (rule.id, ex.text, t.reason)
                if t.fired and t.kept:
                    assert sorted((k.start, k.end) for k in t.kept) == flagged, (rule.id, ex.text)
                seen += 1
    assert seen > 500


SEGMENT_PACK = """
pack "g" { version "1" locale zh-Hans }
list reasons = ["因为", "由于"]
rule bare_no {
  category flat_refusal
  message "m"
  when ["不行"] without @reasons in sentence and not ("退" near "钱" within clause)
  unless quoted
  example bad "不行。" example good "因为缺货,不行。"
}
"""


def test_clause_and_sentence_conditions_and_quotations_are_traced_with_their_source() -> None:
    rs = compile_text(SEGMENT_PACK, "g.tact")
    t = _trace(rs, "因为缺货,不行。", "bare_no")
    assert t.verdict == NOT_MATCHED
    without = t.when.children[0]
    assert (without.kind, without.source, without.holds) == ("without", '["不行"] without @reasons in sentence', False)
    assert without.note == "every match has the right side in its clause/sentence"
    assert [c.source for c in without.children] == ['["不行"]', "@reasons"]
    near = t.when.children[1].children[0]
    assert (near.kind, near.source) == ("near_clause", '"退" near "钱" within clause')
    quoted = _trace(rs, "您说“不行”。", "bare_no")
    assert quoted.verdict == EXCUSED and quoted.unless[0].kind == "quoted"
    (r,) = quoted.removed
    assert (r.span.text, r.source) == ("不行", "quoted")
