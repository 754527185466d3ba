"""GitHub Actions workflow commands: `::error file=…,line=…,col=…::message` annotations."""

from __future__ import annotations

from tactful.lint.reports import LintRun
from tactful.model import Severity

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(s: str) -> str:
    return _data(s).replace(":", "%3A").replace(",", "%2C")


def render(run: LintRun) -> str:
    lines: list[str] = []
    for f in run.findings:
        r = f.region
        title = _prop(f"tactful [{f.rule}]")
        props = f"file={_prop(f.path)},line={r.line},col={r.column},endLine={r.end_line},endColumn={r.end_column},title={title}"
        message = f.message + (f"\nsuggestion: {f.suggestion}" if f.suggestion else "")
        lines.append(f"::{_COMMAND[f.severity]} {props}::{_data(message)}")
    for p in run.all_problems:
        where = f"file={_prop(p.path)}" + (f",line={p.line},col={p.column}" if p.line else "")
        lines.append(f"::error {where},title=tactful lint::{_data(p.message)}")
    return "".join(line + "\n" for line in lines)
