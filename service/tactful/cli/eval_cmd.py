"""`tactful eval GOLD.jsonl`: precision/recall/F1 of the rules against labeled replies, per category
and per rule, and what a rule change gained and broke against a saved run (--save / --diff)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tactful.cli.check_cmd import DEFAULT_MAX_BYTES, RecordError, _check_record, _checker, _records
from tactful.cli.library import EXIT_OK, EXIT_USAGE, UsageError, add_rules_args
from tactful.model import CATEGORIES
from tactful.tester.evaluate import STRENGTHS, Evaluation, Flag, Item, arguable_labels, diff, evaluate


def register(sub: Any) -> None:
    p = sub.add_parser("eval", help="score the rules against gold-labeled replies (precision, recall, F1)")
    p.add_argument("gold", metavar="GOLD.jsonl", help='one {"id", "text", "lang"?, "context"?, "labels": [category, ...]} per line')
    p.add_argument("--format", choices=("text", "json"), default="text", help="text tables (default) or one JSON document")
    p.add_argument("--errors", action="store_true", help="list every miss and false alarm (always included in JSON)")
    p.add_argument("--save", metavar="RUN.json", help="write this run (scores and every reply's flags) for a later --diff")
    p.add_argument("--diff", metavar="PREV.json", help="show what changed against a run saved with --save")
    p.add_argument(
        "--min-strength",
        choices=STRENGTHS,
        default="borderline",
        help="count only labels judged at least this strong (gold `strength`: clear > weak > borderline; a label "
        "without one is clear); weaker ones are arguable and left out of every count, flagged or not (default: all count)",
    )
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help=argparse.SUPPRESS)
    add_rules_args(p)
    p.set_defaults(run=run, server=None)


def _labels(rec: dict[str, Any]) -> frozenset[str]:
    labels = rec.get("labels")
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise RecordError('"labels" must be a list of category names ([] for a compliant reply)')
    unknown = sorted(set(labels) - set(CATEGORIES))
    if unknown:
        raise RecordError(f"unknown label {unknown[0]!r}; categories are: {', '.join(CATEGORIES)}")
    return frozenset(labels)


def _strength(rec: dict[str, Any], labels: frozenset[str]) -> dict[str, str]:
    strength = rec.get("strength", {})
    if not isinstance(strength, dict):
        raise RecordError('"strength" must be an object: {category: "clear" | "weak" | "borderline"}')
    for cat, value in strength.items():
        if value not in STRENGTHS:
            raise RecordError(f"strength of {cat!r} is {value!r}; use one of: {', '.join(STRENGTHS)}")
        if cat not in labels:
            raise RecordError(f"strength given for {cat!r}, which is not among the reply's labels")
    return strength


def _score(args: argparse.Namespace) -> tuple[Evaluation, int]:
    checker = _checker(args)
    items: list[Item] = []
    bad = 0
    seen: set[str] = set()
    for n, rec, err in _records(args.gold):
        if rec is not None:
            try:
                iid = str(rec.get("id", n))
                if iid in seen:
                    raise RecordError(f"duplicate id {iid!r}")
                labels = _labels(rec)
                arguable = arguable_labels(labels, _strength(rec, labels), args.min_strength)
                result = _check_record(checker, rec, args.max_bytes)
            except RecordError as problem:
                err = str(problem)  # noqa: PLW2901 - the record's error replaces the (absent) read error
            else:
                seen.add(iid)
                flags = tuple(Flag(v.rule, v.category, v.start, v.end, v.match) for v in result.violations)
                items.append(Item(iid, labels, flags, arguable))
                continue
        bad += 1
        print(f"tactful: {args.gold}:{n}: {err}", file=sys.stderr)
    if not items:
        raise UsageError(f"{args.gold}: no gold record could be read")
    return evaluate(items), bad


def _load_run(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise UsageError(f"{path} is not a run saved by `tactful eval --save`") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), dict) or "micro" not in data:
        raise UsageError(f"{path} is not a run saved by `tactful eval --save`")
    return data


def run(args: argparse.Namespace) -> int:
    previous = _load_run(args.diff) if args.diff else None  # a bad --diff file fails before the long part
    ev, bad = _score(args)
    run_doc = ev.to_dict()
    run_doc["gold"] = args.gold
    changes = diff(previous, run_doc) if previous is not None else None
    if args.save:
        try:
            Path(args.save).write_text(json.dumps(run_doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        except OSError as err:
            raise UsageError(f"cannot write {args.save}: {err.strerror}") from None
    if args.format == "json":
        out = {k: v for k, v in run_doc.items() if k != "items"}
        if changes is not None:
            out["diff"] = changes
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(_render(ev, args.errors, changes, args.diff))
    if bad:
        print(f"tactful: {bad} gold record(s) could not be read and were left out of the scores.", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


# ---- text output --------------------------------------------------------------------------------
def _row(name: str, c: dict[str, Any]) -> str:
    return f"{name:24} {c['gold']:5d} {c['tp']:5d} {c['fp']:5d} {c['fn']:5d} {c['precision']:6.3f} {c['recall']:6.3f} {c['f1']:6.3f}"


def _render(ev: Evaluation, errors: bool, changes: dict[str, Any] | None, prev_path: str | None) -> str:
    lines = [f"{'category':24} {'gold':>5} {'tp':>5} {'fp':>5} {'fn':>5} {'prec':>6} {'rec':>6} {'f1':>6}"]
    lines += [_row(cat, c) for cat, c in ev.categories.items()]
    lines.append(_row("micro", ev.micro))
    clean = ev.clean
    lines.append(f"clean replies flagged: {clean['flagged']} of {clean['items']} ({clean['rate']:.3f})")
    if ev.arguable:
        lines.append(f"arguable labels left out (judged weaker than --min-strength): {ev.arguable}")
    lines.append("")
    lines.append(f"{'rule':32} {'category':22} {'flagged':>7} {'tp':>4} {'fp':>4} {'prec':>6} {'only':>5}")
    for rule, r in ev.rules.items():
        lines.append(f"{rule:32} {r['category']:22} {r['flagged']:7d} {r['tp']:4d} {r['fp']:4d} {r['precision']:6.3f} {r['only']:5d}")
    lines.append("(only: gold replies of the rule's category that no other rule of that category caught)")
    if errors:
        lines.append("")
        for e in ev.errors:
            if e["kind"] == "miss":
                lines.append(f"missed       {e['category']:22} {e['id']}")
            else:
                lines.append(f"false alarm  {e['category']:22} {e['id']}  {e['rule']} [{e['start']}:{e['end']}] {e['match']!r}")
    if changes is not None:
        lines += ["", *_render_diff(changes, prev_path or "")]
    m = ev.micro
    lines.append(f"micro_f1={m['f1']:.3f} precision={m['precision']:.3f} recall={m['recall']:.3f} clean_fp_rate={clean['rate']:.3f}")
    return "\n".join(lines)


def _render_diff(changes: dict[str, Any], prev_path: str) -> list[str]:
    lines = [f"changes against {prev_path}:", f"{'category':24} {'tp':>5} {'fp':>5} {'fn':>5} {'prec':>7} {'rec':>7} {'f1':>7}"]
    for cat, d in [*changes["categories"].items(), ("micro", changes["micro"])]:
        if cat != "micro" and not any(d.values()):
            continue
        lines.append(
            f"{cat:24} {int(d['tp']):+5d} {int(d['fp']):+5d} {int(d['fn']):+5d} {d['precision']:+7.3f} {d['recall']:+7.3f} {d['f1']:+7.3f}"
        )
    was, now = changes["clean_rate"]
    lines.append(f"clean replies flagged: {was:.3f} -> {now:.3f}")
    titles = {
        "new_hits": "became hits",
        "lost_hits": "became misses (was caught by)",
        "new_false_alarms": "new false alarms",
        "fixed_false_alarms": "false alarms gone (was flagged by)",
    }
    for key, title in titles.items():
        entries = changes[key]
        lines.append(f"{title}: {len(entries)}")
        lines += [f"  {e['id']}  {e['category']}  {', '.join(e['rules']) or '-'}" for e in entries]
    if changes["by_rule"]:
        lines.append("by rule:")
        for rule, counts in changes["by_rule"].items():
            lines.append("  " + rule + ": " + ", ".join(f"{titles[k].split(' (')[0]} {v}" for k, v in counts.items()))
    if changes["only_in_previous"] or changes["only_in_current"]:
        lines.append(
            f"note: {changes['only_in_previous']} id(s) only in the previous run and {changes['only_in_current']} only in this one "
            "were not compared"
        )
    return lines
