"""Benchmark `tactful lint`: lines per second on 100,000 replies over 1,000 files, one worker vs all cores.

    python bench/lint.py [--replies 100000] [--files 1000] [--rules PATH]

Generates a library in a temporary directory (txt, md, csv, yaml and jsonl files; replies from
bench/corpus.py, 80 % Chinese, about one in ten breaking a rule), lints it in-process with --jobs 1
and with every core, and prints both rates and the speed-up.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from corpus import reply as corpus_reply

from tactful.cli.library import load_library, shipped_rules
from tactful.lint.checker import LintOptions
from tactful.lint.run import default_jobs, lint_paths
from tactful.lint.walk import walk


def reply(rng: random.Random) -> str:
    """A script-library line: the engine benchmark's generator, with one reply in ten breaking a rule."""
    return corpus_reply(rng, "en" if rng.random() < 0.2 else "zh", max_chars=300, violation_rate=0.1)


def write_file(path: Path, replies: list[str]) -> int:
    """Write one file in the format its suffix names; returns its line count."""
    kind = path.suffix
    if kind == ".txt":
        text = "".join(r + "\n" for r in replies)
    elif kind == ".md":
        text = "# 话术\n\n" + "".join(f"- {r}\n" for r in replies)
    elif kind == ".csv":
        text = "id,话术\n" + "".join(f'{i},"{r.replace(chr(34), chr(34) * 2)}"\n' for i, r in enumerate(replies))
    elif kind == ".yaml":
        text = "scripts:\n" + "".join(f"  - id: {i}\n    reply: |\n      {r}\n" for i, r in enumerate(replies))
    else:
        text = "".join(json.dumps({"id": i, "text": r}, ensure_ascii=False) + "\n" for i, r in enumerate(replies))
    path.write_text(text, encoding="utf-8")
    return text.count("\n")


def generate(root: Path, replies: int, files: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    kinds = [".txt", ".md", ".csv", ".yaml", ".jsonl"]
    per_file, lines = replies // files, 0
    for i in range(files):
        sub = root / f"team{i % 20:02}"
        sub.mkdir(exist_ok=True)
        lines += write_file(sub / f"scripts{i:04}{kinds[i % len(kinds)]}", [reply(rng) for _ in range(per_file)])
    return lines


def measure(root: Path, rules: str, jobs: int) -> tuple[float, int, int]:
    library = load_library(rules)
    files = walk([str(root)]).files
    start = time.perf_counter()
    results = lint_paths(files, library, rules, LintOptions(), jobs, progress=False)
    elapsed = time.perf_counter() - start
    replies = sum(r.replies for r in results)
    findings = sum(len(r.findings) for r in results)
    assert not any(r.problems for r in results), [p for r in results for p in r.problems][:3]
    return elapsed, replies, findings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=1_000)
    parser.add_argument("--rules", default=str(shipped_rules()))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tactful-lint-bench-") as tmp:
        root = Path(tmp)
        lines = generate(root, args.replies, args.files)
        cores = default_jobs()
        print(f"library: {args.replies} replies, {lines} lines, {args.files} files; {cores} cores")
        t1, replies, found = measure(root, args.rules, 1)
        print(f"1 worker:    {t1:7.2f} s  {lines / t1:10,.0f} lines/s  ({replies} replies, {found} findings)")
        tn, replies_n, found_n = measure(root, args.rules, cores)
        assert (replies_n, found_n) == (replies, found), "parallel run disagrees with the single worker"
        print(f"{cores} workers:   {tn:7.2f} s  {lines / tn:10,.0f} lines/s")
        print(f"speed-up: {t1 / tn:.2f}x on {cores} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
