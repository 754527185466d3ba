"""`path:line:col: severity [rule] message`, the suggested rewrite under it, and a summary line."""

from __future__ import annotations

from tactful.lint.reports import LintRun
from tactful.model import Severity

_COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render(run: LintRun, colour: bool = False) -> str:
    def paint(code: str, s: str) -> str:
        return f"{code}{s}{_RESET}" if colour else s

    lines: list[str] = []
    for f in run.findings:
        r = f.region
        where = paint(_BOLD, f"{f.path}:{r.line}:{r.column}:")
        lines.append(f"{where} {paint(_COLOURS[f.severity], f.severity.label)} [{f.rule}] {f.message}")
        if f.suggestion:
            lines.append(f"    suggestion: {f.suggestion}")
        if f.fix_note:
            lines.append(paint(_DIM, f"    ({f.fix_note})"))
    lines.append(summary(run))
    return "\n".join(lines) + "\n"


def summary(run: LintRun) -> str:
    c = run.counts()
    if c["findings"]:
        parts = ", ".join(_plural(c[s], s) for s in ("error", "warning", "info") if c[s])
        files = len({f.path for f in run.findings})
        head = f"Found {_plural(c['findings'], 'finding')} ({parts}) in {files} of {_plural(c['files'], 'file')}"
    else:
        head = f"No findings in {_plural(c['files'], 'file')}"
    extra = []
    if c["suppressed"]:
        extra.append(f"{c['suppressed']} suppressed inline")
    if c["baselined"]:
        extra.append(f"{c['baselined']} in the baseline")
    if c["problems"]:
        extra.append(f"{_plural(c['problems'], 'file')} could not be linted")
    return head + (f" ({'; '.join(extra)})" if extra else "") + "."
