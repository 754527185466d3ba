"""Engine behaviour on the core fixture pack: spans in the original text, UTF-16 offsets,
rewrites and their re-check, context predicates, determinism."""

from __future__ import annotations

from pathlib import Path

import pytest

from tactful import load_rules
from tactful.compile.compiler import compile_path, compile_text
from tactful.compile.ruleset import Ruleset
from tactful.engine import check
from tactful.model import Context, Severity

CORE = Path(__file__).resolve().parent.parent / "fixtures" / "core"


@pytest.fixture(scope="module")
def core() -> Ruleset:
    return compile_path(CORE).get("core")


def rules_of(rs: Ruleset, text: str, ctx: Context | None = None) -> list[str]:
    return [v.rule for v in check(rs, text, ctx).violations]


def test_spans_on_traditional_input_point_into_the_traditional_text(core: Ruleset) -> None:
    text = "是的，但是我們絕對保證明天到貨"
    result = check(core, text)
    by_rule = {v.rule: v for v in result.violations}
    assert text[by_rule["yes_but"].start : by_rule["yes_but"].end] == "是的，但是"
    promise = by_rule["promise"]
    assert promise.match == "絕對保證" == text[promise.start : promise.end]
    # the rewrite keeps the agent's script and punctuation
    assert result.rewritten == "是的，同時我們會盡力確保明天到貨"


def test_full_width_input_matches_half_width_terms(core: Ruleset) -> None:
    text = "thank ｕ"
    (v,) = check(core, text).violations
    assert (v.rule, v.start, v.end, v.match) == ("english_u", 6, 7, "ｕ")


def test_emoji_before_a_match_shifts_utf16_offsets_only(core: Ruleset) -> None:
    text = "😀😀是的,但是"
    (v,) = check(core, text).violations
    assert (v.start, v.end) == (2, 7)
    assert (v.utf16_start, v.utf16_end) == (4, 9)


def test_noise_characters_between_letters_are_skipped(core: Ruleset) -> None:
    text = "您别无*理*取*闹"
    (v,) = check(core, text).violations
    assert v.rule == "rude_words"
    assert text[v.start : v.end] == "无*理*取*闹"


def test_exceptions_negation_and_hedges_suppress_matches(core: Ruleset) -> None:
    assert rules_of(core, "为了保证您的账户安全,请勿外传") == []
    assert rules_of(core, "这个我们无法保证") == []
    assert rules_of(core, "不知道您现在方便吗?") == []
    assert rules_of(core, "这个我不知道。") == ["refusal"]
    assert rules_of(core, "我保证") == ["promise"]


def test_context_predicates(core: Ruleset) -> None:
    assert rules_of(core, "请问办理什么业务", Context(turn="first")) == ["greet"]
    assert rules_of(core, "请问办理什么业务", Context(turn="middle")) == []
    assert "morning" in rules_of(core, "您好", Context(turn="first", time=(11, 59)))
    assert "morning" not in rules_of(core, "您好", Context(turn="first", time=(12, 0)))
    assert "morning" not in rules_of(core, "您好", Context(turn="first"))
    assert rules_of(core, "已处理", Context(turn="last")) == ["closing"]
    assert rules_of(core, "已为您补发", Context(customer="東西壞了!")) == ["apology"]
    assert rules_of(core, "抱歉,已为您补发", Context(customer="东西坏了")) == []
    assert "phone_channel" in rules_of(core, "您好", Context(turn="first", channel="phone"))
    assert "phone_channel" not in rules_of(core, "您好,工号1024", Context(turn="first", channel="phone"))


def test_context_only_violation_has_an_empty_span_and_an_insertion(core: Ruleset) -> None:
    result = check(core, "已处理", Context(turn="last"))
    (v,) = result.violations
    assert (v.start, v.end, v.match) == (0, 0, "")
    assert result.rewritten == "已处理。感谢您的耐心"


def test_count_starts_followed_and_checksums(core: Ruleset) -> None:
    (v,) = check(core, "快点!!!").violations
    assert (v.rule, v.match) == ("shouting", "!!!")
    assert rules_of(core, "喂,说话") == ["starts_with_hey"]
    assert rules_of(core, "您好,喂养宠物要注意") == []
    assert rules_of(core, "保证明天一定到") == ["promise", "promise_near"]
    assert rules_of(core, "一定到,我保证") == ["promise"]
    assert rules_of(core, "卡号4111 1111 1111 1111") == ["card_number"]
    assert rules_of(core, "卡号4111 1111 1111 1112") == []


def test_latin_terms_match_whole_words_only(core: Ruleset) -> None:
    assert rules_of(core, "thank you") == []
    assert rules_of(core, "see u tomorrow") == ["english_u"]
    assert rules_of(core, "u") == ["english_u"]


def test_rewrite_applies_all_non_conflicting_edits_and_recheck_is_clean(core: Ruleset) -> None:
    ctx = Context(turn="first", customer="快递太慢了")
    result = check(core, "是的,但是我们绝对保证明天到货", ctx)
    assert {v.rule for v in result.violations} == {"yes_but", "promise", "greet", "apology"}
    again = check(core, result.rewritten, ctx)
    assert again.violations == ()
    assert result.rewritten == "您好,非常抱歉,是的,同时我们会尽力确保明天到货"


def test_conflicting_edits_prefer_higher_severity() -> None:
    rs = compile_text(
        """
        rule low { category slang severity info message "m" when "绝对" rewrite "LOW"
          example bad "绝对" -> "LOW" example good "x" }
        rule high { category unfulfillable_promise severity error message "m" when "绝对保证" rewrite "HIGH"
          example bad "绝对保证" -> "HIGH" example good "x" }
        """
    )
    result = check(rs, "我绝对保证")
    assert [v.rule for v in result.violations] == ["low", "high"]  # reported in text order
    assert result.violations[1].severity is Severity.ERROR
    assert result.rewritten == "我HIGH"


def test_insert_before_and_after() -> None:
    rs = compile_text(
        """
        rule wait { category stalling message "m" when "请稍等" insert after ",我马上为您查询"
          example bad "请稍等" -> "请稍等,我马上为您查询" example good "好的" }
        rule please { category missing_courtesy message "m" when /^帮我/ insert before "请"
          example bad "帮我看看" -> "请帮我看看" example good "请帮我看看" }
        """
    )
    assert check(rs, "请稍等").rewritten == "请稍等,我马上为您查询"
    assert check(rs, "帮我看看").rewritten == "请帮我看看"


def test_output_is_deterministic(core: Ruleset) -> None:
    text = "是的,但是我不知道,您别无理取闹!!!我们绝对保证"
    first = check(core, text, Context(turn="last"))
    for _ in range(5):
        assert check(core, text, Context(turn="last")) == first


def test_compiled_ruleset_is_shared_safely_between_threads(core: Ruleset) -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = ["是的,但是我们绝对保证", "这个我不知道", "您好", "thank u"] * 50
    expected = [check(core, t) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(lambda t: check(core, t), texts)) == expected


def test_english_append_case_and_apostrophes() -> None:
    rs = compile_text(
        """
        pack "e" { locale en normalize [nfkc, width, casefold] }
        map slang = { "wanna" -> "would you like to" }
        rule slang { category slang message "m" when @slang rewrite using @slang
          example bad "do you wanna go" -> "do you would you like to go" example good "want to" }
        rule bye { category missing_courtesy message "m" when turn is last and not "thank" append "Thank you!"
          example bad "Done." given turn last -> "Done. Thank you!" example good "Done, thank you." given turn last }
        rule cant { category flat_refusal message "m" when "can't do that"
          example bad "I can't do that" example good "I can do that" }
        """
    )
    assert check(rs, "Wanna try again?").rewritten == "Would you like to try again?"
    assert check(rs, "Done.", Context(turn="last")).rewritten == "Done. Thank you!"
    assert check(rs, "Done", Context(turn="last")).rewritten == "Done. Thank you!"
    (v,) = check(rs, "Sorry, I can’t do that").violations
    assert v.match == "can’t do that"


def test_choose_edits_matches_the_quadratic_definition_on_random_edits() -> None:
    """The bisect index must accept exactly what pairwise conflict checks accept."""
    import random

    from tactful.engine.rewrite import _conflict, choose_edits
    from tactful.model import Edit, Suggestion, Violation

    rng = random.Random(3)
    for _ in range(300):
        violations = []
        for k in range(rng.randint(1, 12)):
            start = rng.randint(0, 20)
            end = start + rng.choice([0, 0, 1, 2, 5])
            sev = Severity(rng.randint(1, 3))
            edit = Edit(start, end, f"r{k}")
            violations.append(Violation(f"r{k}", "slang", sev, "m", start, end, start, end, "", (Suggestion("d", (edit,)),)))
        expected: list[Edit] = []
        for v in sorted(violations, key=lambda v: (-v.severity, v.start, -(v.end - v.start))):
            e = v.suggestions[0].edits[0]
            if not any(_conflict(e, a) for a in expected) and e not in expected:
                expected.append(e)
        assert choose_edits(violations) == expected


_WAIT_RULE = (
    'rule w { category stalling message "m" when "耐心等待" append "我会在[时间]前告诉您。"\n'
    '  example bad "请耐心等待" -> "请耐心等待。我会在[时间]前告诉您。" example good "好的" }'
)


def test_appended_commitment_goes_before_the_packs_sign_off() -> None:
    """An append fix lands before a trailing run of clauses the pack's `sign_off` matches."""
    rs = compile_text('pack "t" { version "1" normalize [nfkc, width, t2s] sign_off /谢谢|祝您?|{rating}/ }\n'
                      "class rating = /[^,。!?]{0,8}评价/\n" + _WAIT_RULE)
    signed = check(rs, "已转交,请您耐心等待,谢谢！祝您生活愉快！").rewritten
    assert signed == "已转交,请您耐心等待,我会在[时间]前告诉您。谢谢！祝您生活愉快！"
    # matched on normalized text: a Traditional sign-off is one too; a class composes into the pattern
    assert check(rs, "請您耐心等待,謝謝").rewritten == "請您耐心等待,我會在[時間]前告訴您。謝謝"
    assert check(rs, "请您耐心等待,麻烦给个评价").rewritten == "请您耐心等待,我会在[时间]前告诉您。麻烦给个评价"
    assert check(rs, "请您耐心等待").rewritten == "请您耐心等待。我会在[时间]前告诉您。"
    # a reply that is all sign-off keeps the append at its end
    assert check(rs, "谢谢您耐心等待").rewritten == "谢谢您耐心等待。我会在[时间]前告诉您。"


def test_without_a_sign_off_declaration_appended_text_goes_at_the_end() -> None:
    rs = compile_text(_WAIT_RULE)
    assert check(rs, "请您耐心等待,谢谢").rewritten == "请您耐心等待,谢谢。我会在[时间]前告诉您。"


def test_shipped_packs_declare_their_sign_offs() -> None:
    lib = load_rules()
    zh = check(lib.select("zh"), "已经为您反馈了,请您耐心等待哦,辛苦您了,祝您生活愉快").rewritten
    assert zh.index("[") < zh.index("辛苦您了")
    # 辛苦您再等等 is the wait itself, not a sign-off
    wait = check(lib.select("zh"), "请您耐心等待,辛苦您再等等").rewritten
    assert wait.index("辛苦您再等等") < wait.index("[")
    en = check(lib.select("en"), "We've logged the fault. Please pay attention. Thank you for your patience!").rewritten
    assert en.index("[") < en.index("Thank you")
