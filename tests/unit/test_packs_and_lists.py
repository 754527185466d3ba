"""Pack composition: extends, tenant disable/override, term lists from files, large lists."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tactful.compile.compiler import compile_path
from tactful.compile.ruleset import Library
from tactful.engine import check
from tactful.lang.diagnostics import CompileError
from tactful.model import Context, Severity

BASE = """
pack "base" { version "1" locale zh-Hans normalize [nfkc, width, casefold, t2s] }
list slang from "slang.txt"
rule slang { category slang message "网络用语" when @slang example bad "yyds" example good "很好" }
rule greet { category missing_courtesy message "问候" when turn is first and not "您好"
  prepend "您好," example bad "请讲" given turn first -> "您好,请讲" example good "您好" given turn first }
"""


def test_tenant_pack_disables_and_overrides_without_copying(write_pack: Callable[..., Path]) -> None:
    root = write_pack({"base/pack.tact": BASE, "base/slang.txt": "yyds\n绝绝子\n", "acme/pack.tact": (
        'pack "acme" { version "2" locale zh-Hans extends "base" }\n'
        "disable greet\n"
        "override slang severity error\n"
    )})
    lib = compile_path(root)
    acme, base = lib.get("acme"), lib.get("base")
    assert [r.id for r in acme.rules] == ["slang"]
    assert acme.rules[0].severity is Severity.ERROR
    assert [r.id for r in base.rules] == ["slang", "greet"]
    assert base.rules[0].severity is Severity.WARNING
    assert check(acme, "请讲", Context(turn="first")).violations == ()
    assert lib.leaves == ("acme",)
    assert acme.version != base.version


def test_ruleset_version_changes_when_a_term_file_changes(write_pack: Callable[..., Path]) -> None:
    root = write_pack({"pack.tact": BASE, "slang.txt": "yyds\n"})
    v1 = compile_path(root).get("base").version
    assert compile_path(root).get("base").version == v1
    (root / "slang.txt").write_text("yyds\n绝绝子\n", encoding="utf-8")
    assert compile_path(root).get("base").version != v1


def test_ten_thousand_term_list_compiles_into_one_automaton(write_pack: Callable[..., Path]) -> None:
    terms = [f"词{i:05d}" for i in range(10_000)]
    root = write_pack({"pack.tact": BASE, "slang.txt": "\n".join(terms)})
    rs = compile_path(root).get("base")
    result = check(rs, "这是词04321和词09999")
    assert [v.match for v in result.violations] == ["词04321", "词09999"]


def test_default_ruleset_is_picked_by_locale_or_script(write_pack: Callable[..., Path]) -> None:
    en = 'pack "en" { version "1" locale en }\nrule u { category slang message "m" when "lol" example bad "lol" example good "ok" }\n'
    root = write_pack({"zh/pack.tact": BASE, "zh/slang.txt": "yyds\n", "en/pack.tact": en})
    lib = compile_path(root)
    assert lib.select(None, "en").name == "en"
    assert lib.select(None, "zh-Hant").name == "base"
    assert lib.select(None, None, "您好").name == "base"
    assert lib.select(None, None, "hello").name == "en"
    with pytest.raises(KeyError, match="available: base, en"):
        lib.select("fr")


def test_the_ruleset_chosen_per_locale_family_is_remembered_not_mixed_up(write_pack: Callable[..., Path]) -> None:
    """select keeps its choice per family (the service asks on every request): asked in any order, and past the
    cache's bound, each family still gets the ruleset a fresh library picks for it."""
    en = 'pack "en" { version "1" locale en }\nrule u { category slang message "m" when "lol" example bad "lol" example good "ok" }\n'
    root = write_pack({"zh/pack.tact": BASE, "zh/slang.txt": "yyds\n", "en/pack.tact": en})
    lib = compile_path(root)
    asks = [(None, "hello"), ("zh-Hant", ""), (None, "您好"), ("en-GB", ""), ("zh", "hello"), ("en", "您好")]
    asks += [(f"x{i}-Y", "") for i in range(100)]  # more families than the cache keeps
    for locale, text in [*asks, *reversed(asks)]:
        fresh = Library(lib.rulesets, lib.leaves, lib.default_name)  # the same rulesets, nothing remembered yet
        assert lib.select(None, locale, text) is fresh.select(None, locale, text)
    assert [lib.select(None, loc, t).name for loc, t in asks[:6]] == ["en", "base", "base", "en", "base", "en"]


def test_unknown_parent_pack_and_cycles_are_reported(write_pack: Callable[..., Path]) -> None:
    root = write_pack({
        "a/pack.tact": 'pack "a" { extends "b" }\n',
        "b/pack.tact": 'pack "b" { extends "a" }\n',
        "c/pack.tact": 'pack "c" { extends "bb" }\n',
    })
    with pytest.raises(CompileError) as info:
        compile_path(root)
    codes = sorted(d.code for d in info.value.diagnostics)
    assert "E208" in codes and "E209" in codes
    unknown = next(d for d in info.value.diagnostics if d.code == "E208")
    assert unknown.span is not None and unknown.span.line == 1


def test_unreadable_list_file_is_a_positioned_error(write_pack: Callable[..., Path]) -> None:
    root = write_pack({"pack.tact": BASE})
    with pytest.raises(CompileError) as info:
        compile_path(root)
    (diag,) = info.value.diagnostics
    assert diag.code == "E221" and diag.span is not None and diag.span.line == 3


def test_non_utf8_rule_file_is_reported_not_raised(write_pack: Callable[..., Path]) -> None:
    root = write_pack({"pack.tact": "rule x { }".encode("utf-16")})
    with pytest.raises(CompileError) as info:
        compile_path(root)
    assert info.value.diagnostics[0].code == "E002"
