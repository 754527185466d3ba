"""Fix guards end to end through the real CLI: check, explain, test and fmt on a pack on disk."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliResult

RULES = """class named_party = /联系(?:商家|快递)/
rule blame_redirect {
  category blame_shifting
  message "让客户自己去找别人"
  when /您可以联系/ and not /帮您联系/
  append "我这边也会帮您联系对方,[时间]前把结果告诉您。"   if   @named_party
  suggest "由我们来联系"
  example bad "您可以联系商家问问" -> "您可以联系商家问问。我这边也会帮您联系对方,[时间]前把结果告诉您。"
  example bad "您可以联系一下"
  example good "我来联系商家"
}
"""


def test_check_rewrites_only_where_the_guard_holds(cli: Callable[..., CliResult], write_pack: Callable[..., Path]) -> None:
    pack = write_pack({"r.tact": RULES})
    named = cli("check", "--rules", str(pack), "--format", "json", "-", stdin="您可以联系快递问问")
    unnamed = cli("check", "--rules", str(pack), "--format", "json", "-", stdin="您可以联系一下")
    assert named.rc == 1 and unnamed.rc == 1, (named.err, unnamed.err)
    assert json.loads(named.out)["rewritten"] == "您可以联系快递问问。我这边也会帮您联系对方,[时间]前把结果告诉您。"
    body = json.loads(unnamed.out)
    assert body["rewritten"] == "您可以联系一下"
    assert [s["description"] for s in body["violations"][0]["suggestions"]] == ["由我们来联系"]


def test_explain_prints_the_guard_and_its_outcome(cli: Callable[..., CliResult], write_pack: Callable[..., Path]) -> None:
    pack = write_pack({"r.tact": RULES})
    out = cli("explain", "--rules", str(pack), "-", stdin="您可以联系一下").out
    assert "fix guard `if @named_party` does not hold" in out
    assert "fix guard (no edit: suggestion only):" in out


def test_examples_pass_and_fmt_keeps_the_guard_on_the_fix_line(cli: Callable[..., CliResult], write_pack: Callable[..., Path]) -> None:
    pack = write_pack({"r.tact": RULES})
    assert cli("test", str(pack)).rc == 0
    assert cli("fmt", "--check", str(pack)).rc != 0
    assert cli("fmt", str(pack)).rc == 0
    text = (pack / "r.tact").read_text(encoding="utf-8")
    assert '  append "我这边也会帮您联系对方,[时间]前把结果告诉您。" if @named_party\n' in text
    assert cli("fmt", "--check", str(pack)).rc == 0
    assert cli("test", str(pack)).rc == 0


def test_an_unknown_class_in_a_guard_is_a_compile_error(cli: Callable[..., CliResult], write_pack: Callable[..., Path]) -> None:
    pack = write_pack({"r.tact": RULES.replace("if   @named_party", "if @named_partie")})
    res = cli("test", str(pack))
    assert res.rc != 0
    assert "r.tact:6:" in res.err and "@named_partie" in res.err and "^" in res.err and "did you mean @named_party" in res.err
