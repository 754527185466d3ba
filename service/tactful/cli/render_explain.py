"""Human-readable rendering of an explanation: per rule, the verdict, the reply with its spans
underlined, the condition tree with each node's outcome, and what an unless or a scope removed."""

from __future__ import annotations

from tactful.cli.render import render_result
from tactful.engine.explain import EXCUSED, FIRED, SUPPRESSED, ConditionTrace, Explanation, RuleTrace, SpanRef
from tactful.lang.diagnostics import display_width

_ORDER = {FIRED: 0, EXCUSED: 1, SUPPRESSED: 2}
_MAX_SOURCE = 90  # display cells of a condition's source shown on one line


def render_explanation(explanation: Explanation, colour: bool = False) -> str:
    out = [render_result(explanation.result, colour=colour)]
    rules = sorted(explanation.rules, key=lambda r: _ORDER.get(r.verdict, 3))
    if not rules:
        out.append("\nno rule was considered: none of the rules' terms occur, and no rule tests only the context")
    for trace in rules:
        out.append("")
        out.extend(_rule(trace, explanation.result.text))
    return "\n".join(out)


def _rule(t: RuleTrace, text: str) -> list[str]:
    lines = [f"rule {t.rule} ({t.category}, {t.severity}) at {t.location}: {t.verdict.upper().replace('_', ' ')}", f"  why: {t.reason}"]
    marks = [(s, "^", "reported") for s in t.kept]
    for r in t.removed:
        marks.append((r.span, "~", f"removed by {'unless' if r.by == 'unless' else 'scope ' + r.scope}"))
        if r.cue is not None:
            marks.append((r.cue, "-", f"cue of {'unless ' + _short(r.source) if r.by == 'unless' else 'scope ' + r.scope}"))
    if marks:
        lines.append(f"    {text}")
        for span, ch, label in marks:
            lines.append(f"    {_underline(text, span, ch)} {label}: “{span.text}” {span.start}..{span.end}")
    lines.append("  when:")
    lines.extend(_tree(t.when, 2))
    for u in t.unless:
        lines.append("  unless:")
        lines.extend(_tree(u, 2))
    for g in t.guards:
        lines.append(f"  fix guard ({'edit offered' if g.holds else 'no edit: suggestion only'}):")
        lines.extend(_tree(g, 2))
    for r in t.removed:
        if r.by == "unless":
            what = f"“{r.span.text}” {r.span.start}..{r.span.end}"
            lines.append(f"  removed {what}: overlaps “{_cue(r.cue)} of unless {_short(r.source)} ({r.location})")
        else:
            lines.append(
                f"  removed “{r.span.text}” {r.span.start}..{r.span.end}: in scope {r.scope}, cue “{_cue(r.cue)} {r.distance} char(s) "
                f"{'after' if r.direction == 'after' else 'before'} it, within {r.within} ({r.source}, {r.location})"
            )
    return lines


def _cue(span: SpanRef | None) -> str:
    return f"{span.text}” {span.start}..{span.end}" if span is not None else "?”"  # the caller opens the quote


def _tree(node: ConditionTrace, depth: int) -> list[str]:
    mark = "✓" if node.holds else "✗"
    spans = " ".join(f"“{s.text}” {s.start}..{s.end}" for s in node.spans)
    where = " in the customer's message" if node.on_customer and node.spans else ""
    extra = "; ".join(x for x in (spans + where, node.note) if x)
    lines = [f"{'  ' * depth}{mark} {_short(node.source)}" + (f"  — {extra}" if extra else "")]
    for child in node.children:
        lines.extend(_tree(child, depth + 1))
    return lines


def _underline(text: str, span: SpanRef, ch: str) -> str:
    pad = " " * display_width(text[: span.start])
    return pad + ch * max(display_width(text[span.start : span.end]), 1)


def _short(source: str) -> str:
    if display_width(source) <= _MAX_SOURCE:
        return source
    cut = source
    while display_width(cut) > _MAX_SOURCE - 1:
        cut = cut[: len(cut) * 3 // 4 if display_width(cut) > 2 * _MAX_SOURCE else -1]
    return cut + "…"
