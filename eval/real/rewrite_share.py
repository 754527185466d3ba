"""How many flagged replies get a rewrite: counts only, no reply text is printed or stored.

    python eval/real/rewrite_share.py GOLD.jsonl [GOLD.jsonl ...] [--rules PATH] [--judged JUDGED.jsonl]

Reads gold files (the `tactful eval` format: id, text, lang), deduplicates by id, checks each reply
with the pack of its language and prints: replies flagged, replies whose rewrite differs from the
original, the share, and per rule how often it fired and how often its own edit was applied.
With --judged (a rewrites-judged-*.jsonl), prints for each judged id its verdict then and the rules
whose edits apply now, so a change to the packs can be read against an earlier review.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from tactful.cli.check_cmd import make_context
from tactful.compile.compiler import load_rules
from tactful.engine.check import check


def _load(paths: list[str]) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for p in paths:
        for line in Path(p).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.setdefault(row["id"], row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gold", nargs="+")
    ap.add_argument("--rules", default=None, help="rules directory (default: the packs shipped with tactful)")
    ap.add_argument("--judged", default=None)
    args = ap.parse_args()
    library = load_rules(args.rules)
    rows = _load(args.gold)
    flagged = rewritten = 0
    fired: Counter[str] = Counter()
    applied: Counter[str] = Counter()
    edited_by: dict[str, list[str]] = {}
    for rid, row in rows.items():
        ctx = make_context(row.get("context") or {}, row.get("lang"))
        result = check(library.select(locale=ctx.locale, text=row["text"]), row["text"], ctx)
        if not result.violations:
            continue
        flagged += 1
        edits = set(result.applied)
        rules = sorted({v.rule for v in result.violations if v.suggestions and any(e in edits for e in v.suggestions[0].edits)})
        fired.update({v.rule for v in result.violations})
        applied.update(rules)
        if result.rewritten != result.text:
            rewritten += 1
            edited_by[rid] = rules
    share = rewritten / flagged if flagged else 0.0
    print(f"replies {len(rows)}  flagged {flagged}  rewritten {rewritten}  share {share:.1%}")
    print(f"{'rule':40} fired edited")
    for rule, n in sorted(fired.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"{rule:40} {n:5} {applied[rule]:6}")
    if args.judged:
        print("\njudged id: verdict then -> rules whose edits apply now (- : no rewrite)")
        for line in Path(args.judged).read_text(encoding="utf-8").splitlines():
            j = json.loads(line)
            now = edited_by.get(j["id"])
            print(f"{j['id']:60} {j['verdict']:13} -> {','.join(now) if now else '-'}")


if __name__ == "__main__":
    main()
