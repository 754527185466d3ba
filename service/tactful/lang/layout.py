"""Canonical layout of .tact source (`tactful fmt`), driven by the real grammar's tokens and parse tree.

The formatter never adds, drops or reorders a token and never touches a token's text (strings and
regexes are copied verbatim); it only decides the whitespace between tokens and where each comment
goes. Its rules are generic so that constructs added to the grammar later are still laid out sanely:

- indentation by `{ }` blocks (two spaces a level); each child subtree of a block, and each
  top-level declaration, starts its own line ("one statement per line");
- a line break the author put inside a statement is kept as a continuation line (two more spaces);
- `[ ]` lists and comma-separated `{ }` maps stay on one line when they fit in the width and the
  author did not break the line after the opening bracket; else their items go on lines of their
  own at two more spaces, keeping the author's line breaks between items and wrapping (filling)
  whatever overflows the width, the closing bracket on its own line;
- one space between tokens, none inside `( )`/`[ ]`, before `,` or after `@`; `f(x)` stays tight
  where the parenthesis belongs to the word before it (decided by the parse tree, not by name);
- comments are kept where they were: a trailing comment stays after its token, a comment line
  keeps its own line; blank lines between statements are kept, at most one.

Every result is checked against the source (same tokens, same comments) before it is returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from tactful.lang.diagnostics import Diagnostic, SourceSpan, display_width
from tactful.lang.grammar import grammar_text
from tactful.lang.parse import parse

WIDTH = 140
INDENT = "  "
_COMMENT = re.compile(r"#[^\n]*")
_OPEN = {"(": ")", "[": "]", "{": "}"}
_TIGHT_AFTER = {"(", "[", "@"}
_TIGHT_BEFORE = {",", ")", "]"}


@lru_cache(maxsize=4)
def _full_parser(grammar: str | None = None) -> Lark:
    # keep_all_tokens: brackets and keywords stay in the tree, so the layout sees every token.
    return Lark(grammar or grammar_text(), parser="lalr", keep_all_tokens=True, maybe_placeholders=False)


@dataclass(slots=True)
class _Gap:
    """What stood between two tokens: newlines and comments (trailing = on the previous token's line)."""

    newlines: int = 0
    trailing: str | None = None
    # (blank line before it, comment text) for each comment on a line of its own
    own: list[tuple[bool, str]] = field(default_factory=list)
    blank_before_token: bool = False


def _gap(text: str) -> _Gap:
    gap = _Gap(newlines=text.count("\n"))
    pos, seen_newline, newlines_since = 0, False, 0
    for m in _COMMENT.finditer(text):
        between = text[pos : m.start()].count("\n")
        comment = m.group().rstrip()
        if not seen_newline and between == 0:
            gap.trailing = comment
        else:
            gap.own.append((newlines_since + between >= 2, comment))
        seen_newline = seen_newline or between > 0
        newlines_since = 0
        pos = m.end()
    gap.blank_before_token = text[pos:].count("\n") >= 2
    return gap


@dataclass(slots=True)
class _Structure:
    """What the parse tree says about each token position."""

    stmt_start: set[int]
    call_paren: set[int]
    match: dict[int, int]
    blocks: set[int]  # positions of `{` that open a statement block (not a comma map)
    block_closes: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.block_closes = {self.match[i] for i in self.blocks if i in self.match}


def _structure(tree: Tree[Token], tokens: list[Token]) -> _Structure:
    index = {id(t): i for i, t in enumerate(tokens)}
    stmt_start: set[int] = set()
    call_paren: set[int] = set()

    blocks: set[int] = set()

    def walk(node: Tree[Token], top: bool) -> None:
        kids = node.children
        inside = False
        for pos, child in enumerate(kids):
            if isinstance(child, Token):
                if child == "{" and _block_brace(kids, pos):
                    inside = True
                    blocks.add(index[id(child)])
                elif child == "}":
                    inside = False
                elif child == "(" and pos > 0:
                    # `(` that is not the first token of its node belongs to what precedes it: count(...), noise("...")
                    call_paren.add(index[id(child)])
                continue
            if top or inside:
                start = _first_token(child, index)
                if start is not None:
                    stmt_start.add(start)
            walk(child, False)

    walk(tree, True)
    return _Structure(stmt_start, call_paren, _brackets(tokens), blocks)


def _first_token(node: Tree[Token] | Token, index: dict[int, int]) -> int | None:
    if isinstance(node, Token):
        return index.get(id(node))
    for child in node.children:
        found = _first_token(child, index)
        if found is not None:
            return found
    return None


def _brackets(tokens: list[Token]) -> dict[int, int]:
    """Opening bracket position -> its closing bracket's position."""
    match: dict[int, int] = {}
    stack: list[int] = []
    for i, tok in enumerate(tokens):
        if tok in _OPEN:
            stack.append(i)
        elif tok in (")", "]", "}") and stack:
            match[stack.pop()] = i
    return match


def _block_brace(kids: list[Tree[Token] | Token], pos: int) -> bool:
    """A `{` opens a block of statements unless its own items are separated by commas (a map)."""
    for child in kids[pos + 1 :]:
        if isinstance(child, Token) and child == "}":
            return True
        if isinstance(child, Token) and child == ",":
            return False
    return True


def _leaves(tree: Tree[Token]) -> list[Token]:
    return sorted(tree.scan_values(lambda v: isinstance(v, Token)), key=lambda t: t.start_pos or 0)


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.cur = ""
        self.at_start = True

    @property
    def col(self) -> int:
        return display_width(self.cur)

    def newline(self, indent: str, blank: bool = False) -> None:
        if not self.at_start or self.cur.strip():
            self.lines.append(self.cur.rstrip())
        # at most one blank line, never right after an opening bracket
        if blank and self.lines and self.lines[-1] != "" and not self.lines[-1].endswith(("{", "[", "(")):
            self.lines.append("")
        self.cur = indent
        self.at_start = True

    def put(self, text: str, space: bool) -> None:
        if not self.at_start and space:
            self.cur += " "
        self.cur += text
        self.at_start = False

    def text(self) -> str:
        if self.cur.strip():
            self.lines.append(self.cur.rstrip())
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines) + "\n" if self.lines else ""


@dataclass(slots=True)
class _Ctx:
    kind: str  # "block" | "flat" (a list on one line) | "broken" (a list over lines) | "paren"
    close: int
    indent: str  # indentation of lines inside (statements of a block, items of a broken list)
    outer: str  # indentation the closing bracket goes back to


class _Formatter:
    def __init__(self, text: str, tokens: list[Token], st: _Structure, width: int) -> None:
        self.src = text
        self.toks = tokens
        self.st = st
        self.width = width
        self.out = _Writer()
        self.stack: list[_Ctx] = []
        self.texts = [text[t.start_pos : t.end_pos] for t in tokens]

    # -- helpers
    def _block_indent(self) -> str:
        for ctx in reversed(self.stack):
            if ctx.kind == "block":
                return ctx.indent
        return ""

    def _line_indent(self) -> str:
        return self.out.cur[: len(self.out.cur) - len(self.out.cur.lstrip(" "))]

    def _space(self, i: int) -> bool:
        prev, tok = self.toks[i - 1], self.toks[i]
        if prev in _TIGHT_AFTER or tok in _TIGHT_BEFORE:
            return False
        if tok == "(" and i in self.st.call_paren:
            return False
        if tok == "}" and prev == "{":
            return False
        return True

    def _flat(self, i: int, j: int) -> str:
        parts = [self.texts[i]]
        for k in range(i + 1, j + 1):
            parts.append((" " if self._space(k) else "") + self.texts[k])
        return "".join(parts)

    def _has_comment(self, i: int, j: int) -> bool:
        return any("#" in self._gap_text(k) for k in range(i + 1, j + 1))

    def _gap_text(self, i: int) -> str:
        start = self.toks[i - 1].end_pos if i > 0 else 0
        return self.src[start : self.toks[i].start_pos]

    def _item_end(self, i: int, close: int) -> int:
        """Index of the last token of the list item starting at i (its comma included)."""
        k = i
        while k < close:
            if self.toks[k] == ",":
                return k
            if k in self.st.match:
                k = self.st.match[k]
            if k + 1 >= close:
                return k
            k += 1
        return k

    # -- main loop
    def run(self) -> str:
        force = False
        for i in range(len(self.toks)):
            gap = _gap(self._gap_text(i))
            force = self._comments(i, gap, force)
            self._place(i, gap, force)
            force = False
            self.out.put(self.texts[i], self._space(i) if i > 0 else False)
            self._after(i)
        tail = _gap(self.src[self.toks[-1].end_pos :]) if self.toks else _gap(self.src)
        if tail.trailing:
            self.out.put(tail.trailing, True)
        for _blank, comment in tail.own:
            self.out.newline(self._block_indent(), blank=_blank and bool(self.toks))
            self.out.put(comment, False)
        return self.out.text()

    def _inner_indent(self, i: int) -> str:
        """Indentation for a comment line standing before token i."""
        top = self.stack[-1] if self.stack else None
        if top is not None and top.kind == "broken":
            return top.indent
        # before a statement, a block's first token or its `}`: the block's indentation; else a continuation
        if i in self.st.stmt_start or (i - 1) in self.st.blocks or (top is not None and top.kind == "block" and i == top.close):
            return self._block_indent()
        return self._block_indent() + INDENT

    def _comments(self, i: int, gap: _Gap, force: bool) -> bool:
        if gap.trailing is not None:
            self.out.put("  " + gap.trailing if not self.out.at_start else gap.trailing, False)
            force = True
        for blank, comment in gap.own:
            self.out.newline(self._inner_indent(i), blank=blank)
            self.out.put(comment, False)
            force = True
        return force

    def _place(self, i: int, gap: _Gap, force: bool) -> None:
        top = self.stack[-1] if self.stack else None
        if top is not None and i == top.close and top.kind in ("block", "broken"):
            self.out.newline(top.outer)
            return
        if i == 0:
            if force:
                self.out.newline("", blank=gap.blank_before_token)
            return
        if top is not None and top.kind == "broken":
            self._fill(i, top, force or gap.newlines > 0)
            return
        if top is not None and top.kind == "flat":
            return
        if i in self.st.stmt_start or (i - 1) in self.st.blocks:
            self.out.newline(self._block_indent(), blank=gap.blank_before_token)
            return
        if force or gap.newlines > 0:
            self.out.newline(self._block_indent() + INDENT, blank=False)

    def _fill(self, i: int, top: _Ctx, force: bool) -> None:
        """In a list laid out over several lines: keep the author's breaks between items, wrap what overflows."""
        item_start = self.toks[i - 1] == "," or self.st.match.get(i - 1) == top.close
        if force:
            self.out.newline(top.indent)
            return
        if not item_start:
            return
        end = self._item_end(i, top.close)
        need = display_width(self._flat(i, end))
        if self.out.at_start or self.out.col + 1 + need <= self.width:
            return
        self.out.newline(top.indent)

    def _closes_block(self, k: int) -> bool:
        return k in self.st.block_closes

    def _after(self, i: int) -> None:
        tok = self.toks[i]
        top = self.stack[-1] if self.stack else None
        if top is not None and i == top.close:
            self.stack.pop()
            return
        if i not in self.st.match:
            return
        close = self.st.match[i]
        if top is not None and top.kind == "flat":
            self.stack.append(_Ctx("flat", close, top.indent, top.outer))
            return
        if i in self.st.blocks:
            inner = self._block_indent() + INDENT
            self.stack.append(_Ctx("block", close, inner, self._block_indent()))
            return
        if tok == "(":
            # grouping/call parentheses: their contents follow the enclosing rules
            self.stack.append(_Ctx("paren", close, "", ""))
            return
        outer = self._line_indent()
        flat = self._flat(i, close)
        trail = self.texts[close + 1] if close + 1 < len(self.toks) and self.toks[close + 1] in _TIGHT_BEFORE else ""
        fits = self.out.col + display_width(flat) - display_width(self.texts[i]) + len(trail) <= self.width
        # an author who opened the list with a line break wants it one group per line: keep that
        expanded = "\n" in self._gap_text(i + 1)
        # inside an expression a list stays on its line (the author breaks such lines); only a list
        # that ends its statement is wrapped for width
        ends_statement = close + 1 >= len(self.toks) or close + 1 in self.st.stmt_start or self._closes_block(close + 1)
        if (fits or not ends_statement) and not expanded and not self._has_comment(i, close):
            self.stack.append(_Ctx("flat", close, outer, outer))
        else:
            self.stack.append(_Ctx("broken", close, outer + INDENT, outer))
            self.out.newline(outer + INDENT)


def format_text(text: str, path: str = "<string>", width: int = WIDTH, grammar: str | None = None) -> tuple[str | None, list[Diagnostic]]:
    """Return (formatted text, []) or (None, [the syntax error]); the input is never half-formatted.

    `grammar` (default: the shipped grammar/tact.lark) is the Lark grammar the layout reads the
    source with; nothing in the layout names a construct of it.
    """
    try:
        tree = _full_parser(grammar).parse(text)
    except UnexpectedInput as err:
        diags = parse(text, path)[1] if grammar is None else []
        return None, diags or [
            Diagnostic("E101", "syntax error", SourceSpan(path, getattr(err, "line", 1) or 1, getattr(err, "column", 1) or 1))
        ]
    tokens = _leaves(tree)
    if not tokens:
        return _comments_only(text), []
    result = _Formatter(text, tokens, _structure(tree, tokens), width).run()
    _check_lossless(text, result, grammar)
    return result, []


def _comments_only(text: str) -> str:
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n" if lines else ""


def _signature(text: str, grammar: str | None) -> tuple[list[str], list[str]]:
    tree = _full_parser(grammar).parse(text)
    tokens = _leaves(tree)
    return [text[t.start_pos : t.end_pos] for t in tokens], [m.group().rstrip() for m in _COMMENT.finditer(_between_tokens(text, tokens))]


def _between_tokens(text: str, tokens: list[Token]) -> str:
    pos, parts = 0, []
    for tok in tokens:
        parts.append(text[pos : tok.start_pos])
        parts.append("\n")
        pos = tok.end_pos or pos
    parts.append(text[pos:])
    return "".join(parts)


class LayoutError(AssertionError):
    """The formatter would have changed a token or lost a comment: a bug of ours, never written to disk."""


def _check_lossless(before: str, after: str, grammar: str | None) -> None:
    try:
        same = _signature(before, grammar) == _signature(after, grammar)
    except UnexpectedInput:
        same = False
    if not same:
        raise LayoutError("formatting would change the tokens or comments of this file; it was left untouched")
