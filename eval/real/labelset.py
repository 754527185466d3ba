"""Real-traffic label sets: ids + labels only (the texts stay in ../shared/real and are never copied here).

  python eval/real/labelset.py sample --seed 20261206 --out DIR   # the stratified random sample to judge
  python eval/real/labelset.py join eval/real/labels-2026-12b.jsonl > /tmp/gold.jsonl
      # joins ids with ../shared/real texts into score.py / `tactful eval` gold format

The sample is drawn per corpus with a fixed seed from the real customer-service corpora, excluding
ids already judged in ../shared/real/labels or in this folder's labels-*.jsonl, and is not filtered by
what the checker flags.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _default_shared() -> Path:
    # The repo may sit at /work/main or in a worktree one level deeper (/work/wt/NAME): take the
    # nearest ancestor that has shared/real rather than a fixed depth.
    for parent in HERE.parents:
        if (parent / "shared" / "real").is_dir():
            return parent / "shared" / "real"
    return HERE.parents[2] / "shared" / "real"


SHARED = _default_shared()
# Real customer-service corpora and how many replies to draw from each (stratified).
STRATA = {"real_zh_jddc": 600, "real_zh_stc3": 450, "real_zh_ecd": 150, "real_en_stc3": 400}


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def judged_ids(shared: Path, here: Path = HERE) -> set[str]:
    """Ids someone has already judged: the shared audit labels and the label sets kept in this folder."""
    files = [*(shared / "labels").glob("*.jsonl"), *here.glob("labels-*.jsonl")]
    return {r["id"] for p in files for r in _read(p)}


def sample(seed: int, out: Path, shared: Path) -> None:
    judged = judged_ids(shared)
    rng = random.Random(seed)
    picked = []
    for corpus, n in STRATA.items():
        rows = [r for r in _read(shared / f"{corpus}.jsonl") if r["id"] not in judged]
        for r in rng.sample(rows, min(n, len(rows))):
            picked.append({"id": r["id"], "corpus": corpus, "text": r["text"], "lang": r["lang"]})
    rng.shuffle(picked)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "sample.jsonl").open("w", encoding="utf-8") as f:
        for r in picked:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(picked)} replies -> {out / 'sample.jsonl'} (texts: keep out of the project)", file=sys.stderr)


def join(label_files: list[Path], shared: Path) -> None:
    texts: dict[str, dict] = {}
    for corpus in STRATA:
        for r in _read(shared / f"{corpus}.jsonl"):
            texts[r["id"]] = r
    missing = 0
    for path in label_files:
        for lab in _read(path):
            src = texts.get(lab["id"])
            if src is None:
                missing += 1
                continue
            rec = {"id": lab["id"], "text": src["text"], "lang": src["lang"], "labels": sorted(lab["labels"])}
            for key in ("corpus", "strength"):
                if key in lab:
                    rec[key] = lab[key]
            print(json.dumps(rec, ensure_ascii=False))
    if missing:
        print(f"labelset: {missing} ids not found under {shared}", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=SHARED, help="the ../shared/real folder")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--seed", type=int, default=20261206)
    s.add_argument("--out", type=Path, required=True)
    j = sub.add_parser("join")
    j.add_argument("labels", type=Path, nargs="+")
    a = ap.parse_args()
    if not a.shared.is_dir():
        sys.exit(f"labelset: {a.shared} not found: the real corpora are needed to sample or join")
    if a.cmd == "sample":
        sample(a.seed, a.out, a.shared)
    else:
        join(a.labels, a.shared)


if __name__ == "__main__":
    main()
