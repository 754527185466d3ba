"""--fix rewrites in place, byte-identical outside the edits; --diff changes nothing; unsafe edits are skipped."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

RULES = str(Path(__file__).resolve().parent / "fixtures" / "rules")
Cli = Callable[..., Any]


def lint_json(cli: Cli, root: Path, *args: str) -> dict[str, Any]:
    res = cli("lint", "library", "--rules", RULES, "--format", "json", "--fail-on", "never", *args, cwd=root)
    assert res.rc == 0, res.err
    return json.loads(res.out)


def _snapshot(lib: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in lib.iterdir()}


def test_fix_round_trip(cli: Cli, library_copy: Path) -> None:
    root = library_copy.parent
    before = _snapshot(library_copy)
    found = lint_json(cli, root)["findings"]
    fixable = [f for f in found if f["fix"]]
    unfixable = [f for f in found if not f["fix"]]
    assert {f["rule"] for f in unfixable} == {"mobile", "tactful-suppression"}
    assert any("'*'" in (f["fix_note"] or "") for f in unfixable), "a Markdown-unsafe rewrite says why it is skipped"

    # What the files must become: the reported edits spliced into the original bytes, nothing else.
    expected = dict(before)
    for name in {Path(f["path"]).name for f in fixable}:
        data = before[name]
        mine = [f for f in fixable if Path(f["path"]).name == name]
        edits = sorted((e["byte_offset"], e["byte_end"], e["replacement"]) for f in mine for e in f["fix"])
        out, pos = b"", 0
        for start, end, replacement in edits:
            out += data[pos:start] + replacement.encode("utf-8")
            pos = end
        expected[name] = out + data[pos:]

    res = cli("lint", "library", "--rules", RULES, "--fix", "--fail-on", "never", cwd=root)
    assert res.rc == 0, res.err
    assert res.out.count("\nfixed ") + res.out.startswith("fixed ") == len(fixable)
    assert "not fixed library/faq.md:9:8: [mobile]" in res.out
    assert _snapshot(library_copy) == expected

    # Encoding details survive: the BOM and every CRLF of crlf.txt.
    crlf = (library_copy / "crlf.txt").read_bytes()
    assert crlf.startswith(b"\xef\xbb\xbf")
    assert crlf.count(b"\r\n") == before["crlf.txt"].count(b"\r\n") and b"\n" not in crlf.replace(b"\r\n", b"")
    assert "會盡力確保".encode() in crlf  # the rewrite stays in the reply's script (Traditional)

    again = lint_json(cli, root)["findings"]
    assert not [f for f in again if f["fix"]], "re-linting finds none of the fixed violations"
    assert {(f["path"], f["line"], f["rule"]) for f in again} == {(f["path"], f["line"], f["rule"]) for f in unfixable}


def test_diff_shows_the_change_and_writes_nothing(cli: Cli, library_copy: Path) -> None:
    before = _snapshot(library_copy)
    res = cli("lint", "library", "--rules", RULES, "--diff", cwd=library_copy.parent)
    assert res.rc == 1  # the findings are still there
    assert "--- a/library/kb.yaml\n+++ b/library/kb.yaml\n" in res.out
    assert "\n-      我们绝对保证三天内到账。\n" in res.out
    assert "\n+      我们会尽力确保三天内到账。\n" in res.out
    assert _snapshot(library_copy) == before


def test_fix_skips_a_rewrite_that_would_need_requoting(cli: Cli, tmp_path: Path) -> None:
    rules = tmp_path / "rules.tact"
    rules.write_text(
        'pack "q" { version "1" }\n'
        'rule quote { category slang message "m" when "亲" rewrite "“亲”\\"" example bad "亲" -> "“亲”\\"" example good "您" }\n',
        encoding="utf-8",
    )
    original = '{"reply": "亲,在的"}\n'
    (tmp_path / "k.json").write_text(original, encoding="utf-8")
    res = cli("lint", str(tmp_path / "k.json"), "--rules", str(rules), "--fix", "--fail-on", "warning")
    assert res.rc == 1
    assert "not fixed" in res.out and "re-quoting in a JSON string" in res.out
    assert (tmp_path / "k.json").read_text(encoding="utf-8") == original


def test_fix_in_csv_keeps_quoting_and_other_columns(cli: Cli, tmp_path: Path) -> None:
    original = 'id,话术,备注\r\n1,"好的,但是""急""件\r\n稍等哈",保留,\r\n2,稍等哈,x\r\n'
    (tmp_path / "t.csv").write_bytes(original.encode("utf-8"))
    res = cli("lint", str(tmp_path), "--rules", RULES, "--fix", "--fail-on", "info")
    assert res.rc == 0, res.out + res.err
    assert (tmp_path / "t.csv").read_bytes() == original.replace("好的,但是", "好的,同时").replace("稍等哈", "请稍等").encode("utf-8")
