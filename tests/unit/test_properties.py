"""Property tests: any Unicode text never crashes the engine; every span lies in the text and,
for literal rules, covers the original substring that normalizes to the term."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tactful.compile.compiler import compile_path, compile_text
from tactful.compile.matchers import Matcher
from tactful.conditions.segments import Openers
from tactful.engine import check
from tactful.model import Context
from tactful.text import NormalizeOptions, Normalizer, utf16_index

CORE = compile_path(Path(__file__).resolve().parent.parent / "fixtures" / "core").get("core")
TERMS = ["保证", "不知道", "無理取鬧", "ｕ", "好哒", "ＡＢＣ", "…", "㈱"]
LITERAL = compile_text(
    'pack "lit" { normalize [nfkc, width, casefold, t2s, noise("*")] }\n'
    f"list terms = [{', '.join(repr(t).replace(chr(39), chr(34)) for t in TERMS)}]\n"
    'rule lit { category rude message "m" when @terms example bad "保证" example good "x" }'
)
NORMALIZE = Normalizer(NormalizeOptions(t2s=True, noise="*"))

# Text mixing the terms with arbitrary Unicode (astral planes, combining marks, full width).
pieces = st.one_of(st.sampled_from([*TERMS, "*", "😀", "，", "ｅ\u0301", "İ", "ß"]), st.text(max_size=6))
texts = st.lists(pieces, max_size=12).map("".join)
# Derandomized: CI must be reproducible (a red run blocks a merge); known edge cases are kept as
# @example. To explore new inputs, drop derandomize locally.
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.text(max_size=200), st.sampled_from([None, "first", "middle", "last"]), st.text(max_size=30))
def test_any_text_never_crashes_and_spans_stay_inside(text: str, turn: str | None, customer: str) -> None:
    result = check(CORE, text, Context(turn=turn, customer=customer))
    for v in result.violations:
        assert 0 <= v.start <= v.end <= len(text)
        assert v.match == text[v.start : v.end]
        assert v.utf16_start == utf16_index(text, v.start)
        assert v.utf16_end == len(text[: v.end].encode("utf-16-le")) // 2


@SETTINGS
@given(texts)
@example(".…")  # "…" expands to "...": a hit on the first three dots of "...." cuts into the "…"
def test_literal_spans_cover_the_substring_that_normalizes_to_the_term(text: str) -> None:
    normalized_terms = {NORMALIZE.term(t) for t in TERMS}
    for v in check(LITERAL, text).violations:
        assert NORMALIZE(text[v.start : v.end]).text in normalized_terms, (text, v)


@SETTINGS
@given(texts)
def test_offset_map_is_monotonic_and_in_range(text: str) -> None:
    nt = NORMALIZE(text)
    for i in range(len(nt.text)):
        lo, hi = nt.to_original(i, i + 1)
        assert 0 <= lo < hi <= len(text)
    if nt.origin is not None:
        assert list(nt.origin) == sorted(nt.origin)

from functools import lru_cache  # noqa: E402 - kept next to the one test that uses it


@lru_cache(maxsize=1)
def shipped():
    from tactful.cli.library import shipped_rules

    return compile_path(shipped_rules())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.sampled_from([None, "first", "middle", "last"]), st.sampled_from(["", "东西坏了!", "my order is late"]))
def test_shipped_packs_never_crash_and_keep_spans_inside(text: str, turn: str | None, customer: str) -> None:
    for rs in shipped().rulesets.values():
        result = check(rs, text, Context(turn=turn, customer=customer))
        for v in result.violations:
            assert 0 <= v.start <= v.end <= len(text) and v.match == text[v.start : v.end]
            for s in v.suggestions:
                for e in s.edits:
                    assert 0 <= e.start <= e.end <= len(text)


# The engine runs regexes through google-re2's compiled C++ object (its Python layer costs more
# than the match); the public finditer is the reference it must agree with, groups included.
REGEXES = Matcher(
    [],
    [],
    [
        r"(是的)[,，]?\s*(但是|可是)",
        r"(?i)\b(you)\s+(must|should)\b",
        r"(\d{3})?-?(\d{4})",
        r"x*",  # empty matches are skipped, not returned
        r"(a)|(好)",  # an unmatched group stays None
        r"😀+(.)",
    ],
)
REGEX_PIECES = ["是的,但是", "是的 可是", "You must", "you  should", "123-4567", "4567", "x", "a", "好", "😀😀好"]
regex_texts = st.lists(st.one_of(st.sampled_from(REGEX_PIECES), st.text(max_size=5)), max_size=10).map("".join)


@SETTINGS
@given(regex_texts)
def test_fast_regex_path_agrees_with_google_re2_public_api(text: str) -> None:
    for rid in range(REGEXES.regex_count):
        assert REGEXES.run_regex(rid, text) == REGEXES.run_regex_public(rid, text)


# Openers (address words, emoticon codes) are skipped through the same compiled object; the public
# match() is the reference, from the reply's start and from any clause start (`^` still means the
# reply's start, not `pos`).
OPENERS = [
    Openers(r"(?:亲|亲爱的|小主|dear)"),
    Openers(r"(?i)(?:亲|亲亲|#E-s\[[^\]]*\]|\[[^\[\]]{1,6}\])"),
    Openers(r"(?:^亲|您好)"),
]
OPENER_PIECES = ["亲", "亲爱的", "亲亲", "小主", "Dear", "dear", "#E-s[微笑]", "[微笑]", "[", "]", "您好"]
OPENER_PIECES += [",", "~", " ", "。", "😀", "好的"]
no_surrogates = st.text(st.characters(blacklist_categories=("Cs",)), max_size=3)  # the engine checks those as U+FFFD
opener_texts = st.lists(st.one_of(st.sampled_from(OPENER_PIECES), no_surrogates), max_size=8).map("".join)


@SETTINGS
@given(opener_texts, st.integers(min_value=0, max_value=12))
def test_fast_opener_skip_agrees_with_google_re2_public_api(text: str, pos: int) -> None:
    pos = min(pos, len(text))
    for openers in OPENERS:
        assert openers.skip(text, pos) == openers.skip_public(text, pos), (openers.pattern, text, pos)
