"""Parses .tact source into the AST; the only module that touches Lark.

Syntax errors come back as Diagnostics (file:line:col + hint), never as Lark exceptions.
"""

from __future__ import annotations

import difflib
from typing import Any

from lark import Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from tactful.lang import ast
from tactful.lang.diagnostics import Diagnostic, SourceSpan
from tactful.lang.grammar import parser

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}

# Lark's LALR parser is iterative, but the transformer, the compiler and the engine walk the tree
# recursively: 10,000 nested `not`s or parentheses would end in a RecursionError. No human rule
# comes close to this depth (the shipped packs stay under 15 levels), so deeper trees are refused.
MAX_DEPTH = 100

# Friendly names for the tokens Lark reports as "expected".
_TOKEN_NAMES = {
    "STRING": 'a "string"',
    "NAME": "a name",
    "INT": "a number",
    "REGEX": "a /regex/",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "COMMA": "`,`",
    "SEVERITY": "a severity (error, warning, info)",
    "LOCALE": "a locale (zh-Hans, zh-Hant, en)",
    "TIME": "a time like 09:30",
    "CMP": "a comparison (>=, <=, ==, >, <)",
    "DIRECTION": "`before` or `after`",
    "DURATION": "a duration like 30s, 2m or 1h",
    "CLOCK": "a clock time like 10:00:30",
    "AT": "`@`",
    "EQUAL": "`=`",
    "SEGMENT": "`clause` or `sentence`",
    "EMOTICON_POLICY": "`slang` or `ignore`",
}


def unescape(raw: str) -> str:
    """Strip the quotes of a STRING token and resolve \\n \\t \\" \\\\ escapes."""
    body = raw[1:-1]
    if "\\" not in body:
        return body
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], "\\" + body[i + 1]))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _minutes(tok: Token) -> int:
    hh, mm = str(tok).split(":")
    return int(hh) * 60 + int(mm)


class _Builder(Transformer[Token, Any]):
    """Lark tree -> AST dataclasses (positions kept as SourceSpan)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    # -- helpers
    def _tok(self, tok: Token) -> SourceSpan:
        return SourceSpan(self.path, tok.line or 0, tok.column or 0, len(str(tok)))

    def _meta(self, meta: Any) -> SourceSpan:
        if getattr(meta, "empty", True):
            return SourceSpan(self.path, 0, 0, 1)
        length = meta.end_pos - meta.start_pos if meta.end_line == meta.line else 1
        return SourceSpan(self.path, meta.line, meta.column, max(length, 1))

    def STRING(self, tok: Token) -> Token:  # noqa: N802 - Lark terminal callback
        return Token.new_borrow_pos("STRING", unescape(str(tok)), tok)

    # -- term sets
    @v_args(meta=True)
    def ref(self, meta: Any, children: list[Token]) -> ast.Ref:
        return ast.Ref(self._meta(meta), str(children[0]))

    @v_args(meta=True)
    def lit(self, meta: Any, children: list[Token]) -> ast.Lits:
        return ast.Lits(self._meta(meta), (str(children[0]),))

    @v_args(meta=True)
    def lits(self, meta: Any, children: list[Token]) -> ast.Lits:
        return ast.Lits(self._meta(meta), tuple(str(c) for c in children if c is not None))

    # -- expressions
    @v_args(meta=True)
    def contains(self, meta: Any, c: list[Any]) -> ast.Contains:
        return ast.Contains(self._meta(meta), c[0])

    def regex(self, c: list[Token]) -> ast.Regex:
        raw = str(c[0])
        ignore_case = raw.endswith("/i")
        body = raw[1:-2] if ignore_case else raw[1:-1]
        span = self._tok(c[0])
        return ast.Regex(SourceSpan(span.path, span.line, span.column + 1, len(body)), body.replace("\\/", "/"), ignore_case)

    @v_args(meta=True)
    def near_seg(self, meta: Any, c: list[Any]) -> ast.SegmentNear:
        return ast.SegmentNear(self._meta(meta), c[0], c[1], str(c[2]), ordered=False)

    @v_args(meta=True)
    def followed_seg(self, meta: Any, c: list[Any]) -> ast.SegmentNear:
        return ast.SegmentNear(self._meta(meta), c[0], c[1], str(c[2]), ordered=True)

    @v_args(meta=True)
    def without_seg(self, meta: Any, c: list[Any]) -> ast.Without:
        return ast.Without(self._meta(meta), c[0], c[1], str(c[2]))

    @v_args(meta=True)
    def seg_starts(self, meta: Any, c: list[Any]) -> ast.SegmentStarts:
        return ast.SegmentStarts(self._meta(meta), c[1], str(c[0]))

    @v_args(meta=True)
    def quoted(self, meta: Any, c: list[Any]) -> ast.Quoted:
        return ast.Quoted(self._meta(meta))

    @v_args(meta=True)
    def starts(self, meta: Any, c: list[Any]) -> ast.Starts:
        return ast.Starts(self._meta(meta), c[0])

    @v_args(meta=True)
    def ends(self, meta: Any, c: list[Any]) -> ast.Ends:
        return ast.Ends(self._meta(meta), c[0])

    @v_args(meta=True)
    def count(self, meta: Any, c: list[Any]) -> ast.Count:
        return ast.Count(self._meta(meta), c[0], str(c[1]), int(c[2]))

    @v_args(meta=True)
    def near(self, meta: Any, c: list[Any]) -> ast.Near:
        return ast.Near(self._meta(meta), c[0], c[1], int(c[2]), ordered=False)

    @v_args(meta=True)
    def followed(self, meta: Any, c: list[Any]) -> ast.Near:
        return ast.Near(self._meta(meta), c[0], c[1], int(c[2]), ordered=True)

    @v_args(meta=True)
    def valid(self, meta: Any, c: list[Any]) -> ast.Valid:
        return ast.Valid(self._meta(meta), c[0], str(c[1]))

    @v_args(meta=True)
    def turn_is(self, meta: Any, c: list[Token]) -> ast.TurnIs:
        return ast.TurnIs(self._meta(meta), (str(c[0]),))

    @v_args(meta=True)
    def turn_in(self, meta: Any, c: list[Token]) -> ast.TurnIs:
        return ast.TurnIs(self._meta(meta), tuple(str(t) for t in c))

    @v_args(meta=True)
    def channel_is(self, meta: Any, c: list[Token]) -> ast.ChannelIs:
        return ast.ChannelIs(self._meta(meta), str(c[0]))

    @v_args(meta=True)
    def locale_is(self, meta: Any, c: list[Token]) -> ast.LocaleIs:
        return ast.LocaleIs(self._meta(meta), str(c[0]))

    @v_args(meta=True)
    def customer(self, meta: Any, c: list[Any]) -> ast.Customer:
        return ast.Customer(self._meta(meta), c[0])

    @v_args(meta=True)
    def time_before(self, meta: Any, c: list[Token]) -> ast.TimeIn:
        return ast.TimeIn(self._meta(meta), None, _minutes(c[0]))

    @v_args(meta=True)
    def time_after(self, meta: Any, c: list[Token]) -> ast.TimeIn:
        return ast.TimeIn(self._meta(meta), _minutes(c[0]), None)

    @v_args(meta=True)
    def time_between(self, meta: Any, c: list[Token]) -> ast.TimeIn:
        return ast.TimeIn(self._meta(meta), _minutes(c[0]), _minutes(c[1]))

    @v_args(meta=True)
    def in_scope(self, meta: Any, c: list[Token]) -> ast.InScope:
        return ast.InScope(self._meta(meta), str(c[0]))

    @v_args(meta=True)
    def and_(self, meta: Any, c: list[Any]) -> Any:
        return c[0] if len(c) == 1 else ast.And(self._meta(meta), tuple(c))

    @v_args(meta=True)
    def or_(self, meta: Any, c: list[Any]) -> Any:
        return c[0] if len(c) == 1 else ast.Or(self._meta(meta), tuple(c))

    @v_args(meta=True)
    def not_(self, meta: Any, c: list[Any]) -> ast.Not:
        return ast.Not(self._meta(meta), c[0])

    # -- conversation conditions
    @v_args(meta=True)
    def customer_said(self, meta: Any, c: list[Any]) -> ast.SaidEarlier:
        return ast.SaidEarlier(self._meta(meta), "customer", c[0], int(c[1]), c[2])

    @v_args(meta=True)
    def agent_said(self, meta: Any, c: list[Any]) -> ast.SaidEarlier:
        return ast.SaidEarlier(self._meta(meta), "agent", c[0], int(c[1]))

    @v_args(meta=True)
    def repeated(self, meta: Any, c: list[Any]) -> ast.Repeated:
        return ast.Repeated(self._meta(meta), c[0], int(c[1]))

    @v_args(meta=True)
    def comes_before(self, meta: Any, c: list[Any]) -> ast.ComesBefore:
        return ast.ComesBefore(self._meta(meta), c[0], c[1])

    @v_args(meta=True)
    def reply_after(self, meta: Any, c: list[Token]) -> ast.ReplyAfter:
        raw = str(c[0])
        digits = raw.rstrip("smhin")
        unit = {"s": 1, "m": 60, "min": 60, "h": 3600}[raw[len(digits) :]]
        return ast.ReplyAfter(self._meta(meta), float(int(digits) * unit))

    def t_customer(self, c: list[Token]) -> ast.GivenTurn:
        return ast.GivenTurn("customer", str(c[0]), None if c[1] is None else str(c[1]))

    def t_agent(self, c: list[Token]) -> ast.GivenTurn:
        return ast.GivenTurn("agent", str(c[0]), None if c[1] is None else str(c[1]))

    def g_turns(self, c: list[Any]) -> tuple[str, Any]:
        return ("turns", tuple(t for t in c if t is not None))

    def g_at(self, c: list[Token]) -> tuple[str, str]:
        return ("at", str(c[0]))

    # -- fixes and examples
    def _fix(self, meta: Any, kind: str, value: str = "") -> ast.Fix:
        return ast.Fix(self._meta(meta), kind, value)

    @v_args(meta=True)
    def fix_rewrite(self, meta: Any, c: list[Token]) -> ast.Fix:
        return self._fix(meta, "rewrite", str(c[0]))

    @v_args(meta=True)
    def fix_map(self, meta: Any, c: list[Token]) -> ast.Fix:
        return self._fix(meta, "map", str(c[0]))

    @v_args(meta=True)
    def fix_delete(self, meta: Any, c: list[Token]) -> ast.Fix:
        return self._fix(meta, "delete")

    @v_args(meta=True)
    def fix_prepend(self, meta: Any, c: list[Token]) -> ast.Fix:
        return self._fix(meta, "prepend", str(c[0]))

    @v_args(meta=True)
    def fix_append(self, meta: Any, c: list[Token]) -> ast.Fix:
        return self._fix(meta, "append", str(c[0]))

    @v_args(meta=True)
    def fix_insert(self, meta: Any, c: list[Token]) -> ast.Fix:
        return self._fix(meta, f"insert_{c[0]}", str(c[1]))

    @v_args(meta=True)
    def fix_suggest(self, meta: Any, c: list[Token]) -> ast.Fix:
        return self._fix(meta, "suggest", str(c[0]))

    def g_turn(self, c: list[Token]) -> tuple[str, str]:
        return ("turn", str(c[0]))

    def g_customer(self, c: list[Token]) -> tuple[str, str]:
        return ("customer", str(c[0]))

    def g_channel(self, c: list[Token]) -> tuple[str, str]:
        return ("channel", str(c[0]))

    def g_locale(self, c: list[Token]) -> tuple[str, str]:
        return ("locale", str(c[0]))

    def g_time(self, c: list[Token]) -> tuple[str, str]:
        return ("time", str(c[0]))

    def given(self, c: list[tuple[str, Any]]) -> ast.Given:
        return ast.Given(**dict(c))

    @v_args(meta=True)
    def r_bad(self, meta: Any, c: list[Any]) -> tuple[str, ast.Example]:
        text, given, expected = c
        ex = ast.Example(self._meta(meta), True, str(text), given or ast.Given(), None if expected is None else str(expected))
        return ("example", ex)

    @v_args(meta=True)
    def r_good(self, meta: Any, c: list[Any]) -> tuple[str, ast.Example]:
        text, given = c
        return ("example", ast.Example(self._meta(meta), False, str(text), given or ast.Given(), None))

    # -- rule statements are collected as (key, value) pairs
    def r_category(self, c: list[Token]) -> tuple[str, Any]:
        return ("category", (str(c[0]), self._tok(c[0])))

    def r_severity(self, c: list[Token]) -> tuple[str, Any]:
        return ("severity", (str(c[0]), self._tok(c[0])))

    def r_message(self, c: list[Token]) -> tuple[str, Any]:
        return ("message", str(c[0]))

    def r_rationale(self, c: list[Token]) -> tuple[str, Any]:
        return ("rationale", str(c[0]))

    def r_source(self, c: list[Token]) -> tuple[str, Any]:
        return ("source", str(c[0]))

    def r_when(self, c: list[Any]) -> tuple[str, Any]:
        return ("when", c[0])

    def r_unless(self, c: list[Any]) -> tuple[str, Any]:
        return ("unless", c[0])

    def r_fix(self, c: list[Any]) -> tuple[str, Any]:
        fix: ast.Fix = c[0]
        if len(c) > 1 and c[1] is not None:
            fix = ast.Fix(fix.span, fix.kind, fix.value, c[1])
        return ("fix", fix)

    @v_args(meta=True)
    def rule_decl(self, meta: Any, c: list[Any]) -> ast.Rule:
        name, stmts = c[0], c[1:]
        single: dict[str, Any] = {}
        unless, fixes, examples = [], [], []
        for key, value in stmts:
            if key == "unless":
                unless.append(value)
            elif key == "fix":
                fixes.append(value)
            elif key == "example":
                examples.append(value)
            else:
                single[key] = value
        return ast.Rule(
            span=self._tok(name),
            id=str(name),
            category=single.get("category"),
            severity=single.get("severity"),
            message=single.get("message"),
            rationale=single.get("rationale", ""),
            source=single.get("source", ""),
            when=single.get("when"),
            unless=tuple(unless),
            fixes=tuple(fixes),
            examples=tuple(examples),
        )

    # -- lists, maps, scopes
    def list_inline(self, c: list[Any]) -> ast.ListDecl:
        return ast.ListDecl(self._tok(c[0]), str(c[0]), tuple(str(t) for t in c[1:] if t is not None), None)

    def list_file(self, c: list[Any]) -> ast.ListDecl:
        return ast.ListDecl(self._tok(c[0]), str(c[0]), (), str(c[1]))

    def class_terms(self, c: list[Any]) -> ast.ListDecl:
        return self.list_inline(c)

    def class_pattern(self, c: list[Any]) -> ast.ClassDecl:
        rx = self.regex([c[1]])
        return ast.ClassDecl(self._tok(c[0]), str(c[0]), rx.pattern, rx.ignore_case, rx.span)

    def map_entry(self, c: list[Token]) -> tuple[str, str]:
        return (str(c[0]), str(c[1]))

    def map_decl(self, c: list[Any]) -> ast.MapDecl:
        return ast.MapDecl(self._tok(c[0]), str(c[0]), tuple(e for e in c[1:] if e is not None))

    @v_args(meta=True)
    def scope_cue(self, meta: Any, c: list[Any]) -> ast.ScopeCue:
        return ast.ScopeCue(self._meta(meta), str(c[0]), c[1], int(c[2]), c[3] is not None)

    def scope_decl(self, c: list[Any]) -> ast.ScopeDecl:
        return ast.ScopeDecl(self._tok(c[0]), str(c[0]), tuple(c[1:]))

    # -- pack header and tenant overrides
    def pack_version(self, c: list[Token]) -> tuple[str, Any]:
        return ("version", str(c[0]))

    def pack_locale(self, c: list[Token]) -> tuple[str, Any]:
        return ("locale", str(c[0]))

    def pack_extends(self, c: list[Token]) -> tuple[str, Any]:
        return ("extends", (str(c[0]), self._tok(c[0])))

    def pack_description(self, c: list[Token]) -> tuple[str, Any]:
        return ("description", str(c[0]))

    def pack_address(self, c: list[Token]) -> tuple[str, Any]:
        return ("address", tuple(str(t) for t in c if t is not None))

    def pack_emoticons(self, c: list[Token]) -> tuple[str, Any]:
        rx = self.regex([c[0]])
        return ("emoticons", ast.Emoticons(rx.span, rx.pattern, str(c[1])))

    def pack_sign_off(self, c: list[Token]) -> tuple[str, Any]:
        return ("sign_off", self.regex([c[0]]))

    def norm_opt(self, c: list[Token]) -> ast.NormOption:
        return ast.NormOption(self._tok(c[0]), str(c[0]), None if c[1] is None else str(c[1]))

    def pack_normalize(self, c: list[Any]) -> tuple[str, Any]:
        return ("normalize", tuple(o for o in c if o is not None))

    @v_args(meta=True)
    def pack_decl(self, meta: Any, c: list[Any]) -> ast.PackDecl:
        name, stmts = c[0], c[1:]
        extends = tuple(v for k, v in stmts if k == "extends")
        single = {k: v for k, v in stmts if k != "extends"}
        return ast.PackDecl(
            span=self._tok(name),
            name=str(name),
            version=single.get("version", "0"),
            locale=single.get("locale"),
            extends=extends,
            description=single.get("description", ""),
            normalize=single.get("normalize"),
            address=single.get("address"),
            emoticons=single.get("emoticons"),
            sign_off=single.get("sign_off"),
        )

    def disable_decl(self, c: list[Token]) -> ast.Disable:
        return ast.Disable(self._tok(c[0]), tuple((str(t), self._tok(t)) for t in c))

    def override_decl(self, c: list[Token]) -> ast.Override:
        return ast.Override(self._tok(c[0]), str(c[0]), str(c[1]))

    def start(self, c: list[Any]) -> list[Any]:
        return c


def _syntax_diagnostic(path: str, text: str, err: UnexpectedInput) -> Diagnostic:
    line, col = getattr(err, "line", 0) or 0, getattr(err, "column", 0) or 0
    if isinstance(err, UnexpectedEOF) or line <= 0:
        lines = text.rstrip("\n").split("\n")  # as Lark counts lines (see diagnostics.render)
        line, col = len(lines), len(lines[-1]) + 1
        return Diagnostic("E102", "unexpected end of file", SourceSpan(path, line, col), hint="a `{` is missing its closing `}`")
    span = SourceSpan(path, line, col)
    if isinstance(err, UnexpectedCharacters):
        ch = text[err.pos_in_stream] if err.pos_in_stream < len(text) else ""
        if ch == '"':
            return Diagnostic("E103", "unclosed string", span, hint='close the string with `"` on the same line')
        if ch == "/":
            return Diagnostic(
                "E104", "unclosed or empty /regex/", span, hint="a regex is written /.../ on one line; escape a slash inside it as \\/"
            )
        return Diagnostic("E101", f"unexpected character {ch!r}", span, hint=_expected_hint(err.allowed))
    assert isinstance(err, UnexpectedToken)
    tok = err.token
    shown = str(tok)
    hint = _expected_hint(err.expected)
    keywords = [n.strip("`") for n in (_token_name(t) for t in err.expected or ()) if n.startswith("`")]
    close = difflib.get_close_matches(shown, keywords, n=1, cutoff=0.75)
    if close:
        hint = f"did you mean `{close[0]}`? {hint}"
    return Diagnostic("E101", f"unexpected {shown!r}", SourceSpan(path, line, col, max(len(shown), 1)), hint=hint)


def _token_name(name: str) -> str:
    if name in _TOKEN_NAMES:
        return _TOKEN_NAMES[name]
    try:
        pattern = parser().get_terminal(name).pattern
    except KeyError:
        return name.lower()
    return f"`{pattern.value}`" if pattern.type == "str" else name.lower()


def _expected_hint(expected: set[str] | None) -> str | None:
    if not expected:
        return None
    names = sorted({_token_name(t) for t in expected})
    if 'a "string"' in names and "a /regex/" in names:
        return 'a condition goes here: a quoted "term", [list, of, terms], @list_name, /regex/, or a context test such as `turn is first`'
    if len(names) > 12:
        names = [*names[:12], "..."]
    return "expected " + ", ".join(names)


def parse(text: str, path: str = "<string>") -> tuple[ast.SourceFile | None, list[Diagnostic]]:
    """Parse one .tact file. Returns (file, []) or (None, [the first syntax error])."""
    try:
        tree: Tree[Token] = parser().parse(text)
    except UnexpectedInput as err:
        return None, [_syntax_diagnostic(path, text, err)]
    too_deep = _depth_diagnostic(path, tree)
    if too_deep is not None:
        return None, [too_deep]
    items = _Builder(path).transform(tree)
    return ast.SourceFile(path, text, tuple(items)), []


def _depth_diagnostic(path: str, tree: Tree[Token]) -> Diagnostic | None:
    """E105 at the first node deeper than MAX_DEPTH, found without recursion."""
    stack: list[tuple[Tree[Token], int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            meta = node.meta
            line, col = getattr(meta, "line", 1), getattr(meta, "column", 1)
            return Diagnostic(
                "E105",
                f"condition nested too deeply (more than {MAX_DEPTH} levels)",
                SourceSpan(path, line, col),
                hint="simplify the condition: `not not X` is X, and redundant parentheses can go",
            )
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))
    return None
