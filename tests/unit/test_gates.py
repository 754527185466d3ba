"""Context gates (compile/gates.py): the rules a request's context rules out before the reply is
read are never ones that would have fired, and the shipped zh pack's context-only rules are
ruled out for a request that says nothing of turn, time or customer."""

from __future__ import annotations

import importlib
from itertools import product

import pytest

from tactful.compile.compiler import compile_path, compile_text
from tactful.compile.ruleset import Ruleset
from tactful.model import Context, Turn

check_module = importlib.import_module("tactful.engine.check")  # the module, not the check() the package exports

REPLIES = [
    "请问要办理什么业务?",
    "您好,请问有什么可以帮您?",
    "不知道,你自己去问快递",
    "是的,但是我们绝对保证明天到货",
    "退款已经提交,1到3个工作日到账。",
    "感谢您的来电,再见。",
    "Sure, I'll definitely fix it tomorrow.",
]
CONTEXTS = [
    Context(),
    Context(turn="first"),
    Context(turn="last"),
    Context(turn="first", time=(9, 30)),
    Context(turn="middle", time=(14, 0), channel="chat"),
    Context(customer="快递显示签收了可我根本没收到!"),
    Context(customer="快递显示签收了可我根本没收到!", turn="first", locale="zh-Hans"),
    Context(conversation=(Turn("customer", "在吗", 0.0),), at=65.0),
    Context(
        conversation=(Turn("customer", "快递显示签收了可我根本没收到!"), Turn("agent", "请提供一下订单号"), Turn("customer", "1234567")),
    ),
]


@pytest.fixture(scope="module")
def shipped() -> list[Ruleset]:
    from tactful.cli.library import shipped_rules

    library = compile_path(shipped_rules())
    return [library.get(name) for name in library.leaves]


def test_a_rule_ruled_out_by_the_context_never_fires(shipped: list[Ruleset]) -> None:
    checked = 0
    for rs, text, ctx in product(shipped, REPLIES, CONTEXTS):
        scan = check_module._scan(rs, text, ctx)
        everything = check_module._candidates(rs, scan)
        kept = set(check_module._candidates_for(rs, scan, ctx))
        for idx in everything:
            if idx not in kept:
                checked += 1
                assert rs.rules[idx].evaluate(scan) is None, (rs.name, rs.rules[idx].id, text, ctx)
    assert checked > 100  # the gates did rule rules out, so the assertion above was exercised


def test_a_request_without_turn_or_customer_skips_the_context_only_rules(shipped: list[Ruleset]) -> None:
    zh = next(rs for rs in shipped if rs.name == "zh")
    ids = {rs_rule.id: i for i, rs_rule in enumerate(zh.rules)}
    bare = zh.context_rules(Context(), customer=False).always
    assert ids["greet_first"] not in bare
    assert ids["close_last"] not in bare
    assert ids["apologize_on_complaint"] not in bare
    first = zh.context_rules(Context(turn="first"), customer=False).always
    assert ids["greet_first"] in first
    assert ids["close_last"] not in first
    assert ids["apologize_on_complaint"] in zh.context_rules(Context(), customer=True).always


def test_not_of_a_context_test_and_a_triggered_rule_gated_by_channel() -> None:
    rs = compile_text(
        """rule not_phone { category rude message "x" when not channel is phone and ["你"]
  example bad "你" example good "您" example good "你" given channel phone }
rule only_chat { category rude message "y" when ["喂"] and channel is chat example bad "喂" given channel chat example good "喂" }"""
    )
    i_not, i_chat = 0, 1
    phone = rs.context_rules(Context(channel="phone"), customer=False)
    chat = rs.context_rules(Context(channel="chat"), customer=False)
    assert i_not in phone.blocked and i_chat in phone.blocked
    assert not chat.blocked
    found = check_module.check(rs, "喂,你", Context(channel="chat")).violations
    assert [v.rule for v in found] == ["only_chat", "not_phone"]  # in text order
    assert check_module.check(rs, "喂,你", Context(channel="phone")).violations == ()
