"""Word classes, clause/sentence-bounded conditions, `unless quoted`, and pack openers
(address words, emoticon codes), through the real compiler and engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from tactful.compile.compiler import compile_path, compile_text
from tactful.compile.ruleset import Ruleset
from tactful.engine import check
from tactful.lang.diagnostics import CompileError

HEADER = """
pack "t" {
  version "1"
  locale zh-Hans
  normalize [nfkc, width, casefold, t2s]
  address ["亲", "亲爱的", "亲亲"]
  emoticons /#E-s\\[[^\\]]*\\]|\\[[^\\[\\]]{1,6}\\]/ as slang
}
"""


def rule(name: str, when: str, *extra: str, bad: str = "x", good: str = "y") -> str:
    lines = "\n  ".join(extra)
    return f'rule {name} {{ category flat_refusal message "m" when {when}\n  {lines}\n  example bad "{bad}" example good "{good}" }}\n'


def pack(*body: str, header: str = HEADER) -> Ruleset:
    return compile_text(header + "\n".join(body), "t.tact")


def hits(rs: Ruleset, text: str) -> list[tuple[str, str]]:
    return [(v.rule, v.match) for v in check(rs, text).violations]


# ---- word classes -----------------------------------------------------------------------------
CLASSES = """
class action = ["开", "发", "退", "换", "修改", "取消", "退款"]
class duration = /\\d+(?:个)?(?:小时|天|工作日)/
class refusal_form = /{action}(?:不了|不成)|没法{action}/
list polite = ["麻烦", "请"]
map ni = { "你" -> "您" }
"""


def test_a_term_class_expands_longest_first_inside_a_regex() -> None:
    rs = pack(CLASSES, rule("r", "/{action}不了/", bad="退款不了", good="退了"))
    assert hits(rs, "这个退款不了") == [("r", "退款不了")]
    assert hits(rs, "修改不了呢") == [("r", "修改不了")]
    assert hits(rs, "退了") == []


def test_classes_compose_and_quantifiers_stay_quantifiers() -> None:
    rs = pack(CLASSES, rule("r", "/{refusal_form}/"), rule("q", "/等{duration}|a{2,3}/"))
    assert hits(rs, "没法修改哦") == [("r", "没法修改")]
    assert hits(rs, "换不成") == [("r", "换不成")]
    assert hits(rs, "再等3个工作日") == [("q", "等3个工作日")]
    assert hits(rs, "aaa") == [("q", "aaa")]
    assert hits(rs, "a") == []


def test_a_pattern_class_is_a_condition_and_lists_and_maps_expand_in_regexes() -> None:
    rs = pack(CLASSES, rule("r", "@duration"), rule("p", "/{polite}稍等/"), rule("n", "/{ni}好/"))
    assert hits(rs, "需要2天") == [("r", "2天")]
    assert hits(rs, "请稍等") == [("p", "请稍等")]
    assert hits(rs, "你好") == [("n", "你好")]


def test_term_class_terms_are_regex_escaped_and_normalized() -> None:
    rs = pack('class dots = ["a.b", "Ｃ+"]', rule("r", "/{dots}!/"))
    assert hits(rs, "axb!") == []
    assert hits(rs, "a.b!") == [("r", "a.b!")]
    assert hits(rs, "C+!") == [("r", "C+!")]


def test_braces_inside_character_classes_and_escaped_braces_are_literal() -> None:
    rs = pack(CLASSES, rule("r", "/[{]x\\{action\\}/"))
    assert hits(rs, "{x{action}") == [("r", "{x{action}")]


def compile_error(src: str) -> CompileError:
    with pytest.raises(CompileError) as info:
        compile_text(src, "t.tact")
    return info.value


def test_an_unknown_class_suggests_the_close_one_with_its_location() -> None:
    src = CLASSES + rule("r", "/不\\/{acton}不了/")
    err = compile_error(src)
    (d,) = err.diagnostics
    assert d.code == "E224" and "{acton}" in d.message
    assert d.hint is not None and "did you mean {action}" in d.hint and "t.tact:2:7" in d.hint
    # the caret is on {acton} itself (past an escaped slash), not on the start of the regex
    line = src.splitlines()[d.span.line - 1] if d.span else ""
    assert d.span is not None and line[d.span.column - 1 :].startswith("{acton}")


def test_a_class_cycle_is_named() -> None:
    err = compile_error("class a = /x{b}/\nclass b = /{c}/\nclass c = /{a}/\n" + rule("r", "/{a}/"))
    assert any(d.code == "E225" and "a -> b -> c -> a" in d.message for d in err.diagnostics)


def test_a_pattern_class_cannot_be_a_scope_cue() -> None:
    err = compile_error(CLASSES + "scope s { before @duration within 3 }\n" + rule("r", '"x"', "unless in s"))
    (d,) = err.diagnostics
    assert d.code == "E226" and "@duration" in d.message


# ---- clause and sentence bounds -----------------------------------------------------------------
def test_without_in_sentence_keeps_refusals_with_no_reason_in_their_sentence() -> None:
    rs = pack(CLASSES, 'list reasons = ["因为", "由于", "规定"]', rule("r", "/{refusal_form}/ without @reasons in sentence"))
    assert hits(rs, "这个退不了。因为规定") == [("r", "退不了")]
    assert hits(rs, "因为规定,这个退不了") == []
    assert hits(rs, "退不了,由于规定。换不成!") == [("r", "换不成")]


def test_without_in_clause_is_narrower_than_in_sentence() -> None:
    rs = pack(CLASSES, rule("c", '"稍等" without @duration in clause'), rule("s", '"请等" without @duration in sentence'))
    assert hits(rs, "稍等,3天内回复") == [("c", "稍等")]
    assert hits(rs, "稍等3天") == []
    assert hits(rs, "请等,3天内回复") == []
    assert hits(rs, "请等。3天内回复") == [("s", "请等")]


def test_near_and_followed_by_within_a_clause() -> None:
    rs = pack(rule("n", '"退" near "钱" within clause'), rule("f", '"先" followed by "再" within sentence'))
    assert hits(rs, "钱已经退") == [("n", "退")]
    assert hits(rs, "退,钱") == []
    assert hits(rs, "先付款再发货") == [("f", "先")]
    assert hits(rs, "再付款先发货") == []
    assert hits(rs, "先付款。再发货") == []


def test_a_decimal_point_does_not_end_a_sentence() -> None:
    rs = pack(rule("f", '"price" followed by "usd" within sentence'))
    assert hits(rs, "price is 3.5 usd") == [("f", "price")]
    assert hits(rs, "price. usd") == []


def test_sentence_starts_with_skips_punctuation_address_words_and_emoticons() -> None:
    rs = pack(rule("r", 'sentence starts with "好吧"'), rule("a", 'clause starts with "亲自"'))
    assert hits(rs, "亲,好吧。[微笑]好吧") == [("r", "好吧"), ("r", "好吧")]
    assert hits(rs, "那好吧") == []
    # an address word that starts a real word is still that word
    assert hits(rs, "好的,亲自送到") == [("a", "亲自")]


# ---- quotations -----------------------------------------------------------------------------------
def test_unless_quoted_excuses_only_the_quoted_words() -> None:
    rs = pack(rule("r", '"你"', "unless quoted"))
    assert hits(rs, "您说“你们不行”") == []
    assert hits(rs, "您说“你们不行”,你看") == [("r", "你")]
    assert hits(rs, "「你」和『你』") == []
    assert hits(rs, '他说"你",你看') == [("r", "你")]


def test_an_unpaired_quote_runs_to_the_end_of_its_clause() -> None:
    rs = pack(rule("r", '"你"', "unless quoted"))
    assert hits(rs, "您说“你不行,你看") == [("r", "你")]


def test_english_apostrophes_are_not_quotation_marks() -> None:
    rs = pack(rule("r", '"bad"', "unless quoted"), header='pack "e" { version "1" locale en }\n')
    assert hits(rs, "you said 'bad' before") == []
    assert hits(rs, "don't say bad, it's rude") == [("r", "bad")]
    assert hits(rs, "the customers' bad day") == [("r", "bad")]


# ---- openers: address words and emoticon codes ------------------------------------------------------
def test_anchored_regexes_and_starts_with_skip_openers_and_report_exact_spans() -> None:
    rs = pack(rule("r", "/^这个不行/"), rule("s", 'starts with "不能"'))
    for text in ["亲,这个不行的", "亲亲~[微笑]这个不行", "#E-s[数字x]这个不行的", "亲爱的 这个不行"]:
        (v,) = check(rs, text).violations
        assert (v.rule, text[v.start : v.end]) == ("r", "这个不行"), text
    assert hits(rs, "好的这个不行") == []
    assert hits(rs, "亲,不能改哦") == [("s", "不能")]
    assert hits(rs, "亲自来这个不行") == []  # 亲 of 亲自 is not an address word's room to skip to 这个


def test_a_rule_can_still_match_the_address_word_itself() -> None:
    rs = pack(rule("a", 'starts with "亲爱的"'), rule("b", "/^亲/"))
    assert sorted(hits(rs, "亲爱的,您好")) == [("a", "亲爱的"), ("b", "亲")]


def test_emoticons_as_slang_are_a_class_and_as_ignore_are_invisible() -> None:
    slang = pack(rule("e", "@emoticons"), rule("w", '"好的好"'))
    assert hits(slang, "好的[微笑]好") == [("e", "[微笑]")]
    hidden = pack(rule("w", '"好的好"'), header=HEADER.replace("as slang", "as ignore"))
    (v,) = check(hidden, "好的[微笑]好").violations
    assert (v.rule, v.match) == ("w", "好的[微笑]好")


def test_an_extending_pack_inherits_openers_and_can_replace_a_class(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "child").mkdir()
    (tmp_path / "base" / "pack.tact").write_text(HEADER.replace('pack "t"', 'pack "base"') + CLASSES, encoding="utf-8")
    child = 'pack "child" { version "1" extends "base" }\nclass action = /寄|送/\n'
    (tmp_path / "child" / "pack.tact").write_text(child + rule("r", "/^{action}不了/", bad="寄不了", good="行"), encoding="utf-8")
    rs = compile_path(tmp_path).get("child")
    assert hits(rs, "亲,寄不了") == [("r", "寄不了")]
    assert hits(rs, "退不了") == []


def test_an_emoticon_pattern_that_matches_nothing_is_a_compile_error() -> None:
    err = compile_error(HEADER.replace("/#E-s\\[[^\\]]*\\]|\\[[^\\[\\]]{1,6}\\]/", "/x*/") + rule("r", '"x"'))
    (d,) = err.diagnostics
    assert d.code == "E227" and d.span is not None and d.span.line == 7


def test_a_sign_off_pattern_that_matches_nothing_is_a_compile_error() -> None:
    err = compile_error(HEADER.replace("  address", "  sign_off /(?:谢谢)?/\n  address") + rule("r", '"x"'))
    (d,) = err.diagnostics
    assert d.code == "E227" and "sign_off" in d.message and d.span is not None and d.span.line == 6


# ---- regex characters that normalize to regex syntax -------------------------------------------
def test_a_full_width_or_expanding_character_in_a_regex_is_a_literal() -> None:
    # Replies are normalized (… -> "...", ？ -> "?"), so the rule's characters are too; what they
    # become must stay literal text, and a quantifier after "…" repeats the whole ellipsis.
    rs = pack(
        rule("sigh", "/^好的…{2,}$/", bad="好的……", good="好的…"),
        rule("ask", "/明白吗？/", bad="明白吗?", good="明白"),
    )
    assert [r for r, _ in hits(rs, "好的……")] == ["sigh"]
    assert hits(rs, "好的abcdef") == []  # not six wildcards
    assert hits(rs, "好的…") == []
    assert [r for r, _ in hits(rs, "你明白吗？")] == ["ask"]
    assert hits(rs, "你明白") == []  # ？ is not an optional 吗
