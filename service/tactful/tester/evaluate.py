"""Scores a ruleset's flags against gold labels: per category, per rule, micro, clean false alarms,
and what changed against a previous run.

A reply's predicted categories (the categories of its violations) are compared with its gold
labels, item by item, exactly as ../shared/tools/score.py does; per rule, a flag is right when
the rule's category is among the reply's gold labels. A label judged weaker than the threshold the
caller asks for (gold `strength`: clear > weak > borderline) is *arguable*: that category of that
reply is left out of every count, flagged or not, instead of scoring a miss or a false alarm.
Pure: no I/O; the CLI reads and prints.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tactful.model import CATEGORIES

RUN_FORMAT = 1
# Label strengths, strongest first. A label without one counts as clear (gold files that do not
# grade their labels, like ../shared/corpus/dev.jsonl, score exactly as before).
STRENGTHS = ("clear", "weak", "borderline")


@dataclass(frozen=True, slots=True)
class Flag:
    """One violation of one reply, as scored: rule, category, span (code points) and matched text."""

    rule: str
    category: str
    start: int
    end: int
    match: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "category": self.category, "start": self.start, "end": self.end, "match": self.match}


@dataclass(frozen=True, slots=True)
class Item:
    """One gold reply and what the rules flagged in it."""

    id: str
    labels: frozenset[str]
    flags: tuple[Flag, ...]
    arguable: frozenset[str] = frozenset()  # labelled categories below the strength threshold: not scored

    @property
    def predicted(self) -> frozenset[str]:
        return frozenset(f.category for f in self.flags)


def arguable_labels(labels: frozenset[str], strength: Mapping[str, str], threshold: str) -> frozenset[str]:
    """The labels judged weaker than `threshold` ("borderline" keeps every label).

    >>> sorted(arguable_labels(frozenset({"rude", "slang"}), {"rude": "weak"}, "clear"))
    ['rude']
    """
    floor = STRENGTHS.index(threshold)
    return frozenset(c for c in labels if STRENGTHS.index(strength.get(c, "clear")) > floor)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall, F1 with score.py's conventions (an empty denominator scores 1.0)."""
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _counts(tp: int, fp: int, fn: int) -> dict[str, Any]:
    p, r, f = prf(tp, fp, fn)
    return {"gold": tp + fn, "tp": tp, "fp": fp, "fn": fn, "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


@dataclass
class Evaluation:
    """Everything `tactful eval` reports; `to_dict()` is the saved run."""

    items: list[Item]
    categories: dict[str, dict[str, Any]] = field(default_factory=dict)
    micro: dict[str, Any] = field(default_factory=dict)
    clean: dict[str, Any] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    arguable: int = 0  # (reply, category) pairs left out as arguable

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": RUN_FORMAT,
            "categories": self.categories,
            "micro": self.micro,
            "clean": self.clean,
            "rules": self.rules,
            "errors": self.errors,
            "arguable": self.arguable,
            "items": {it.id: _item_doc(it) for it in self.items},
        }


def _item_doc(it: Item) -> dict[str, Any]:
    doc: dict[str, Any] = {"labels": sorted(it.labels), "flags": [f.to_dict() for f in it.flags]}
    if it.arguable:
        doc["arguable"] = sorted(it.arguable)
    return doc


def evaluate(items: Iterable[Item]) -> Evaluation:
    ev = Evaluation(list(items))
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    clean = clean_flagged = 0
    for it in ev.items:
        got, want = it.predicted - it.arguable, it.labels - it.arguable
        ev.arguable += len(it.arguable)
        for c in got & want:
            tp[c] += 1
        for c in sorted(got - want):
            fp[c] += 1
            ev.errors.extend({"kind": "false_alarm", "id": it.id, "category": c, **f.to_dict()} for f in it.flags if f.category == c)
        for c in sorted(want - got):
            fn[c] += 1
            ev.errors.append({"kind": "miss", "id": it.id, "category": c})
        if not it.labels:
            clean += 1
            clean_flagged += bool(got)
    cats = list(CATEGORIES) + sorted((set(tp) | set(fp) | set(fn)) - set(CATEGORIES))
    ev.categories = {c: _counts(tp[c], fp[c], fn[c]) for c in cats}
    ev.micro = _counts(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    ev.clean = {"items": clean, "flagged": clean_flagged, "rate": round(clean_flagged / clean, 4) if clean else 0.0}
    ev.rules = _per_rule(ev.items)
    return ev


def _per_rule(items: list[Item]) -> dict[str, dict[str, Any]]:
    """Per rule: replies flagged, how many of them carry the rule's category in gold, and the gold
    replies of that category that no other rule of the category caught (what the rule alone adds)."""
    flagged: Counter[str] = Counter()
    right: Counter[str] = Counter()
    only: Counter[str] = Counter()
    category: dict[str, str] = {}
    for it in items:
        by_cat: dict[str, set[str]] = defaultdict(set)
        for f in it.flags:
            if f.category in it.arguable:
                continue
            category[f.rule] = f.category
            by_cat[f.category].add(f.rule)
        for cat, rules in by_cat.items():
            for rule in rules:
                flagged[rule] += 1
                right[rule] += cat in it.labels
            if cat in it.labels and len(rules) == 1:
                only[next(iter(rules))] += 1
    out = {}
    for rule in sorted(flagged, key=lambda r: (category[r], r)):
        n, ok = flagged[rule], right[rule]
        out[rule] = {
            "category": category[rule],
            "flagged": n,
            "tp": ok,
            "fp": n - ok,
            "precision": round(ok / n, 4),
            "only": only[rule],
        }
    return out


# ---- comparing two runs -------------------------------------------------------------------------
def _outcomes(items: Mapping[str, Any]) -> dict[tuple[str, str], tuple[str, tuple[str, ...]]]:
    """(id, category) -> (hit | miss | false_alarm, the rules that flagged it) for a saved run."""
    out = {}
    for iid, rec in items.items():
        arguable = set(rec.get("arguable", ()))
        labels = set(rec.get("labels", ())) - arguable
        rules: dict[str, set[str]] = defaultdict(set)
        for f in rec.get("flags", ()):
            if f["category"] not in arguable:
                rules[f["category"]].add(f["rule"])
        for cat in labels | set(rules):
            kind = "hit" if cat in labels and cat in rules else "miss" if cat in labels else "false_alarm"
            out[(iid, cat)] = (kind, tuple(sorted(rules.get(cat, ()))))
    return out


_CHANGES = {
    ("miss", "hit"): "new_hits",
    ("hit", "miss"): "lost_hits",
    (None, "false_alarm"): "new_false_alarms",
    ("false_alarm", None): "fixed_false_alarms",
}


def diff(previous: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """What changed from a saved run to another: category deltas, and the replies that became hits,
    misses or false alarms (or stopped being false alarms), with the rules responsible."""
    prev_items, cur_items = previous.get("items", {}), current.get("items", {})
    common = set(prev_items) & set(cur_items)
    before = _outcomes({k: v for k, v in prev_items.items() if k in common})
    after = _outcomes({k: v for k, v in cur_items.items() if k in common})
    changes: dict[str, list[dict[str, Any]]] = {name: [] for name in _CHANGES.values()}
    by_rule: dict[str, Counter[str]] = defaultdict(Counter)
    for key in sorted(set(before) | set(after)):
        was, now = before.get(key), after.get(key)
        name = _CHANGES.get((was[0] if was else None, now[0] if now else None))
        if name is None:
            continue
        rules = (now if name in ("new_hits", "new_false_alarms") else was)[1]  # type: ignore[index]
        changes[name].append({"id": key[0], "category": key[1], "rules": list(rules)})
        for rule in rules:
            by_rule[rule][name] += 1
    deltas = {}
    for cat in sorted(set(previous.get("categories", {})) | set(current.get("categories", {})), key=_category_order):
        a, b = previous.get("categories", {}).get(cat, {}), current.get("categories", {}).get(cat, {})
        deltas[cat] = {k: round(b.get(k, 0) - a.get(k, 0), 4) for k in ("tp", "fp", "fn", "precision", "recall", "f1")}
    micro = {k: round(current["micro"][k] - previous["micro"][k], 4) for k in ("tp", "fp", "fn", "precision", "recall", "f1")}
    return {
        "categories": deltas,
        "micro": micro,
        "clean_rate": [previous.get("clean", {}).get("rate", 0.0), current.get("clean", {}).get("rate", 0.0)],
        "only_in_previous": len(set(prev_items) - common),
        "only_in_current": len(set(cur_items) - common),
        **changes,
        "by_rule": {r: dict(c) for r, c in sorted(by_rule.items())},
    }


def _category_order(cat: str) -> tuple[int, str]:
    return (CATEGORIES.index(cat) if cat in CATEGORIES else len(CATEGORIES), cat)
