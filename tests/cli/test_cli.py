"""The real `tactful` CLI as a subprocess: check (text/json/jsonl), test, rules, exit codes, bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

CORE = str(Path(__file__).resolve().parent.parent / "fixtures" / "core")
Cli = Callable[..., Any]  # conftest.run_cli -> CliResult(rc, out, err)


def test_done_when_check_on_shipped_packs(cli: Cli) -> None:
    res = cli("check", "--format", "json", "是的,但是我们绝对保证明天到货")
    assert res.rc == 1, res.err
    out = json.loads(res.out)
    cats = {v["category"] for v in out["violations"]}
    assert {"contrastive_but", "unfulfillable_promise"} <= cats
    assert set(out) >= {"violations", "rewritten", "ruleset_version"}
    for v in out["violations"]:
        assert set(v) >= {"rule", "category", "severity", "message", "start", "end", "utf16_start", "utf16_end", "match", "suggestions"}
    again = json.loads(cli("check", "--format", "json", out["rewritten"]).out)
    assert not {"contrastive_but", "unfulfillable_promise"} & {v["category"] for v in again["violations"]}


def test_traditional_reply_gives_same_categories_with_spans_in_traditional_text(cli: Cli) -> None:
    simplified = json.loads(cli("check", "--format", "json", "是的,但是我们绝对保证明天到货").out)
    text = "是的,但是我們絕對保證明天到貨"
    traditional = json.loads(cli("check", "--format", "json", text).out)
    assert {v["category"] for v in traditional["violations"]} == {v["category"] for v in simplified["violations"]}
    for v in traditional["violations"]:
        assert text[v["start"] : v["end"]] == v["match"]
    assert any("絕對" in v["match"] for v in traditional["violations"])


def test_human_output_underlines_the_match_and_shows_the_rewrite(cli: Cli) -> None:
    res = cli("check", "--rules", CORE, "是的,但是好")
    assert res.rc == 1
    lines = res.out.splitlines()
    assert lines[0] == "是的,但是好"
    assert lines[1].startswith("^^^^^^^^^ warning [yes_but] contrastive_but")
    assert "rewrite: 是的,同时好" in res.out


def test_context_flags_reach_the_rules(cli: Cli) -> None:
    assert cli("check", "--rules", CORE, "请讲").rc == 0
    res = cli("check", "--rules", CORE, "--format", "json", "--turn", "first", "--time", "09:30", "请讲")
    assert {v["rule"] for v in json.loads(res.out)["violations"]} == {"greet", "morning"}
    res = cli("check", "--rules", CORE, "--format", "json", "--customer", "东西坏了", "已补发")
    assert [v["rule"] for v in json.loads(res.out)["violations"]] == ["apology"]


def test_batch_jsonl_reports_bad_lines_and_processes_the_rest(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    data.write_bytes(
        "\n".join([
            json.dumps({"id": "a", "text": "是的,但是", "extra": 1}, ensure_ascii=False),
            "{not json",
            json.dumps({"id": "b", "text": "好的", "context": {"turn": "sometimes"}}),
            json.dumps({"id": "c", "text": "请讲", "lang": "zh-Hans", "context": {"turn": "first", "channel": "chat"}}, ensure_ascii=False),
        ]).encode() + b"\n\xff\xfe\n"
    )
    res = cli("check", "--rules", CORE, "--input", str(data), "--format", "jsonl")
    assert res.rc == 2
    rows = [json.loads(line) for line in res.out.splitlines()]
    assert [r["id"] for r in rows] == ["a", "c"]
    assert [v["rule"] for v in rows[1]["violations"]] == ["greet"]
    assert f"{data}:2: malformed JSON" in res.err
    assert f"{data}:3: turn 'sometimes' is not one of first, middle, last" in res.err
    assert f"{data}:5: not valid UTF-8" in res.err
    assert "Traceback" not in res.err


def test_batch_exit_codes_without_errors(cli: Cli, tmp_path: Path) -> None:
    clean = tmp_path / "clean.jsonl"
    clean.write_text('{"id": 1, "text": "您好"}\n', encoding="utf-8")
    assert cli("check", "--rules", CORE, "--input", str(clean)).rc == 0
    dirty = tmp_path / "dirty.jsonl"
    dirty.write_text('{"id": 1, "text": "是的,但是"}\n', encoding="utf-8")
    assert cli("check", "--rules", CORE, "--input", str(dirty)).rc == 1


def test_missing_input_file_and_oversized_text_are_usage_errors(cli: Cli, tmp_path: Path) -> None:
    res = cli("check", "--rules", CORE, "--input", str(tmp_path / "nope.jsonl"))
    assert res.rc == 2 and "cannot read" in res.err and "nope.jsonl" in res.err
    res = cli("check", "--rules", CORE, "--max-bytes", "10", "这是一段超过十个字节的回复")
    assert res.rc == 2 and "over the 10-byte limit" in res.err
    res = cli("check", "--rules", str(tmp_path / "missing"), "hi")
    assert res.rc == 2 and "does not exist" in res.err


def test_broken_rule_file_is_reported_with_position_not_traceback(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.tact"
    bad.write_text('rule x {\n  category rudeness\n  message "m"\n  when "a"\n  example bad "a"\n  example good "b"\n}\n', encoding="utf-8")
    res = cli("check", "--rules", str(bad), "a")
    assert res.rc == 2
    assert f"{bad}:2:12: error[E212]: unknown category 'rudeness'" in res.err
    assert "^^^^^^^^" in res.err and "hint: did you mean 'rude'?" in res.err
    assert "Traceback" not in res.err


def test_tactful_test_runs_examples_and_ends_with_counts(cli: Cli, tmp_path: Path) -> None:
    res = cli("test", CORE)
    assert res.rc == 0, res.out
    assert res.out.splitlines()[-1] == "31 passed, 0 failed"
    broken = tmp_path / "wrong.tact"
    broken.write_text(
        'rule x { category slang message "m" when "yyds" rewrite "很棒"\n'
        '  example bad "真yyds" -> "真厉害"\n  example good "yyds啊" }\n',
        encoding="utf-8",
    )
    res = cli("test", str(broken))
    assert res.rc == 1
    assert "expected: 真厉害" in res.out and "got:      真很棒" in res.out
    assert "good example was flagged" in res.out
    assert res.out.splitlines()[-1] == "0 passed, 2 failed"


def test_shipped_packs_pass_their_examples(cli: Cli) -> None:
    res = cli("test")
    assert res.rc == 0, res.out[-3000:]
    passed, failed = res.out.splitlines()[-1].split(", ")
    assert int(passed.split()[0]) > 0 and failed == "0 failed"


def test_rules_lists_ids_categories_severities(cli: Cli) -> None:
    res = cli("rules", "--rules", CORE)
    assert res.rc == 0
    assert res.out.startswith("# ruleset core 1.0.0 (locale zh-Hans")
    line = next(x for x in res.out.splitlines() if x.startswith("promise "))
    assert line.split()[1:3] == ["unfulfillable_promise", "error"]
    res = cli("rules", "--rules", CORE, "--ruleset", "nope")
    assert res.rc == 2 and "available: core" in res.err
