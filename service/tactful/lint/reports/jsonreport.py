"""Machine-readable report: every finding with 1-based line/column, character and byte offsets."""

from __future__ import annotations

import json
from typing import Any

from tactful.lint.findings import FileProblem, Finding
from tactful.lint.reports import LintRun


def finding_dict(f: Finding) -> dict[str, Any]:
    r = f.region
    out: dict[str, Any] = {
        "path": f.path,
        "line": r.line,
        "column": r.column,
        "end_line": r.end_line,
        "end_column": r.end_column,
        "offset": r.offset,
        "end_offset": r.end_offset,
        "byte_offset": r.byte_offset,
        "byte_end": r.byte_end,
        "rule": f.rule,
        "category": f.category,
        "severity": f.severity.label,
        "message": f.message,
        "pack": f.pack,
        "match": f.match,
        "reply_hash": f.reply_hash,
        "suggestion": f.suggestion,
        "fix": [
            {"line": e.region.line, "column": e.region.column, "end_line": e.region.end_line, "end_column": e.region.end_column,
             "byte_offset": e.region.byte_offset, "byte_end": e.region.byte_end, "replacement": e.replacement}
            for e in f.edits
        ] or None,
        "fix_note": f.fix_note,
    }  # fmt: skip
    if f.suppressed is not None:
        out["suppressed"] = f.suppressed
    return out


def problem_dict(p: FileProblem) -> dict[str, Any]:
    return {"path": p.path, "line": p.line, "column": p.column, "message": p.message}


def render(run: LintRun) -> str:
    doc = {
        "tool": {"name": "tactful lint", "version": run.version},
        "summary": run.counts(),
        "findings": [finding_dict(f) for f in run.findings],
        "suppressed": [finding_dict(f) for f in run.suppressed],
        "problems": [problem_dict(p) for p in run.all_problems],
        "fixes": [
            {
                "path": x.path,
                "line": x.line,
                "column": x.column,
                "rule": x.rule,
                "change": x.change,
                "applied": x.note is None,
                "note": x.note,
            }
            for r in run.results
            for x in r.fixes
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
