"""Bad inputs give one clear message naming the file, exit 2, and never stop the other files."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

RULES = str(Path(__file__).resolve().parent / "fixtures" / "rules")
Cli = Callable[..., Any]


def test_unreadable_and_malformed_files_are_reported_and_the_rest_is_linted(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("我们绝对保证\n", encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("scripts:\n  - reply: [unclosed\n  - reply: 好\n", encoding="utf-8")
    os.symlink(tmp_path / "gone.txt", tmp_path / "dangling.txt")  # unreadable even for root
    (tmp_path / "latin.txt").write_bytes(b"\x80\xff\xfe broken")
    (tmp_path / "bad.json").write_text('{"reply": "是的"', encoding="utf-8")
    res = cli("lint", str(tmp_path), str(tmp_path / "missing.md"), "--rules", RULES)
    assert res.rc == 2
    assert "Traceback" not in res.err
    errors = res.err.splitlines()
    assert any(line.startswith(f"tactful: {tmp_path / 'broken.yaml'}:") and "malformed YAML" in line for line in errors), errors
    assert any(line.startswith(f"tactful: {tmp_path / 'dangling.txt'}: cannot read file") for line in errors), errors
    assert any(line.startswith(f"tactful: {tmp_path / 'latin.txt'}: not UTF-8") for line in errors), errors
    assert any(line.startswith(f"tactful: {tmp_path / 'bad.json'}:1:") and "malformed JSON" in line for line in errors), errors
    assert f"tactful: {tmp_path / 'missing.md'}: no such file or directory" in errors
    assert f"{tmp_path / 'good.txt'}:1:3: error [no_promise]" in res.out
    assert "5 files could not be linted" in res.out


def test_errors_are_in_the_json_report_too(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("我们绝对保证\n", encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("a: b: c\n", encoding="utf-8")
    res = cli("lint", str(tmp_path), "--rules", RULES, "--format", "json")
    assert res.rc == 2
    out = json.loads(res.out)
    assert [(Path(p["path"]).name, p["line"]) for p in out["problems"]] == [("broken.yaml", 1)]
    assert [f["rule"] for f in out["findings"]] == ["no_promise"]


def test_csv_without_a_script_column_names_the_file_and_the_columns(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("id,words\n1,你好\n", encoding="utf-8")
    res = cli("lint", str(tmp_path / "t.csv"), "--rules", RULES)
    assert res.rc == 2
    assert "t.csv" in res.err and "the header has: id, words" in res.err and "--column" in res.err


def test_github_format_annotates_the_broken_file(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("a: [\n", encoding="utf-8")
    res = cli("lint", str(tmp_path), "--rules", RULES, "--format", "github")
    assert res.rc == 2
    assert res.out.startswith(f"::error file={tmp_path / 'broken.yaml'},line=2,col=1,title=tactful lint::malformed YAML")
