"""Candidate prefilter (compile/prefilter.py): a candidate the scan's atoms rule out is never a rule
that would have fired, and the conjunctions it reads (`and not @x`, both sides of `followed by`,
`or` of conjunctions) do rule candidates out."""

from __future__ import annotations

import importlib
from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tactful.cli.library import shipped_rules
from tactful.compile.compiler import compile_path, compile_text
from tactful.compile.ruleset import Library, Ruleset
from tactful.model import Context

check_module = importlib.import_module("tactful.engine.check")  # the module, not the check() the package exports

PACK = """
list refusals = ["不行", "没办法"]
list alternatives = ["帮您", "可以为您"]
list parties = ["快递", "厂家"]
rule bare { category flat_refusal message "x" when @refusals and not @alternatives
  example bad "不行" example good "不行,我帮您看看" }
rule redirect { category blame_shifting message "y" when /(联系|找)/ followed by @parties within 4
  example bad "请联系快递" example good "请联系我们" example good "快递到了" }
rule either { category rude message "z" when (["你"] and ["笨"]) or (["咱"] and /傻/)
  example bad "你真笨" example bad "咱犯傻" example good "你好" example good "咱们" }
rule reasoned { category flat_refusal message "r" when ["拒绝"] and not (["因为"] and not ["规定"])
  example bad "拒绝" example bad "拒绝,因为规定" example good "拒绝,因为缺货" }
rule split { category rude message "s" when ["喂"] and ((["甲"] and not ["乙"]) or (["丙"] and not ["丁"]))
  example bad "喂甲" example bad "喂乙丙" example good "喂乙甲" example good "喂丙丁" }
rule stock { category flat_refusal message "k" when ["没货"] and not /因为.{0,6}缺/
  example bad "没货" example good "因为厂家缺料,没货" }
rule later { category stalling message "l" when ["断货"] and not /(稍后)*/
  example bad "断货" example good "断货,稍后" }
"""
WORDS = [*"不行 没办法 帮您 可以为您 快递 厂家 联系 找 你 笨 咱 傻 拒绝 因为 规定 喂 甲 乙 丙 丁 我们 x 没货 缺 断货 稍后".split(), ","]


@lru_cache(maxsize=1)
def _fixture() -> Ruleset:
    return compile_text(PACK)


def _ids(rs: Ruleset, indexes: list[int]) -> list[str]:
    return [rs.rules[i].id for i in indexes]


def _considered(rs: Ruleset, text: str, ctx: Context | None = None) -> tuple[list[str], list[str]]:
    """(the candidates explain lists, the ones check evaluates)."""
    ctx = ctx or Context()
    scan = check_module._scan(rs, text, ctx)
    return _ids(rs, check_module._candidates(rs, scan)), _ids(rs, check_module._candidates_for(rs, scan, ctx))


def test_a_conjunct_that_cannot_hold_drops_the_candidate() -> None:
    rs = _fixture()
    assert _considered(rs, "不行,我帮您看看") == (["bare"], [])
    assert _considered(rs, "不行") == (["bare"], ["bare"])
    # `followed by` needs both sides: 联系 alone is a trigger of `redirect` but cannot satisfy it
    assert _considered(rs, "请联系我们") == (["redirect"], [])
    assert _considered(rs, "请联系快递") == (["redirect"], ["redirect"])
    # each side of the `or` is a conjunction: one atom of each pair is not enough
    assert _considered(rs, "你们好") == (["either"], [])
    assert _considered(rs, "你好笨") == (["either"], ["either"])
    assert [v.rule for v in check_module.check(rs, "你好笨").violations] == ["either"]


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8))
def test_a_dropped_rule_never_holds_on_the_fixture_pack(parts: list[str]) -> None:
    rs = _fixture()
    text = "".join(parts)
    scan = check_module._scan(rs, text, Context())
    for rule, need in zip(rs.rules, rs.prefilters, strict=True):
        if need is not None and not need.admits(scan.terms, scan.regex_ok):
            assert not rule.when.eval(scan)[0], (rule.id, text)


def test_a_negated_regex_the_set_reports_drops_the_candidate_unless_it_can_match_empty() -> None:
    rs = _fixture()
    # /因为.{0,6}缺/ cannot match empty, so the RE2 set reporting it decides `not /…/` without running it
    assert _considered(rs, "没货,因为仓库缺了") == (["stock"], [])
    assert _considered(rs, "没货") == (["stock"], ["stock"])
    # /(稍后)*/ matches empty everywhere: the set always reports it, yet `not /(稍后)*/` holds without 稍后
    assert _considered(rs, "断货") == (["later"], ["later"])
    assert [v.rule for v in check_module.check(rs, "断货").violations] == ["later"]
    assert check_module.check(rs, "断货,稍后").violations == ()


def test_a_negated_conjunction_or_one_side_of_an_or_vetoes_nothing() -> None:
    rs = _fixture()
    # `not (因为 and not 规定)` holds with 因为 present when 规定 is too; one `or` side's veto is not the other's
    assert [v.rule for v in check_module.check(rs, "拒绝,因为规定").violations] == ["reasoned"]
    assert [v.rule for v in check_module.check(rs, "喂乙丙").violations] == ["split"]
    assert check_module.check(rs, "拒绝,因为缺货").violations == ()


def test_the_explain_trace_still_lists_a_dropped_candidate() -> None:
    from tactful.engine.explain import explain

    rs = _fixture()
    trace = {t.rule: t.verdict for t in explain(rs, "不行,我帮您看看").rules}
    assert trace == {"bare": "not_matched"}


@lru_cache(maxsize=1)
def _library() -> Library:
    return compile_path(shipped_rules())


def _words() -> list[str]:
    """A spread of every shipped pack's literal terms, plus punctuation and filler."""
    words: list[str] = []
    for name in _library().leaves:
        terms = sorted(_library().get(name).matcher.terms)
        words += terms[:: max(1, len(terms) // 150)]
    words += ["是的,但是", "不知道", "请联系快递", "绝对保证", "您", "不", "帮您", "因为", "稍等", "I can't", "sorry", "but "]
    return [*words, ",", "。", "!", "?", " ", "的", "x"]


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_words()), min_size=1, max_size=14), st.sampled_from([Context(), Context(turn="first")]))
def test_a_dropped_rule_never_holds_on_shipped_packs(parts: list[str], ctx: Context) -> None:
    text = "".join(parts)
    for name in _library().leaves:
        rs = _library().get(name)
        scan = check_module._scan(rs, text, ctx)
        for rule, need in zip(rs.rules, rs.prefilters, strict=True):
            if need is not None and not need.admits(scan.terms, scan.regex_ok):
                assert not rule.when.eval(scan)[0], (name, rule.id, text)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_words()), min_size=1, max_size=14))
def test_a_guard_the_atoms_decide_is_decided_as_evaluating_it_would(parts: list[str]) -> None:
    text = "".join(parts)
    for name in _library().leaves:
        rs = _library().get(name)
        scan = check_module._scan(rs, text, Context())
        for rule, tests in zip(rs.rules, rs.guard_tests, strict=True):
            for fix, test in zip(rule.fixes, tests, strict=True):
                if fix.guard is None or test is None:
                    continue
                decided = test.decide(scan.terms, scan.regex_ok)
                if decided >= 0:
                    assert (decided == 1) == fix.guard.eval(scan)[0], (name, rule.id, text)


GUARDED = """
list pending = ["订单", "退款"]
rule wait { category stalling message "w" when ["等待"]
  append "我会跟进。" if /已(提交|反馈)/
  append "稍后回复您。" if @pending and not /不断/
  example bad "请等待" example bad "订单已提交,请等待" -> "订单已提交,请等待。我会跟进。稍后回复您。" example good "好的" }
"""


def test_a_guard_decided_by_the_set_runs_no_regex_and_keeps_the_fixes_it_offers() -> None:
    rs = compile_text(GUARDED)
    regex_guard, mixed_guard = rs.guard_tests[0]
    assert regex_guard is not None and mixed_guard is not None
    scan = check_module._scan(rs, "订单已提交,请等待", Context())
    assert regex_guard.decide(scan.terms, scan.regex_ok) == 1  # a never-empty regex the set reports: holds
    assert mixed_guard.decide(scan.terms, scan.regex_ok) == -1  # `@pending and not /…/`: no atom proves it
    assert check_module._offered(rs.rules[0], rs.guard_tests[0], scan) == rs.rules[0].fixes
    assert scan._regex_cache == {}  # the decided guard ran no regex; the other one's `not` read the set only
    scan = check_module._scan(rs, "请等待", Context())
    assert regex_guard.decide(scan.terms, scan.regex_ok) == 0 and mixed_guard.decide(scan.terms, scan.regex_ok) == 0
    assert check_module.check(rs, "请等待").rewritten == "请等待"
    assert check_module.check(rs, "退款不断在处理,已反馈,请等待").rewritten == "退款不断在处理,已反馈,请等待。我会跟进。"
