"""Writers for the audit outputs: conversations JSONL and CSV as records arrive (nothing held in
memory), then agents.csv, rules.csv, summary.json and report.html from the Summary."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import IO, Any

from tactful.audit.html import render_report
from tactful.audit.score import WEIGHTS
from tactful.audit.summary import Summary
from tactful.model import CATEGORIES

CONVERSATION_COLUMNS = [
    "id",
    "agent_id",
    "lang",
    "ruleset",
    "turns",
    "agent_turns",
    "started_at",
    "score",
    "violations",
    *CATEGORIES,
    "rules",
]


def record_line(rec: dict[str, Any]) -> str:
    """The canonical JSONL form of a record (the same bytes from `tactful audit` and Spark)."""
    return json.dumps(rec, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def csv_row(rec: dict[str, Any]) -> list[Any]:
    cats = rec["by_category"]
    return [
        rec["id"],
        rec["agent_id"] or "",
        rec["lang"] or "",
        rec["ruleset"],
        rec["turns"],
        rec["agent_turns"],
        "" if rec["started_at"] is None else rec["started_at"],
        rec["score"],
        rec["violation_count"],
        *(cats.get(c, 0) for c in CATEGORIES),
        "; ".join(f"{r}×{n}" for r, n in rec["by_rule"].items()),
    ]


class RecordWriter:
    """conversations.jsonl and conversations.csv, one row per audited conversation."""

    def __init__(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self._jsonl: IO[str] = open(out / "conversations.jsonl", "w", encoding="utf-8")
        self._csv_file: IO[str] = open(out / "conversations.csv", "w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._csv_file)
        self._csv.writerow(CONVERSATION_COLUMNS)

    def write(self, rec: dict[str, Any]) -> None:
        self.write_rendered(record_line(rec), csv_row(rec))

    def write_rendered(self, line: str, row: list[Any]) -> None:
        """A record already rendered (by a worker process: the writing process only copies strings)."""
        self._jsonl.write(line + "\n")
        self._csv.writerow(row)

    def close(self) -> None:
        self._jsonl.close()
        self._csv_file.close()


def write_summary(summary: Summary, out: Path, source: str) -> None:
    """agents.csv, rules.csv, summary.json and the self-contained report.html."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "agents.csv", "w", encoding="utf-8-sig", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["agent_id", "conversations", "mean_score", "violations", "violations_per_conversation", "top_rule"])
        for name, a in sorted(summary.agents.items(), key=lambda kv: (kv[1].mean_score, kv[0])):
            top = max(a.by_rule.items(), key=lambda kv: (kv[1], kv[0]))[0] if a.by_rule else ""
            w.writerow([name, a.conversations, f"{a.mean_score:.1f}", a.violations, f"{a.violations / a.conversations:.2f}", top])
    with open(out / "rules.csv", "w", encoding="utf-8-sig", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["rule", "category", "severity", "violations", "share_of_violations"])
        for rule, n in sorted(summary.by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
            cat, sev = summary.rule_info.get(rule, ("", ""))
            w.writerow([rule, cat, sev, n, f"{n / max(summary.violations, 1):.4f}"])
    data = {
        "source": source,
        "conversations": summary.conversations,
        "bad_lines": summary.errors,
        "agent_turns": summary.agent_turns,
        "mean_score": round(summary.mean_score, 2),
        "clean_conversations": summary.clean,
        "violations": summary.violations,
        "by_severity": dict(sorted(summary.by_severity.items())),
        "by_category": dict(sorted(summary.by_category.items())),
        "by_rule": dict(sorted(summary.by_rule.items())),
        "score_formula": "100 - " + " - ".join(f"{w} x {s}" for s, w in WEIGHTS.items()) + ", floored at 0",
    }
    (out / "summary.json").write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "report.html").write_text(render_report(summary, source), encoding="utf-8")
