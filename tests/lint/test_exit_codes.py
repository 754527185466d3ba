"""Exit codes: 0 below --fail-on, 1 at or above it, 2 for usage, rule-file and input errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RULES = str(Path(__file__).resolve().parent / "fixtures" / "rules")
Cli = Callable[..., Any]
# One reply per severity of the fixture pack.
REPLIES = {"info": "稍等哈,我看看", "warning": "是的,但是要审核", "error": "我们绝对保证"}
EXPECTED = {  # (worst finding, --fail-on) -> exit code
    ("info", "error"): 0, ("info", "warning"): 0, ("info", "info"): 1, ("info", "never"): 0,
    ("warning", "error"): 0, ("warning", "warning"): 1, ("warning", "info"): 1, ("warning", "never"): 0,
    ("error", "error"): 1, ("error", "warning"): 1, ("error", "info"): 1, ("error", "never"): 0,
}  # fmt: skip


@pytest.mark.parametrize(("worst", "fail_on"), sorted(EXPECTED))
def test_threshold(cli: Cli, tmp_path: Path, worst: str, fail_on: str) -> None:
    (tmp_path / "s.txt").write_text(REPLIES[worst] + "\n", encoding="utf-8")
    res = cli("lint", str(tmp_path), "--rules", RULES, "--fail-on", fail_on)
    assert res.rc == EXPECTED[(worst, fail_on)], res.out + res.err
    assert f"{worst} [" in res.out  # reported whatever the threshold


def test_default_threshold_is_error(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "s.txt").write_text(REPLIES["warning"] + "\n", encoding="utf-8")
    assert cli("lint", str(tmp_path), "--rules", RULES).rc == 0
    (tmp_path / "s.txt").write_text(REPLIES["error"] + "\n", encoding="utf-8")
    assert cli("lint", str(tmp_path), "--rules", RULES).rc == 1


def test_clean_library_exits_0(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "s.txt").write_text("您好,请问有什么可以帮您?\n", encoding="utf-8")
    res = cli("lint", str(tmp_path), "--rules", RULES)
    assert (res.rc, res.out) == (0, "No findings in 1 file.\n")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--format", "xml"], "invalid choice"),
        (["--fail-on", "fatal"], "invalid choice"),
        (["--field", "a[x]"], "bad --field path"),
        (["--ruleset", "nope"], "unknown ruleset 'nope'"),
        (["--baseline", "/nonexistent/baseline.json"], "cannot read baseline /nonexistent/baseline.json"),
        (["--fix", "--diff"], "not allowed with"),
    ],
)
def test_usage_errors_exit_2_with_a_message(cli: Cli, tmp_path: Path, args: list[str], needle: str) -> None:
    (tmp_path / "s.txt").write_text("你好\n", encoding="utf-8")
    res = cli("lint", str(tmp_path), "--rules", RULES, *args)
    assert res.rc == 2
    assert needle in res.err
    assert "Traceback" not in res.err


def test_broken_rule_file_exits_2_naming_it(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.tact"
    bad.write_text("rule x {\n", encoding="utf-8")
    (tmp_path / "s.txt").write_text("你好\n", encoding="utf-8")
    res = cli("lint", str(tmp_path / "s.txt"), "--rules", str(bad))
    assert res.rc == 2
    assert "bad.tact" in res.err and "Traceback" not in res.err
