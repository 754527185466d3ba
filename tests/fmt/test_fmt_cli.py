"""`tactful fmt` as a subprocess: in place, --check, --diff, stdin, syntax errors, every comment kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Cli = Callable[..., Any]  # conftest.run_cli -> CliResult(rc, out, err)

MESSY = """\
# pack header comment

pack "t" { version "1" locale zh-Hans normalize [nfkc,width, noise( "*" )] }   # trailing on a block


list polite = ["您好","你好" , # why 你好
  "早上好"]
map pronoun = {"你"->"您", "你们" -> "您"}
scope negated { before ["不", "没"] within 3 clause }
rule greet {
   category missing_courtesy
      severity   warning


   # own-line comment inside a rule
   message "先问候"
   when turn is first and not @polite and count( @polite ) < 1
     and not (channel is phone or locale is zh-Hant)
   prepend "您好,"
   example bad "请讲" given turn first,customer "在吗" -> "您好,请讲"
  example good "您好,请讲" given turn first
}
disable a,b
# the last comment
"""

FORMATTED = """\
# pack header comment

pack "t" {
  version "1"
  locale zh-Hans
  normalize [nfkc, width, noise("*")]
}  # trailing on a block

list polite = [
  "您好", "你好",  # why 你好
  "早上好"
]
map pronoun = { "你" -> "您", "你们" -> "您" }
scope negated {
  before ["不", "没"] within 3 clause
}
rule greet {
  category missing_courtesy
  severity warning

  # own-line comment inside a rule
  message "先问候"
  when turn is first and not @polite and count(@polite) < 1
    and not (channel is phone or locale is zh-Hant)
  prepend "您好,"
  example bad "请讲" given turn first, customer "在吗" -> "您好,请讲"
  example good "您好,请讲" given turn first
}
disable a, b
# the last comment
"""


def test_formats_in_place_keeping_every_comment(cli: Cli, tmp_path: Path) -> None:
    file = tmp_path / "p.tact"
    file.write_text(MESSY, encoding="utf-8")
    res = cli("fmt", str(tmp_path))
    assert res.rc == 0, res.err
    assert file.read_text(encoding="utf-8") == FORMATTED
    assert f"formatted {file}" in res.err
    again = cli("fmt", str(file))
    assert again.rc == 0 and again.err == ""
    assert file.read_text(encoding="utf-8") == FORMATTED


def test_check_fails_with_a_diff_and_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    file = tmp_path / "p.tact"
    file.write_text(MESSY, encoding="utf-8")
    res = cli("fmt", "--check", str(file))
    assert res.rc == 1
    assert res.out.startswith(f"--- {file}\n+++ {file} (formatted)\n@@ ")
    assert '\n-map pronoun = {"你"->"您", "你们" -> "您"}\n' in res.out
    assert '\n+map pronoun = { "你" -> "您", "你们" -> "您" }\n' in res.out
    assert "1 file(s) would be reformatted" in res.err
    assert file.read_text(encoding="utf-8") == MESSY
    file.write_text(FORMATTED, encoding="utf-8")
    ok = cli("fmt", "--check", str(file))
    assert (ok.rc, ok.out) == (0, "")


def test_diff_shows_the_change_and_exits_zero(cli: Cli, tmp_path: Path) -> None:
    file = tmp_path / "p.tact"
    file.write_text(MESSY, encoding="utf-8")
    res = cli("fmt", "--diff", str(file))
    assert res.rc == 0
    assert '+  before ["不", "没"] within 3 clause\n' in res.out
    assert file.read_text(encoding="utf-8") == MESSY


def test_stdin_to_stdout(cli: Cli) -> None:
    res = cli("fmt", "-", stdin=MESSY)
    assert (res.rc, res.out) == (0, FORMATTED)


def test_long_lists_are_wrapped_at_the_width(cli: Cli) -> None:
    terms = ", ".join(f'"term{i:02}"' for i in range(30))
    res = cli("fmt", "--width", "60", "-", stdin=f"list long = [{terms}]\n")
    assert res.rc == 0, res.err
    lines = res.out.splitlines()
    assert lines[0] == "list long = ["
    assert lines[-1] == "]"
    assert all(len(line) <= 60 and line.startswith('  "') for line in lines[1:-1])
    assert " ".join(" ".join(lines[1:-1]).split()) == terms


def test_syntax_error_is_a_diagnostic_exit_2_and_the_file_is_untouched(cli: Cli, tmp_path: Path) -> None:
    good = tmp_path / "a.tact"
    good.write_text('list  a = ["x"]\n', encoding="utf-8")
    bad = tmp_path / "b.tact"
    broken = "rule r {\n  category rude\n  when @a and\n}\n"
    bad.write_text(broken, encoding="utf-8")
    res = cli("fmt", str(tmp_path))
    assert res.rc == 2
    assert f"{bad}:4:1: error[E101]: unexpected '}}'" in res.err
    assert "4 | }\n  | ^" in res.err
    assert "hint:" in res.err
    assert "Traceback" not in res.err
    assert bad.read_text(encoding="utf-8") == broken
    assert good.read_text(encoding="utf-8") == 'list a = ["x"]\n'  # the other file is still formatted


def test_missing_path_is_exit_2(cli: Cli, tmp_path: Path) -> None:
    res = cli("fmt", str(tmp_path / "nope"))
    assert res.rc == 2
    assert "no such file or directory" in res.err
