"""Lowering: AST conditions -> condition nodes, interning every literal term and regex of a ruleset."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import re2

from tactful.compile.matchers import quiet_options
from tactful.compile.packs import did_you_mean
from tactful.conditions import And, Contains, ContextTest, Count, CustomerTest, Edge, Near, Node, Not, Or, RegexMatch, ScopeFilter, Valid
from tactful.conditions.checksums import CHECKS
from tactful.conditions.scan import ScopeCueC
from tactful.lang import ast
from tactful.lang.diagnostics import Diagnostic
from tactful.model import CHANNELS, TURNS
from tactful.text import Normalizer

_TEMPLATE = re.compile(r"\{([^{}]*)\}")
_RE2_HINT = "regexes use RE2 syntax: no backreferences or lookaround; escape a literal ( or [ with a backslash"


@dataclass
class Names:
    """Lists, maps and scopes visible to a ruleset (a child pack's definition wins)."""

    lists: dict[str, tuple[tuple[str, ...], ast.ListDecl]] = field(default_factory=dict)
    maps: dict[str, ast.MapDecl] = field(default_factory=dict)
    scopes: dict[str, ast.ScopeDecl] = field(default_factory=dict)


class Lowering:
    """Interns terms/regexes for one ruleset and turns AST conditions into nodes."""

    def __init__(self, names: Names, normalizer: Normalizer, casefold: bool) -> None:
        self.names = names
        self.normalizer = normalizer
        self.casefold = casefold
        self.terms: dict[str, int] = {}
        self.term_sets: list[set[int]] = []
        self._set_ids: dict[object, int] = {}
        self.regexes: list[str] = []
        self.regex_groups: list[int] = []
        self._regex_ids: dict[str, int] = {}
        self.diags: list[Diagnostic] = []
        self.uses_customer = False
        self._scope_cache: dict[str, ScopeFilter] = {}

    # -- term sets
    def _intern(self, key: object, terms: tuple[str, ...], span: object) -> int:
        sid = self._set_ids.get(key)
        if sid is not None:
            return sid
        sid = self._set_ids[key] = len(self._set_ids)
        for raw in terms:
            term = self.normalizer.term(raw)
            if not term:
                continue
            tid = self.terms.setdefault(term, len(self.terms))
            if tid == len(self.term_sets):
                self.term_sets.append(set())
            self.term_sets[tid].add(sid)
        return sid

    def termset(self, ts: ast.TermSet) -> int | None:
        if isinstance(ts, ast.Lits):
            return self._intern(("lits", ts.terms), ts.terms, ts.span)
        if ts.name in self.names.lists:
            return self._intern(("list", ts.name), self.names.lists[ts.name][0], ts.span)
        if ts.name in self.names.maps:
            keys = tuple(k for k, _ in self.names.maps[ts.name].entries)
            return self._intern(("map", ts.name), keys, ts.span)
        known = sorted({*self.names.lists, *self.names.maps})
        hint = suggest_name("@", ts.name, known)
        close = difflib.get_close_matches(ts.name, known, n=1, cutoff=0.6)
        if close:
            decl = self.names.lists[close[0]][1] if close[0] in self.names.lists else self.names.maps[close[0]]
            hint = hint.rstrip("?") + f" ({decl.span})?"
        self.diags.append(Diagnostic("E203", f"unknown list @{ts.name}", ts.span, hint=hint))
        return None

    def map_lookup(self, name: str) -> dict[str, str]:
        decl = self.names.maps[name]
        return {self.normalizer.term(k): v for k, v in decl.entries}

    # -- regexes
    def regex(self, node: ast.Regex) -> int | None:
        pattern = "".join(ch if ch.isascii() else self.normalizer.term(ch) or ch for ch in node.pattern)
        if node.ignore_case or self.casefold:
            pattern = "(?i)" + pattern
        rid = self._regex_ids.get(pattern)
        if rid is not None:
            return rid
        try:
            compiled = re2.compile(pattern, quiet_options())
        except re2.error as err:
            reason = err.args[0].decode("utf-8", "replace") if err.args and isinstance(err.args[0], bytes) else str(err)
            reason = reason.replace("(?i)", "", 1)
            self.diags.append(Diagnostic("E301", f"invalid regex: {reason}", node.span, hint=_RE2_HINT))
            return None
        rid = self._regex_ids[pattern] = len(self.regexes)
        self.regexes.append(pattern)
        self.regex_groups.append(compiled.groups)
        return rid

    # -- scopes
    def scope(self, node: ast.InScope) -> ScopeFilter | None:
        if node.name in self._scope_cache:
            return self._scope_cache[node.name]
        decl = self.names.scopes.get(node.name)
        if decl is None:
            self.diags.append(
                Diagnostic("E215", f"unknown scope {node.name!r}", node.span, hint=suggest_name("", node.name, sorted(self.names.scopes)))
            )
            return None
        cues = []
        for cue in decl.cues:
            sid = self.termset(cue.terms)
            if sid is not None:
                cues.append(ScopeCueC(sid, cue.direction == "after", cue.within, cue.clause))
        flt = self._scope_cache[node.name] = ScopeFilter(node.name, tuple(cues))
        return flt

    # -- conditions
    def node(self, expr: ast.Expr) -> Node | None:  # noqa: C901, PLR0912 - one arm per construct
        match expr:
            case ast.Contains(terms=ts):
                sid = self.termset(ts)
                return None if sid is None else Contains(sid)
            case ast.Regex():
                rid = self.regex(expr)
                return None if rid is None else RegexMatch(rid)
            case ast.Starts(inner=inner) | ast.Ends(inner=inner):
                sub = self.node(inner)
                return None if sub is None else Edge(sub, isinstance(expr, ast.Ends))
            case ast.Count(inner=inner, op=op, n=n):
                sub = self.node(inner)
                return None if sub is None else Count(sub, op, n)
            case ast.Near(left=left, right=right, within=within, ordered=ordered):
                lhs, rhs = self.node(left), self.node(right)
                return None if lhs is None or rhs is None else Near(lhs, rhs, within, ordered)
            case ast.Valid(inner=inner, check=name):
                sub = self.node(inner)
                if name not in CHECKS:
                    self.diags.append(
                        Diagnostic("E223", f"unknown check {name!r}", expr.span, hint="checks are: " + ", ".join(sorted(CHECKS)))
                    )
                    return None
                return None if sub is None else Valid(sub, CHECKS[name])
            case ast.TurnIs(turns=turns):
                for t in turns:
                    if t not in TURNS:
                        self.diags.append(Diagnostic("E216", f"unknown turn {t!r}", expr.span, hint="turns are: " + ", ".join(TURNS)))
                return ContextTest("turn", turns)
            case ast.ChannelIs(channel=ch):
                if ch not in CHANNELS:
                    self.diags.append(Diagnostic("E217", f"unknown channel {ch!r}", expr.span, hint="channels are: " + ", ".join(CHANNELS)))
                return ContextTest("channel", (ch,))
            case ast.LocaleIs(locale=loc):
                return ContextTest("locale", (loc,))
            case ast.TimeIn(start=lo, end=hi):
                for minute in (lo, hi):
                    if minute is not None and not 0 <= minute <= 24 * 60:
                        self.diags.append(
                            Diagnostic("E218", "time of day out of range", expr.span, hint="write 24-hour times such as 09:30 or 18:00")
                        )
                return ContextTest("time", (), lo, hi)
            case ast.Customer(inner=inner):
                self.uses_customer = True
                sub = self.node(inner)
                return None if sub is None else CustomerTest(sub)
            case ast.InScope():
                self.diags.append(
                    Diagnostic(
                        "E219",
                        f"`in {expr.name}` can only stand alone in an `unless` line",
                        expr.span,
                        hint=f"write `unless in {expr.name}` as its own line",
                    )
                )
                return None
            case ast.And(items=items) | ast.Or(items=items):
                subs = [self.node(i) for i in items]
                if any(s is None for s in subs):
                    return None
                kept = tuple(s for s in subs if s is not None)
                return And(kept) if isinstance(expr, ast.And) else Or(kept)
            case ast.Not(inner=inner):
                sub = self.node(inner)
                return None if sub is None else Not(sub)
        raise AssertionError(f"unhandled condition {expr!r}")  # pragma: no cover

    def max_groups(self, expr: ast.Expr | None) -> int:
        """The most capture groups any regex of a condition has ({1}.. in templates)."""
        if expr is None:
            return 0
        if isinstance(expr, ast.Regex):
            rid = self.regex(expr)
            return 0 if rid is None else self.regex_groups[rid]
        children = [getattr(expr, a) for a in ("inner", "left", "right") if hasattr(expr, a)]
        children += list(getattr(expr, "items", ()))
        return max((self.max_groups(c) for c in children), default=0)

    def check_template(self, template: str, groups: int, span: object, what: str) -> None:
        for m in _TEMPLATE.finditer(template):
            key = m.group(1)
            if key == "match" or (key.isdigit() and int(key) <= groups):
                continue
            hint = "use {match} for the matched text" + (
                f" or {{1}}..{{{groups}}} for capture groups" if groups else "; the condition has no regex capture groups"
            )
            self.diags.append(Diagnostic("E302", f"{what} refers to {{{key}}}, which the condition does not capture", span, hint=hint))  # type: ignore[arg-type]


def suggest_name(prefix: str, name: str, known: list[str]) -> str:
    guess = did_you_mean(name, known)
    if guess:
        return guess.replace("did you mean '", f"did you mean {prefix}").replace("'?", "?")
    return "defined: " + (", ".join(prefix + k for k in known) if known else "(none)")
