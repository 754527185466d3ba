"""check(ruleset, text, context) -> Result: normalize once, scan once, evaluate only the rules that can fire."""

from __future__ import annotations

import gc
import re
from functools import lru_cache
from typing import Any, Final

from tactful.compile.matchers import Probe
from tactful.compile.prefilter import GuardTest
from tactful.compile.ruleset import CompiledFix, CompiledRule, Ruleset
from tactful.conditions import Match, Node, Scan
from tactful.engine.rewrite import apply_edits, choose_edits
from tactful.model import Context, Edit, Result, Suggestion, Violation
from tactful.text import NormalizedText
from tactful.text.offsets import astral_positions, original_to_normalized, span_to_original, utf16_span
from tactful.text.script import is_traditional, to_traditional

_QUIET_GC_FROM = 4096  # characters; below, a check allocates too little for the collector to matter
_TEMPLATE = re.compile(r"\{(match|delay|\d+)\}")
_DELAY = -1  # the template part that inserts a conversation match's measured delay
_SENTENCE_END = tuple("。!?！？.~…」”")
_CJK = re.compile(r"[\u3400-\u9fff]")
# A NamedTuple's own __new__ is Python code: called from the compiled core it runs in the
# interpreter, one frame per value (~0.35 us). tuple.__new__ with the fields in order makes the same
# value in C. Only here, on the per-check values; field order is the class's (tests compare output).
_NEW: Final[Any] = tuple.__new__
# The context of a request that gives none. Context is frozen, so one shared value serves every
# such check; making one per call ran its dataclass __init__ in the interpreter (~1-3 us).
_NO_CONTEXT: Final = Context()

_DESCRIBE_TEMPLATES = {
    "zh": {"rewrite": "改为“{r}”", "delete": "删除“{m}”", "prepend": "在开头加上“{r}”", "append": "在结尾加上“{r}”", "insert": "加上“{r}”"},
    "en": {
        "rewrite": "Replace with “{r}”",
        "delete": "Delete “{m}”",
        "prepend": "Start with “{r}”",
        "append": "End with “{r}”",
        "insert": "Insert “{r}”",
    },
}
# Each description split once around its one placeholder: a violation's description is then two
# concatenations, not a str.format call with a keyword argument (same text: format does not
# reinterpret the value it inserts).
_DESCRIBE: Final[dict[str, dict[str, tuple[str, str]]]] = {
    lang: {kind: (t[: t.index("{")], t[t.index("}") + 1 :]) for kind, t in kinds.items()} for lang, kinds in _DESCRIBE_TEMPLATES.items()
}


def _last_customer(context: Context) -> str:
    for turn in reversed(context.conversation):
        if turn.role == "customer":
            return turn.text
    return ""


def _scan(ruleset: Ruleset, text: str, context: Context, with_customer: bool = True) -> Scan:
    ntext = ruleset.normalizer(text)
    matcher = ruleset.matcher
    make_customer = None
    customer = context.customer or (_last_customer(context) if context.conversation else "")
    if with_customer and ruleset.uses_customer and customer:

        def make_customer() -> Scan:
            return _scan(ruleset, customer, context, with_customer=False)

    make_scan = None
    if context.conversation:

        def make_scan(turn_text: str) -> Scan:
            return _scan(ruleset, turn_text, context, with_customer=False)

    terms = matcher.scan_terms(ntext.text)
    if ntext.expanded:  # a character expanded (… -> ...): drop hits that cut into one
        terms = terms.keep(ntext.on_boundaries)
    data = ntext.text.encode("utf-8")
    return Scan(ntext, terms, matcher.regex_candidates(ntext.text, data), context, matcher.run_regex, make_customer, make_scan, data)


def _candidates(ruleset: Ruleset, scan: Scan) -> list[int]:
    terms, regexes = ruleset.term_rules, ruleset.regex_rules
    return sorted(
        ruleset.always_set.union(
            *[terms[sid] for sid in scan.terms if sid in terms],
            *[regexes[rid] for rid in scan.regex_ok if rid in regexes],
        )
    )


def _candidates_for(ruleset: Ruleset, scan: Scan, ctx: Context) -> list[int]:
    """_candidates without the rules this request's context rules out before the reply is read
    (see compile/gates.py) and those whose `when` the scan's atoms already decide against
    (compile/prefilter.py); explain keeps listing both as considered."""
    customer = bool(ctx.customer) or (bool(ctx.conversation) and bool(_last_customer(ctx)))
    always, blocked = ruleset.context_rules(ctx, customer)
    term_rules: dict[int, frozenset[int]] = ruleset.term_rules
    regex_rules: dict[int, frozenset[int]] = ruleset.regex_rules
    # One set grown in place (typed dicts: mypyc looks them up without a method call); most
    # present term sets and regexes trigger no rule.
    found = set(always)
    terms_found, regex_ok = scan.terms, scan.regex_ok
    for sid in terms_found:
        rules = term_rules.get(sid)
        if rules is not None:
            found |= rules
    for rid in regex_ok:
        rules = regex_rules.get(rid)
        if rules is not None:
            found |= rules
    if blocked:
        found -= blocked
    pre = ruleset.prefilters
    out = []
    for idx in sorted(found):
        need = pre[idx]
        if need is None or need.admits(terms_found, regex_ok):
            out.append(idx)
    return out


def _dedupe(found: list[Match]) -> list[Match]:
    """Leftmost-longest, non-overlapping matches of one rule."""
    if len(found) == 1:  # most rules fire once on a reply: nothing to sort or drop
        return found
    kept: list[Match] = []
    for m in sorted(found, key=lambda m: (m.start, -(m.end - m.start))):
        if kept and m.start < kept[-1].end:
            continue
        kept.append(m)
    return kept


@lru_cache(maxsize=4096)
def _template_parts(template: str) -> tuple[tuple[str, int | None], ...]:
    """A template as (literal text, group to insert after it or None): parsed once per template,
    not with a regex substitution per violation. Group 0 is {match} (or {0})."""
    parts: list[tuple[str, int | None]] = []
    pos = 0
    for g in _TEMPLATE.finditer(template):
        key = g.group(1)
        parts.append((template[pos : g.start()], 0 if key == "match" else _DELAY if key == "delay" else int(key)))
        pos = g.end()
    parts.append((template[pos:], None))
    return tuple(parts)


def _append_separator(text: str, value: str) -> str:
    """What goes between a reply and appended text: end the sentence first, and in Latin
    script leave a space after it ("Done." + "Thanks!" -> "Done. Thanks!")."""
    body = text.rstrip()
    if not body:
        return ""
    cjk = bool(_CJK.search(value))
    if body.endswith(_SENTENCE_END):
        return "" if cjk or value.startswith(" ") else " "
    return "。" if cjk else ". "


# A space between two Chinese characters ends a clause: chat agents separate sentences with it.
# Each branch starts with the one character class in front, which lets Python's re skip to the
# next separator in C instead of trying three branches at every character (2x faster on a
# reply's tail); the lookbehinds pick the branch that character belongs to. Same matches as
# `[,，。！!？?；;~～\n]+\s*|\.(?!\d)\s*|(?<=[\u3400-\u9fff])[ \u3000]+(?=[\u3400-\u9fff])`.
_CLAUSE_END = re.compile(
    r"[,，。！!？?；;~～\n. \u3000](?:(?<=[,，。！!？?；;~～\n])[,，。！!？?；;~～\n]*\s*|(?<=\.)(?!\d)\s*"
    r"|(?<=[\u3400-\u9fff][ \u3000])[ \u3000]*(?=[\u3400-\u9fff]))"
)
_TAIL = 160  # characters of the reply's end searched for a sign-off


def _closing_start(ntext: NormalizedText, sign_off: Probe, data: bytes) -> int:
    """Where the reply's trailing run of clauses the pack's `sign_off` pattern calls closing
    (谢谢, 祝您…, an apology for the service, a rating request, a bracketed signature) starts,
    or -1 when it has none: appended text goes there, else at the end. Clauses are cut on the
    original text (normalization may drop a separating ~); the pattern is tried on the normalized
    text (`data`: its UTF-8), where the pack's rules see the reply too. Independent of what is
    appended, so found once per reply (two appending rules on one reply made it twice)."""
    text = ntext.original
    end = len(text.rstrip())
    base = max(0, end - _TAIL)
    starts = [base] + [m.end() for m in _CLAUSE_END.finditer(text, base, end)]
    pos = -1
    for start in reversed(starts):
        if start >= end:
            continue
        if not sign_off.match_at(ntext.text, original_to_normalized(ntext.origin, start), data):
            break
        pos = start
    return pos if pos > base else -1


def _match_case(original: str, replacement: str) -> str:
    """A capitalised match keeps a capitalised replacement ("Wanna" -> "Would you like to")."""
    if original[:1].isupper() and replacement[:1].islower():
        return replacement[0].upper() + replacement[1:]
    return replacement


class _Renderer:
    """Expands templates and builds edits for one reply (original-text coordinates)."""

    def __init__(self, ruleset: Ruleset, text: str, scan: Scan, context: Context) -> None:
        self.text = text
        self.ntext = scan.ntext
        self._scan = scan
        self.lang = "zh" if (ruleset.locale or "").startswith("zh") else "en"
        self._t2s = ruleset.normalizer.options.t2s
        self._locale = context.locale
        self._traditional: bool | None = None
        self._astral: list[int] | None = None  # found for the first violation: most replies have none
        self._appends: dict[str, tuple[int, str, str]] = {}
        self._sign_off = ruleset.sign_off
        self._closing = -2  # _closing_start, once an append asks (-2: not yet)

    def utf16(self, start: int, end: int) -> tuple[int, int]:
        """UTF-16 offsets of a code-point span of the reply (astral characters take two units)."""
        astral = self._astral
        if astral is None:
            astral = self._astral = astral_positions(self.text)
        return utf16_span(astral, start, end)

    @property
    def traditional(self) -> bool:
        # Computed only when a replacement is written: most replies need no script test.
        if self._traditional is None:
            self._traditional = self._locale == "zh-Hant" or (self._t2s and self._locale != "zh-Hans" and is_traditional(self.text))
        return self._traditional

    def expand(self, template: str, m: Match | None) -> str:
        if m is None or "{" not in template:
            return template
        out = []
        for literal, group in _template_parts(template):
            out.append(literal)
            if group is None:
                continue
            if group == _DELAY:
                out.append(_seconds(m.delay))
                continue
            span = (m.start, m.end) if group == 0 else m.groups[group - 1] if group <= len(m.groups) else None
            if span is None:
                continue
            ntext = self.ntext
            lo, hi = span_to_original(ntext.origin, len(ntext.original), span[0], span[1])
            out.append(self.text[lo:hi])
        return "".join(out)

    def append_point(self, value: str) -> tuple[int, str, str]:
        """Where appended text goes and what surrounds it; once per value, not once per violation
        (a long reply with many matches of an appending rule would otherwise rescan it each time)."""
        found = self._appends.get(value)
        if found is None:
            at = self._closing
            if at == -2:
                sign_off = self._sign_off
                at = self._closing = -1 if sign_off is None else _closing_start(self.ntext, sign_off, self._scan.utf8())
            if at >= 0:
                found = (at, "", "" if _CJK.search(value) else " ")
            else:
                text = self.text
                found = (len(text.rstrip()), _append_separator(text, value), "")
            self._appends[value] = found
        return found

    def script(self, s: str) -> str:
        return to_traditional(s) if self.traditional and _CJK.search(s) else s

    def suggestion(self, fix: CompiledFix, m: Match | None, lo: int, hi: int) -> Suggestion | None:
        words = _DESCRIBE[self.lang]
        kind = fix.kind
        if kind == "suggest":
            return _suggestion(self.script(self.expand(fix.value, m)), ())
        if kind in ("prepend", "append"):
            value = self.script(fix.value)
            if kind == "prepend":
                return _suggestion(_described(words["prepend"], value), (_edit(0, 0, value),))
            at, before, after = self.append_point(value)
            return _suggestion(_described(words["append"], value), (_edit(at, at, before + value + after),))
        if m is None:
            return None
        if kind == "delete":
            return _suggestion(_described(words["delete"], self.text[lo:hi]), (_edit(lo, hi, ""),))
        if kind == "map":
            assert fix.mapping is not None
            repl = fix.mapping.get(m.term)
            if repl is None:
                return None
            value = _match_case(self.text[lo:hi], self.script(self.expand(repl, m)))
            return _suggestion(_described(words["rewrite"], value), (_edit(lo, hi, value),))
        value = self.expand(fix.value, m) if kind == "rewrite" else fix.value
        value = self.script(value)
        if kind == "rewrite":
            return _suggestion(_described(words["rewrite"], value), (_edit(lo, hi, value),))
        at = lo if kind == "insert_before" else hi
        return _suggestion(_described(words["insert"], value), (_edit(at, at, value),))


def _described(parts: tuple[str, str], value: str) -> str:
    return parts[0] + value + parts[1]


def _edit(start: int, end: int, replacement: str) -> Edit:
    return _NEW(Edit, (start, end, replacement))  # type: ignore[no-any-return]


def _suggestion(description: str, edits: tuple[Edit, ...]) -> Suggestion:
    return _NEW(Suggestion, (description, edits))  # type: ignore[no-any-return]


def _seconds(delay: float | None) -> str:
    """A measured wait as whole seconds (tenths under ten seconds)."""
    if delay is None:
        return ""
    return f"{delay:.1f}".rstrip("0").rstrip(".") if delay < 10 else f"{delay:.0f}"


def _offered(rule: CompiledRule, tests: tuple[GuardTest | None, ...], scan: Scan) -> tuple[CompiledFix, ...]:
    """The fixes whose `if` guard holds on this reply (all of them for an unguarded rule). Run only
    for a rule that fired, once per reply: a guard costs nothing where its rule stays silent, and
    where the scan's atoms decide it (`tests`, Ruleset.guard_tests) it runs no regex either."""
    fixes = rule.fixes
    for fix in fixes:
        if fix.guard is not None:
            return tuple(f for f, test in zip(fixes, tests, strict=True) if f.guard is None or _holds(f.guard, test, scan))
    return fixes


def _holds(guard: Node, test: GuardTest | None, scan: Scan) -> bool:
    if test is not None:
        decided = test.decide(scan.terms, scan.regex_ok)
        if decided >= 0:
            return decided == 1
    return guard.eval(scan)[0]


def _violations(
    rule: CompiledRule, tests: tuple[GuardTest | None, ...], found: list[Match], render: _Renderer, scan: Scan
) -> list[Violation]:
    out = []
    text = render.text
    # span_to_original is compiled with the engine: a native call per match, not NormalizedText's
    # interpreted method (the common case, nothing dropped or expanded, maps a span to itself)
    origin, original_len = render.ntext.origin, len(text)
    fixes = _offered(rule, tests, scan)
    for m in _dedupe(found) if found else (None,):
        lo, hi = span_to_original(origin, original_len, m.start, m.end) if m is not None else (0, 0)
        suggestions = tuple(s for fix in fixes if (s := render.suggestion(fix, m, lo, hi)) is not None)
        u_lo, u_hi = render.utf16(lo, hi)
        message = render.expand(rule.message, m)
        turn = m.turn if m is not None else None
        v = _NEW(Violation, (rule.id, rule.category, rule.severity, message, lo, hi, u_lo, u_hi, text[lo:hi], suggestions, rule.pack, turn))
        out.append(v)
    return out


def check(ruleset: Ruleset, text: str, context: Context | None = None) -> Result:
    """Check one reply. Pure and thread-safe: no I/O, no shared mutable state.

    >>> from tactful.compile.compiler import compile_text
    >>> rs = compile_text('''rule but { category contrastive_but message "x" when /(是的)[,，]?但是/
    ...   rewrite "{1},同时" example bad "是的,但是" -> "是的,同时" example good "不但" }''')
    >>> check(rs, "好,是的,但是").rewritten
    '好,是的,同时'
    """
    if len(text) < _QUIET_GC_FROM:
        return _check(ruleset, text, context or _NO_CONTEXT)
    # A long reply makes tens of thousands of short-lived objects (matches, spans, violations),
    # none in a reference cycle: reference counting frees them all. Left on, the cyclic collector
    # walks the whole live set again each time it grows by a quarter, which made a 64 KiB check
    # grow faster than its length (exponent 1.22 -> 0.96 on packed trigger words without it).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _check(ruleset, text, context or _NO_CONTEXT)
    finally:
        if enabled:
            gc.enable()


def _check(ruleset: Ruleset, text: str, ctx: Context) -> Result:
    scan = _scan(ruleset, text, ctx)
    render = _Renderer(ruleset, text, scan, ctx)
    violations: list[Violation] = []
    for idx in _candidates_for(ruleset, scan, ctx):
        rule = ruleset.rules[idx]
        found = rule.evaluate(scan)
        if found is not None:
            violations.extend(_violations(rule, ruleset.guard_tests[idx], found, render, scan))
    if not violations:
        return _NEW(Result, (text, (), text, ruleset.name, ruleset.version, ()))  # type: ignore[no-any-return]
    if len(violations) > 1:
        violations.sort(key=lambda v: (v.start, v.end))  # stable: ruleset order breaks ties
    edits = choose_edits(violations)
    return _NEW(Result, (text, tuple(violations), apply_edits(text, edits), ruleset.name, ruleset.version, tuple(edits)))  # type: ignore[no-any-return]
