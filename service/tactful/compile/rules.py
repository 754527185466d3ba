"""A compiled rule (conditions, scopes, fixes) and how it evaluates against one scan: the per-rule
work of every check (compiled by the wheel's mypyc build, hatch_build.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tactful.conditions import Match, Node, Scan, ScopeFilter
from tactful.conditions.spans import SMALL, SpanIndex
from tactful.lang import ast
from tactful.model import RuleInfo, Severity


@dataclass(frozen=True, slots=True)
class CompiledFix:
    kind: str  # rewrite | map | delete | prepend | append | insert_before | insert_after | suggest
    value: str = ""
    mapping: Mapping[str, str] | None = None
    # `… if EXPR`: evaluated only when the rule fired, once per reply (engine/check.py)
    guard: Node | None = None


@dataclass(frozen=True, slots=True)
class RuleOrigin:
    """The AST a rule was lowered from, for `tactful explain`: `unless` holds the non-scope
    conditions in the order of CompiledRule.unless, `scopes` the declarations of CompiledRule.scopes."""

    when: ast.Expr
    unless: tuple[ast.Expr, ...] = ()
    scopes: tuple[ast.ScopeDecl, ...] = ()
    guards: tuple[ast.Expr | None, ...] = ()  # each fix's `if` condition, in the order of CompiledRule.fixes


@dataclass(frozen=True, slots=True)
class CompiledRule:
    id: str
    category: str
    severity: Severity
    message: str
    rationale: str
    source: str
    pack: str
    when: Node
    unless: tuple[Node, ...]
    scopes: tuple[ScopeFilter, ...]
    fixes: tuple[CompiledFix, ...]
    examples: tuple[ast.Example, ...]
    location: str
    origin: RuleOrigin | None = None  # read only by explain; never by evaluate

    def info(self) -> RuleInfo:
        return RuleInfo(self.id, self.category, self.severity, self.message, self.rationale, self.source, self.pack)

    def evaluate(self, scan: Scan) -> list[Match] | None:
        """The rule's surviving matches ([] for a context-only violation), or None if it does not fire."""
        ok, found = self.when.eval(scan)
        if not ok:
            return None
        if not self.unless and not (self.scopes and found):
            return found
        had_spans = bool(found)
        for node in self.unless:
            held, spans = node.eval(scan)
            if held and not spans:
                return None
            if held:
                found = _outside(found, spans)
                if had_spans and not found:
                    # Every match excused: the rule cannot fire whatever the later `unless`
                    # conditions say, so their regexes need not run (the result is None either way).
                    return None
        if self.scopes and found:
            scopes = [s for s in self.scopes if s.present(scan)]
            if scopes:
                found = [m for m in found if not any(s.covers(scan, m) for s in scopes)]
        if had_spans and not found:
            return None  # every match was excused: not a whole-reply violation either
        return found


def _outside(found: list[Match], spans: list[Match]) -> list[Match]:
    """The matches that overlap none of an `unless` condition's spans."""
    if len(found) * len(spans) <= SMALL:
        return [m for m in found if not any(s.start < m.end and m.start < s.end for s in spans)]
    index = SpanIndex(spans)
    return [m for m in found if not index.overlaps(m.start, m.end)]
