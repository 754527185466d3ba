"""eval/real/newhits.py as a real subprocess, against a small fake ../shared/real of our own.

The script is how a new rule family is checked on unlabeled traffic: it must count exactly the
replies whose flags a change adds or removes, name the rule, skip every id someone has judged
(those are scored elsewhere), and print no reply text with --ids-only.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "eval" / "real" / "newhits.py"

BEFORE = """pack "nh" { version "1" locale zh-Hans }
rule rude_stupid {
  category rude
  message "不礼貌"
  when "笨"
  example bad "你真笨"
  example good "你真棒"
}
rule stall_wait {
  category stalling
  message "给出时间"
  when "等等"
  example bad "再等等"
  example good "三点前到"
}
"""
# The change: a new refusal family, and the stalling rule narrowed to leave a wait with a time alone.
AFTER = BEFORE.replace('  when "等等"\n', '  when "等等" and not /\\d+点/\n') + """rule refuse_dont_know {
  category flat_refusal
  message "不能只说不知道"
  when "不知道"
  example bad "不知道"
  example good "我帮您查一下"
}
"""


def _jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _shared(tmp_path: Path) -> Path:
    shared = tmp_path / "shared" / "real"
    (shared / "labels").mkdir(parents=True)
    texts = {
        "r1": "这个我不知道",  # + flat_refusal
        "r2": "您再等等吧",  # stalling before and after
        "r3": "您再等等,3点前到",  # - stalling (a time given)
        "r4": "你真笨,我不知道",  # rude both; + flat_refusal
        "r5": "好的,马上为您处理",  # clean both
        "judged": "我也不知道",  # would be + flat_refusal, but someone judged it
    }
    _jsonl(shared / "real_zh_jddc.jsonl", [{"id": i, "text": t, "lang": "zh-Hans"} for i, t in texts.items()])
    _jsonl(shared / "labels" / "audit.jsonl", [{"id": "judged", "labels": []}])
    return shared


def _run(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "before.tact").write_text(BEFORE, encoding="utf-8")
    (tmp_path / "after.tact").write_text(AFTER, encoding="utf-8")
    args = [str(tmp_path / "before.tact"), str(tmp_path / "after.tact"), "jddc", "--shared", str(_shared(tmp_path)), *extra]
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, encoding="utf-8", timeout=120, check=False)


def test_counts_added_and_removed_flags_per_rule_and_skips_judged_ids(tmp_path: Path) -> None:
    res = _run(tmp_path)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == "5 unlabeled jddc replies: +2 -1 (reply, category) flags"
    assert "  +2 flat_refusal refuse_dont_know" in lines
    assert "  -1 stalling stall_wait" in lines
    assert "judged" not in res.stdout
    added = res.stdout.split("== added (2)")[1].split("== removed")[0]
    assert "r1" in added and "r4" in added and "这个我不知道" in added
    assert "r3" in res.stdout.split("== removed (1)")[1]


def test_ids_only_prints_no_reply_text_and_cat_filters(tmp_path: Path) -> None:
    res = _run(tmp_path, "--ids-only", "--cat", "stalling")
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[0] == "5 unlabeled jddc replies: +0 -1 (reply, category) flags"
    assert "r3" in res.stdout
    assert "等等" not in res.stdout and "不知道" not in res.stdout


def test_a_missing_corpus_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "before.tact").write_text(BEFORE, encoding="utf-8")
    rules = str(tmp_path / "before.tact")
    args = [sys.executable, str(SCRIPT), rules, rules, "en", "--shared", str(tmp_path / "nowhere")]
    res = subprocess.run(args, capture_output=True, text=True, encoding="utf-8", timeout=60, check=False)
    assert res.returncode != 0
    assert "not found" in res.stderr and "Traceback" not in res.stderr
