"""Explanation (engine/explain.py) -> the tactful.v1.Explanation message of a CheckResponse."""

from __future__ import annotations

from tactful.engine.explain import ConditionTrace, Explanation, SpanRef
from tactful.v1 import checker_pb2 as pb

_SEVERITY = {"info": pb.SEVERITY_INFO, "warning": pb.SEVERITY_WARNING, "error": pb.SEVERITY_ERROR}


def fill_explanation(out: pb.Explanation, explanation: Explanation) -> None:
    """Fill `out` in place (sub-messages given to a constructor would be copied)."""
    for t in explanation.rules:
        pr = out.rules.add(
            rule_id=t.rule, category=t.category, severity=_SEVERITY[t.severity], location=t.location, verdict=t.verdict, reason=t.reason
        )
        _condition(pr.when, t.when)
        for u in t.unless:
            _condition(pr.unless.add(), u)
        for r in t.removed:
            pm = pr.removed.add(by=r.by, source=r.source, location=r.location, scope=r.scope, direction=r.direction)
            pm.distance = max(r.distance, 0)
            pm.within = r.within
            _span(pm.span, r.span)
            if r.cue is not None:
                _span(pm.cue, r.cue)
        for k in t.kept:
            _span(pr.kept.add(), k)


def _condition(out: pb.ConditionTrace, trace: ConditionTrace) -> None:
    out.kind = trace.kind
    out.source = trace.source
    out.location = trace.location
    out.holds = trace.holds
    out.note = trace.note
    out.on_customer = trace.on_customer
    for s in trace.spans:
        _span(out.spans.add(), s)
    for child in trace.children:
        _condition(out.children.add(), child)


def _span(out: pb.TracedSpan, s: SpanRef) -> None:
    out.text = s.text
    out.span.start = s.start
    out.span.end = s.end
    out.span.utf16_start = s.utf16_start
    out.span.utf16_end = s.utf16_end
