"""Hostile rule packs: each is refused with a clear compile error (file:line:col, caret, hint),
never a traceback, a hang or a file read from outside the pack."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tactful.compile.compiler import compile_path
from tactful.engine import check
from tactful.lang.diagnostics import CompileError, Diagnostic, render

HEADER = 'pack "p" { version "1" locale zh-Hans }\n'


def rule(when: str) -> str:
    return f'rule r {{ category rude message "m" when {when} example bad "坏" example good "好" }}\n'


def refused(root: Path) -> list[Diagnostic]:
    with pytest.raises(CompileError) as info:
        compile_path(root)
    return info.value.diagnostics


def only(diags: list[Diagnostic], code: str) -> Diagnostic:
    assert [d.code for d in diags] == [code], [render(d) for d in diags]
    return diags[0]


def assert_rendered(diag: Diagnostic, path: Path, line: int, column: int, *says: str) -> None:
    shown = render(diag)
    assert shown.startswith(f"{path}:{line}:{column}: error[{diag.code}]: "), shown
    assert f"\n{line} | " in shown and "^" in shown and "= hint: " in shown, shown
    for words in says:
        assert words in shown, shown


@pytest.mark.parametrize(
    ("regex", "says"),
    [
        (r"/(好)\1/", r"invalid escape sequence: \1"),
        (r"/好(?=坏)/", "invalid perl operator: (?="),
        (r"/(?<!不)好/", "invalid perl operator: (?<"),
        (r"/a{1001}{1001}/", "invalid repetition size: {1001}"),
        (r"/(a{1000}){1000}/", "invalid repetition size"),
    ],
    ids=["backreference", "lookahead", "lookbehind", "huge-repetition", "nested-repetition"],
)
def test_regex_re2_rejects_is_e301_at_the_regex(write_pack: Callable[..., Path], regex: str, says: str) -> None:
    root = write_pack({"pack.tact": HEADER + rule(regex)})
    diag = only(refused(root), "E301")
    assert_rendered(diag, root / "pack.tact", 2, 42, says, "RE2 syntax")


@pytest.mark.parametrize(
    "when", ["(" * 10_000 + '"坏"' + ")" * 10_000, "not " * 10_000 + '"坏"', "count(" * 3000 + '"坏"' + ") > 1" * 3000],
    ids=["parentheses", "not-not-not", "count"],
)
def test_conditions_nested_10000_deep_are_e105_not_a_recursion_error(write_pack: Callable[..., Path], when: str) -> None:
    root = write_pack({"pack.tact": HEADER + rule(when)})
    diag = only(refused(root), "E105")
    assert_rendered(diag, root / "pack.tact", 2, diag.span.column if diag.span else 0, "nested too deeply", "`not not X` is X")


def test_nesting_up_to_the_limit_still_compiles(write_pack: Callable[..., Path]) -> None:
    # The limit refuses only absurd depth: 40 levels, far more than any shipped rule, compile and work.
    root = write_pack({"pack.tact": HEADER + rule("(" * 20 + "not " * 20 + '"坏"' + ")" * 20)})
    assert compile_path(root).get("p").rules[0].id == "r"


def test_a_pack_that_extends_itself_is_e209(write_pack: Callable[..., Path]) -> None:
    root = write_pack({"pack.tact": 'pack "p" { version "1" extends "p" }\n' + rule('"坏"')})
    diag = only(refused(root), "E209")
    assert_rendered(diag, root / "pack.tact", 1, 32, "pack 'p' extends itself: p -> p", "remove one `extends`")


def test_a_cycle_of_packs_is_e209_naming_the_cycle(write_pack: Callable[..., Path]) -> None:
    root = write_pack({
        "a/pack.tact": 'pack "a" { version "1" extends "b" }\n' + rule('"坏"'),
        "b/pack.tact": 'pack "b" { version "1" extends "c" }\n',
        "c/pack.tact": 'pack "c" { version "1" extends "a" }\n',
    })
    diags = refused(root)
    assert diags and {d.code for d in diags} == {"E209"}, [render(d) for d in diags]
    assert "pack 'c' extends itself: a -> b -> c -> a" in [d.message for d in diags], [d.message for d in diags]


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_a_term_list_outside_the_pack_directory_is_e228_and_not_read(write_pack: Callable[..., Path], tmp_path: Path, how: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("机密词\n", encoding="utf-8")
    root = write_pack({"pack.tact": ""})
    name = {"dotdot": "../secret.txt", "absolute": str(secret), "symlink": "link.txt"}[how]
    if how == "symlink":
        os.symlink(secret, root / "link.txt")
    (root / "pack.tact").write_text(HEADER + f'list leaked from "{name}"\n' + rule("@leaked"), encoding="utf-8")
    diag = only(refused(root), "E228")
    assert_rendered(diag, root / "pack.tact", 2, 6, "lies outside the pack directory", "relative path")
    assert "机密词" not in render(diag)


def test_a_list_file_in_a_subdirectory_of_the_pack_is_still_read(write_pack: Callable[..., Path]) -> None:
    root = write_pack({"pack.tact": HEADER + 'list words from "lists/words.txt"\n' + rule("@words"), "lists/words.txt": "坏\n"})
    assert compile_path(root).get("p").rules[0].id == "r"


def test_a_million_terms_are_e229_not_a_hang(write_pack: Callable[..., Path]) -> None:
    # Finding: the Aho-Corasick build is quadratic on families of similar terms; a million would
    # take hours. The list is refused with a clear error instead (timings in the README's Fuzzing).
    terms = "\n".join(f"词{i}" for i in range(1_000_000))
    root = write_pack({"pack.tact": HEADER + 'list many from "many.txt"\n' + rule("@many"), "many.txt": terms})
    diag = only(refused(root), "E229")
    assert_rendered(diag, root / "pack.tact", 2, 6, "list 'many' has 1,000,000 terms, over the limit of 50,000", "split it")


def test_a_list_at_the_limit_compiles(write_pack: Callable[..., Path]) -> None:
    terms = "\n".join(["坏", *(f"词语{i:05}" for i in range(1000))])  # a large but ordinary list
    root = write_pack({"pack.tact": HEADER + 'list many from "many.txt"\n' + rule("@many"), "many.txt": terms})
    result = check(compile_path(root).get("p"), "好词语00999,坏")
    assert [v.match for v in result.violations] == ["词语00999", "坏"]
