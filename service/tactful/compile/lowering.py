"""Lowering: AST conditions -> condition nodes, interning every literal term and regex of a ruleset."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import re2

from tactful.compile.conversation import lower_conversation  # its own module: keeps this match additive
from tactful.compile.matchers import quiet_options
from tactful.compile.packs import did_you_mean
from tactful.compile.regex_text import normalize_regex
from tactful.conditions import And, Contains, ContextTest, Count, CustomerTest, Edge, Near, Node, Not, Or, RegexMatch, ScopeFilter, Valid
from tactful.conditions.checksums import CHECKS
from tactful.conditions.clauses import OpenedRegex, OpenedStart, Quoted, SegmentNear, SegmentStarts, Without
from tactful.conditions.scan import ScopeCueC
from tactful.conditions.segments import Openers
from tactful.lang import ast
from tactful.lang.diagnostics import Diagnostic, SourceSpan
from tactful.model import CHANNELS, TURNS
from tactful.text import Normalizer

_TEMPLATE = re.compile(r"\{([^{}]*)\}")
# {name} in a regex is a class reference; {2}, {2,3} and {,3} stay quantifiers.
_CLASS_REF = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# RE2 metacharacters a literal term must not carry into a pattern.
_META = re.compile(r"([\\.^$|?*+()\[\]{}-])")
_NEVER = r"[^\x00-\x{10FFFF}]"  # an empty class: matches nothing
RE2_HINT = "regexes use RE2 syntax: no backreferences or lookaround; escape a literal ( or [ with a backslash"


@dataclass
class Names:
    """Lists, maps and scopes visible to a ruleset (a child pack's definition wins)."""

    lists: dict[str, tuple[tuple[str, ...], ast.ListDecl]] = field(default_factory=dict)
    maps: dict[str, ast.MapDecl] = field(default_factory=dict)
    scopes: dict[str, ast.ScopeDecl] = field(default_factory=dict)
    classes: dict[str, ast.ClassDecl] = field(default_factory=dict)  # pattern classes; term classes are lists


class Lowering:
    """Interns terms/regexes for one ruleset and turns AST conditions into nodes."""

    def __init__(self, names: Names, normalizer: Normalizer, casefold: bool, openers: Openers | None = None) -> None:
        self.names = names
        self.openers = openers
        self.opener_atoms: frozenset[tuple[str, int]] = frozenset()
        self._expanded: dict[str, str] = {}
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

    def intern_terms(self, key: object, terms: tuple[str, ...]) -> int:
        """A term set of the automaton that no condition names (e.g. a pack's address words)."""
        return self._intern(key, terms, None)

    def termset(self, ts: ast.TermSet) -> int | None:
        if isinstance(ts, ast.Ref) and ts.name in self.names.classes and ts.name not in self.names.lists:
            decl = self.names.classes[ts.name]
            self.diags.append(
                Diagnostic(
                    "E226",
                    f"pattern class @{ts.name} cannot be used here",
                    ts.span,
                    hint=f'only literal terms fit here; declare a term class `class {ts.name} = ["…"]` or a list',
                    related=(decl.span,),
                )
            )
            return None
        if isinstance(ts, ast.Lits):
            return self._intern(("lits", ts.terms), ts.terms, ts.span)
        if ts.name in self.names.lists:
            return self._intern(("list", ts.name), self.names.lists[ts.name][0], ts.span)
        if ts.name in self.names.maps:
            keys = tuple(k for k, _ in self.names.maps[ts.name].entries)
            return self._intern(("map", ts.name), keys, ts.span)
        known = sorted({*self.names.lists, *self.names.maps, *self.names.classes})
        hint = suggest_name("@", ts.name, known)
        close = difflib.get_close_matches(ts.name, known, n=1, cutoff=0.6)
        if close:
            hint = hint.rstrip("?") + f" ({self._decl_span(close[0])})?"
        self.diags.append(Diagnostic("E203", f"unknown list @{ts.name}", ts.span, hint=hint))
        return None

    def map_lookup(self, name: str) -> dict[str, str]:
        decl = self.names.maps[name]
        return {self.normalizer.term(k): v for k, v in decl.entries}

    def _decl_span(self, name: str) -> SourceSpan:
        if name in self.names.lists:
            return self.names.lists[name][1].span
        if name in self.names.classes:
            return self.names.classes[name].span
        return self.names.maps[name].span

    # -- word classes inside regexes
    def expand(self, pattern: str, span: SourceSpan, stack: tuple[str, ...] = ()) -> str | None:
        """`pattern` with every {class} replaced by its alternation or pattern (None after an error)."""
        if "{" not in pattern:
            return pattern
        out: list[str] = []
        ok, i, n = True, 0, len(pattern)
        while i < n:
            ch = pattern[i]
            if ch == "\\":
                out.append(pattern[i : i + 2])
                i += 2
                continue
            if ch == "[":  # braces inside a character class are literal
                j = _class_end(pattern, i)
                out.append(pattern[i:j])
                i = j
                continue
            m = _CLASS_REF.match(pattern, i) if ch == "{" else None
            if m is None:
                out.append(ch)
                i += 1
                continue
            # each escaped slash (\/) took one more column in the source than in the pattern
            col = span.column + i + pattern.count("/", 0, i)
            sub = self._class_pattern(m.group(1), SourceSpan(span.path, span.line, col, len(m.group(0))), stack)
            ok = ok and sub is not None
            out.append(sub or "")
            i = m.end()
        return "".join(out) if ok else None

    def _class_pattern(self, name: str, span: SourceSpan, stack: tuple[str, ...]) -> str | None:
        if name in stack:
            cycle = " -> ".join((*stack[stack.index(name) :], name))
            self.diags.append(
                Diagnostic(
                    "E225",
                    f"word class cycle: {cycle}",
                    span,
                    hint="a class may use other classes, but not itself through them; write one of them out",
                    related=(self.names.classes[name].span,),
                )
            )
            return None
        if name in self.names.lists or name in self.names.maps:
            terms = self.names.lists[name][0] if name in self.names.lists else tuple(k for k, _ in self.names.maps[name].entries)
            norm = sorted({t for t in (self.normalizer.term(raw) for raw in terms) if t}, key=lambda t: (-len(t), t))
            return "(?:" + ("|".join(_META.sub(r"\\\1", t) for t in norm) or _NEVER) + ")"
        decl = self.names.classes.get(name)
        if decl is None:
            known = sorted({*self.names.lists, *self.names.maps, *self.names.classes})
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            if close:
                hint = f"did you mean {{{close[0]}}} (defined at {self._decl_span(close[0])})?"
            else:
                hint = "declare it with `class " + name + ' = ["…"]` or `class ' + name + " = /…/`"
            hint += " (a literal brace is written \\{)"
            self.diags.append(Diagnostic("E224", f"unknown word class {{{name}}}", span, hint=hint))
            return None
        cached = self._expanded.get(name)
        if cached is not None:
            return cached
        inner = self.expand(decl.pattern, decl.pattern_span, (*stack, name))
        if inner is None:
            return None
        result = self._expanded[name] = f"(?i:{inner})" if decl.ignore_case else f"(?:{inner})"
        return result

    # -- regexes
    def regex(self, node: ast.Regex) -> int | None:
        expanded = self.expand(node.pattern, node.span)
        if expanded is None:
            return None
        pattern = normalize_regex(expanded, self.normalizer)
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
            self.diags.append(Diagnostic("E301", f"invalid regex: {reason}", node.span, hint=RE2_HINT))
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
    def node(self, expr: ast.Expr) -> Node | None:  # noqa: C901, PLR0912, PLR0915 - one arm per construct
        match expr:
            case ast.Contains(terms=ast.Ref(name=name)) if name in self.names.classes and name not in self.names.lists:
                decl = self.names.classes[name]
                return self.node(ast.Regex(decl.pattern_span, decl.pattern, decl.ignore_case))
            case ast.Contains(terms=ts):
                sid = self.termset(ts)
                return None if sid is None else Contains(sid)
            case ast.Regex():
                rid = self.regex(expr)
                if rid is None:
                    return None
                if self.openers is not None and self.regexes[rid].removeprefix("(?i)").startswith("^"):
                    return OpenedRegex(rid, self.openers, self.opener_atoms)
                return RegexMatch(rid)
            case ast.Starts(inner=inner) if self.openers is not None:
                sub = self.node(inner)
                return None if sub is None else OpenedStart(sub, self.openers)
            case ast.Starts(inner=inner) | ast.Ends(inner=inner):
                sub = self.node(inner)
                return None if sub is None else Edge(sub, isinstance(expr, ast.Ends))
            case ast.SegmentStarts(inner=inner, segment=seg):
                sub = self.node(inner)
                return None if sub is None else SegmentStarts(sub, seg, self.openers)
            case ast.SegmentNear(left=left, right=right, segment=seg, ordered=ordered):
                lhs, rhs = self.node(left), self.node(right)
                return None if lhs is None or rhs is None else SegmentNear(lhs, rhs, seg, ordered)
            case ast.Without(left=left, right=right, segment=seg):
                lhs, rhs = self.node(left), self.node(right)
                return None if lhs is None or rhs is None else Without(lhs, rhs, seg)
            case ast.Quoted():
                return Quoted()
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
        if isinstance(expr, ast.CONVERSATION_EXPRS):
            return lower_conversation(self, expr)
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
            if key in ("match", "delay") or (key.isdigit() and int(key) <= groups):
                continue
            hint = "use {match} for the matched text, {delay} for the seconds a `reply after` measured" + (
                f" or {{1}}..{{{groups}}} for capture groups" if groups else "; the condition has no regex capture groups"
            )
            self.diags.append(Diagnostic("E302", f"{what} refers to {{{key}}}, which the condition does not capture", span, hint=hint))  # type: ignore[arg-type]


def _class_end(pattern: str, i: int) -> int:
    """Index just past the character class opening at pattern[i] ("[")."""
    n = len(pattern)
    j = i + 1
    if j < n and pattern[j] == "^":
        j += 1
    if j < n and pattern[j] == "]":  # a leading ] is a member, not the end
        j += 1
    while j < n and pattern[j] != "]":
        j += 2 if pattern[j] == "\\" else 1
    return min(j + 1, n)


def suggest_name(prefix: str, name: str, known: list[str]) -> str:
    guess = did_you_mean(name, known)
    if guess:
        return guess.replace("did you mean '", f"did you mean {prefix}").replace("'?", "?")
    return "defined: " + (", ".join(prefix + k for k in known) if known else "(none)")
