"""Inline suppressions need a reason; baselines match by file, rule and reply hash, not by line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

RULES = str(Path(__file__).resolve().parent / "fixtures" / "rules")
Cli = Callable[..., Any]


def lint_json(cli: Cli, *args: str, cwd: Path | None = None) -> tuple[int, dict[str, Any]]:
    res = cli("lint", *args, "--rules", RULES, "--format", "json", cwd=cwd)
    return res.rc, json.loads(res.out)


def test_marker_with_reason_suppresses_only_the_next_reply_and_named_rule(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "s.txt").write_text(
        "# tactful: disable-next-line no_promise -- 合同条款原文\n我们绝对保证,是的,但是要审核\n我们绝对保证\n",
        encoding="utf-8",
    )
    rc, out = lint_json(cli, str(tmp_path))
    assert rc == 1
    assert [(f["line"], f["rule"]) for f in out["findings"]] == [(2, "yes_but"), (3, "no_promise")]
    assert [(f["line"], f["rule"], f["suppressed"]) for f in out["suppressed"]] == [(2, "no_promise", "合同条款原文")]


def test_marker_without_reason_is_reported_and_suppresses_nothing(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "k.yaml").write_text("replies:\n  # tactful: disable-next-line no_promise\n  - 我们绝对保证\n", encoding="utf-8")
    rc, out = lint_json(cli, str(tmp_path))
    assert rc == 1
    assert [(f["line"], f["column"], f["rule"]) for f in out["findings"]] == [(2, 3, "tactful-suppression"), (3, 7, "no_promise")]
    assert "has no reason" in out["findings"][0]["message"]
    assert out["suppressed"] == []


def test_markdown_marker_in_an_html_comment(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "f.md").write_text("<!-- tactful: disable-next-line yes_but -- 客户原话 -->\n- 是的,但是\n- 好的,但是\n", encoding="utf-8")
    rc, out = lint_json(cli, str(tmp_path), "--fail-on", "warning")
    assert rc == 1
    assert [f["line"] for f in out["findings"]] == [3]
    assert [f["line"] for f in out["suppressed"]] == [2]


def test_baseline_keeps_moved_replies_quiet_and_reports_new_ones(cli: Cli, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    script = lib / "s.txt"
    script.write_text("我们绝对保证\n稍等哈\n", encoding="utf-8")
    base = tmp_path / "baseline.json"
    res = cli("lint", str(lib), "--rules", RULES, "--write-baseline", str(base))
    assert res.rc == 0 and "2 baseline entries" in res.err
    entries = json.loads(base.read_text(encoding="utf-8"))["findings"]
    assert {(e["file"], e["rule"]) for e in entries} == {("lib/s.txt", "no_promise"), ("lib/s.txt", "slang_wait")}
    assert all("line" not in e for e in entries)

    # Unrelated edits: lines inserted above, the two replies swapped and re-indented.
    script.write_text("您好\n\n   稍等哈\n您好,欢迎\n我们绝对保证\n", encoding="utf-8")
    rc, out = lint_json(cli, str(lib), "--baseline", str(base), "--fail-on", "info")
    assert (rc, out["findings"], out["summary"]["baselined"]) == (0, [], 2)

    # A new reply breaking a baselined rule is still reported; so is a second copy of an old one.
    script.write_text("稍等哈\n我们绝对保证\n本店百分百正品\n我们绝对保证\n", encoding="utf-8")
    rc, out = lint_json(cli, str(lib), "--baseline", str(base))
    assert rc == 1
    assert [(f["line"], f["match"]) for f in out["findings"]] == [(3, "百分百"), (4, "绝对保证")]


def test_baseline_works_from_another_working_directory(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "s.txt").write_text("我们绝对保证\n", encoding="utf-8")
    base = tmp_path / "b.json"
    assert cli("lint", "s.txt", "--rules", RULES, "--write-baseline", str(base), cwd=tmp_path).rc == 0
    rc, out = lint_json(cli, str(tmp_path / "s.txt"), "--baseline", str(base), cwd=Path("/"))
    assert (rc, out["findings"]) == (0, [])


def test_malformed_baseline_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "s.txt").write_text("你好\n", encoding="utf-8")
    (tmp_path / "b.json").write_text("{not json", encoding="utf-8")
    res = cli("lint", str(tmp_path / "s.txt"), "--rules", RULES, "--baseline", str(tmp_path / "b.json"))
    assert res.rc == 2 and "b.json is not valid JSON" in res.err


def test_marker_naming_an_unknown_rule_is_reported(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "s.txt").write_text("# tactful: disable-next-line no_promis -- typo\n我们绝对保证\n", encoding="utf-8")
    rc, out = lint_json(cli, str(tmp_path))
    assert rc == 1
    assert [(f["line"], f["rule"]) for f in out["findings"]] == [(1, "tactful-suppression"), (2, "no_promise")]
    assert "unknown rule 'no_promis'" in out["findings"][0]["message"]
