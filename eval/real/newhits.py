"""What a rule change adds and removes on unlabeled real traffic, before anyone labels it.

    python eval/real/newhits.py BEFORE AFTER jddc [--n 4000] [--cat stalling] [--show 60] [--ids-only]

BEFORE and AFTER are rule paths (a .tact file or a directory of packs, e.g. a copy of rules/ taken
before the change and rules/ itself). The replies come from one corpus of ../shared/real (jddc,
stc3zh, ecd or en), minus every id already judged (../shared/real/labels and this folder's
labels-*.jsonl, as `labelset.py sample` excludes them), shuffled with --seed and cut to --n. Prints
how many (reply, category) flags the change adds and removes, per rule, then examples of each.

This is the check a new rule family has to pass here: read its added hits and count how many are
true violations (the project's bar: 85 %); read its removed hits the same way for an exemption.
The examples are printed for the reader only; with --ids-only no reply text is printed at all.
Never paste what it prints into the project: the texts stay in ../shared/real.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from labelset import SHARED, judged_ids

from tactful.cli.check_cmd import make_context
from tactful.cli.library import load_library
from tactful.compile.ruleset import Library
from tactful.engine.check import check

CORPORA = {"jddc": "real_zh_jddc", "stc3zh": "real_zh_stc3", "ecd": "real_zh_ecd", "en": "real_en_stc3"}

Flags = dict[str, list[tuple[str, str]]]  # category -> [(rule, matched text)]


def unlabeled(shared: Path, corpus: str, n: int, seed: int) -> list[dict[str, Any]]:
    """Up to `n` replies of `corpus` that nobody has judged, in a seeded random order."""
    judged = judged_ids(shared)
    rows = []
    with (shared / f"{CORPORA[corpus]}.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                if row.get("text") and row["id"] not in judged:
                    rows.append(row)
    random.Random(seed).shuffle(rows)
    return rows[:n]


def flags(library: Library, row: dict[str, Any]) -> Flags:
    text = row["text"]
    ctx = make_context(row.get("context") or {}, row.get("lang"))
    result = check(library.select(None, ctx.locale, text), text, ctx)
    out: Flags = defaultdict(list)
    for v in result.violations:
        out[v.category].append((v.rule, v.match))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("before", help="rule path before the change")
    ap.add_argument("after", help="rule path after the change")
    ap.add_argument("corpus", choices=sorted(CORPORA))
    ap.add_argument("--n", type=int, default=4000, help="replies to check (default 4000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cat", help="only this category")
    ap.add_argument("--show", type=int, default=60, help="examples printed per direction")
    ap.add_argument("--ids-only", action="store_true", help="print ids, rules and counts, never a reply's text")
    ap.add_argument("--shared", type=Path, default=SHARED, help="the ../shared/real folder")
    a = ap.parse_args()
    if not (a.shared / f"{CORPORA[a.corpus]}.jsonl").is_file():
        sys.exit(f"newhits: {a.shared / CORPORA[a.corpus]}.jsonl not found: the real corpora are needed")
    before, after = load_library(a.before), load_library(a.after)
    rows = unlabeled(a.shared, a.corpus, a.n, a.seed)
    added: Counter[tuple[str, str]] = Counter()
    removed: Counter[tuple[str, str]] = Counter()
    shown: dict[str, list[str]] = {"added": [], "removed": []}
    for row in rows:
        old, new = flags(before, row), flags(after, row)
        for cat in sorted(set(old) | set(new)):
            if (a.cat and cat != a.cat) or ((cat in old) == (cat in new)):
                continue
            direction, hits, counter = ("added", new[cat], added) if cat in new else ("removed", old[cat], removed)
            counter[(cat, hits[0][0])] += 1
            line = f"[{cat}] {hits[0][0]} {row['id']}"
            if not a.ids_only:
                line += f" «{hits[0][1]}»\n    {row['text'][:300]}"
            shown[direction].append(line)
    print(f"{len(rows)} unlabeled {a.corpus} replies: +{sum(added.values())} -{sum(removed.values())} (reply, category) flags")
    for sign, counter in (("+", added), ("-", removed)):
        for (cat, rule), n in counter.most_common():
            print(f"  {sign}{n} {cat} {rule}")
    for direction, lines in shown.items():
        print(f"== {direction} ({len(lines)})")
        for line in lines[: a.show]:
            print(line)


if __name__ == "__main__":
    main()
