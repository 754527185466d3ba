"""Findings point at the right place in the ORIGINAL file: through CSV quoting, YAML block scalars,
Markdown lists, JSON escapes, BOMs and CRLF line ends. Checked against the file itself, not goldens."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"
Cli = Callable[..., Any]


def _lines(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8-sig")
    return re.split(r"\r\n|\r|\n", text)


def _at(cli_findings: list[dict[str, Any]], name: str) -> list[tuple[int, int, str, str]]:
    return [(f["line"], f["column"], f["rule"], f["match"]) for f in cli_findings if f["path"] == f"library/{name}"]


def run(cli: Cli) -> list[dict[str, Any]]:
    res = cli("lint", "library", "--rules", "rules", "--format", "json", "--fail-on", "never", cwd=FIXTURES)
    assert res.rc == 0, res.err
    return json.loads(res.out)["findings"]


def test_every_finding_points_at_its_match_in_the_file(cli: Cli) -> None:
    found = run(cli)
    assert len(found) == 29
    for f in found:
        data = (FIXTURES / f["path"]).read_bytes()
        line = _lines(FIXTURES / f["path"])[f["line"] - 1]
        if f["rule"] == "tactful-suppression":
            assert line[f["column"] - 1 :].startswith("# tactful:"), f
            continue
        assert line[f["column"] - 1 :].startswith(f["match"]), f
        assert f["end_column"] - f["column"] == len(f["match"]), f
        assert data[f["byte_offset"] : f["byte_end"]].decode("utf-8") == f["match"], f


def test_csv_positions_survive_doubled_quotes_and_multiline_cells(cli: Cli) -> None:
    assert _at(run(cli), "table.csv") == [
        (2, 4, "yes_but", "是的,但是"),  # after 1," at the start of a quoted cell
        (3, 10, "no_promise", "绝对保证"),  # second line of the cell, after a "" escape on the first
        (4, 3, "slang_wait", "稍等哈"),  # unquoted cell
        (5, 6, "mobile", "13812345678"),
    ]


def test_tsv_quoted_cell_over_two_lines_with_traditional_text(cli: Cli) -> None:
    assert _at(run(cli), "notes.tsv") == [(2, 3, "yes_but", "好的,但是"), (4, 4, "no_promise", "絕對保證")]


def test_yaml_block_folded_plain_and_quoted_scalars(cli: Cli) -> None:
    assert _at(run(cli), "kb.yaml") == [
        (5, 10, "greet", "退款"),  # literal block, first line
        (6, 9, "no_promise", "绝对保证"),  # literal block, second line
        (9, 7, "yes_but", "好的,但是"),  # folded block
        (15, 20, "slang_wait", "稍等哈"),  # double-quoted, after a \t escape
        (17, 12, "yes_but", "是的,可是"),  # multi-line plain scalar
    ]


def test_markdown_lists_paragraphs_and_skipped_blocks(cli: Cli) -> None:
    assert _at(run(cli), "faq.md") == [
        (4, 7, "yes_but", "好的,但是"),  # continuation line of a paragraph
        (6, 10, "no_promise", "绝对保证"),  # list item
        (7, 5, "greet", "退款"),  # the item's indented continuation line
        (8, 12, "slang_wait", "稍等哈"),  # task-list item
        (9, 8, "mobile", "13812345678"),
        (18, 8, "greet", "退款"),  # ordered item; the fenced code block (line 12) is not linted
    ]


def test_json_escapes_before_a_match_do_not_shift_it(cli: Cli) -> None:
    assert _at(run(cli), "kb.json") == [(3, 25, "yes_but", "是的,但是"), (4, 40, "no_promise", "绝对保证")]


def test_crlf_and_bom(cli: Cli) -> None:
    found = [f for f in run(cli) if f["path"] == "library/crlf.txt"]
    assert [(f["line"], f["column"]) for f in found] == [(2, 7), (4, 1)]
    # Byte offsets count the 3-byte BOM and both CRLFs: 3 + len("您好,欢迎光临。\r\n" as UTF-8) = 3 + 26.
    assert found[1]["byte_offset"] == len("\ufeff您好,欢迎光临。\r\n您的订单我們絕對保證準時送達。\r\n\r\n".encode())


def test_hidden_binary_and_unknown_files_are_skipped(cli: Cli) -> None:
    paths = {f["path"] for f in run(cli)}
    assert not {"library/.hidden.txt", "library/binary.txt", "library/notes.rtf"} & paths


def test_include_and_exclude_globs(cli: Cli) -> None:
    res = cli("lint", "library", "--rules", "rules", "--format", "json", "--include", "*.txt", "--exclude", "crlf*", cwd=FIXTURES)
    assert {f["path"] for f in json.loads(res.out)["findings"]} == {"library/scripts.txt"}


def test_column_and_field_options_pick_other_data(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("answer,reply\n我们绝对保证,没问题\n", encoding="utf-8")
    (tmp_path / "k.yaml").write_text("faq:\n  - q: 问\n    a: 稍等哈\n", encoding="utf-8")
    rules = str(FIXTURES / "rules")
    res = cli("lint", str(tmp_path), "--rules", rules, "--format", "json", "--column", "answer", "--field", "faq[].a", "--fail-on", "never")
    got = sorted((Path(f["path"]).name, f["line"], f["column"], f["rule"]) for f in json.loads(res.out)["findings"])
    assert got == [("k.yaml", 3, 8, "slang_wait"), ("t.csv", 2, 3, "no_promise")]
