"""`tactful eval` as a real subprocess, on a small gold file whose scores are worked out by hand.

tests/fixtures/eval/gold.jsonl against tests/fixtures/eval/pack.tact:
  a1 你真笨        gold rude       rude_a             -> rude tp
  a2 闭嘴,你真笨   gold rude       rude_a + rude_b    -> rude tp (two rules: neither is the only catch)
  a3 请闭嘴        gold -          rude_b             -> rude fp, a clean reply flagged
  a4 请稍等        gold stalling   stall_a            -> stalling tp
  a5 请稍等3天     gold stalling   - (a time given)   -> stalling fn
  a6 好的 / a8 谢谢 gold -          -                  -> clean
  a7 亲们好        gold slang,rude slang_a            -> slang tp, rude fn
rude: tp 2 fp 1 fn 1 -> P = R = F1 = 2/3; stalling: tp 1 fn 1 -> P 1, R 0.5, F1 2/3; slang 1/1/1.
micro: tp 4 fp 1 fn 2 -> P 0.8, R 0.667, F1 0.727; clean: 1 of 3 flagged.
rude_a: 2 flagged, 2 right, only catch 1 (a1); rude_b: 2 flagged, 1 right, P 0.5, only 0.
The same numbers as ../shared/tools/score.py prints for this file (checked while writing it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

EVAL = Path(__file__).resolve().parent.parent / "fixtures" / "eval"
GOLD = str(EVAL / "gold.jsonl")
Cli = Callable[..., Any]


def run_json(cli: Cli, *args: str) -> dict[str, Any]:
    res = cli("eval", GOLD, "--rules", str(EVAL), "--format", "json", *args)
    assert res.rc == 0, res.err
    return json.loads(res.out)  # type: ignore[no-any-return]


def test_category_micro_and_clean_scores_match_the_hand_count(cli: Cli) -> None:
    doc = run_json(cli)
    rude, stalling, slang = (doc["categories"][c] for c in ("rude", "stalling", "slang"))
    assert (rude["tp"], rude["fp"], rude["fn"]) == (2, 1, 1)
    assert rude["precision"] == rude["recall"] == rude["f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert (stalling["tp"], stalling["fn"], stalling["precision"], stalling["recall"]) == (1, 1, 1.0, 0.5)
    assert (slang["tp"], slang["fp"], slang["fn"], slang["f1"]) == (1, 0, 0, 1.0)
    assert doc["categories"]["privacy"] == {"gold": 0, "tp": 0, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0, "f1": 1.0}
    micro = doc["micro"]
    assert (micro["tp"], micro["fp"], micro["fn"]) == (4, 1, 2)
    assert micro["precision"] == 0.8 and micro["recall"] == pytest.approx(0.6667) and micro["f1"] == pytest.approx(0.7273)
    assert doc["clean"] == {"items": 3, "flagged": 1, "rate": pytest.approx(0.3333)}


def test_per_rule_precision_and_only_catches(cli: Cli) -> None:
    rules = run_json(cli)["rules"]
    assert rules["rude_a"] == {"category": "rude", "flagged": 2, "tp": 2, "fp": 0, "precision": 1.0, "only": 1}
    assert rules["rude_b"] == {"category": "rude", "flagged": 2, "tp": 1, "fp": 1, "precision": 0.5, "only": 0}
    assert rules["stall_a"]["only"] == 1 and rules["slang_a"]["only"] == 1


def test_json_lists_misses_and_false_alarms_with_rule_span_and_match(cli: Cli) -> None:
    errors = run_json(cli)["errors"]
    assert {"kind": "false_alarm", "id": "a3", "category": "rude", "rule": "rude_b", "start": 1, "end": 3, "match": "闭嘴"} in errors
    misses = sorted((e["id"], e["category"]) for e in errors if e["kind"] == "miss")
    assert misses == [("a5", "stalling"), ("a7", "rude")]


def test_text_output_has_the_tables_errors_and_a_machine_readable_last_line(cli: Cli) -> None:
    res = cli("eval", GOLD, "--rules", str(EVAL), "--errors")
    assert res.rc == 0, res.err
    lines = res.out.splitlines()
    assert lines[-1] == "micro_f1=0.727 precision=0.800 recall=0.667 clean_fp_rate=0.333"
    assert any(line.split()[:5] == ["rude", "3", "2", "1", "1"] for line in lines)
    assert any(line.startswith("false alarm") and "a3" in line and "rude_b [1:3] '闭嘴'" in line for line in lines)
    assert any(line.startswith("missed") and line.split()[-1] == "a5" for line in lines)
    # without --errors, no reply is listed
    plain = cli("eval", GOLD, "--rules", str(EVAL)).out
    assert "a3" not in plain


def test_diff_shows_what_a_rule_change_gained_and_broke(cli: Cli, tmp_path: Path) -> None:
    before = tmp_path / "before.json"
    run_json(cli, "--save", str(before))
    changed = tmp_path / "changed"
    changed.mkdir()
    pack = (EVAL / "pack.tact").read_text(encoding="utf-8")
    # stall_a now ignores the time given (a5 becomes a hit); rude_b loses 闭嘴 (a3 stops being a
    # false alarm, a2 stays a hit through rude_a); rude_a now also flags 谢谢 (a new false alarm on a8)
    pack = (
        pack.replace('"稍等" without @duration in clause', '"稍等"')
        .replace('when "闭嘴"', 'when "滚"')
        .replace('when "笨"', 'when ["笨", "谢谢"]')
    )
    (changed / "pack.tact").write_text(pack, encoding="utf-8")
    res = cli("eval", GOLD, "--rules", str(changed), "--format", "json", "--diff", str(before))
    assert res.rc == 0, res.err
    d = json.loads(res.out)["diff"]
    assert d["new_hits"] == [{"id": "a5", "category": "stalling", "rules": ["stall_a"]}]
    assert d["fixed_false_alarms"] == [{"id": "a3", "category": "rude", "rules": ["rude_b"]}]
    assert d["new_false_alarms"] == [{"id": "a8", "category": "rude", "rules": ["rude_a"]}]
    assert d["lost_hits"] == []
    assert d["categories"]["stalling"]["tp"] == 1 and d["categories"]["stalling"]["fn"] == -1
    assert d["categories"]["rude"]["fp"] == 0  # one false alarm gone, one new
    assert d["by_rule"] == {"rude_a": {"new_false_alarms": 1}, "rude_b": {"fixed_false_alarms": 1}, "stall_a": {"new_hits": 1}}
    text = cli("eval", GOLD, "--rules", str(changed), "--diff", str(before)).out
    assert "became hits: 1" in text and "  a5  stalling  stall_a" in text
    assert "false alarms gone (was flagged by): 1" in text and "  a3  rude  rude_b" in text


def test_a_bad_gold_line_is_reported_and_the_rest_is_scored(cli: Cli, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    lines = (EVAL / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    lines.insert(2, '{"id": "x1", "text": "好", "labels": ["rudeness"]}')
    lines.insert(4, "{not json")
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = cli("eval", str(gold), "--rules", str(EVAL), "--format", "json")
    assert res.rc == 2
    assert f"{gold}:3: unknown label 'rudeness'" in res.err and f"{gold}:5: malformed JSON" in res.err
    assert "Traceback" not in res.err
    assert json.loads(res.out)["micro"]["tp"] == 4  # the eight good records were still scored


def test_a_file_that_is_not_a_saved_run_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    bogus = tmp_path / "prev.json"
    bogus.write_text('{"hello": 1}', encoding="utf-8")
    res = cli("eval", GOLD, "--rules", str(EVAL), "--diff", str(bogus))
    assert res.rc == 2 and "is not a run saved by `tactful eval --save`" in res.err and "Traceback" not in res.err


GRADED = [
    {"id": "b1", "text": "你真笨", "labels": ["rude"], "strength": {"rude": "weak"}},  # flagged
    {"id": "b2", "text": "请稍等3天", "labels": ["stalling"], "strength": {"stalling": "borderline"}},  # not flagged
    {"id": "b3", "text": "请稍等", "labels": ["stalling"]},  # no strength: clear; flagged
    {"id": "b4", "text": "请闭嘴", "labels": []},  # a clean reply flagged
]


def _graded(tmp_path: Path, *extra: str) -> Path:
    gold = tmp_path / "graded.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in GRADED] + list(extra)
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return gold


def test_min_strength_leaves_weaker_labels_out_of_every_count(cli: Cli, tmp_path: Path) -> None:
    gold = str(_graded(tmp_path))

    def scores(*args: str) -> dict[str, Any]:
        res = cli("eval", gold, "--rules", str(EVAL), "--format", "json", *args)
        assert res.rc == 0, res.err
        return json.loads(res.out)  # type: ignore[no-any-return]

    every = scores()
    assert (every["micro"]["tp"], every["micro"]["fp"], every["micro"]["fn"], every["arguable"]) == (2, 1, 1, 0)
    # weak and up: b2's borderline stalling is neither a miss nor anything else
    weak = scores("--min-strength", "weak")
    assert (weak["micro"]["tp"], weak["micro"]["fp"], weak["micro"]["fn"], weak["arguable"]) == (2, 1, 0, 1)
    # clear only: b1's weak rude flag is no hit and no false alarm; b4 is still a clean reply flagged
    clear = scores("--min-strength", "clear")
    assert (clear["micro"]["tp"], clear["micro"]["fp"], clear["micro"]["fn"], clear["arguable"]) == (1, 1, 0, 2)
    assert clear["categories"]["rude"] == {"gold": 0, "tp": 0, "fp": 1, "fn": 0, "precision": 0.0, "recall": 1.0, "f1": 0.0}
    assert "rude_a" not in clear["rules"] and clear["rules"]["rude_b"]["fp"] == 1  # rude_a flagged only b1
    assert clear["clean"] == {"items": 1, "flagged": 1, "rate": 1.0}
    assert not any(e["id"] in ("b1", "b2") for e in clear["errors"])
    text = cli("eval", gold, "--rules", str(EVAL), "--min-strength", "clear").out
    assert "arguable labels left out (judged weaker than --min-strength): 2" in text


def test_a_bad_strength_is_reported_and_the_rest_is_scored(cli: Cli, tmp_path: Path) -> None:
    gold = _graded(
        tmp_path,
        '{"id": "c1", "text": "好", "labels": ["rude"], "strength": {"rude": "strong"}}',
        '{"id": "c2", "text": "好", "labels": [], "strength": {"slang": "weak"}}',
    )
    res = cli("eval", str(gold), "--rules", str(EVAL), "--format", "json", "--min-strength", "clear")
    assert res.rc == 2 and "Traceback" not in res.err
    assert f"{gold}:5: strength of 'rude' is 'strong'; use one of: clear, weak, borderline" in res.err
    assert f"{gold}:6: strength given for 'slang', which is not among the reply's labels" in res.err
    assert json.loads(res.out)["micro"]["tp"] == 1  # the four good records were still scored
