"""eval/real/labelset.py as a real subprocess, against a small fake ../shared/real of our own.

A new sample must never hand out a reply someone has already judged: neither the shared audit
labels nor the label sets kept in eval/real (otherwise a "fresh" blind set would re-judge, and
double-count, replies whose labels the rules were already scored or tuned on).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "eval" / "real" / "labelset.py"
CORPORA = ("real_zh_jddc", "real_zh_stc3", "real_zh_ecd", "real_en_stc3")


def _first_id(path: Path) -> str:
    with path.open(encoding="utf-8") as f:
        return str(json.loads(f.readline())["id"])


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _fake_shared(tmp_path: Path, ids: list[str], audited: list[str]) -> Path:
    shared = tmp_path / "shared" / "real"
    (shared / "labels").mkdir(parents=True)
    _write_jsonl(shared / "real_zh_jddc.jsonl", [{"id": i, "text": f"测试回复 {n}", "lang": "zh-Hans"} for n, i in enumerate(ids)])
    for corpus in CORPORA[1:]:
        _write_jsonl(shared / f"{corpus}.jsonl", [])
    _write_jsonl(shared / "labels" / "audit.jsonl", [{"id": i, "labels": []} for i in audited])
    return shared


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, encoding="utf-8", timeout=60, check=False)


def test_sample_skips_ids_judged_in_shared_labels_and_in_eval_real_label_sets(tmp_path: Path) -> None:
    label_sets = sorted((ROOT / "eval" / "real").glob("labels-*.jsonl"))
    assert len(label_sets) >= 2, "expected the session and the fresh label sets in eval/real"
    in_repo = [_first_id(p) for p in label_sets]
    fresh = ["fake-new-1", "fake-new-2", "fake-new-3"]
    shared = _fake_shared(tmp_path, [*fresh, *in_repo, "fake-audited"], audited=["fake-audited"])
    res = _run("--shared", str(shared), "sample", "--seed", "1", "--out", str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr
    with (tmp_path / "out" / "sample.jsonl").open(encoding="utf-8") as f:
        picked = {json.loads(line)["id"] for line in f}
    assert picked == set(fresh)


def test_join_adds_text_and_lang_and_reports_unknown_ids(tmp_path: Path) -> None:
    shared = _fake_shared(tmp_path, ["fake-a"], audited=[])
    labels = tmp_path / "labels.jsonl"
    _write_jsonl(
        labels,
        [
            {"id": "fake-a", "corpus": "real_zh_jddc", "labels": ["stalling", "rude"], "strength": {"rude": "weak", "stalling": "clear"}},
            {"id": "fake-gone", "corpus": "real_zh_jddc", "labels": [], "strength": {}},
        ],
    )
    res = _run("--shared", str(shared), "join", str(labels))
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert rows == [
        {
            "id": "fake-a",
            "text": "测试回复 0",
            "lang": "zh-Hans",
            "labels": ["rude", "stalling"],
            "corpus": "real_zh_jddc",
            "strength": {"rude": "weak", "stalling": "clear"},
        }
    ]
    assert "1 ids not found" in res.stderr
