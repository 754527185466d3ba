"""SARIF 2.1.0 for code scanning: rules in tool.driver.rules, results with regions and fixes.

Columns count Unicode code points (declared with columnKind), matching the text report, so a
Chinese reply's column is its character position, not a UTF-16 or byte position.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from tactful.lint.findings import Finding, Region
from tactful.lint.reports import LintRun
from tactful.model import Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(path: str) -> str:
    return quote(path.replace("\\", "/"), safe="/")


def _region(r: Region) -> dict[str, int]:
    return {"startLine": r.line, "startColumn": r.column, "endLine": r.end_line, "endColumn": r.end_column}


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    text = f.message + (f" Suggestion: {f.suggestion}" if f.suggestion else "")
    out: dict[str, Any] = {
        "ruleId": f.rule,
        "level": _LEVEL[f.severity],
        "message": {"text": text},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(f.path)}, "region": _region(f.region)}}],
        "partialFingerprints": {"tactfulReplyHash/v1": f"{f.rule}:{f.reply_hash}"},
        "properties": {"category": f.category, "pack": f.pack},
    }
    if f.rule in index:
        out["ruleIndex"] = index[f.rule]
    if f.edits:
        out["fixes"] = [
            {
                "description": {"text": f.suggestion or "apply the suggested rewrite"},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": _uri(f.path)},
                        "replacements": [{"deletedRegion": _region(e.region), "insertedContent": {"text": e.replacement}} for e in f.edits],
                    }
                ],
            }
        ]
    if f.suppressed is not None:
        out["suppressions"] = [{"kind": "inSource", "justification": f.suppressed}]
    return out


def render(run: LintRun) -> str:
    index = {r.id: i for i, r in enumerate(run.rules)}
    rules = [
        {
            "id": r.id,
            "name": r.id,
            "shortDescription": {"text": f"{r.category}: {r.rationale or r.message}"},
            "fullDescription": {"text": r.rationale or r.message},
            "help": {"text": f"{r.rationale}\nSource: {r.source}" if r.source else r.rationale or r.message},
            "defaultConfiguration": {"level": _LEVEL[r.severity]},
            "properties": {"category": r.category, "pack": r.pack, "tags": [r.category]},
        }
        for r in run.rules
    ]
    results = [_result(f, index) for f in sorted([*run.findings, *run.suppressed], key=lambda f: (f.path, f.region.offset, f.rule))]
    notifications = [
        {
            "level": "error",
            "message": {"text": p.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(p.path)},
                        **({"region": {"startLine": p.line, "startColumn": p.column}} if p.line else {}),
                    }
                }
            ],
        }
        for p in run.all_problems
    ]
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "tactful",
                        "version": run.version,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
                "invocations": [{"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}],
            }
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
