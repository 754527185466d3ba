"""Why a rule did or did not fire on a reply: the condition tree with each node's outcome and
spans, the matches an `unless` or a scope removed and by which cue, and the conjunct that failed.

The tracer walks the compiled condition nodes through their public `eval(scan)` and their
child fields (`items`, `inner`, `left`, `right`) and replays `CompiledRule.evaluate`'s
unless/scope steps one at a time. It is a separate path: `check` is neither slowed down nor
changed by it, and a test keeps the two in agreement on every shipped example.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tactful.compile.ruleset import CompiledRule, Ruleset
from tactful.conditions import Match, Node, Scan, ScopeFilter
from tactful.engine.check import _candidates, _dedupe, _scan, check
from tactful.lang import ast
from tactful.lang.unparse import unparse, unparse_cue
from tactful.model import Context, Result
from tactful.text import to_utf16

# Verdicts of a rule on one reply.
FIRED = "fired"
NOT_MATCHED = "not_matched"  # `when` did not hold
EXCUSED = "excused"  # `when` held, but an unless/scope removed every match
SUPPRESSED = "suppressed"  # a span-less `unless` held: the whole rule is off for this reply


@dataclass(frozen=True, slots=True)
class SpanRef:
    """A span of the reply (or of the customer's message) in original code points and UTF-16 units."""

    start: int
    end: int
    utf16_start: int
    utf16_end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "utf16_start": self.utf16_start, "utf16_end": self.utf16_end, "text": self.text}


@dataclass(frozen=True, slots=True)
class ConditionTrace:
    """One node of a condition tree and what it did on this reply."""

    kind: str  # the construct: contains, regex, and, or, not, near, followed_by, count, starts, ends, valid, turn, ...
    source: str  # the condition as written in the rule file
    location: str  # path:line:col of the condition ("" when unknown)
    holds: bool
    spans: tuple[SpanRef, ...] = ()
    note: str = ""  # what a span-less node looked at (e.g. "turn is middle") or why it failed
    children: tuple[ConditionTrace, ...] = ()
    on_customer: bool = False  # spans are in the customer's message, not the reply

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "location": self.location,
            "holds": self.holds,
            "spans": [s.to_dict() for s in self.spans],
            "note": self.note,
            "on_customer": self.on_customer,
            "children": [c.to_dict() for c in self.children],
        }


@dataclass(frozen=True, slots=True)
class Removal:
    """A match of `when` that an `unless` condition or a scope took away, and the cue that did it."""

    span: SpanRef
    by: str  # "unless" | "scope"
    source: str  # the unless condition, or the scope's cue, as written
    location: str
    cue: SpanRef | None  # the unless match that overlapped it / the scope cue that covered it
    scope: str = ""
    direction: str = ""  # scope cues: "before" (cue before the match) or "after"
    distance: int = 0  # scope cues: characters between cue and match (normalized text)
    within: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "span": self.span.to_dict(),
            "by": self.by,
            "source": self.source,
            "location": self.location,
            "cue": self.cue.to_dict() if self.cue else None,
        }
        if self.by == "scope":
            out.update(scope=self.scope, direction=self.direction, distance=self.distance, within=self.within)
        return out


@dataclass(frozen=True, slots=True)
class RuleTrace:
    rule: str
    category: str
    severity: str
    location: str
    verdict: str  # fired | not_matched | excused | suppressed
    reason: str  # one sentence: why it fired or not
    when: ConditionTrace
    unless: tuple[ConditionTrace, ...] = ()
    removed: tuple[Removal, ...] = ()
    kept: tuple[SpanRef, ...] = ()  # the spans reported (leftmost-longest, non-overlapping), as check reports them
    considered: bool = True  # False: asked for with --rule, but none of its terms occur
    guards: tuple[ConditionTrace, ...] = ()  # a fired rule's `… if EXPR` fix conditions, in fix order

    @property
    def fired(self) -> bool:
        return self.verdict == FIRED

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "category": self.category,
            "severity": self.severity,
            "location": self.location,
            "verdict": self.verdict,
            "fired": self.fired,
            "reason": self.reason,
            "considered": self.considered,
            "when": self.when.to_dict(),
            "unless": [u.to_dict() for u in self.unless],
            "removed": [r.to_dict() for r in self.removed],
            "kept": [k.to_dict() for k in self.kept],
            "guards": [g.to_dict() for g in self.guards],
        }


@dataclass(frozen=True, slots=True)
class Explanation:
    result: Result
    rules: tuple[RuleTrace, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {**self.result.to_dict(), "text": self.result.text, "trace": [r.to_dict() for r in self.rules]}


def explain(ruleset: Ruleset, text: str, context: Context | None = None, rule_ids: tuple[str, ...] = ()) -> Explanation:
    """The check result and a trace of every rule considered: each rule whose terms occur plus the
    context-only rules (or only `rule_ids`, considered or not).

    Raises:
        KeyError: a rule id of `rule_ids` is not in the ruleset (the message lists the known ids).
    """
    ctx = context or Context()
    result = check(ruleset, text, ctx)
    scan = _scan(ruleset, text, ctx)
    candidates = set(_candidates(ruleset, scan))
    if rule_ids:
        index = {r.id: i for i, r in enumerate(ruleset.rules)}
        unknown = [r for r in rule_ids if r not in index]
        if unknown:
            raise KeyError(f"unknown rule {unknown[0]!r} in ruleset {ruleset.name!r}; `tactful rules` lists them")
        chosen = [index[r] for r in rule_ids]
    else:
        chosen = sorted(candidates)
    tracer = _Tracer(ruleset, text, scan)
    return Explanation(result, tuple(tracer.rule(ruleset.rules[i], i in candidates) for i in chosen))


class _Tracer:
    def __init__(self, ruleset: Ruleset, text: str, scan: Scan) -> None:
        self.ruleset = ruleset
        self.text = text
        self.scan = scan
        self._lines: dict[str, list[str]] = {}

    # -- spans and source text
    def span(self, m: Match, scan: Scan | None = None) -> SpanRef:
        scan = scan or self.scan
        text = self.text if scan is self.scan else scan.context.customer
        lo, hi = scan.ntext.to_original(m.start, m.end)
        u_lo, u_hi = to_utf16(text, [lo, hi])
        return SpanRef(lo, hi, u_lo, u_hi, text[lo:hi])

    def source(self, expr: Any) -> tuple[str, str]:
        """The condition as written (its slice of the rule file when the span is on one line) and where."""
        span = getattr(expr, "span", None)
        if span is None:
            return unparse(expr) if expr is not None else "?", ""
        where = str(span)
        if isinstance(expr, ast.Regex):  # the span covers the pattern only, not its slashes and flag
            return unparse(expr), where
        lines = self._lines.get(span.path)
        if lines is None:
            lines = self._lines[span.path] = self.ruleset.sources.get(span.path, "").splitlines()
        if span.length > 1 and 0 < span.line <= len(lines):
            quoted = lines[span.line - 1][span.column - 1 : span.column - 1 + span.length]
            if len(quoted) == span.length:
                return quoted, where
        return unparse(expr), where

    # -- conditions
    def node(self, node: Node, expr: Any, scan: Scan, on_customer: bool = False) -> ConditionTrace:
        holds, found = node.eval(scan)
        source, where = self.source(expr)
        kind = _kind(expr, node)
        note = ""
        sub_nodes = _node_children(node)
        sub_exprs = _expr_children(expr)
        if len(sub_exprs) != len(sub_nodes):
            sub_exprs = [None] * len(sub_nodes)
        if kind == "customer":
            other = scan.customer()
            if other is None:
                note = "no customer message given"
                children: tuple[ConditionTrace, ...] = ()
            else:
                children = tuple(self.node(n, e, other, True) for n, e in zip(sub_nodes, sub_exprs, strict=True))
        else:
            children = tuple(self.node(n, e, scan, on_customer) for n, e in zip(sub_nodes, sub_exprs, strict=True))
        note = note or _note(kind, node, scan, holds, children)
        spans = tuple(self.span(m, scan) for m in found)
        return ConditionTrace(kind, source, where, holds, spans, note, children, on_customer)

    # -- rules
    def rule(self, rule: CompiledRule, considered: bool) -> RuleTrace:
        origin = rule.origin
        when = self.node(rule.when, origin.when if origin else None, self.scan)
        head = {"rule": rule.id, "category": rule.category, "severity": rule.severity.label, "location": rule.location}
        if not considered:
            return RuleTrace(
                **head,
                verdict=NOT_MATCHED,
                reason="not considered: none of the terms its `when` needs occur in the reply",
                when=when,
                considered=False,
            )
        ok, found = rule.when.eval(self.scan)
        if not ok:
            failed = _first_failure(when)
            because = f" ({failed.note})" if failed.note else ""
            reason = f"`when` does not hold: `{_clip(failed.source)}` is false{because}"
            return RuleTrace(**head, verdict=NOT_MATCHED, reason=reason, when=when)
        had_spans = bool(found)
        unless_traces: list[ConditionTrace] = []
        removed: list[Removal] = []
        found, off = self.apply_unless(rule, found, unless_traces, removed)
        if off is not None:
            reason = f"`unless {_clip(off.source)}` holds{f' ({off.note})' if off.note else ''}: the rule is off for this reply"
            return RuleTrace(**head, verdict=SUPPRESSED, reason=reason, when=when, unless=tuple(unless_traces))
        found = self.apply_scopes(rule, found, removed)
        if had_spans and not found:
            causes = "; ".join(_describe_removal(r) for r in removed)
            return RuleTrace(
                **head,
                verdict=EXCUSED,
                reason=f"`when` matched, but every match was excused: {causes}",
                when=when,
                unless=tuple(unless_traces),
                removed=tuple(removed),
            )
        kept_spans = tuple(self.span(m) for m in _dedupe(found)) if found else ()
        shown = ", ".join(f"“{s.text}” at {s.start}..{s.end}" for s in kept_spans) or "the whole reply (no span)"
        if len(found) > len(kept_spans):
            shown += f" (the leftmost-longest non-overlapping of {len(found)} matches)"
        guards = self.guards(rule)
        for g in guards:
            shown += f"; fix guard `if {_clip(g.source)}` {'holds: its edit is offered' if g.holds else 'does not hold: no edit from it'}"
        return RuleTrace(
            **head,
            verdict=FIRED,
            reason=f"fired on {shown}",
            guards=guards,
            when=when,
            unless=tuple(unless_traces),
            removed=tuple(removed),
            kept=kept_spans,
        )

    def guards(self, rule: CompiledRule) -> tuple[ConditionTrace, ...]:
        """The `if` conditions of a fired rule's fixes, traced like any condition (check evaluates them the same way)."""
        origin = rule.origin
        sources = origin.guards if origin and len(origin.guards) == len(rule.fixes) else (None,) * len(rule.fixes)
        return tuple(self.node(fix.guard, expr, self.scan) for fix, expr in zip(rule.fixes, sources, strict=True) if fix.guard is not None)

    def apply_unless(
        self, rule: CompiledRule, found: list[Match], traces: list[ConditionTrace], removed: list[Removal]
    ) -> tuple[list[Match], ConditionTrace | None]:
        """`evaluate`'s unless step: the matches left, or the span-less unless that switched the rule off."""
        origin = rule.origin
        sources = origin.unless if origin and len(origin.unless) == len(rule.unless) else (None,) * len(rule.unless)
        for node, expr in zip(rule.unless, sources, strict=True):
            trace = self.node(node, expr, self.scan)
            traces.append(trace)
            held, spans = node.eval(self.scan)
            if held and not spans:
                return found, trace
            if held:
                kept = []
                for m in found:
                    cue = next((s for s in spans if s.start < m.end and m.start < s.end), None)
                    if cue is None:
                        kept.append(m)
                    else:
                        removed.append(Removal(self.span(m), "unless", trace.source, trace.location, self.span(cue)))
                found = kept
        return found, None

    def apply_scopes(self, rule: CompiledRule, found: list[Match], removed: list[Removal]) -> list[Match]:
        """`evaluate`'s scope step: the matches no present scope covers; the covered ones go to `removed`."""
        if not (rule.scopes and found):
            return found
        origin = rule.origin
        sources = origin.scopes if origin and len(origin.scopes) == len(rule.scopes) else (None,) * len(rule.scopes)
        present = [(s, d) for s, d in zip(rule.scopes, sources, strict=True) if s.present(self.scan)]
        kept = []
        for m in found:
            removal = next((r for s, d in present if (r := self.scope_removal(s, d, m)) is not None), None)
            if removal is None:
                kept.append(m)
            else:
                removed.append(removal)
        return kept

    def scope_removal(self, scope: ScopeFilter, decl: ast.ScopeDecl | None, m: Match) -> Removal | None:
        found = scope.cue_for(self.scan, m)
        if found is None:
            return None
        cue, hit = found
        direction = "after" if cue.after else "before"
        distance = hit.start - m.end if cue.after else m.start - hit.end
        source, where = f"{direction} … within {cue.within}{' clause' if cue.clause else ''}", ""
        if decl is not None:
            index = scope.cues.index(cue)
            if index < len(decl.cues):
                source, where = self.source(decl.cues[index])
                source = source if source.startswith(direction) else unparse_cue(decl.cues[index])
        return Removal(self.span(m), "scope", source, where, self.span(hit), scope.name, direction, distance, cue.within)


def _describe_removal(r: Removal) -> str:
    cue = f"“{r.cue.text}” at {r.cue.start}..{r.cue.end}" if r.cue else "?"
    if r.by == "unless":
        return f"“{r.span.text}” at {r.span.start}..{r.span.end} overlaps {cue} of `unless {r.source}`"
    where = f"“{r.span.text}” at {r.span.start}..{r.span.end}"
    return f"{where} is in scope {r.scope}: {cue} {r.distance} char(s) {r.direction} it (`{r.source}`)"


def _clip(source: str, limit: int = 80) -> str:
    return source if len(source) <= limit else source[: limit - 1] + "…"


def _first_failure(trace: ConditionTrace) -> ConditionTrace:
    """The innermost false node that explains a false condition: the first failing conjunct, recursively."""
    if trace.holds:
        return trace
    if (
        trace.kind in ("and", "near", "followed_by", "starts", "ends", "valid", "count", "without")
        or trace.kind.startswith(("near_", "followed_by_"))
        or trace.kind.endswith("_starts")
    ):
        failing = next((c for c in trace.children if not c.holds), None)
        if failing is not None and failing.kind != "not":
            return _first_failure(failing)
        if failing is not None:
            return failing
    return trace


def _kind(expr: Any, node: Node) -> str:
    if expr is None:
        return type(node).__name__.lower()
    if isinstance(expr, ast.Near):
        return "followed_by" if expr.ordered else "near"
    if isinstance(expr, ast.SegmentNear):
        return f"{'followed_by' if expr.ordered else 'near'}_{expr.segment}"
    if isinstance(expr, ast.SegmentStarts):
        return f"{expr.segment}_starts"
    return {
        ast.TurnIs: "turn",
        ast.ChannelIs: "channel",
        ast.LocaleIs: "locale",
        ast.TimeIn: "time",
        ast.Starts: "starts",
        ast.Ends: "ends",
    }.get(type(expr), type(expr).__name__.lower())


def _node_children(node: Node) -> list[Node]:
    if hasattr(node, "items"):
        return list(node.items)
    if hasattr(node, "left"):
        return [node.left, node.right]
    if hasattr(node, "inner"):
        return [node.inner]
    return []


def _expr_children(expr: Any) -> list[Any]:
    if expr is None:
        return []
    if isinstance(expr, (ast.And, ast.Or)):
        return list(expr.items)
    if hasattr(expr, "left"):  # near, followed by, within a clause/sentence, without
        return [expr.left, expr.right]
    if hasattr(expr, "inner"):
        return [expr.inner]
    return []


def _note(kind: str, node: Node, scan: Scan, holds: bool, children: tuple[ConditionTrace, ...]) -> str:
    ctx = scan.context
    if kind in ("turn", "channel", "locale"):
        value = getattr(ctx, kind)
        return f"{kind} is {value}" if value else f"no {kind} given"
    if kind == "time":
        return f"time is {ctx.time[0]:02d}:{ctx.time[1]:02d}" if ctx.time else "no time given"
    if kind == "count" and children:
        return f"{len(children[0].spans)} occurrence(s)"
    if kind == "or" and not holds:
        return f"none of its {len(children)} alternatives holds"
    if kind == "and" and not holds and children:
        failed = sum(1 for c in children if not c.holds)
        return f"{failed} of its {len(children)} conjuncts fail"
    if kind == "not" and children:
        return "its operand holds" if children[0].holds else "its operand does not hold"
    if holds:
        return ""
    if kind in ("contains", "regex"):
        return "no occurrence"
    if kind == "quoted":
        return "no quotation in the reply"
    return _filter_note(kind, children)


def _filter_note(kind: str, children: tuple[ConditionTrace, ...]) -> str:
    """Why a node that keeps some of its operand's matches kept none, when the operands held."""
    if not children or not all(c.holds for c in children[:1]):
        return ""
    both = len(children) == 2 and children[1].holds
    if kind in ("near", "followed_by") and both:
        return "no match of the right side close enough"
    if kind.startswith(("near_", "followed_by_")) and both:
        return f"no match of the right side in the same {kind.rsplit('_', 1)[1]}"
    if kind == "without":
        return "every match has the right side in its clause/sentence"
    if kind in ("starts", "ends"):
        return "a match occurs, but not at the " + ("start" if kind == "starts" else "end")
    if kind.endswith("_starts"):
        return f"a match occurs, but none opens its {kind.split('_', maxsplit=1)[0]}"
    if kind == "valid":
        return "matches occur, but none passes the checksum"
    return ""


def walk(trace: ConditionTrace) -> Iterator[ConditionTrace]:
    """Every node of a condition trace, depth first."""
    yield trace
    for child in trace.children:
        yield from walk(child)
