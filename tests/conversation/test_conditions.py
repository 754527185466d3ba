"""Conversation conditions through the real compiler and engine, on the shipped packs and small packs of our own."""

from __future__ import annotations

import pytest

import tactful
from tactful.compile.compiler import compile_text
from tactful.compile.ruleset import Library
from tactful.lang.diagnostics import CompileError
from tactful.model import Context, Turn
from tactful.tester import run_examples

COMPLAINT = (
    Turn("customer", "快递显示签收了可我根本没收到!", 0.0),
    Turn("agent", "请提供一下订单号", 10.0),
    Turn("customer", "1234567", 20.0),
)


@pytest.fixture(scope="module")
def zh() -> tactful.Ruleset:
    return tactful.load_rules().get("zh")


def test_complaint_two_turns_back_without_apology_points_at_the_complaint(zh: tactful.Ruleset) -> None:
    result = tactful.check(zh, "已为您查到,包裹在派送站。", Context(conversation=COMPLAINT))
    hits = [v for v in result.violations if v.category == "missing_courtesy" and v.turn_index is not None]
    assert [(v.rule, v.turn_index) for v in hits] == [("apologize_earlier_complaint", 0)]
    assert hits[0].to_dict()["turn_index"] == 0
    assert result.rewritten.startswith("非常抱歉给您带来不便,")


def test_an_apology_in_between_answers_the_complaint(zh: tactful.Ruleset) -> None:
    turns = (COMPLAINT[0], Turn("agent", "非常抱歉,请提供一下订单号"), COMPLAINT[2])
    result = tactful.check(zh, "已为您查到,包裹在派送站。", Context(conversation=turns))
    assert not [v for v in result.violations if v.rule == "apologize_earlier_complaint"]


def test_without_a_conversation_the_reply_is_checked_as_before(zh: tactful.Ruleset) -> None:
    plain = tactful.check(zh, "已为您查到,包裹在派送站。", Context(turn="middle"))
    assert plain.compliant
    assert "turn_index" not in tactful.check(zh, "是的,但是明天到", Context()).violations[0].to_dict()
    with_customer = tactful.check(zh, "已为您查到,包裹在派送站。", Context(customer=COMPLAINT[0].text))
    assert [v.rule for v in with_customer.violations] == ["apologize_on_complaint"]


def test_the_customer_last_turn_stands_in_for_the_customer_message(zh: tactful.Ruleset) -> None:
    result = tactful.check(zh, "已为您查到,包裹在派送站。", Context(conversation=COMPLAINT[:1]))
    assert {v.rule for v in result.violations} == {"greet_first", "apologize_on_complaint"}


def test_first_agent_turn_is_derived_from_the_conversation(zh: tactful.Ruleset) -> None:
    first = tactful.check(zh, "请问要办理什么业务?", Context(conversation=(Turn("customer", "在吗"),)))
    later = tactful.check(zh, "请问要办理什么业务?", Context(conversation=(Turn("customer", "在吗"), Turn("agent", "您好"))))
    assert "greet_first" in {v.rule for v in first.violations}
    assert "greet_first" not in {v.rule for v in later.violations}


def test_late_reply_reports_the_measured_delay(zh: tactful.Ruleset) -> None:
    ctx = Context(conversation=(Turn("customer", "在吗", 100.0), Turn("customer", "有人吗", 130.0)), at=172.0)
    late = [v for v in tactful.check(zh, "您好,请问有什么可以帮您?", ctx).violations if v.rule == "reply_within_time_limit"]
    assert len(late) == 1 and late[0].turn_index == 0
    assert "72 秒" in late[0].message
    quick = Context(conversation=ctx.conversation, at=125.0)
    assert not [v for v in tactful.check(zh, "您好,请问有什么可以帮您?", quick).violations if v.rule == "reply_within_time_limit"]
    no_time = Context(conversation=(Turn("customer", "在吗"),), at=500.0)
    assert not [v for v in tactful.check(zh, "您好,请问有什么可以帮您?", no_time).violations if v.rule == "reply_within_time_limit"]


PACK = """
list stalls = ["请耐心等待", "正在处理"]
list sorry = ["抱歉"]
list why = ["因为"]
rule rep {
  category stalling
  message "again"
  when @stalls repeated within 1 agent turn
  example bad "请耐心等待" given turns [agent "请耐心等待", customer "还要多久"]
  example good "请耐心等待" given turns [agent "您好", customer "还要多久"]
}
rule order {
  category missing_courtesy
  message "sorry first"
  when @why comes before @sorry
  example bad "因为下雨,抱歉"
  example good "抱歉,因为下雨"
}
rule slow {
  category stalling
  message "waited {delay}s"
  when reply after 1m
  example bad "在" given turns [customer "hi" at 10:00:00], at 10:01:30
  example good "在" given turns [customer "hi" at 10:00:00], at 10:00:30
}
"""


def test_repeated_wording_reports_the_span_and_the_earlier_turn() -> None:
    rs = compile_text(PACK)
    ctx = Context(conversation=(Turn("agent", "您好,正在处理"), Turn("customer", "?"), Turn("agent", "请耐心等待"), Turn("customer", "??")))
    hits = [v for v in tactful.check(rs, "还在正在处理,请耐心等待", ctx).violations if v.rule == "rep"]
    assert [(v.match, v.turn_index) for v in hits] == [("请耐心等待", 2)]
    # within 1 agent turn: the older agent turn's 正在处理 is out of reach
    assert [v.match for v in tactful.check(rs, "正在处理", ctx).violations if v.rule == "rep"] == []


def test_comes_before_flags_only_what_precedes_the_first_apology() -> None:
    rs = compile_text(PACK)
    hits = [v for v in tactful.check(rs, "因为下雨,抱歉,因为堵车").violations if v.rule == "order"]
    assert [(v.start, v.end) for v in hits] == [(0, 2)]
    assert not [v for v in tactful.check(rs, "因为下雨").violations if v.rule == "order"]


def test_examples_with_turns_run_and_a_wrong_one_fails() -> None:
    rs = compile_text(PACK)
    outcomes = list(run_examples(Library({rs.name: rs}, (rs.name,))))
    assert len(outcomes) == 6 and all(o.passed for o in outcomes), [o.reason for o in outcomes if not o.passed]
    wrong = PACK.replace('"hi" at 10:00:00], at 10:00:30', '"hi" at 10:00:00], at 10:02:30')
    rs2 = compile_text(wrong)
    failed = [o for o in run_examples(Library({rs2.name: rs2}, (rs2.name,))) if not o.passed]
    assert [(o.rule, o.bad) for o in failed] == [("slow", False)]


@pytest.mark.parametrize(
    ("snippet", "code", "column"),
    [
        ("when customer said @x within 0 turns", "E224", 8),
        ("when reply after 0s", "E225", 8),
        ("when agent said @nope within 2 turns", "E203", 19),
    ],
)
def test_conversation_compile_errors_point_at_the_source(snippet: str, code: str, column: int) -> None:
    text = f'list x = ["a"]\nrule r {{\n  category stalling message "m"\n  {snippet}\n  example bad "a" example good "b"\n}}\n'
    with pytest.raises(CompileError) as info:
        compile_text(text, "conv.tact")
    diag = info.value.diagnostics[0]
    assert (diag.code, diag.span.line, diag.span.column) == (code, 4, column)
    assert diag.hint


def test_a_bad_duration_is_a_syntax_error_with_a_hint() -> None:
    text = 'rule r {\n  category stalling message "m"\n  when reply after 30 seconds\n  example bad "a" example good "b"\n}\n'
    with pytest.raises(CompileError) as info:
        compile_text(text, "conv.tact")
    diag = info.value.diagnostics[0]
    assert (diag.code, diag.span.line) == ("E101", 3)
    assert "duration" in (diag.hint or "")
