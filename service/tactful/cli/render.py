"""Human-readable rendering of a check result: the reply, carets under each span, message, rewrite."""

from __future__ import annotations

from tactful.lang.diagnostics import display_width
from tactful.model import Result, Severity

_COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_RESET, _BOLD = "\033[0m", "\033[1m"


def render_result(result: Result, colour: bool = False) -> str:
    text = result.text
    if not result.violations:
        return f"{text}\n✓ no violations (ruleset {result.ruleset}@{result.ruleset_version})"
    lines = [text]
    for v in result.violations:
        c = _COLOURS[v.severity] if colour else ""
        r = _RESET if colour else ""
        label = f"{c}{v.severity.label}{r} [{v.rule}] {v.category}: {v.message}"
        if v.end > v.start:
            pad = " " * display_width(text[: v.start])
            lines.append(f"{pad}{c}{'^' * display_width(text[v.start : v.end])}{r} {label}")
        elif v.turn_index is not None:
            lines.append(f"(turn {v.turn_index} of the conversation) {label}")
        else:
            lines.append(f"(whole reply) {label}")
        for s in v.suggestions:
            lines.append(f"    suggestion: {s.description}")
    counts = {sev: sum(1 for v in result.violations if v.severity is sev) for sev in Severity}
    summary = ", ".join(f"{n} {sev.label}" for sev, n in sorted(counts.items(), reverse=True) if n)
    if result.rewritten != text:
        b, r = (_BOLD, _RESET) if colour else ("", "")
        lines.append(f"rewrite: {b}{result.rewritten}{r}")
    lines.append(f"{len(result.violations)} violation(s): {summary} (ruleset {result.ruleset}@{result.ruleset_version})")
    return "\n".join(lines)
