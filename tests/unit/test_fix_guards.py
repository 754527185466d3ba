"""`append "…" if EXPR`: the parsed guard, and what check offers when it holds and when it does not."""

from __future__ import annotations

from tactful import load_rules
from tactful.compile.compiler import compile_text
from tactful.engine.check import check
from tactful.engine.explain import explain
from tactful.lang import ast
from tactful.lang.parse import parse

PACK = """
class pending_case = ["订单", "退款"]
rule stall_guarded {
  category stalling
  message "让客户干等"
  when "请耐心等待"
  append "我会在[时间]前把进度告诉您。" if @pending_case and not /不断/
  suggest "给出时间"
  example bad "您的订单请耐心等待" -> "您的订单请耐心等待。我会在[时间]前把进度告诉您。"
  example bad "请耐心等待"
  example good "好的"
}
"""


def test_the_guard_is_parsed_onto_its_fix_and_other_fixes_have_none() -> None:
    tree, diags = parse(PACK, "t.tact")
    assert not diags
    rule = next(item for item in tree.items if isinstance(item, ast.Rule))
    append, suggest = rule.fixes
    assert append.kind == "append" and isinstance(append.guard, ast.And)
    assert suggest.kind == "suggest" and suggest.guard is None


def test_a_holding_guard_offers_the_edit_first_and_the_suggestion_after_it() -> None:
    result = check(compile_text(PACK), "您的退款请耐心等待")
    assert result.rewritten == "您的退款请耐心等待。我会在[时间]前把进度告诉您。"
    (v,) = result.violations
    assert [bool(s.edits) for s in v.suggestions] == [True, False]


def test_a_failed_guard_leaves_only_the_suggestion_and_no_rewrite() -> None:
    rs = compile_text(PACK)
    for text in ("请耐心等待", "我们会不断改进订单系统,请耐心等待"):
        result = check(rs, text)
        (v,) = result.violations
        assert result.rewritten == text
        assert [(s.description, s.edits) for s in v.suggestions] == [("给出时间", ())]


def test_explain_reports_whether_the_guard_held() -> None:
    rs = compile_text(PACK)
    held = explain(rs, "您的订单请耐心等待").rules[0]
    failed = explain(rs, "请耐心等待").rules[0]
    assert [g.holds for g in held.guards] == [True] and "guard" in held.reason and "holds" in held.reason
    assert [g.holds for g in failed.guards] == [False] and "does not hold" in failed.reason
    assert failed.to_dict()["guards"][0]["source"] == "@pending_case and not /不断/"


def test_an_append_goes_before_a_trailing_apology_and_rating_request_not_after_the_goodbye() -> None:
    """The shipped zh pack's `sign_off` (its vocabulary is the pack's; the engine only places)."""
    zh = load_rules().select("zh")
    tail = "我会在[时间]前把处理进度告诉您。"
    got = check(zh, "订单已加急,请耐心等待 小妹怠慢的地方还请见谅,辛苦您给个好评哦").rewritten
    assert got == f"订单已加急,请耐心等待 {tail}小妹怠慢的地方还请见谅,辛苦您给个好评哦"
    # 辛苦您再等等 is the wait itself, not a sign-off: the template follows it
    assert check(zh, "订单请耐心等待,辛苦您再等等").rewritten == f"订单请耐心等待,辛苦您再等等。{tail}"
    # an agent's signature in brackets ends the reply; a bracket inside it is no signature
    assert check(zh, "退款在处理,请耐心等待。（客服小李）").rewritten == f"退款在处理,请耐心等待。{tail}（客服小李）"
    assert check(zh, "退款（原路）在处理,请耐心等待").rewritten == f"退款（原路）在处理,请耐心等待。{tail}"


def test_the_language_server_resolves_a_class_named_in_a_guard() -> None:
    from tactful.lsp.features import target

    line = PACK.splitlines().index('  append "我会在[时间]前把进度告诉您。" if @pending_case and not /不断/')
    col = PACK.splitlines()[line].index("pending_case") + 2
    found = target(PACK, line, col)
    assert found is not None and found.tok.text == "pending_case" and "class" in found.kinds
